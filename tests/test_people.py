"""The domain service behind the conversation (:class:`ogbot.app.people.People`): answers that
read the stored items, the item lists, subscriptions and forgetting. A real store in a temporary
directory, the real answer engine; the bot's side is in test_conversation.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ogbot.app.people import People
from ogbot.knowledge.answer import Answerer
from ogbot.models import Item, Kind
from ogbot.store import AsyncStore, Store
from tests.fakes.telegram import ManualClock

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
ALICE, BOB = 1001, 1002


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer.load()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AsyncStore]:
    opened = AsyncStore.open(tmp_path / "data")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def people(store: AsyncStore, answerer: Answerer, clock: ManualClock) -> People:
    return People(store, answerer, clock=clock, tz=BERLIN)


def item(number: int, title: str, *, kind: Kind = "news", deadline: date | None = None) -> Item:
    link = f"https://example.org/{number}/"
    return Item(
        source="ogp",
        guid=link,
        link=link,
        key=link,
        title=title,
        summary=f"Zusammenfassung {number}",
        content_html="",
        published=NOW - timedelta(hours=number),
        date_known=True,
        categories=(),
        author=None,
        kind=kind,
        deadline=deadline,
        deadline_guessed=False,
    )


async def save(store: AsyncStore, *items: Item) -> None:
    await store.call(Store.save_items, "ogp", list(items), NOW, False)


# --- subscriptions ------------------------------------------------------------------------------


async def test_subscribe_stores_the_choice_and_language_and_keeps_since_when(
    people: People, clock: ManualClock
) -> None:
    assert await people.subscription(ALICE) is None

    first = await people.subscribe(ALICE, news=True, consultations=False, lang="de")
    clock.advance(timedelta(days=3))
    changed = await people.subscribe(ALICE, news=False, consultations=True, lang="en")

    assert (first.chat_id, first.news, first.consultations, first.lang) == (
        ALICE,
        True,
        False,
        "de",
    )
    assert (changed.news, changed.consultations, changed.lang) == (False, True, "en")
    assert changed.created == first.created == NOW  # since when: the first subscription
    assert await people.subscription(ALICE) == changed


async def test_forget_deletes_what_is_stored_about_the_person_only(
    people: People, store: AsyncStore
) -> None:
    await save(store, item(1, "Aktionsplan"))
    [stored] = await people.latest(1)
    await people.subscribe(ALICE, news=True, consultations=True, lang="de")
    await store.call(Store.enqueue, str(ALICE), "item", [stored.id], NOW)
    await people.subscribe(BOB, news=True, consultations=False, lang="en")

    gone = await people.forget(ALICE)

    assert gone == 2  # the subscription and the private post still queued
    assert await people.subscription(ALICE) is None
    assert await store.call(Store.pending_count, str(ALICE)) == 0
    assert await people.subscription(BOB) is not None
    assert await people.forget(ALICE) == 0  # nothing left to delete


# --- the stored items ---------------------------------------------------------------------------


async def test_latest_lists_the_newest_items_first(people: People, store: AsyncStore) -> None:
    await save(store, item(3, "Drei"), item(1, "Eins"), item(2, "Zwei"))

    assert [i.title for i in await people.latest(2)] == ["Eins", "Zwei"]


async def test_search_finds_items_with_every_word_and_tells_no_words_apart_from_no_hits(
    people: People, store: AsyncStore
) -> None:
    await save(store, item(1, "Beteiligungsverfahren zum Aktionsplan"), item(2, "Open Data"))

    assert [i.title for i in await people.search("aktionsplan beteiligung", 10) or []] == [
        "Beteiligungsverfahren zum Aktionsplan"
    ]
    assert await people.search("Haushalt", 10) == []  # words, but nothing found
    assert await people.search("", 10) is None  # no words at all
    assert await people.search(' "*" -- ', 10) is None


async def test_open_consultations_count_days_in_the_configured_time_zone(
    people: People, store: AsyncStore, clock: ManualClock
) -> None:
    await save(
        store,
        item(1, "Endet am 24.", kind="consultation", deadline=date(2026, 11, 24)),
        item(2, "Endet am 30.", kind="consultation", deadline=date(2026, 11, 30)),
        item(3, "Frist unbekannt", kind="consultation"),
        item(4, "Eine Nachricht"),
    )
    # 23:30 UTC is already the 24th in Berlin: the 24th is still open, nothing has passed
    clock.set(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    assert [i.title for i in await people.open_consultations(10)] == [
        "Endet am 24.",
        "Endet am 30.",
        "Frist unbekannt",
    ]
    # 23:30 UTC on the 24th is the 25th in Berlin: the first one has passed
    clock.set(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
    assert [i.title for i in await people.open_consultations(10)] == [
        "Endet am 30.",
        "Frist unbekannt",
    ]


# --- answers ------------------------------------------------------------------------------------


async def test_answer_reads_the_stored_items_for_a_live_question(
    people: People, store: AsyncStore
) -> None:
    await save(
        store,
        item(1, "Entwurf des Aktionsplans", kind="consultation", deadline=date(2026, 12, 15)),
    )

    live = await people.answer("Welche Konsultationen laufen gerade?", "de")
    known = await people.answer("Was ist die OGP?", "de")

    assert live.matched == "live:consultations" and live.lang == "de"
    assert "Entwurf des Aktionsplans" in live.text and "15. Dezember 2026" in live.text
    assert known.matched is not None and not known.matched.startswith("live:")
