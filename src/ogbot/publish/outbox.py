"""The outbox: which items become channel posts, and sending them exactly once, at Telegram's pace.

Written out in the order things happen:

1. :meth:`Outbox.enqueue_items` after a cycle: new items become pending posts, except beyond
   ``publish.backlog`` of a source's first sight and anything older than ``publish.max_age``.
   A story already in the store (the same guid, or the same link from another source) is not
   new, so it is never queued twice; the store's unique index makes sure of it as well.
2. :meth:`Outbox.drain`: first posts left ``sending`` by a crash become ``unknown``; then, while
   time allows: more than ``publish.digest_after`` waiting items become digests, pending edits
   go out, then the oldest pending post. Each send is paced by :class:`Pacer`, claimed in the
   store before the request (``sending``) and recorded after it (``sent`` with its message id).
   The next send is chosen by a query over the queue, not by visiting every chat: the channel,
   then the other chats (private chats and ``[[telegram.destinations]]``, see
   :mod:`~ogbot.publish.routing`) of the oldest :data:`CANDIDATES` posts (an index range
   scan), the one Telegram's pace lets go soonest. A fan-out to N subscribers costs O(N) in
   all. A destination that refuses the bot (or whose forum topic is gone) waits
   ``FORBIDDEN_DELAY`` like the channel does, without holding up any other chat.
3. :meth:`Outbox.stop` (ogbot is stopping): no send or edit starts any more, a pause for
   Telegram's pace ends at once and :meth:`Outbox.drain` returns; a send already in flight is
   awaited and its outcome recorded (``ogbot run`` gives it longer than a send can take).

The rule for a send whose outcome is unknown (a read timeout, a connection lost after the
request was written, a process killed between sending and recording): send it once more, after
a pause, and never a third time. Nothing is lost, and a follower sees a post at most twice, only
in that cut-off case. Telegram offers no idempotency key and no way for a bot to read the
channel back, so "exactly once" cannot be promised across an unknown outcome; of the two
honest choices, a rare repeat is better than an item that silently never arrives. Only the
second unknown outcome of the same post gives it up (``unknown``, shown in ``ogbot sources``).
Everything that provably did not reach Telegram (no connection, 429 after ``retry_after``,
5xx) is retried as often as needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ogbot import logs, metrics
from ogbot.config import Settings
from ogbot.models import Clock, Lang, OutboxPost, Retention, StoredItem, utc_now
from ogbot.publish.feeds import media_file
from ogbot.publish.pacing import HISTORY, Pacer
from ogbot.publish.post import (
    ROUNDUP_AUTHOR,
    Post,
    announcement_post,
    digest_groups,
    digest_post,
    digest_posts,
    item_post,
    reminder_post,
)
from ogbot.publish.routing import CHANNEL as CHANNEL
from ogbot.publish.routing import (
    destination,
    is_destination,
    is_private,
    routed_announcement,
    routed_items,
)
from ogbot.publish.sender import Sender, SendError
from ogbot.store import AsyncStore, Store

log = logs.get_logger(__name__)

RETRY_DELAY = timedelta(seconds=30)  # after a failed connection or a 5xx
FORBIDDEN_DELAY = timedelta(minutes=30)  # the bot lost its rights: try again later
UNKNOWN_DELAY = timedelta(seconds=60)  # let a slow Telegram finish before the one repeat
MAX_ATTEMPTS = 8  # then a post that keeps failing to connect is given up as failed
# private chats weighed for the next send: more than the chats one second of Telegram's global
# limit can have made wait (30), so one that may go now is nearly always among them
CANDIDATES = 64

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class DrainReport:
    sent: int = 0
    edited: int = 0
    failed: int = 0
    unknown: int = 0
    expired: int = 0
    private: int = 0  # sent to subscribers' private chats
    routed: int = 0  # sent to the other destinations ([[telegram.destinations]])
    left: int = 0  # still pending when the drain stopped (time was up, or Telegram said wait)
    stopped: str | None = None  # why the drain stopped early, if it did

    def line(self) -> str:
        text = f"channel: {self.sent} sent, {self.edited} edited, {self.left} waiting"
        if self.routed:
            text += f"; {self.routed} to other destinations"
        if self.private:
            text += f"; {self.private} private messages"
        extra = [
            f"{count} {label}"
            for count, label in (
                (self.failed, "refused"),
                (self.unknown, "unknown outcome"),
                (self.expired, "too old"),
            )
            if count
        ]
        if extra:
            text += ", " + ", ".join(extra)
        if self.stopped:
            text += f" ({self.stopped})"
        return text


@dataclass(frozen=True)
class _Work:
    """The next send or edit: how long Telegram's pace makes it wait, and to which chat."""

    wait: float
    chat: str  # "channel", a destination's key or a private chat id, as in the outbox
    chat_id: str  # the numeric id to send to
    post: OutboxPost
    is_edit: bool


