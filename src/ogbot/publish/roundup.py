"""The weekly round-up (``publish.weekly = "Mo 09:00"``): one post with the week's items by
kind, the consultations closing in the next two weeks and the week's announcements.

It is published as an announcement by the author :data:`AUTHOR`, so it takes the announcement's
path: stored, an entry in both feeds, one post through the outbox (pacing and quiet hours apply).
The week is the seven days before the slot (``publish.timezone``); an item counts when it was
first seen then (a backlog import does not). Nothing is published when nothing new happened
(no item, no announcement). The slot done last is remembered in the store's ``meta`` table, so a
week gets one round-up however often ogbot restarts; a slot missed by more than
:data:`MISSED_GRACE` while ogbot was down is skipped, not sent late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ogbot import logs
from ogbot.config import PublishSettings
from ogbot.models import StoredAnnouncement, StoredItem
from ogbot.publish.post import ROUNDUP_AUTHOR, announcement_fits, item_title, source_name
from ogbot.publish.publisher import Announced, Publisher
from ogbot.store import Store
from ogbot.text import clean_text, shorten

log = logs.get_logger(__name__)

AUTHOR = ROUNDUP_AUTHOR  # the announcements that are round-ups (left out of the next one)
META_KEY = "weekly_roundup"  # the last slot done, ISO (UTC)
WEEK = timedelta(days=7)
CLOSING_WITHIN = timedelta(days=14)
MISSED_GRACE = timedelta(days=1)
SCAN = 2000  # newest items read to find the week's (more than a week ever brings)
ANNOUNCEMENT_LINE = 120  # characters of an announcement's first line shown


def last_slot(now: datetime, tz: ZoneInfo, slot: tuple[int, int, int]) -> datetime:
    """The latest round-up moment at or before ``now`` (aware, in ``tz``)."""
    weekday, hour, minute = slot
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    if moment > local:
        moment -= WEEK
        moment = datetime(moment.year, moment.month, moment.day, hour, minute, tzinfo=tz)
    return moment


@dataclass(frozen=True)
class Week:
    """What a round-up shows."""

    start: datetime  # local
    end: datetime  # local, the slot
    items: tuple[StoredItem, ...]  # first seen in the week, newest first
    closing: tuple[StoredItem, ...]  # open consultations closing within two weeks, soonest first
    announcements: tuple[StoredAnnouncement, ...]  # published in the week, oldest first

    @property
    def empty(self) -> bool:
        return not self.items and not self.announcements


def week_of(
    end: datetime,
    items: Sequence[StoredItem],
    open_consultations: Sequence[StoredItem],
    announcements: Sequence[StoredAnnouncement],
) -> Week:
    """The week before ``end`` from what the store holds."""
    start = end - WEEK
    fresh = tuple(i for i in items if start <= i.first_seen < end and not i.backlog)
    today = end.date()
    closing = tuple(
        i
        for i in open_consultations
        if i.deadline is not None and today <= i.deadline < today + CLOSING_WITHIN
    )
    said = tuple(
        a
        for a in sorted(announcements, key=lambda a: a.published or a.publish_at)
        if a.author != AUTHOR and start <= (a.published or a.publish_at) < end
    )
    return Week(start, end, fresh, closing, said)


def _short(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}."


def _item_line(item: StoredItem, link: bool) -> str:
    line = f"• {shorten(item_title(item), 110)} ({source_name(item)})"
    return f"{line}\n  {item.link}" if link else line


def _sections(week: Week, limit: int, links: bool) -> list[str]:
    def listed(heading: str, lines: list[str]) -> str:
        shown = lines[:limit]
        more = len(lines) - len(shown)
        tail = [f"… und {more} weitere"] if more else []
        return "\n".join([heading, *shown, *tail])

    parts = []
    consultations = [i for i in week.items if i.kind == "consultation"]
    news = [i for i in week.items if i.kind != "consultation"]
    if consultations:
        lines = [_item_line(i, links) for i in consultations]
        parts.append(listed(f"🗳 Neue Konsultationen ({len(consultations)})", lines))
    if news:
        parts.append(listed(f"📰 Neuigkeiten ({len(news)})", [_item_line(i, links) for i in news]))
    if week.closing:
        lines = [
            f"• {_short(i.deadline)} {shorten(item_title(i), 110)}"
            for i in week.closing
            if i.deadline is not None
        ]
        parts.append(listed("⏰ Fristen in den nächsten zwei Wochen", lines))
    if week.announcements:
        lines = [
            "• " + shorten(clean_text(a.text, multiline=True).splitlines()[0], ANNOUNCEMENT_LINE)
            for a in week.announcements
        ]
        parts.append(listed("📣 Ankündigungen der Woche", lines))
    return parts


def roundup_text(week: Week, publish: PublishSettings) -> str:
    """The round-up as announcement text, fitted into one post: with links while they fit,
    then fewer lines per section ("… und 4 weitere")."""
    last_day = (week.end - timedelta(days=1)).date()
    heading = f"Wochenrückblick {_short(week.start.date())}–{_short(last_day)}{last_day.year}"
    text = heading
    for links in (True, False):
        for limit in (50, 20, 10, 5, 3, 1):
            text = "\n\n".join([heading, *_sections(week, limit, links)])
            if announcement_fits(text, publish):
                return text
    return text  # unreachable in practice: one line per section always fits


async def weekly_roundup(publisher: Publisher) -> Announced | None:
    """The round-up of the latest slot, if it is due and not done yet; None otherwise (off, done,
    missed, or nothing new). Call it at the slot and at start."""
    settings = publisher.settings.publish
    slot = settings.weekly_slot
    if slot is None:
        return None
    store, now = publisher.store, publisher.clock()
    end = last_slot(now, settings.tz, slot)
    key = end.astimezone(now.tzinfo).isoformat()
    done = await store.call(Store.meta, META_KEY)
    if done is not None and datetime.fromisoformat(done) >= end:
        return None
    # claimed before it is published: a crash in between loses one round-up, never repeats it
    await store.call(Store.set_meta, META_KEY, key)
    if now - end > MISSED_GRACE:
        log.info("weekly_missed", slot=key)
        return None
    items = await store.call(Store.latest_items, SCAN)
    closing = await store.call(Store.open_consultations, end.date(), 200)
    said = await store.call(Store.announcements, "published", 200)
    week = week_of(end, items, closing, said)
    if week.empty:
        log.info("weekly_nothing_new", slot=key)
        return None
    done_now = await publisher.announce(roundup_text(week, settings), AUTHOR)
    log.info(
        "weekly_published",
        slot=key,
        announcement=done_now.id,
        items=len(week.items),
        closing=len(week.closing),
        announcements=len(week.announcements),
    )
    return done_now
