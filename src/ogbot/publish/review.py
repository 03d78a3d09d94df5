"""Review before posting (``[[sources]] review = true``): a new item of such a source goes to
the coordinators first and to the channel and subscribers only once one of them posts it.

In the order things happen:

1. :meth:`ReviewDesk.hold` after a cycle: of the new items, those of a source under review that
   the channel would get (:meth:`~ogbot.publish.outbox.Outbox.postable`: within ``max_age``,
   the backlog of a first sight) are held, with a pending preview for every coordinator; the
   rest is queued as usual.
2. :meth:`ReviewDesk.send_previews`: each coordinator gets the exact post the channel would
   get, privately (silently in quiet hours), with the buttons **Posten** / **Überspringen** /
   **Titel ändern** (**Post** / **Skip** / **Edit title** for a coordinator whose Telegram
   client is English). Sent as the outbox sends: claimed in the store before the request,
   recorded after it; a send cut off by a crash, or without an answer, is sent once more,
   never a third time, and a restart sends nothing twice.
3. :meth:`ReviewDesk.decide`: the first decision is final (a conditional update in the store).
   Posted: queued in the outbox like any new item, so digests, pacing and quiet hours apply
   from now on. Skipped: never posted; in the feeds unless ``publish.feeds_follow_review``
   (which keeps every item of a review source out of the feeds until it is posted). Every
   coordinator's preview then shows who decided and what, instead of its buttons; the audit
   record has the decision (by a coordinator's id, ``shell`` or ``timeout``).
4. :meth:`ReviewDesk.expire`: an item waiting longer than its source's ``review_timeout`` hours
   is decided by ``review_timeout_action`` ("drop", the default: skipped; or "post").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from ogbot import logs
from ogbot.config import Settings, SourceSettings
from ogbot.models import (
    Clock,
    Lang,
    Review,
    ReviewDecision,
    ReviewPreview,
    ReviewState,
    utc_now,
)
from ogbot.publish.outbox import RETRY_DELAY, UNKNOWN_DELAY, Outbox, in_quiet_hours
from ogbot.publish.post import Post, item_post
from ogbot.publish.sender import Buttons, SendError
from ogbot.store import AsyncStore, Store

log = logs.get_logger(__name__)

CALLBACK_PREFIX = "rv"  # the review buttons' callback data: rv:<post|skip|title|info>:<item id>
SHELL = "shell"  # who decided, for a decision from ``ogbot review post|skip ID``
TIMEOUT = "timeout"  # ... for one made by review_timeout
TITLE_MAX = 300  # characters of a corrected title

LABELS: dict[Lang, dict[str, str]] = {
    "de": {
        "post": "Posten",
        "skip": "Überspringen",
        "title": "Titel ändern",
        "posted": "✅ Gepostet",
        "skipped": "⏭ Übersprungen",
        "shell": "Shell",
        "timeout": "Zeitablauf",
    },
    "en": {
        "post": "Post",
        "skip": "Skip",
        "title": "Edit title",
        "posted": "✅ Posted",
        "skipped": "⏭ Skipped",
        "shell": "shell",
        "timeout": "timeout",
    },
}


def lang_key(coordinator: int) -> str:
    """The meta row with the language of a coordinator's Telegram client, as last seen."""
    return f"review.lang.{coordinator}"


def review_buttons(item_id: int, lang: Lang) -> Buttons:
    labels = LABELS[lang]
    return (
        (
            (labels["post"], f"{CALLBACK_PREFIX}:post:{item_id}"),
            (labels["skip"], f"{CALLBACK_PREFIX}:skip:{item_id}"),
        ),
        ((labels["title"], f"{CALLBACK_PREFIX}:title:{item_id}"),),
    )


def decided_text(review: Review, lang: Lang) -> str:
    """ "✅ Gepostet von Ada", "⏭ Übersprungen (Zeitablauf)": who decided and what."""
    labels = LABELS[lang]
    what = labels["posted"] if review.state == "posted" else labels["skipped"]
    who = review.decided_by or "?"
    if who in (SHELL, TIMEOUT):
        return f"{what} ({labels[who]})"
    return f"{what} {'von' if lang == 'de' else 'by'} {who}"


def decided_buttons(review: Review, lang: Lang) -> Buttons:
    """The one button a decided preview keeps: it says who decided and what."""
    return (((decided_text(review, lang), f"{CALLBACK_PREFIX}:info:{review.item_id}"),),)


