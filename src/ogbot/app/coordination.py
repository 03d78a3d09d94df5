"""What coordinators do, in the domain's words: drafts, announcing now or at a time, cancelling,
correcting a sent announcement, deleting a post ogbot made (once confirmed), pinning, pausing a
source, and the audit record of each; and the rule that
they are told of a problem at most once a day.

The bot's coordinator handlers call these instead of the store and the publisher. Every step a
coordinator takes is recorded (``audit``: who, what, which draft or post; never a text). A
draft is claimed before its announcement exists, so a second press of a button does nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ogbot import logs
from ogbot.config import SourceSettings
from ogbot.models import (
    Clock,
    Draft,
    DraftState,
    OutboxPost,
    SourceState,
    StoredAnnouncement,
    utc_now,
)
from ogbot.publish.feeds import save_media
from ogbot.publish.publisher import Announced, Publisher
from ogbot.store import AsyncStore, Store

log = logs.get_logger(__name__)

NOTICE_EVERY = timedelta(days=1)  # a coordinator hears of one problem at most this often


@dataclass(frozen=True)
class Awaiting:
    """A coordinator pressed "Planen": the draft waits for the time, which the coordinator's
    next text message gives. ``chat_id``/``message_id`` are the preview, whose buttons go once
    the draft is scheduled."""

    draft_id: int
    chat_id: int
    message_id: int

    def encode(self) -> str:
        return f"{self.draft_id}:{self.chat_id}:{self.message_id}"

    @classmethod
    def decode(cls, value: str | None) -> Awaiting | None:
        try:
            draft_id, chat_id, message_id = (value or "").split(":")
            return cls(int(draft_id), int(chat_id), int(message_id))
        except ValueError:
            return None


def awaiting_key(coordinator: int) -> str:
    """The meta row that says which draft waits for this coordinator's time reply."""
    return f"coordinator.awaiting_time.{coordinator}"


