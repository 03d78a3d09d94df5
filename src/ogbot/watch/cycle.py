"""One watch cycle, written out top to bottom: for every source fetch, parse, filter,
classify, store; report a line per source. One failing source never stops the cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from ogbot import logs
from ogbot.config import Settings, SourceSettings
from ogbot.models import Clock, CycleReport, Item, SaveResult, SourceReport, SourceState, utc_now
from ogbot.sanitize import plain_text
from ogbot.store import AsyncStore, Store, StoreError
from ogbot.watch import backoff
from ogbot.watch.classify import classify
from ogbot.watch.fetch import FetchPolicy, HostLimiter, fetch
from ogbot.watch.model import Entry, Fetched, NotModified, Parsed, WatchError
from ogbot.watch.normalise import Filters, link_key
from ogbot.watch.parse import parse_feed
from ogbot.watch.scrape import scrape_listing

log = logs.get_logger(__name__)
MAX_PARALLEL = 8  # sources in flight at once
CLASSIFY_LIMIT = 1500  # characters of an item's text the classifier reads
CycleHook = Callable[[CycleReport], Awaitable[None]]


@dataclass(frozen=True)
class Extracted:
    """What one fetched body yields: items to store, and a recoverable problem to log."""

    items: tuple[Item, ...]
    problem: str | None


def extract(source: SourceSettings, fetched: Fetched, tz: ZoneInfo, now: datetime) -> Extracted:
    """Parse (or scrape), filter and classify. CPU-bound: callers run it in a thread."""
    today = now.astimezone(tz).date()
    parsed: Parsed
    if source.type == "html" and source.select is not None:
        parsed = scrape_listing(
            source.name, fetched.body, fetched.url, fetched.headers, source.select, tz, today
        )
    else:
        parsed = parse_feed(source.name, fetched.body, fetched.url, fetched.headers)
    items = []
    filters = Filters.of(source.include, source.exclude)
    for entry in parsed.entries:
        if not filters.passes((entry.title, entry.summary, *entry.categories)):
            continue
        items.append(to_item(source, entry, tz, now, today))
    return Extracted(tuple(items), parsed.problem)


def to_item(source: SourceSettings, entry: Entry, tz: ZoneInfo, now: datetime, today: date) -> Item:
    # the excerpt often stops before the deadline: the full text is read too (bounded)
    text = entry.summary
    if entry.content_html:
        text = plain_text(entry.content_html, CLASSIFY_LIMIT)
    verdict = classify(entry.title, text, entry.categories, entry.published, tz, today=today)
    key = link_key(entry.link)
    return Item(
        source=source.name,
        # an HTML listing has no guid: its normalised link is one (a renamed slug stays one item)
        guid=key if source.type == "html" else entry.guid,
        link=entry.link,
        key=key,
        title=entry.title,
        summary=entry.summary,
        content_html=entry.content_html,
        published=entry.published or now,
        date_known=entry.published is not None,
        categories=entry.categories,
        author=entry.author,
        kind=verdict.kind,
        deadline=verdict.deadline,
        deadline_guessed=verdict.deadline_guessed,
    )


async def poll_source(
    settings: Settings,
    source: SourceSettings,
    client: httpx.AsyncClient,
    store: AsyncStore,
    now: datetime,
    *,
    force: bool,
    limiter: HostLimiter,
    turn: asyncio.Event | None = None,
) -> SourceReport:
    """Fetch and extract at once with the other sources; store only after ``turn`` is set, so
    sources store in configuration order and the first configured source wins a duplicate."""
    state: SourceState = await store.call(Store.source_state, source.name, source.url)
    if state.paused or (not force and not state.due(now)):
        return SourceReport(source.name, skipped=True)
    interval = timedelta(minutes=source.interval or settings.fetch.interval)
    policy = FetchPolicy.for_source(settings.fetch, source)
    try:
        result = await fetch(
            client,
            source.name,
            state.fetch_url or source.url,
            state.validators,
            policy,
            limiter,
        )
        if isinstance(result, NotModified):
            status, report = "not modified", SourceReport(source.name, not_modified=True)
        else:
            extracted = await asyncio.to_thread(extract, source, result, settings.publish.tz, now)
            if extracted.problem:
                log.warning("source_malformed", source=source.name, problem=extracted.problem)
            if turn is not None:
                await turn.wait()
            first_sight = state.first_success is None
            saved: SaveResult = await store.call(
                Store.save_items, source.name, extracted.items, now, first_sight
            )
            report = SourceReport(
                source.name,
                new=saved.new,
                updated=saved.updated,
                new_ids=saved.new_ids,
                updated_ids=saved.updated_ids,
            )
            status = "ok"
        await store.call(
            Store.record_success,
            source.name,
            now,
            backoff.next_due(now, interval),
            result.validators,
            status,
            result.permanent_url,
        )
        if result.permanent_url:
            log.info("source_moved", source=source.name, url=result.permanent_url)
        return report
    except WatchError as exc:
        failures = await store.call(
            Store.record_failure,
            source.name,
            now,
            backoff.next_due(now, interval, state.failures + 1),
            str(exc.reason),
        )
        log.warning(
            "source_failed",
            source=source.name,
            stage=exc.stage,
            reason=exc.reason,
            failures=failures,
        )
        return SourceReport(source.name, error=f"{exc.stage}: {exc.reason}")
    except StoreError:
        raise  # the database failed, not the source: the cycle stops (a runtime failure)
    except Exception as exc:  # a bug must not stop the other sources; it is logged in full
        log.exception("source_crashed", source=source.name)
        await store.call(
            Store.record_failure,
            source.name,
            now,
            backoff.next_due(now, interval, state.failures + 1),
            f"internal error: {exc!r}",
        )
        return SourceReport(source.name, error=f"internal error: {type(exc).__name__}")


async def poll_once(
    settings: Settings,
    client: httpx.AsyncClient,
    store: AsyncStore,
    clock: Clock = utc_now,
    *,
    force: bool = True,
    on_cycle: CycleHook | None = None,
) -> CycleReport:
    """One cycle over every configured source; ``on_cycle`` publishes what changed."""
    started = clock()
    limiter = HostLimiter()
    gate = asyncio.Semaphore(MAX_PARALLEL)

    turns = [asyncio.Event() for _ in settings.sources]

    async def one(index: int, source: SourceSettings) -> SourceReport:
        try:
            async with gate:
                return await poll_source(
                    settings,
                    source,
                    client,
                    store,
                    started,
                    force=force,
                    limiter=limiter,
                    turn=turns[index - 1] if index else None,
                )
        finally:
            turns[index].set()

    reports = await asyncio.gather(*(one(i, s) for i, s in enumerate(settings.sources)))
    report = CycleReport(started=started, finished=clock(), sources=tuple(reports))
    log.info(
        "cycle_done",
        sources=len(reports),
        new=report.new,
        updated=report.updated,
        failed=len(report.failed),
        seconds=round((report.finished - report.started).total_seconds(), 2),
    )
    if on_cycle is not None:
        await on_cycle(report)
    return report
