"""One watch cycle, top to bottom (as miniflux's ``RefreshFeed``):

1. read which sources are due (interval, backoff, paused), and keep their configured titles;
2. fetch and extract every due source at once, each within its deadline -- the time spent
   waiting for a slot at a busy host counts, so ten hanging sources on one host hold nobody's
   items back longer than one deadline; a large document is extracted on another core (the
   process's :class:`ogbot.app.pool.ExtractPool`), a small one in a thread;
3. store the results one source after another **in configuration order**, so the first
   configured source wins a story two sources carry, whatever answered first or failed --
   each as soon as it and those before it are done, while the sources after it are still being
   fetched (nothing waits for storing: every due source started in step 2), and a stored
   source's items are let go, so a cycle holds few sources' items at a time (one done far
   ahead of the next to store, behind a source that hangs until its deadline, waits packed:
   its items pickled and compressed, a tenth of their size as objects);
4. render the feeds and queue the posts for what changed (the feeds also when the name people
   see of a source changed: a ``[[sources]] title``, or a feed's own title);
5. wake the outbox.

One failing source never stops the cycle; a failing database does (it is not the source's
fault, and the caller reports it).
"""

from __future__ import annotations

import asyncio
import pickle
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import httpx

from ogbot import logs
from ogbot.app.pool import ExtractPool
from ogbot.config import Settings, SourceSettings
from ogbot.models import Clock, CycleReport, SourceReport, SourceState, Validators, utc_now
from ogbot.publish.publisher import Publisher
from ogbot.store import AsyncStore, Store, StoreError
from ogbot.watch import backoff
from ogbot.watch.extract import Extracted, extract
from ogbot.watch.fetch import FetchPolicy, HostLimiter, fetch
from ogbot.watch.model import FetchError, NotModified, ServerAsk, WatchError

log = logs.get_logger(__name__)
MAX_PARALLEL = 8  # sources in flight at once
# a source done this many places after the next one to store waits packed (a source before it
# hangs until its deadline, and the ones after it go on): its items as compressed bytes, a
# tenth of their size as objects
PACK_AFTER = 2 * MAX_PARALLEL


@dataclass(frozen=True)
class Outcome:
    """What fetching and extracting one source gave, before anything is stored."""

    source: SourceSettings
    state: SourceState
    extracted: Extracted | None = None  # None: not modified (or packed)
    validators: Validators | None = None
    permanent_url: str | None = None
    error: WatchError | None = None
    crash: Exception | None = None  # a bug, logged in full; the other sources go on
    asked: ServerAsk | None = None  # what the server asked about the next fetch
    packed: bytes | None = None  # the extracted items while they wait to be stored

    def pack(self) -> Outcome:
        if self.extracted is None:
            return self
        packed = zlib.compress(pickle.dumps(self.extracted, pickle.HIGHEST_PROTOCOL), 1)
        return replace(self, extracted=None, packed=packed)

    def unpack(self) -> Outcome:
        if self.packed is None:
            return self
        extracted: Extracted = pickle.loads(zlib.decompress(self.packed))  # noqa: S301 (ours)
        return replace(self, extracted=extracted, packed=None)


async def run_cycle(
    settings: Settings,
    client: httpx.AsyncClient,
    store: AsyncStore,
    clock: Clock = utc_now,
    *,
    force: bool = True,
    publisher: Publisher | None = None,
    wake: Callable[[], None] | None = None,
    pool: ExtractPool | None = None,
) -> CycleReport:
    """One cycle over the configured sources (``force``: also those not due yet); large
    documents are extracted in ``pool`` (None: every document in a thread)."""
    started = clock()

    # 1. which sources are due
    due: list[tuple[SourceSettings, SourceState]] = []
    skipped: dict[str, SourceReport] = {}
    titles = await store.call(Store.source_titles)
    states = await store.call(_source_states, settings.sources)  # one call, not one a source
    for source, state in zip(settings.sources, states, strict=True):
        if state.paused or (not force and not state.due(started)):
            skipped[source.name] = SourceReport(source.name, skipped=True)
        else:
            due.append((source, state))
    await store.call(Store.set_source_titles, {s.name: s.title for s in settings.sources})

    # 2. fetch and extract them all at once, each within its deadline
    limiter = HostLimiter()
    gate = asyncio.Semaphore(MAX_PARALLEL)

    storing = 0  # the place of the next source to store

    async def gather(place: int, source: SourceSettings, state: SourceState) -> Outcome:
        async with gate:
            done = await fetch_and_extract(settings, source, state, client, limiter, started, pool)
        return done.pack() if place - storing > PACK_AFTER else done

    tasks: list[asyncio.Task[Outcome] | None] = [
        asyncio.create_task(gather(place, source, state))
        for place, (source, state) in enumerate(due)
    ]

    # 3. store in configuration order: the first configured source wins a shared story; each
    # source as soon as it and those before it are done, the others going on meanwhile
    stored: dict[str, SourceReport] = {}
    try:
        for storing, task in enumerate(tasks):  # gather reads `storing`
            assert task is not None
            outcome = (await task).unpack()
            tasks[storing] = None  # its items are let go once stored
            stored[outcome.source.name] = await store_outcome(settings, store, outcome, started)
            del outcome, task
    finally:
        left = [task for task in tasks if task is not None]
        for task in left:
            task.cancel()  # the database failed (or the cycle was cancelled): stop the rest
        await asyncio.gather(*left, return_exceptions=True)
    reports = tuple(skipped.get(s.name) or stored[s.name] for s in settings.sources)
    report = CycleReport(started=started, finished=clock(), sources=reports)
    log.info(
        "cycle_done",
        sources=len(reports),
        new=report.new,
        updated=report.updated,
        failed=len(report.failed),
        seconds=round((report.finished - report.started).total_seconds(), 2),
    )

    # 4. the feeds and the posts for what changed
    if publisher is not None:
        if await store.call(Store.source_titles) != titles:
            await publisher.write_feeds()  # they credit the sources by name
        await publisher.after_cycle(report)

    # 5. the outbox sends what was queued
    if wake is not None and report.new_ids:
        wake()
    return report