def in_quiet_hours(settings: Settings, now: datetime) -> bool:
    window = settings.publish.quiet_window
    if window is None:
        return False
    start, end = window
    hour = now.astimezone(settings.publish.tz).hour
    return start <= hour < end if start <= end else hour >= start or hour < end


class Outbox:
    """Queues and sends the channel's posts. Only the holder of the data lock drains it."""

    def __init__(
        self,
        settings: Settings,
        store: AsyncStore,
        sender: Sender | None,
        *,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        offline: str | None = None,
    ) -> None:
        self.offline = offline  # why nothing can be sent now (Telegram unreachable at start)
        self.settings = settings
        self.store = store
        self.sender = sender
        self.clock = clock
        self.sleep = sleep
        self._pacer: Pacer | None = None
        self.refused: str | None = None  # why the channel refused posts in the last drain
        self._chat_ids: dict[str, str] = {}  # "channel" or a destination's key -> numeric id
        self._dropped = False  # posts of destinations no longer configured given up
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """ogbot is stopping: start no new send (one in flight finishes and is recorded)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def _pause(self, seconds: float) -> None:
        """Sleep, but only until a stop."""
        if self.stopping:
            return
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({sleeping, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            stopped.cancel()

    @property
    def channel(self) -> str:
        return self.settings.telegram.channel

    @property
    def enabled(self) -> bool:
        """Channel posts are queued only when a channel is configured (a token may come later)."""
        return bool(self.channel)

    # -- queueing ----------------------------------------------------------------------------

    async def enqueue_items(self, item_ids: Sequence[int]) -> int:
        """Queue new items for the channel, the destinations that carry them and subscribers who
        want their kind."""
        if not item_ids:
            return 0
        now = self.clock()
        items = await self.store.call(Store.items_by_id, list(item_ids))
        chosen = self.postable(items, now)
        queued = 0
        if self.enabled:
            ids = [item.id for item in chosen]
            queued += await self.store.call(Store.enqueue, CHANNEL, "item", ids, now)
        routed = routed_items(self.settings, chosen)
        if routed:
            queued += await self.store.call(Store.enqueue_many, routed, "item", now)
        if self.settings.telegram.enabled and chosen:
            posts = [
                (str(subscriber.chat_id), item.id)
                for subscriber in await self.store.call(Store.subscribers)
                for item in chosen
                if subscriber.wants(item.kind)
            ]
            queued += await self.store.call(Store.enqueue_many, posts, "item", now)
        return queued

    async def enqueue_reminders(self, today: date) -> int:
        """One reminder per open consultation whose deadline is ``publish.reminder_days`` or
        fewer days away, to the channel, the destinations that carry the item and consultation
        subscribers; never twice (the
        outbox's unique index). A guessed deadline year reminds only when the item's own date
        is known."""
        days = self.settings.publish.reminder_days
        if not days or not self.settings.telegram.enabled:
            return 0
        due = [
            item
            for item in await self.store.call(Store.open_consultations, today, 1000)
            if item.deadline is not None
            and today <= item.deadline <= today + timedelta(days=days)
            and (item.date_known or not item.deadline_guessed)
        ]
        if not due:
            return 0
        now, ids = self.clock(), [item.id for item in due]
        queued = 0
        if self.enabled:
            queued += await self.store.call(Store.enqueue, CHANNEL, "reminder", ids, now)
        posts = routed_items(self.settings, due) + [
            (str(subscriber.chat_id), item_id)
            for subscriber in await self.store.call(Store.subscribers)
            if subscriber.consultations
            for item_id in ids
        ]
        queued += await self.store.call(Store.enqueue_many, posts, "reminder", now)
        if queued:
            log.info("reminders_queued", posts=queued)
        return queued

    def postable(self, items: Sequence[StoredItem], now: datetime) -> list[StoredItem]:
        """The items that may go to the channel, oldest first: within ``max_age``, and of a
        source's first sight only the newest ``backlog``."""
        publish = self.settings.publish
        oldest = now - timedelta(days=publish.max_age)
        fresh = [item for item in items if item.published >= oldest]
        backlog: dict[str, list[StoredItem]] = {}
        chosen = []
        for item in fresh:
            if item.backlog:
                backlog.setdefault(item.source, []).append(item)
            else:
                chosen.append(item)
        for source_items in backlog.values():
            source_items.sort(key=lambda item: (item.published, item.id), reverse=True)
            chosen.extend(source_items[: publish.backlog])
        chosen.sort(key=lambda item: (item.published, item.id))
        return chosen

    async def enqueue_announcement(self, announcement_id: int) -> int:
        """To the channel and the destinations that carry announcements."""
        posts = routed_announcement(self.settings, announcement_id)
        if self.enabled:
            posts.insert(0, (CHANNEL, announcement_id))
        if not posts:
            return 0
        return await self.store.call(Store.enqueue_many, posts, "announcement", self.clock())

    # -- sending -----------------------------------------------------------------------------

    async def drain_for_wait(self) -> DrainReport:
        """What a command does: drain for up to ``publish.wait`` seconds, leave the rest."""
        return await self.drain(self.clock() + timedelta(seconds=self.settings.publish.wait))

    async def recover(self) -> list[int]:
        """Posts a crash left in ``sending``: their outcome is unknown, so each is sent once more
        (see the rule above); returns their ids."""
        recovered = await self.store.call(Store.recover_sending)
        for post_id, again in recovered:
            log.warning("post_outcome_unknown", post=post_id, reason="cut off", resend=again)
        return [post_id for post_id, _ in recovered]

    async def drain(self, deadline: datetime | None = None) -> DrainReport:
        """Send what is pending, to the channel and to private chats, each at its pace, until
        the outbox is empty or ``deadline`` would be passed."""
        counts = {"sent": 0, "edited": 0, "failed": 0, "unknown": 0, "expired": 0}
        counts |= {"private": 0, "routed": 0}
        if not self._dropped:
            keep = [target.key for target in self.settings.telegram.destinations]
            if dropped := await self.store.call(Store.drop_destinations, keep):
                log.warning("destination_dropped", posts=dropped)
            self._dropped = True
        if self.sender is None:
            left = await self.store.call(Store.pending_count, CHANNEL)
            return DrainReport(left=left, stopped=self.offline)
        pacer = await self._load_pacer()
        self.refused = None
        stopped: str | None = None
        while stopped is None:
            if self.stopping:
                stopped = "ogbot is stopping"
                break
            now = self.clock()
            best = await self._next_work(pacer, now)
            if best is None:
                upcoming = await self.store.call(Store.next_not_before, None)
                if upcoming is None:
                    break
                if deadline is None or upcoming > deadline:
                    stopped = "waiting to retry"
                    break
                await self._pause(max(0.0, (upcoming - self.clock()).total_seconds()))
                continue
            wait, chat, chat_id, post = best.wait, best.chat, best.chat_id, best.post
            if deadline is not None and now + timedelta(seconds=wait) > deadline:
                stopped = "time is up"
                break
            if wait > 0:
                await self._pause(wait)
                if self.stopping:
                    continue  # the loop ends above
            if best.is_edit:
                await self._edit(post, chat_id, pacer)
                metrics.posts(chat, "edited")
                counts["edited"] += 1
                continue
            outcome = await self._send(post, chat_id, pacer)
            metrics.posts(chat, outcome)
            if outcome == "sent" and chat != CHANNEL:
                counts["private" if is_private(chat) else "routed"] += 1
            elif outcome in counts:
                counts[outcome] += 1
            elif outcome == "fatal":
                stopped = "Telegram refused the token"
        left = await self.store.call(Store.pending_count, CHANNEL)
        if self.refused and left and stopped in (None, "waiting to retry"):
            stopped = f"the channel refuses posts: {self.refused}"
        return DrainReport(**counts, left=left, stopped=stopped)

    async def _next_work(self, pacer: Pacer, now: datetime) -> _Work | None:
        """The send or edit to make next: of the chats with work, the one Telegram's pace lets
        go soonest, the channel first. Private chats come from the store in the order their
        work was queued, a batch of :data:`CANDIDATES` at a time (the chats just sent to wait
        their second, the others do not), so choosing costs the same at 10 subscribers as at
        10,000, and the outbox holds nothing per subscriber."""
        best: _Work | None = None
        if await self.store.call(Store.has_work, CHANNEL, now):
            best = await self._work_of(CHANNEL, pacer, now)
            if best is not None and best.wait == 0:
                return best
        candidates = await self.store.call(Store.next_private_chats, now, CANDIDATES)
        waits: list[tuple[float, int, str]] = []
        for order, chat in enumerate(candidates):
            waits.append((pacer.delay(self._chat_ids.get(chat, chat), now), order, chat))
            if waits[-1][0] == 0:
                break  # the oldest work that may go now: no need to weigh the rest
        for wait, _, chat in sorted(waits):
            if best is not None and best.wait <= wait:
                break  # the channel goes first on a tie
            work = await self._work_of(chat, pacer, now)
            if work is not None:
                return work
        return best

    async def _work_of(self, chat: str, pacer: Pacer, now: datetime) -> _Work | None:
        """The chat's next edit, else its next post (digests formed first), and its wait."""
        chat_id = await self._chat_id_of(chat)
        if chat_id is None:
            return None
        edits = await self.store.call(Store.posts_to_edit, chat)
        if edits:
            return _Work(pacer.delay(chat_id, now), chat, chat_id, edits[0], True)
        pending = await self._pending_with_digests(chat, now)
        if not pending:
            return None
        return _Work(pacer.delay(chat_id, now), chat, chat_id, pending[0], False)

    async def _chat_id_of(self, chat: str) -> str | None:
        """The numeric id to send to; None (and the chat's posts deferred) when the channel or
        a destination cannot be resolved now (None too for a destination no longer
        configured)."""
        if is_private(chat):
            return chat
        if chat == CHANNEL:
            name = self.channel
        else:
            target = destination(self.settings, chat)
            if target is None:
                return None
            name = target.chat
        try:
            return await self._resolve(chat, name)
        except SendError as exc:
            if chat == CHANNEL:
                log.error("channel_unavailable", channel=self.channel, reason=exc.reason)
                self.refused = exc.reason
            else:
                log.error("destination_unavailable", destination=chat, reason=exc.reason)
            await self.store.call(Store.defer_chat, chat, self.clock() + FORBIDDEN_DELAY)
            return None

    async def _resolve(self, chat: str, name: str) -> str:
        """``name`` ("@name" or an id) as a numeric id: asked of Telegram once, then kept."""
        if chat not in self._chat_ids:
            key = f"chat_id:{name}"
            stored = await self.store.call(Store.meta, key)
            if stored is None:
                assert self.sender is not None
                stored = await self.sender.resolve(name)
                await self.store.call(Store.set_meta, key, stored)
            self._chat_ids[chat] = stored
        return self._chat_ids[chat]

    async def _load_pacer(self) -> Pacer:
        if self._pacer is None:
            history = await self.store.call(Store.recent_sends, self.clock() - HISTORY)
            self._pacer = Pacer(history)
        return self._pacer

    async def _pending_with_digests(self, chat: str, now: datetime) -> list[OutboxPost]:
        """The chat's posts that may go now. More than ``digest_after`` items waiting become
        digests of up to ``digest_size`` first, each split further where the lines would not
        fit one post (no item is ever dropped)."""
        publish = self.settings.publish
        pending = await self.store.call(Store.pending_posts, chat, now)
        waiting = {post.ref: post.id for post in pending if post.kind == "item" and post.ref}
        if len(waiting) <= publish.digest_after:
            return pending
        items = await self.store.call(Store.items_by_id, list(waiting))
        groups: list[list[int]] = []
        for group in digest_groups([item.id for item in items], publish.digest_size):
            chosen = [item for item in items if item.id in set(group)]
            for post in digest_posts(chosen, publish):
                groups.append([waiting[item_id] for item_id in post.item_ids])
        await self.store.call(Store.make_digests, chat, groups, now)
        log.info("digests_formed", items=len(waiting), digests=len(groups))
        return await self.store.call(Store.pending_posts, chat, now)

    async def _items(self, post: OutboxPost) -> list[StoredItem]:
        """The stored items a post shows (none for an announcement)."""
        if post.kind == "digest":
            refs = await self.store.call(Store.digest_refs, post.id)
            return await self.store.call(Store.items_by_id, refs)
        if post.kind in ("item", "reminder") and post.ref is not None:
            return await self.store.call(Store.items_by_id, [post.ref])
        return []

    async def render(
        self, post: OutboxPost, items: Sequence[StoredItem] | None = None
    ) -> Post | None:
        """The post's text now (titles edited since are shown as they are now), in the
        subscriber's language for a private chat. ``items``: the post's items, if loaded."""
        publish = self.settings.publish
        lang: Lang = "de"
        if is_private(post.chat):
            subscriber = await self.store.call(Store.subscriber, int(post.chat))
            lang = "en" if subscriber is not None and subscriber.lang == "en" else "de"
        if post.kind == "announcement" and post.ref is not None:
            announcement = await self.store.call(Store.announcement, post.ref)
            if announcement is None:
                return None
            return announcement_post(
                announcement.text,
                publish,
                markup=announcement.html,
                photo=announcement.photo,
                photo_file=media_file(self.settings, announcement.image),
                roundup=announcement.author == ROUNDUP_AUTHOR,
            )
        if items is None:
            items = await self._items(post)
        if not items:
            return None
        if post.kind == "digest":
            return digest_post(items, publish, lang)
        if post.kind == "reminder":
            today = self.clock().astimezone(publish.tz).date()
            try:
                return reminder_post(items[0], publish, today, lang)
            except ValueError:  # the deadline passed meanwhile
                return None
        return item_post(items[0], publish, lang)

    async def _record(self, pacer: Pacer, chat_id: str) -> None:
        now = self.clock()
        pacer.record(chat_id, now)
        await self.store.call(Store.record_send, chat_id, now, Retention().sends)

    async def _send(self, post: OutboxPost, chat_id: str, pacer: Pacer) -> str:
        assert self.sender is not None
        now = self.clock()
        items = await self._items(post)
        oldest = now - timedelta(days=self.settings.publish.max_age)
        if post.kind == "item" and items and items[0].published < oldest:
            await self.store.call(Store.mark_done, post.id, "expired", "older than max_age")
            return "expired"
        rendered = await self.render(post, items)
        if rendered is None:
            await self.store.call(Store.mark_done, post.id, "failed", "nothing to show")
            return "failed"
        if self.stopping:
            return "stopped"  # no new send once ogbot is stopping: the post stays pending
        if not await self.store.call(Store.claim, post.id, now):
            return "skipped"  # claimed elsewhere (cannot happen under the lock; harmless)
        silent = in_quiet_hours(self.settings, now)
        target = destination(self.settings, post.chat)
        await self._record(pacer, chat_id)
        try:
            thread = target.thread if target is not None else None
            sent = await self.sender.send(chat_id, rendered, silent=silent, thread=thread)
        except SendError as exc:
            return await self._failed(post, exc, chat_id, pacer)
        await self.store.call(
            Store.mark_sent, post.id, sent.chat_id, sent.message_id, rendered.text, silent, now
        )
        log.info("post_sent", post=post.id, kind=post.kind, message=sent.message_id, silent=silent)
        return "sent"

    async def _failed(self, post: OutboxPost, exc: SendError, chat_id: str, pacer: Pacer) -> str:
        now = self.clock()
        if exc.outcome == "retry":
            if exc.retry_after is not None:
                until = now + timedelta(seconds=exc.retry_after)
                pacer.block(chat_id, until)
            elif post.attempts + 1 >= MAX_ATTEMPTS:
                await self.store.call(Store.mark_done, post.id, "failed", exc.reason)
                log.error("post_failed", post=post.id, reason=exc.reason, attempts=MAX_ATTEMPTS)
                return "failed"
            else:
                until = now + RETRY_DELAY * (2**post.attempts)
            await self.store.call(Store.mark_retry, post.id, until, exc.reason)
            log.warning("post_retry", post=post.id, reason=exc.reason, at=until.isoformat())
            return "retry"
        if exc.outcome == "unknown":
            again = await self.store.call(
                Store.mark_uncertain, post.id, now + UNKNOWN_DELAY, exc.reason
            )
            log.warning("post_outcome_unknown", post=post.id, reason=exc.reason, resend=again)
            return "unknown"
        # a destination's chat or forum topic not found: as if it refused the bot (below)
        gone = is_destination(post.chat) and "not found" in exc.reason.lower()
        if exc.outcome == "rejected" and not gone:
            await self.store.call(Store.mark_done, post.id, "failed", exc.reason)
            log.error("post_refused", post=post.id, reason=exc.reason)
            return "failed"
        if is_private(post.chat):  # a user blocked the bot or deleted the chat: unsubscribed
            await self.store.call(Store.forget, int(post.chat))
            log.info("subscriber_gone", reason=exc.reason)
            return "gone"
        # the channel or a destination refuses the bot (a destination also: its chat or forum
        # topic is not found); nothing can go there now; its posts wait, the other chats do not
        await self.store.call(Store.mark_retry, post.id, now, exc.reason)
        await self.store.call(Store.defer_chat, post.chat, now + FORBIDDEN_DELAY)
        if post.chat != CHANNEL:
            log.error("destination_refuses_posts", destination=post.chat, reason=exc.reason)
            return "fatal" if exc.outcome == "fatal" else "refused"
        self.refused = exc.reason
        log.error("channel_refuses_posts", channel=self.channel, reason=exc.reason)
        return exc.outcome

    async def _edit(self, post: OutboxPost, chat_id: str, pacer: Pacer) -> None:
        assert self.sender is not None and post.message_id is not None
        rendered = await self.render(post)
        if rendered is None or rendered.text == post.text:
            await self.store.call(Store.mark_edited, post.id, None)
            return
        if self.stopping:
            return  # edit_pending stays: done after the restart
        await self._record(pacer, chat_id)
        try:
            await self.sender.edit(post.chat_id or chat_id, post.message_id, rendered)
        except SendError as exc:
            log.warning("post_edit_failed", post=post.id, reason=exc.reason)
            if exc.outcome == "retry" and exc.retry_after is not None:
                pacer.block(chat_id, self.clock() + timedelta(seconds=exc.retry_after))
                return  # edit_pending stays: tried again after the wait
            await self.store.call(Store.mark_edited, post.id, None)
            return
        await self.store.call(Store.mark_edited, post.id, rendered.text)
        log.info("post_edited", post=post.id, message=post.message_id)