class Coordination:
    def __init__(
        self,
        store: AsyncStore,
        publisher: Publisher,
        *,
        clock: Clock = utc_now,
        wake_outbox: Callable[[], None] = lambda: None,  # drain now: something was queued
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.wake_outbox = wake_outbox

    async def record(self, coordinator: int | None, action: str, detail: str) -> None:
        """The audit record: who did what (ids only)."""
        await self.store.call(Store.record_action, coordinator, action, detail, self.clock())

    # -- drafts and announcements ------------------------------------------------------------

    async def draft(
        self,
        coordinator: int,
        text: str,
        *,
        html: str | None = None,
        photo: str | None = None,
        image: str | None = None,
        corrects: int | None = None,
    ) -> int:
        """Store a draft (the preview's buttons name it); a new draft ends any wait for a time.
        ``html``: its formatting (checked Telegram HTML); ``photo``/``image``: its picture;
        ``corrects``: the sent announcement the draft is a correction of."""
        draft_id = await self.store.call(
            Store.add_draft, coordinator, text, self.clock(), html, photo, image, corrects
        )
        await self.stop_waiting(coordinator)
        await self.record(coordinator, "draft", f"draft {draft_id}")
        log.info("announcement_drafted", user=coordinator, draft=draft_id)
        return draft_id

    async def find_draft(self, draft_id: int) -> Draft | None:
        """The draft (in whatever state), or None when there is none (any more)."""
        return await self.store.call(Store.draft, draft_id)

    async def announce_now(
        self, draft_id: int, *, coordinator: int, author: str
    ) -> Announced | None:
        """Publish the draft now (the feeds, and the channel when there is one); None when the
        draft is not open any more."""
        draft = await self._claim(draft_id, "sent")
        if draft is None:
            return None
        await self._stop_waiting_for(coordinator, draft_id)
        announced = await self.publisher.announce(
            draft.text, author, None, html=draft.html, photo=draft.photo, image=draft.image
        )
        await self.store.call(Store.link_draft, draft_id, announced.id)
        self.wake_outbox()
        await self.record(
            coordinator, "announce_sent", f"draft {draft_id} announcement {announced.id}"
        )
        log.info("announcement_sent", user=coordinator, announcement=announced.id)
        return announced

    async def schedule(
        self, draft_id: int, when: datetime, *, coordinator: int, author: str
    ) -> Announced | None:
        """Schedule the draft for ``when`` (the wait for a time ends either way); None when the
        draft is not open any more."""
        await self.stop_waiting(coordinator)
        draft = await self._claim(draft_id, "scheduled")
        if draft is None:
            return None
        announced = await self.publisher.announce(
            draft.text, author, when, html=draft.html, photo=draft.photo, image=draft.image
        )
        await self.store.call(Store.link_draft, draft_id, announced.id)
        await self.record(
            coordinator,
            "announce_scheduled",
            f"draft {draft_id} announcement {announced.id} at {when.isoformat()}",
        )
        log.info("announcement_planned", user=coordinator, announcement=announced.id)
        return announced

    async def cancel_draft(self, draft_id: int, *, coordinator: int) -> bool:
        """Discard the draft; False when it was not open any more."""
        if not await self.store.call(Store.close_draft, draft_id, "cancelled", None):
            return False
        await self._stop_waiting_for(coordinator, draft_id)
        await self.record(coordinator, "announce_cancelled", f"draft {draft_id}")
        return True

    async def _claim(self, draft_id: int, state: DraftState) -> Draft | None:
        """Close an open draft as ``state``: exactly one press of its buttons wins."""
        draft = await self.store.call(Store.draft, draft_id)
        if draft is None or not await self.store.call(Store.close_draft, draft_id, state, None):
            return None
        return draft

    # -- waiting for the time of a scheduled announcement -----------------------------------

    async def wait_for_time(self, coordinator: int, awaiting: Awaiting) -> None:
        """The coordinator's next text message is the time for ``awaiting.draft_id``."""
        await self.store.call(Store.set_meta, awaiting_key(coordinator), awaiting.encode())

    async def awaiting_time(self, coordinator: int) -> Awaiting | None:
        """The draft waiting for this coordinator's time reply, or None."""
        return Awaiting.decode(await self.store.call(Store.meta, awaiting_key(coordinator)))

    async def stop_waiting(self, coordinator: int) -> None:
        await self.store.call(Store.set_meta, awaiting_key(coordinator), "")

    async def _stop_waiting_for(self, coordinator: int, draft_id: int) -> None:
        """Stop waiting when it is this draft that waits (a later draft's wait stays)."""
        awaiting = await self.awaiting_time(coordinator)
        if awaiting is not None and awaiting.draft_id == draft_id:
            await self.stop_waiting(coordinator)

    # -- scheduled announcements -------------------------------------------------------------

    async def scheduled(self, limit: int) -> list[StoredAnnouncement]:
        """Scheduled announcements, soonest first."""
        return await self.store.call(Store.announcements, "scheduled", limit)

    async def cancel_announcement(self, announcement_id: int, *, coordinator: int) -> bool:
        """Call off a scheduled announcement; False when it is gone or not scheduled any more
        (published meanwhile, or cancelled already)."""
        found = await self.store.call(Store.announcement, announcement_id)
        if found is None or not await self.store.call(
            Store.set_announcement_state, announcement_id, "cancelled", None, "scheduled"
        ):
            return False
        await self.record(coordinator, "announcement_cancelled", f"announcement {announcement_id}")
        log.info("announcement_cancelled", user=coordinator, announcement=announcement_id)
        return True

    async def recent(self, limit: int) -> list[StoredAnnouncement]:
        """The latest announcements in any state, newest first (``/announcements``)."""
        return await self.store.call(Store.recent_announcements, limit)

    async def announcement(self, announcement_id: int) -> StoredAnnouncement | None:
        return await self.store.call(Store.announcement, announcement_id)

    async def channel_post(self, announcement_id: int) -> OutboxPost | None:
        """The announcement's message in the channel (sent, or deleted since), if it has one."""
        posts = await self.store.call(Store.announcement_posts, announcement_id)
        return next((p for p in posts if p.message_id is not None), None)

    async def keep_image(self, name: str, data: bytes) -> None:
        """Keep a picture for the feeds and the page (``public/media/NAME``)."""
        await asyncio.to_thread(save_media, self.publisher.settings, name, data)

    async def correct(self, draft_id: int, *, coordinator: int) -> StoredAnnouncement | None:
        """Apply a correction draft: the announcement's new text in the feeds at once, in the
        channel as soon as the outbox edits its post. None when the draft is not open any more
        or the announcement is not published (deleted or cancelled meanwhile)."""
        draft = await self.store.call(Store.draft, draft_id)
        if draft is None or draft.announcement_id is None:
            return None
        target = draft.announcement_id
        if not await self.store.call(Store.close_draft, draft_id, "sent", None):
            return None
        if not await self.store.call(
            Store.correct_announcement, target, draft.text, draft.html, self.clock()
        ):
            return None
        await self.publisher.write_feeds()
        self.wake_outbox()
        await self.record(
            coordinator, "announcement_edited", f"draft {draft_id} announcement {target}"
        )
        log.info("announcement_edited", user=coordinator, announcement=target)
        return await self.store.call(Store.announcement, target)

    async def unpublish(self, announcement_id: int, *, coordinator: int) -> bool:
        """Take a published announcement that has no channel message out of the feeds; False
        when it is not published (any more)."""
        if not await self.store.call(
            Store.set_announcement_state, announcement_id, "deleted", None, "published"
        ):
            return False
        await self.publisher.write_feeds()
        await self.record(coordinator, "announcement_deleted", f"announcement {announcement_id}")
        log.info("announcement_deleted", user=coordinator, announcement=announcement_id)
        return True

    # -- posts ogbot made ------------------------------------------------------------------

    async def post(self, post_id: int) -> OutboxPost | None:
        """One post of the outbox, in whatever state."""
        return await self.store.call(Store.post, post_id)

    async def post_pinned(self, post: OutboxPost, *, coordinator: int) -> None:
        await self.record(coordinator, "post_pinned", f"post {post.id} message {post.message_id}")
        log.info("post_pinned", user=coordinator, post=post.id, message=post.message_id)

    async def delete_asked(self, post: OutboxPost, *, coordinator: int) -> None:
        """The coordinator is shown the post and asked to confirm its deletion."""
        await self.record(coordinator, "delete_asked", f"post {post.id} message {post.message_id}")

    async def delete_kept(self, post_id: int, *, coordinator: int) -> None:
        await self.record(coordinator, "delete_cancelled", f"post {post_id}")

    async def sent_post(self, chat_id: str, message_id: int) -> OutboxPost | None:
        """The post ogbot sent as this message, or None when ogbot did not send it."""
        return await self.store.call(Store.sent_post_for_message, chat_id, message_id)

    async def post_deleted(
        self, post: OutboxPost, *, coordinator: int, chat_id: str, message_id: int
    ) -> bool:
        """Record that the post's message is deleted. An announcement taken back leaves the
        feeds too (True); a source's item stays there (False)."""
        await self.store.call(Store.mark_done, post.id, "deleted", None)
        from_feeds = False
        if post.kind == "announcement" and post.ref is not None:
            await self.store.call(Store.set_announcement_state, post.ref, "deleted")
            await self.publisher.write_feeds()
            from_feeds = True
        await self.record(
            coordinator, "post_deleted", f"post {post.id} message {chat_id}/{message_id}"
        )
        log.info("post_deleted", user=coordinator, post=post.id, message=message_id)
        return from_feeds

    # -- sources -----------------------------------------------------------------------------

    async def sources(self) -> list[SourceState]:
        """Every source the store knows, with its number of stored items."""
        return await self.store.call(Store.sources)

    async def outbox_counts(self) -> dict[str, int]:
        """Posts by state."""
        return await self.store.call(Store.outbox_counts)

    async def set_paused(self, source: SourceSettings, paused: bool, *, coordinator: int) -> None:
        """Pause a configured source (it is not fetched until resumed), or resume it."""
        await self.store.call(Store.source_state, source.name, source.url)  # registered once
        await self.store.call(Store.set_paused, source.name, paused)
        action = "source_paused" if paused else "source_resumed"
        await self.record(coordinator, action, source.name)
        log.info(action, user=coordinator, source=source.name)

    # -- notices -----------------------------------------------------------------------------

    async def claim_notice(self, problem: str) -> bool:
        """True when the coordinators may be told of ``problem`` now: at most once a day."""
        return await self.store.call(Store.claim_notice, problem, self.clock(), NOTICE_EVERY)