def _source_states(store: Store, sources: tuple[SourceSettings, ...]) -> list[SourceState]:
    return [store.source_state(source.name, source.url) for source in sources]


async def fetch_and_extract(
    settings: Settings,
    source: SourceSettings,
    state: SourceState,
    client: httpx.AsyncClient,
    limiter: HostLimiter,
    now: datetime,
    pool: ExtractPool | None = None,
) -> Outcome:
    """Fetch one source and extract its items (a large document in ``pool`` when given, else
    in a thread); nothing is stored here."""
    policy = FetchPolicy.for_source(settings.fetch, source)
    try:
        try:
            # the deadline covers the wait for a slot at the host as well as the fetch
            async with asyncio.timeout(policy.timeout):
                result = await fetch(
                    client,
                    source.name,
                    state.fetch_url or source.url,
                    state.validators,
                    policy,
                    limiter,
                )
        except TimeoutError as exc:
            raise FetchError(source.name, f"timed out after {policy.timeout:g} s") from exc
        if isinstance(result, NotModified):
            return Outcome(
                source, state, None, result.validators, result.permanent_url, asked=result.asked
            )
        tz = settings.publish.tz
        if pool is not None:
            extracted = await pool.extract(source, result, tz, now)
        else:
            extracted = await asyncio.to_thread(extract, source, result, tz, now)
        # the outcome keeps the items, not the body
        return Outcome(
            source, state, extracted, result.validators, result.permanent_url, asked=result.asked
        )
    except WatchError as exc:
        return Outcome(source, state, error=exc)
    except Exception as exc:  # a bug must not stop the other sources; it is logged in full
        log.exception("source_crashed", source=source.name)
        return Outcome(source, state, crash=exc)


async def store_outcome(
    settings: Settings, store: AsyncStore, outcome: Outcome, now: datetime
) -> SourceReport:
    """Store one source's items and its fetch state, with when and why it is fetched again
    (:func:`ogbot.watch.backoff.next_fetch`: its interval, the backoff after failures in a row,
    or later when the server asked for later); report what it did."""
    source, name = outcome.source, outcome.source.name
    interval = timedelta(minutes=source.interval or settings.fetch.interval)
    refused = outcome.error.asked if isinstance(outcome.error, FetchError) else None
    again = backoff.next_fetch(now, interval, 0, outcome.asked)
    after_failure = backoff.next_fetch(now, interval, outcome.state.failures + 1, refused)
    try:
        if outcome.error is not None:
            exc = outcome.error
            failures = await store.call(
                Store.record_failure,
                name,
                now,
                after_failure.at,
                exc.reason,
                after_failure.reason,
            )
            log.warning(
                "source_failed",
                source=name,
                stage=exc.stage,
                reason=exc.reason,
                failures=failures,
                next_fetch=after_failure.at.isoformat(timespec="seconds"),
                because=after_failure.reason,
            )
            return SourceReport(name, error=f"{exc.stage}: {exc.reason}")
        if outcome.crash is not None:
            await store.call(
                Store.record_failure,
                name,
                now,
                after_failure.at,
                f"internal error: {outcome.crash!r}",
                after_failure.reason,
            )
            return SourceReport(name, error=f"internal error: {type(outcome.crash).__name__}")
        extracted = outcome.extracted
        if extracted is None:
            status, report = "not modified", SourceReport(name, not_modified=True)
        else:
            if extracted.problem:
                log.warning("source_malformed", source=name, problem=extracted.problem)
            first_sight = outcome.state.first_success is None
            saved = await store.call(Store.save_items, name, extracted.items, now, first_sight)
            await store.call(Store.record_feed_title, name, extracted.title)
            status = "ok"
            report = SourceReport(
                name,
                new=saved.new,
                updated=saved.updated,
                new_ids=saved.new_ids,
                updated_ids=saved.updated_ids,
            )
        await store.call(
            Store.record_success,
            name,
            now,
            again.at,
            outcome.validators or Validators(),
            status,
            outcome.permanent_url,
            again.reason,
        )
        if again.reason != "interval":
            log.debug(
                "source_asked_later",
                source=name,
                next_fetch=again.at.isoformat(timespec="seconds"),
                because=again.reason,
            )
        if outcome.permanent_url:
            log.info("source_moved", source=name, url=outcome.permanent_url)
        return report
    except StoreError:
        raise  # the database failed, not the source: the cycle stops (a runtime failure)
    except Exception as exc:  # a bug in storing one source must not stop the others
        log.exception("source_crashed", source=name)
        await store.call(
            Store.record_failure,
            name,
            now,
            after_failure.at,
            f"internal error: {exc!r}",
            after_failure.reason,
        )
        return SourceReport(name, error=f"internal error: {type(exc).__name__}")
