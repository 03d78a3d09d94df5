"""What everyone asks of ogbot: answers, the stored items (latest, search, open consultations),
and subscriptions with what is stored about a person.

The bot's conversation calls these instead of the store; each method is one visit to the store's
thread and returns the typed values of :mod:`ogbot.models`.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, tzinfo

from ogbot import metrics
from ogbot.knowledge.answer import Answerer, Pending
from ogbot.models import Answer, Clock, Lang, StoredItem, Subscriber, utc_now
from ogbot.store import AsyncStore, Store, search_words


class People:
    def __init__(
        self, store: AsyncStore, answerer: Answerer, *, clock: Clock = utc_now, tz: tzinfo = UTC
    ) -> None:
        self.store = store
        self.answerer = answerer
        self.clock = clock
        self.tz = tz  # whose calendar days: deadlines, "today"

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    # -- answers and the stored items --------------------------------------------------------

    async def answer(self, question: str, client_lang: str | None = None) -> Answer:
        """The answer to a question; one about open consultations or news reads the stored
        items (in the store's thread)."""
        started = time.monotonic()
        answer = self.answerer.prepare(question, client_lang)
        if isinstance(answer, Pending):
            answer = await self.store.call(_live, self.answerer, answer, self.clock(), self.tz)
        metrics.answered(answer.matched is not None, time.monotonic() - started)
        return answer

    async def latest(self, count: int) -> list[StoredItem]:
        """The newest stored items of any kind."""
        return await self.store.call(Store.latest_items, count)

    async def search(self, words: str, count: int) -> list[StoredItem] | None:
        """The stored items matching every word, newest first; None when ``words`` holds no
        word to search for (only punctuation, or nothing)."""
        if not search_words(words):
            return None
        return await self.store.call(Store.search_items, words, count)

    async def open_consultations(self, count: int) -> list[StoredItem]:
        """Consultations whose deadline is today or later (or unknown), soonest first."""
        return await self.store.call(Store.open_consultations, self.today(), count)

    # -- subscriptions -----------------------------------------------------------------------

    async def subscription(self, chat_id: int) -> Subscriber | None:
        """What this private chat subscribed to, or None."""
        return await self.store.call(Store.subscriber, chat_id)

    async def subscribe(
        self, chat_id: int, *, news: bool, consultations: bool, lang: Lang
    ) -> Subscriber:
        """Subscribe (or change the subscription) in ``lang``; since when stays the first time."""
        return await self.store.call(_subscribe, chat_id, news, consultations, lang, self.clock())

    async def forget(self, chat_id: int) -> int:
        """Delete everything stored about the person (/unsubscribe, /forget): the subscription,
        private posts still queued, the pacing log, open drafts. Returns how many rows went."""
        return await self.store.call(Store.forget, chat_id)


def _live(store: Store, answerer: Answerer, pending: Pending, now: datetime, tz: tzinfo) -> Answer:
    """Runs in the store's thread: a live answer reads the stored items."""
    return answerer.answer_live(pending, store, now, tz)


def _subscribe(
    store: Store, chat_id: int, news: bool, consultations: bool, lang: Lang, now: datetime
) -> Subscriber:
    store.subscribe(chat_id, news, consultations, lang, now)
    subscriber = store.subscriber(chat_id)
    assert subscriber is not None  # just written, in the same thread
    return subscriber
