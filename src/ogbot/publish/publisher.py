"""Publishing, written out: after a cycle (or an announcement) write the feeds, queue the posts.

The feed files are rendered from the store (the newest ``publish.window`` items and the
published announcements), so they always show what is stored, and an unchanged store gives
byte-identical files. Posts go through the :class:`~ogbot.publish.outbox.Outbox`; new items of
a source under review wait for a coordinator at the :class:`~ogbot.publish.review.ReviewDesk`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ogbot import logs
from ogbot.config import Settings
from ogbot.models import Announcement, Clock, CycleReport, StoredAnnouncement, utc_now
from ogbot.publish.feeds import public_dir, write_files
from ogbot.publish.outbox import Outbox
from ogbot.publish.outputs import PUBLIC_FILES, consultation_data, render_public_files
from ogbot.publish.review import ReviewDesk
from ogbot.store import AsyncStore, Store

log = logs.get_logger(__name__)

MISSED_GRACE = timedelta(days=1)  # a scheduled announcement missed by more is not sent late


@dataclass(frozen=True)
class Announced:
    id: int
    scheduled: datetime | None  # when it will go out; None: published now
    queued: bool  # queued for the channel


class Publisher:
    def __init__(
        self, settings: Settings, store: AsyncStore, outbox: Outbox, *, clock: Clock = utc_now
    ) -> None:
        self.settings = settings
        self.store = store
        self.outbox = outbox
        self.clock = clock
        self.written_on: date | None = None  # the local day of the last write_feeds
        self.review = ReviewDesk(settings, store, outbox, self.write_feeds, clock=clock)

    async def after_cycle(self, report: CycleReport) -> None:
        """Step 4 of :func:`ogbot.app.cycle.run_cycle`: feeds and posts for what changed
        (the feeds also when they are not there yet, so a first cycle always leaves them)."""
        public = public_dir(self.settings)
        to_post = await self.review.hold(report.new_ids)  # first: the feeds may follow it
        missing = any(not (public / name).exists() for name in PUBLIC_FILES)
        # a new day: the calendar lets consultations closed for 30 days go
        new_day = self.written_on != self.clock().astimezone(self.settings.publish.tz).date()
        if report.new_ids or report.updated_ids or missing or new_day:
            await self.write_feeds()
        queued = await self.outbox.enqueue_items(to_post)
        edits = await self.store.call(Store.request_edits, list(report.updated_ids))
        if queued or edits:
            log.info("posts_queued", posts=queued, edits=edits)
        await self.review.expire()
        await self.review.send_previews()

    async def write_feeds(self) -> bool:
        window = self.settings.publish.window
        hidden: set[int] = set()
        if self.settings.publish.feeds_follow_review:  # only posted items of a review source
            hidden = set(await self.store.call(Store.unposted_reviews))
        items = await self.store.call(Store.latest_items, window + len(hidden))
        items = [item for item in items if item.id not in hidden][:window]
        stored = await self.store.call(
            Store.announcements, "published", self.settings.publish.window
        )
        announcements = [as_announcement(a) for a in stored]
        today = self.clock().astimezone(self.settings.publish.tz).date()
        consultations, deadlines = await self.store.call(
            consultation_data, self.settings.publish.window, today, frozenset(hidden)
        )
        files = await asyncio.to_thread(
            render_public_files,
            self.settings,
            items,
            announcements,
            consultations,
            deadlines,
            today,
        )
        changed = await asyncio.to_thread(write_files, public_dir(self.settings), files)
        self.written_on = today
        if changed:
            log.info("feeds_written", items=len(items), announcements=len(announcements))
        return changed

    async def announce(
        self,
        text: str,
        author: str,
        at: datetime | None = None,
        *,
        html: str | None = None,
        photo: str | None = None,
        image: str | None = None,
    ) -> Announced:
        """Store an announcement; publish it now, or keep it scheduled for ``at``. ``html``:
        its formatting (checked Telegram HTML); ``photo``/``image``: its picture (Telegram's
        file id; the copy's name in ``public/media/``)."""
        now = self.clock()
        when = at if at is not None and at > now else now
        announcement_id = await self.store.call(
            Store.add_announcement, text, author, now, when, "scheduled", html, photo, image
        )
        if when > now:
            log.info("announcement_scheduled", announcement=announcement_id, at=when.isoformat())
            return Announced(announcement_id, when, queued=False)
        queued = await self.publish_announcement(announcement_id)
        return Announced(announcement_id, None, bool(queued))

    async def publish_announcement(self, announcement_id: int) -> bool | None:
        """Into the feeds and the channel's queue; True when queued for the channel, None when
        it was no longer scheduled (a coordinator cancelled it a moment before)."""
        if not await self.store.call(
            Store.set_announcement_state, announcement_id, "published", self.clock(), "scheduled"
        ):
            return None
        queued = await self.outbox.enqueue_announcement(announcement_id) > 0
        await self.write_feeds()
        log.info("announcement_published", announcement=announcement_id, channel=queued)
        return queued

    async def publish_due(self) -> tuple[list[int], list[StoredAnnouncement]]:
        """Scheduled announcements whose time has come. Missed by more than a day while ogbot
        was down: not sent, marked ``missed`` and returned, so the coordinator can be told.
        (Every minute in ``ogbot run``: also the review's timeouts and previews still due.)"""
        await self.review.expire()
        await self.review.send_previews()
        now = self.clock()
        published, missed = [], []
        for announcement in await self.store.call(Store.announcements, "scheduled"):
            if announcement.publish_at > now:
                continue
            if now - announcement.publish_at > MISSED_GRACE:
                if await self.store.call(
                    Store.set_announcement_state, announcement.id, "missed", None, "scheduled"
                ):
                    log.warning("announcement_missed", announcement=announcement.id)
                    missed.append(announcement)
                continue
            if await self.publish_announcement(announcement.id) is not None:
                published.append(announcement.id)
        return published, missed


def as_announcement(stored: StoredAnnouncement) -> Announcement:
    return Announcement(
        id=stored.id,
        text=stored.text,
        created=stored.created,
        published=stored.published or stored.publish_at,
        author=stored.author,
        html=stored.html,
        image=stored.image,
    )
