"""The commands besides ``ogbot run``, as the application does them; :mod:`ogbot.cli` parses
the arguments, calls these and prints what they say. ``say`` receives each line of output as
soon as it is known (a poll prints its sources before it waits for the channel).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ogbot.app.errors import StoreError, UsageError
from ogbot.config import Settings
from ogbot.models import Answer, Lang, Retention, ReviewDecision, SourceState, utc_now
from ogbot.store import DB_NAME, Store

Say = Callable[[str], None]


# -- ogbot ask ---------------------------------------------------------------------------------


class Asker:
    """Answers questions as the bot does, the stored items included (never creating the
    database): ``ogbot ask``."""

    def __init__(self, settings: Settings) -> None:
        from ogbot.app.answers import load_answerer

        self.settings = settings
        self.answerer = load_answerer(settings)

    @functools.cached_property
    def _stored_items(self) -> Store | None:
        """The database, for questions about consultations and news; never created here."""
        data = self.settings.data_dir
        return (
            Store.open(data, start_afresh=self.settings.start_afresh)
            if (data / DB_NAME).exists()
            else None
        )

    def answer(self, question: str, lang: Lang | None) -> Answer:
        from ogbot.knowledge.answer import Pending

        answer = self.answerer.prepare(question, lang)
        if isinstance(answer, Pending):  # open consultations, news: from the stored items
            answer = self.answerer.answer_live(
                answer, self._stored_items, tz=self.settings.publish.tz
            )
        return answer


# -- ogbot run ---------------------------------------------------------------------------------


def run(settings: Settings) -> None:
    """``ogbot run`` until SIGTERM or SIGINT; raises RunError when it cannot start."""
    from ogbot.app.service import run as run_service

    asyncio.run(run_service(settings))


# -- ogbot poll --------------------------------------------------------------------------------


def _local(moment: datetime | None, settings: Settings) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(settings.publish.tz).strftime("%Y-%m-%d %H:%M")


def channel_state(settings: Settings) -> str | None:
    """Why nothing goes to the channel now, or None when it does."""
    if not settings.telegram.channel:
        return "channel: off (telegram.channel is not set)"
    if not settings.telegram.enabled:
        # posts are queued for the configured channel all the same (publish.max_age still holds)
        return "channel: no Telegram token here: posts wait in the outbox for an ogbot with one"
    return None


def poll(settings: Settings, say: Say) -> None:
    """One cycle now, the feeds, due announcements, then the channel's queue (``ogbot poll``).
    When ``ogbot run`` holds the data directory, it runs the cycle: nothing is done here."""
    from ogbot.app.cycle import run_cycle
    from ogbot.app.house import extract_pool, publishing, sources_client
    from ogbot.lock import DataLock
    from ogbot.store import AsyncStore

    lock = DataLock(settings.data_dir)
    if not lock.acquire():
        say(
            f"another ogbot process (ogbot run) holds {lock.path}: it runs the cycle; "
            "nothing done here"
        )
        return
    try:
        store = AsyncStore.open(settings.data_dir, start_afresh=settings.start_afresh)

        async def cycle() -> None:
            async with (
                extract_pool() as pool,
                sources_client(settings) as client,
                publishing(settings, store) as pub,
            ):
                await pub.outbox.recover()
                await store.call(Store.housekeep, utc_now(), Retention())
                report = await run_cycle(settings, client, store, publisher=pub, pool=pool)
                for source in report.sources:
                    say(source.line())
                await pub.publish_due()
                off = channel_state(settings)
                if off:
                    say(off)
                    return
                drained = await pub.outbox.drain_for_wait()
                say(drained.line())

        try:
            asyncio.run(cycle())
        finally:
            store.close()
    finally:
        lock.release()


# -- ogbot announce ----------------------------------------------------------------------------


def announce(
    settings: Settings, text: str, at: str | None, say: Say, photo: str | None = None
) -> None:
    """Publish an announcement now, or schedule it for ``at`` (``ogbot announce``); with
    ``photo`` (a JPEG or PNG file) the channel gets the photo with the text as its caption."""
    from ogbot.app.house import publishing
    from ogbot.lock import DataLock
    from ogbot.publish.feeds import MEDIA_DIR, save_media
    from ogbot.publish.post import announcement_problem
    from ogbot.store import AsyncStore

    text = text.strip()
    if not text:
        raise UsageError("announce: the text is empty")
    problem = announcement_problem(text, settings.publish, photo=photo is not None)
    if problem is not None:
        raise UsageError(f"announce: {problem}")
    when = announce_time(at, settings) if at else None
    if when is not None and when <= utc_now():
        raise UsageError(f"announce: --at {at} is in the past")
    image = None
    if photo is not None:
        image, data = read_photo(photo)
        save_media(settings, image, data)
        say(
            f"photo kept as {MEDIA_DIR}/{image} (served at {settings.site_url}/{MEDIA_DIR}/{image})"
        )

    lock = DataLock(settings.data_dir)
    holder = lock.acquire()
    store = AsyncStore.open(settings.data_dir, start_afresh=settings.start_afresh)

    async def publish() -> None:
        async with publishing(settings, store) as publisher:
            done = await publisher.announce(text, "shell", when, image=image)
            if done.scheduled is not None:
                local = _local(done.scheduled, settings)
                say(f"announcement {done.id} scheduled for {local} ({settings.publish.timezone})")
                if not holder:
                    say("the running ogbot publishes it when its time comes")
                return
            say(f"announcement {done.id} published to the feeds")
            off = channel_state(settings)
            if off:
                say(off)
                return
            if not holder:
                say("queued for the channel: the running ogbot (it holds the lock) sends it")
                return
            await publisher.outbox.recover()
            drained = await publisher.outbox.drain_for_wait()
            say(drained.line())

    try:
        asyncio.run(publish())
    finally:
        store.close()
        if holder:
            lock.release()


PHOTO_BYTES = 10 * 1024 * 1024  # Telegram takes uploaded photos up to 10 MB
_PHOTO_KINDS = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def read_photo(path: str) -> tuple[str, bytes]:
    """The photo for ``ogbot announce --photo``: its name in ``public/media/`` (a hash of its
    bytes, so the same photo is kept once) and its bytes. JPEG or PNG, at most 10 MB, as
    Telegram takes a photo; else UsageError."""
    import hashlib

    try:
        with Path(path).open("rb") as file:
            data = file.read(PHOTO_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"announce: --photo {path}: {exc.strerror or exc}") from None
    if len(data) > PHOTO_BYTES:
        raise UsageError(f"announce: --photo {path}: larger than 10 MB (Telegram's limit)")
    kind = next((k for magic, k in _PHOTO_KINDS.items() if data.startswith(magic)), None)
    if kind is None:
        raise UsageError(f"announce: --photo {path}: not a JPEG or PNG image")
    return f"shell-{hashlib.sha256(data).hexdigest()[:24]}.{kind}", data


# -- ogbot announcements -----------------------------------------------------------------------

ANNOUNCEMENT_LIMIT = 20  # listed by ``ogbot announcements``


def announcements(settings: Settings) -> list[str]:
    """The latest announcements, newest first, with their state (``ogbot announcements``)."""
    from ogbot.text import clean_text, shorten

    if not (settings.data_dir / DB_NAME).exists():
        return ["no announcements yet"]
    store = Store.open(settings.data_dir, start_afresh=settings.start_afresh)
    try:
        found = store.recent_announcements(ANNOUNCEMENT_LIMIT)
    finally:
        store.close()
    lines = []
    for announcement in found:
        when = _local(announcement.published or announcement.publish_at, settings)
        marks = " [photo]" if announcement.photo or announcement.image else ""
        marks += " [edited]" if announcement.edited else ""
        snippet = shorten(clean_text(announcement.text), 60)
        lines.append(f"{announcement.id:>4}  {announcement.state:<9}  {when}{marks}  {snippet}")
    return lines or ["no announcements yet"]


def announce_time(text: str, settings: Settings, now: datetime | None = None) -> datetime:
    """A time as the bot's coordinators write it ("morgen 9:00", "01.12.2026 9:00") or an ISO
    date-time, read in publish.timezone (see :func:`ogbot.dates.read_when`)."""
    from ogbot.dates import read_when

    moment = read_when(text, now or utc_now(), settings.publish.tz)
    if moment is None:
        raise UsageError(
            f"announce: --at {text!r} is not an ISO date-time such as 2026-12-01T09:00"
            " nor a time such as 'morgen 9:00'"
        )
    return moment


# -- ogbot sources -----------------------------------------------------------------------------


def sources(settings: Settings) -> list[str]:
    """Each configured source with its state (``ogbot sources``)."""
    store = Store.open(settings.data_dir, start_afresh=settings.start_afresh)
    try:
        states = {state.name: state for state in store.sources()}
    finally:
        store.close()
    lines = []
    for source in settings.sources:
        state = states.get(source.name)
        lines.append(f"{source.name} ({source.type}) {source.url}")
        if state is None or state.last_fetch is None:
            lines.append("  never fetched")
            continue
        status = state.last_status or "?"
        if state.paused:
            status += ", paused"
        lines.append(
            f"  last fetch {_local(state.last_fetch, settings)}: {status}; "
            f"last success {_local(state.last_success, settings)}; {state.items} items"
        )
        if state.failures:
            lines.append(
                f"  failing {state.failures}x since {_local(state.failing_since, settings)}: "
                f"{state.last_error}"
            )
        lines.append(f"  {_next_fetch(state, settings)}")
    return lines


def _next_fetch(state: SourceState, settings: Settings) -> str:
    """When a fetched source is fetched again and why: "next fetch 2026-11-23 14:00 (interval)"."""
    if state.paused:
        return "next fetch: none while paused"
    if state.next_due is None:
        return "next fetch: at the next cycle"
    why = f" ({state.due_why})" if state.due_why else ""
    return f"next fetch {_local(state.next_due, settings)}{why}"


def check_source(settings: Settings, name: str | None, say: Say) -> bool:
    """Fetch one source now and show what ogbot makes of it; nothing is stored. False when
    the fetch failed (``ogbot sources check NAME``)."""
    from ogbot.app.house import sources_client
    from ogbot.models import Validators
    from ogbot.watch.extract import extract
    from ogbot.watch.fetch import FetchPolicy, fetch
    from ogbot.watch.model import NotModified, WatchError

    names = [source.name for source in settings.sources]
    if not name:
        raise UsageError(f"sources check NAME: which source? (known: {', '.join(names)})")
    source = next((s for s in settings.sources if s.name == name), None)
    if source is None:
        raise UsageError(f"sources check: no source named {name!r} (known: {', '.join(names)})")
    policy = FetchPolicy.for_source(settings.fetch, source)

    async def check() -> None:
        async with sources_client(settings) as client:
            result = await fetch(client, source.name, source.url, Validators(), policy)
        if isinstance(result, NotModified):  # pragma: no cover - no validators were sent
            say(f"{source.name}: not modified")
            return
        now = datetime.now(UTC)
        extracted = await asyncio.to_thread(extract, source, result, settings.publish.tz, now)
        say(f"{source.name}: {len(extracted.items)} items from {result.url}")
        if extracted.problem:
            say(f"  (recoverable problem: {extracted.problem})")
        for item in extracted.items:
            when = _local(item.published, settings) if item.date_known else "no date"
            kind = "CONSULTATION" if item.kind == "consultation" else "news"
            line = f"\n- {item.title}\n  {item.link}\n  {when} · {kind}"
            if item.deadline:
                guessed = " (year guessed)" if item.deadline_guessed else ""
                line += f" · deadline {item.deadline.isoformat()}{guessed}"
            say(line)
            if item.summary:
                say(f"  {item.summary[:160]}")

    try:
        asyncio.run(check())
    except WatchError as exc:
        say(str(exc))
        return False
    return True


# -- ogbot backup / restore --------------------------------------------------------------------


def backup(settings: Settings, path: str, keep: int | None) -> list[str]:
    """An online copy of the database (``ogbot backup``), safe while ``ogbot run`` runs."""
    from ogbot.backup import backup as copy

    target = Path(path)
    if path.endswith("/") and not target.exists():
        target.mkdir(mode=0o700, parents=True)
    try:
        report = copy(settings.data_dir, target, utc_now(), keep)
    except ValueError as exc:
        raise UsageError(f"backup: {exc}") from None
    lines = [f"backup written to {report.path}: {report.summary.line()}; integrity ok"]
    if report.removed:
        lines.append(f"removed {len(report.removed)} older backups (--keep {keep})")
    return lines


def restore(settings: Settings, path: str) -> list[str]:
    """Put a backup in place of the database (``ogbot restore``); ogbot must be stopped."""
    from ogbot.backup import restore as put_back
    from ogbot.lock import DataLock

    lock = DataLock(settings.data_dir)
    if not lock.acquire():
        raise StoreError(
            f"another ogbot process (ogbot run) holds {lock.path}: stop it first "
            "(systemctl stop ogbot, or docker compose stop), then restore"
        )
    try:
        report = put_back(settings.data_dir, Path(path))
    except ValueError as exc:
        raise UsageError(f"restore: {exc}") from None
    finally:
        lock.release()
    lines = []
    if report.previous is not None:
        lines.append(f"the replaced database is kept in {report.previous}")
    lines.append(
        f"restored {report.source}: {report.restored.line()}\n"
        "items that arrived after the backup go to the feeds again at the next fetch, "
        "not to the channel"
    )
    return lines


# -- ogbot review ------------------------------------------------------------------------------


def review(settings: Settings, action: str | None, item_id: int | None, say: Say) -> None:
    """The items waiting for a coordinator's decision (``ogbot review``), or a decision from the
    shell (``ogbot review post ID`` / ``ogbot review skip ID``: in the audit record as the
    shell, every coordinator's preview says so)."""
    from ogbot.app.house import publishing
    from ogbot.app.review import Reviews
    from ogbot.lock import DataLock
    from ogbot.publish.review import SHELL
    from ogbot.store import AsyncStore

    if action is None:
        if item_id is not None:
            raise UsageError("review: `ogbot review post ID` or `ogbot review skip ID`")
        _list_reviews(settings, say)
        return
    if action not in ("post", "skip") or item_id is None:
        raise UsageError("review: `ogbot review`, `ogbot review post ID` or `ogbot review skip ID`")
    decision: ReviewDecision = "post" if action == "post" else "skip"
    lock = DataLock(settings.data_dir)
    holder = lock.acquire()
    store = AsyncStore.open(settings.data_dir, start_afresh=settings.start_afresh)

    async def work() -> None:
        async with publishing(settings, store) as publisher:
            reviews = Reviews(store, publisher)
            decided = await reviews.decide(item_id, decision, coordinator=None, name=SHELL)
            if decided is None:
                found = await reviews.find(item_id)
                if found is None:
                    raise UsageError(f"review: item {item_id} is not under review")
                raise UsageError(
                    f"review: item {item_id} was {found.state} already"
                    f" (by {found.decided_by or '?'})"
                )
            if decided.review.state == "skipped":
                say(f"item {item_id} skipped: it is not posted")
                return
            off = channel_state(settings)
            if not decided.queued:
                why = off or "it is older than publish.max_age"
                say(f"item {item_id} posted, but nothing is queued: {why}")
                return
            say(f"item {item_id} posted: queued for the channel and subscribers")
            if off:
                say(off)
            elif not holder:
                say("the running ogbot (it holds the lock) sends it")
            else:
                await publisher.outbox.recover()
                say((await publisher.outbox.drain_for_wait()).line())

    try:
        asyncio.run(work())
    finally:
        store.close()
        if holder:
            lock.release()


def _list_reviews(settings: Settings, say: Say) -> None:
    store = Store.open(settings.data_dir, start_afresh=settings.start_afresh)
    try:
        pending = store.reviews("pending")
        items = {item.id: item for item in store.items_by_id([r.item_id for r in pending])}
    finally:
        store.close()
    if not pending:
        say("no items wait for a review")
        return
    say(f"{len(pending)} items wait for a review (ogbot review post ID / ogbot review skip ID):")
    for waiting in pending:
        item = items.get(waiting.item_id)
        if item is None:
            continue
        since = _local(waiting.created, settings)
        corrected = " (title corrected)" if waiting.title else ""
        say(f"\n{item.id}  {item.title}{corrected}\n  {item.link}\n  {item.source} · since {since}")
