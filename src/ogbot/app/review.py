"""Review before posting, in the domain's words, for the bot's review buttons and ``ogbot
review``: the items waiting, a decision (post or skip; the first is final), a corrected title,
and the one step that waits for a reply ("Titel ändern": the coordinator's next text message
is the title). The mechanism is :class:`ogbot.publish.review.ReviewDesk`; every decision and
correction is in the audit record (a coordinator's id, or ``shell``/``timeout``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ogbot import logs
from ogbot.models import Clock, Lang, Review, ReviewDecision, StoredItem, utc_now
from ogbot.publish.publisher import Publisher
from ogbot.publish.review import TITLE_MAX, Decided, ReviewDesk, lang_key
from ogbot.store import AsyncStore, Store
from ogbot.text import clean_text

log = logs.get_logger(__name__)


@dataclass(frozen=True)
class PendingReview:
    """An item waiting for a coordinator's decision, as it would be posted."""

    review: Review
    item: StoredItem


def awaiting_title_key(coordinator: int) -> str:
    """The meta row that says which item waits for this coordinator's corrected title."""
    return f"review.awaiting_title.{coordinator}"


def title_problem(text: str) -> str | None:
    """Why ``text`` cannot be a title (None: it can): one line of 1 to TITLE_MAX characters."""
    title = clean_text(text)
    if not title:
        return "empty"
    if len(title) > TITLE_MAX:
        return f"longer than {TITLE_MAX} characters"
    return None


class Reviews:
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
        self._langs: dict[int, Lang] = {}  # as stored: a write only when a language changes

    @property
    def desk(self) -> ReviewDesk:
        return self.publisher.review

    async def remember_lang(self, coordinator: int, lang: Lang) -> None:
        """The language of the coordinator's client, for the buttons of their next previews."""
        if self._langs.get(coordinator) == lang:
            return
        await self.store.call(Store.set_meta, lang_key(coordinator), lang)
        self._langs[coordinator] = lang

    async def find(self, item_id: int) -> Review | None:
        return await self.store.call(Store.review, item_id)

    async def pending(self) -> list[PendingReview]:
        """The items waiting for a decision, oldest first."""
        reviews = await self.store.call(Store.reviews, "pending")
        items = {
            item.id: item
            for item in await self.store.call(Store.items_by_id, [r.item_id for r in reviews])
        }
        return [PendingReview(r, items[r.item_id]) for r in reviews if r.item_id in items]

    async def decide(
        self, item_id: int, decision: ReviewDecision, *, coordinator: int | None, name: str
    ) -> Decided | None:
        """Post or skip; None when the item is not waiting (decided already: see
        :meth:`find`). ``coordinator`` None: from the shell, ``name`` says who."""
        decided = await self.desk.decide(item_id, decision, decided_by=name, actor=coordinator)
        if decided is not None and decided.queued:
            self.wake_outbox()
        return decided

    async def show_decision(self, review: Review) -> None:
        """Every coordinator's preview of a decided item says who decided and what."""
        await self.desk.show_decision(review)

    # -- a corrected title -------------------------------------------------------------------

    async def ask_title(self, coordinator: int, item_id: int) -> None:
        """The coordinator's next text message is the title of ``item_id``."""
        await self.store.call(Store.set_meta, awaiting_title_key(coordinator), str(item_id))

    async def awaiting_title(self, coordinator: int) -> int | None:
        """The item waiting for this coordinator's title, or None."""
        value = await self.store.call(Store.meta, awaiting_title_key(coordinator))
        return int(value) if value and value.isdigit() else None

    async def stop_waiting(self, coordinator: int) -> None:
        await self.store.call(Store.set_meta, awaiting_title_key(coordinator), "")

    async def correct_title(self, coordinator: int, item_id: int, text: str) -> bool:
        """Use ``text`` as the item's title (the wait ends) and send the coordinator a new
        preview; False when the item is not waiting any more."""
        await self.stop_waiting(coordinator)
        if not await self.desk.correct_title(item_id, clean_text(text), actor=coordinator):
            return False
        await self.desk.preview_again(item_id, coordinator)
        return True