@dataclass(frozen=True)
class Decided:
    """A decision carried out: the review as it stands now, and how many posts it queued (none
    for a posted item the channel would not take any more: older than ``publish.max_age``)."""

    review: Review
    queued: int


class ReviewDesk:
    """Holds the items of sources under review, sends their previews and carries out the
    decisions; the publisher owns one (``publisher.review``)."""

    def __init__(
        self,
        settings: Settings,
        store: AsyncStore,
        outbox: Outbox,
        write_feeds: Callable[[], Awaitable[bool]],
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.store = store
        self.outbox = outbox
        self.write_feeds = write_feeds
        self.clock = clock
        self._recovered = False

    @property
    def sources(self) -> dict[str, SourceSettings]:
        """The sources under review, by name."""
        return {source.name: source for source in self.settings.sources if source.review}

    async def lang_of(self, coordinator: int) -> Lang:
        """The coordinator's language as their Telegram client last said; German by default."""
        return "en" if await self.store.call(Store.meta, lang_key(coordinator)) == "en" else "de"

    def _quiet(self) -> bool:
        """A preview in quiet hours arrives without a sound, as the channel's posts do."""
        return in_quiet_hours(self.settings, self.clock())

    async def preview(self, item_id: int) -> Post | None:
        """The post the channel would get for the item now (its corrected title included)."""
        items = await self.store.call(Store.items_by_id, [item_id])
        return item_post(items[0], self.settings.publish) if items else None

    # -- 1. holding --------------------------------------------------------------------------

    async def hold(self, item_ids: Sequence[int]) -> list[int]:
        """Hold the new items of sources under review; returns the others, to queue as usual.
        An item of such a source the channel would never get (too old, beyond the backlog) is
        neither held nor queued."""
        review = self.sources
        if not review or not item_ids:
            return list(item_ids)
        now = self.clock()
        items = await self.store.call(Store.items_by_id, list(item_ids))
        reviewed = {item.id for item in items if item.source in review}
        if not reviewed:
            return list(item_ids)
        chosen = [
            (item.id, item.source)
            for item in self.outbox.postable(items, now)
            if item.id in reviewed
        ]
        coordinators = self.settings.telegram.coordinators
        held = await self.store.call(Store.hold_for_review, chosen, coordinators, now)
        if held:
            log.info("review_held", items=len(held), coordinators=len(coordinators))
            if not coordinators:
                log.warning("review_without_coordinators", items=len(held))
        return [item_id for item_id in item_ids if item_id not in reviewed]

    # -- 2. the previews ---------------------------------------------------------------------

    async def send_previews(self) -> int:
        """Send the previews due now; returns how many went out."""
        if self.outbox.sender is None:
            return 0
        if not self._recovered:
            self._recovered = True
            for item_id, coordinator, again in await self.store.call(
                Store.recover_previews, self.clock() + UNKNOWN_DELAY
            ):
                log.warning(
                    "review_preview_outcome_unknown",
                    item=item_id,
                    user=coordinator,
                    reason="cut off",
                    resend=again,
                )
        sent = 0
        for preview in await self.store.call(Store.previews_due, self.clock()):
            if self.outbox.stopping:
                break
            sent += await self._send(preview)
        return sent

    async def _send(self, preview: ReviewPreview) -> int:
        sender, item_id, user = self.outbox.sender, preview.item_id, preview.coordinator
        assert sender is not None
        post = await self.preview(item_id)
        if post is None:
            await self.store.call(Store.preview_failed, item_id, user)
            return 0
        buttons = review_buttons(item_id, await self.lang_of(user))
        if not await self.store.call(Store.claim_preview, item_id, user):
            return 0  # decided meanwhile
        try:
            sent = await sender.send(str(user), post, silent=self._quiet(), buttons=buttons)
        except SendError as exc:
            now = self.clock()
            if exc.outcome == "retry":
                wait = timedelta(seconds=exc.retry_after) if exc.retry_after else RETRY_DELAY
                await self.store.call(Store.preview_later, item_id, user, now + wait)
            elif exc.outcome == "unknown":
                again = await self.store.call(
                    Store.preview_uncertain, item_id, user, now + UNKNOWN_DELAY
                )
                log.warning("review_preview_outcome_unknown", item=item_id, user=user, resend=again)
                return 0
            else:  # refused, or the coordinator never started the bot (blocked it)
                await self.store.call(Store.preview_failed, item_id, user)
            log.warning("review_preview_not_sent", item=item_id, user=user, reason=exc.reason)
            return 0
        await self.store.call(Store.preview_sent, item_id, user, sent.message_id)
        log.info("review_preview_sent", item=item_id, user=user, message=sent.message_id)
        return 1

    async def preview_again(self, item_id: int, coordinator: int) -> bool:
        """A new preview for one coordinator (after a corrected title), which replaces their
        earlier one (whose buttons go); False when it could not be sent or the item is
        decided."""
        sender = self.outbox.sender
        review = await self.store.call(Store.review, item_id)
        post = await self.preview(item_id)
        if sender is None or post is None or review is None or review.state != "pending":
            return False
        previews = await self.store.call(Store.previews_of, item_id)
        earlier = next((p for p in previews if p.coordinator == coordinator), None)
        lang = await self.lang_of(coordinator)
        try:
            sent = await sender.send(
                str(coordinator), post, silent=self._quiet(), buttons=review_buttons(item_id, lang)
            )
        except SendError as exc:
            log.warning(
                "review_preview_not_sent", item=item_id, user=coordinator, reason=exc.reason
            )
            return False
        await self.store.call(Store.preview_sent, item_id, coordinator, sent.message_id)
        if earlier is not None and earlier.message_id is not None:
            await self._edit_buttons(coordinator, earlier.message_id, ())
        return True

    # -- 3. deciding -------------------------------------------------------------------------

    async def decide(
        self, item_id: int, decision: ReviewDecision, *, decided_by: str, actor: int | None
    ) -> Decided | None:
        """Post or skip a pending item; None when there is none pending with this id (decided
        already, or never under review). ``decided_by``: the name people are told."""
        state: ReviewState = "posted" if decision == "post" else "skipped"
        now = self.clock()
        if not await self.store.call(Store.decide_review, item_id, state, decided_by, actor, now):
            return None
        review = await self.store.call(Store.review, item_id)
        assert review is not None
        origin = "" if actor is not None else f" by {decided_by}"
        await self.store.call(
            Store.record_action, actor, f"review_{decision}", f"item {item_id}{origin}", now
        )
        queued = 0
        if decision == "post":
            queued = await self.outbox.enqueue_items([item_id])
            if self.settings.publish.feeds_follow_review:
                await self.write_feeds()
        log.info("review_decided", item=item_id, decision=decision, user=actor, queued=queued)
        await self.show_decision(review)
        return Decided(review, queued)

    async def show_decision(self, review: Review) -> None:
        """Every coordinator's preview says who decided and what, instead of its buttons."""
        for preview in await self.store.call(Store.previews_of, review.item_id):
            if preview.message_id is None:
                continue
            lang = await self.lang_of(preview.coordinator)
            await self._edit_buttons(
                preview.coordinator, preview.message_id, decided_buttons(review, lang)
            )

    async def _edit_buttons(self, coordinator: int, message_id: int, buttons: Buttons) -> None:
        if self.outbox.sender is None:
            return
        try:
            await self.outbox.sender.edit_buttons(str(coordinator), message_id, buttons)
        except SendError as exc:  # deleted by the coordinator, or Telegram is away: harmless
            log.info("review_preview_kept", user=coordinator, reason=exc.reason)

    async def correct_title(self, item_id: int, title: str, *, actor: int | None) -> bool:
        """The title the channel gets instead of the source's; False when the item is not
        pending (any more)."""
        if not await self.store.call(Store.set_review_title, item_id, title):
            return False
        await self.store.call(
            Store.record_action, actor, "review_title", f"item {item_id}", self.clock()
        )
        await self.write_feeds()
        log.info("review_title_corrected", item=item_id, user=actor)
        return True

    # -- 4. the timeout ----------------------------------------------------------------------

    async def expire(self) -> list[Decided]:
        """Decide the items that waited longer than their source's ``review_timeout``."""
        now, decided = self.clock(), []
        sources = self.sources
        for review in await self.store.call(Store.reviews, "pending"):
            source = sources.get(review.source)
            if source is None or source.review_timeout is None:
                continue
            if now - review.created < timedelta(hours=source.review_timeout):
                continue
            decision: ReviewDecision = "post" if source.review_timeout_action == "post" else "skip"
            done = await self.decide(review.item_id, decision, decided_by=TIMEOUT, actor=None)
            if done is not None:
                decided.append(done)
        return decided
