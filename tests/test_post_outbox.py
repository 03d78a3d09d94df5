"""Channel posts the way the outbox sends them, as followers see them in the (fake) channel.

Up to ``publish.digest_after`` waiting items go out one post each; more become digests of up to
``publish.digest_size`` items, the batch split into parts of even size by
:func:`ogbot.publish.post.digest_groups`. (These were the tests of ``post.channel_posts``, a
second copy of this path that only tests used.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ogbot.app.house import publishing
from ogbot.config import Settings, build_settings
from ogbot.models import Item
from ogbot.publish.outbox import DrainReport
from ogbot.publish.post import digest_groups
from ogbot.store import AsyncStore, Store
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram, ManualClock, SentMessage

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin: not quiet


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def telegram(clock: ManualClock) -> Iterator[FakeTelegram]:
    with FakeTelegram(clock=clock) as fake:
        fake.add_channel(CHANNEL, CHANNEL_ID)
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AsyncStore]:
    store = AsyncStore.open(tmp_path / "data")
    yield store
    store.close()


def title(number: int) -> str:
    return f"Beitrag Nummer {number}: Neuigkeiten aus dem Netzwerk"


def numbered(count: int) -> list[Item]:
    """``count`` news items, oldest first, all within ``publish.max_age``."""
    return [
        Item(
            source="netzwerk",
            guid=f"beitrag-{n}",
            link=f"https://opengovpartnership.de/2026/10/beitrag-{n}/",
            key=f"opengovpartnership.de/2026/10/beitrag-{n}",
            title=title(n),
            summary="Ein Bericht aus dem Netzwerk.",
            content_html="<p>Ein Bericht aus dem Netzwerk.</p>",
            published=START - timedelta(hours=2) + timedelta(minutes=n),
            date_known=True,
            categories=(),
            author=None,
            kind="news",
            deadline=None,
            deadline_guessed=False,
        )
        for n in range(count)
    ]


async def post(
    count: int, tmp_path: Path, telegram: FakeTelegram, store: AsyncStore, clock: ManualClock
) -> DrainReport:
    """``count`` new items stored, queued and sent, with the default ``digest_after`` (5) and
    ``digest_size`` (10)."""
    settings: Settings = build_settings(
        {
            "telegram": {"token": TOKEN, "api_url": telegram.api_url, "channel": CHANNEL},
            "publish": {"site_url": "https://feeds.example.org"},
        },
        {"OGBOT_DATA_DIR": str(tmp_path / "data")},
        Path(),
    )

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    saved = await store.call(Store.save_items, "netzwerk", numbered(count), clock(), False)
    async with publishing(settings, store, clock=clock, sleep=sleep) as publisher:
        await publisher.outbox.enqueue_items(list(saved.new_ids))
        return await publisher.outbox.drain(clock() + timedelta(minutes=10))


def first_lines(messages: list[SentMessage]) -> list[str]:
    return [message.text.split("\n")[0] for message in messages]


async def test_outbox_posts_one_each_up_to_digest_after(tmp_path, telegram, store, clock):
    report = await post(5, tmp_path, telegram, store, clock)
    messages = telegram.sent(CHANNEL)
    assert report.sent == 5
    assert first_lines(messages) == [title(n) for n in range(5)]
    for n, message in enumerate(messages):
        assert message.entity_texts("text_link")[0] == title(n)  # then the contact link
        # an item post previews its own link
        preview = message.link_preview_options
        assert preview is not None and not preview.get("is_disabled")
        assert preview["url"] == f"https://opengovpartnership.de/2026/10/beitrag-{n}/"


async def test_outbox_burst_becomes_even_digests(tmp_path, telegram, store, clock):
    report = await post(11, tmp_path, telegram, store, clock)
    messages = telegram.sent(CHANNEL)
    assert report.sent == 2
    # 11 with digest_size 10: 6 + 5, never 10 + 1
    assert first_lines(messages) == ["📬 6 neue Beiträge", "📬 5 neue Beiträge"]
    linked = [text for message in messages for text in message.entity_texts("text_link")]
    assert [text for text in linked if text.startswith("Beitrag")] == [title(n) for n in range(11)]


async def test_outbox_six_items_make_one_digest_in_order(tmp_path, telegram, store, clock):
    report = await post(6, tmp_path, telegram, store, clock)
    (message,) = telegram.sent(CHANNEL)
    assert report.sent == 1
    assert first_lines([message]) == ["📬 6 neue Beiträge"]
    assert message.entity_texts("text_link")[:6] == [title(n) for n in range(6)]


async def test_outbox_posts_name_the_source_by_its_feeds_title(tmp_path, telegram, store, clock):
    # what a cycle leaves: the source registered, its feed's own title from the last parse
    await store.call(Store.source_state, "netzwerk", "https://opengovpartnership.de/feed/")
    await store.call(Store.record_feed_title, "netzwerk", "Open Government Netzwerk Deutschland")
    await post(1, tmp_path, telegram, store, clock)
    [message] = telegram.sent(CHANNEL)
    assert message.text.split("\n")[1] == "Open Government Netzwerk Deutschland · 23. November 2026"


async def test_outbox_digests_name_the_source_by_its_configured_title(
    tmp_path, telegram, store, clock
):
    await store.call(Store.source_state, "netzwerk", "https://opengovpartnership.de/feed/")
    await store.call(Store.record_feed_title, "netzwerk", "Open Government Netzwerk Deutschland")
    await store.call(Store.set_source_titles, {"netzwerk": "OGN Deutschland"})  # wins
    await post(6, tmp_path, telegram, store, clock)
    [digest] = telegram.sent(CHANNEL)
    lines = digest.text.split("\n")[2:8]
    assert lines == [f"• {title(n)} · OGN Deutschland" for n in range(6)]


async def test_outbox_with_nothing_waiting_posts_nothing(tmp_path, telegram, store, clock):
    report = await post(0, tmp_path, telegram, store, clock)
    assert report.sent == 0
    assert telegram.sent(CHANNEL) == []


def test_digest_groups_split_items_evenly() -> None:
    assert digest_groups(["a", "b", "c"], 2) == [["a", "b"], ["c"]]
    assert [len(group) for group in digest_groups(list(range(11)), 10)] == [6, 5]


def test_the_next_private_chats_come_from_the_queue_in_order(tmp_path: Path) -> None:
    # the outbox weighs only the oldest few chats with work, however many subscribers wait:
    # edits to make first, then posts that may go now, the channel and deferred posts apart
    store = Store(tmp_path / "ogbot.sqlite3")
    try:
        now = START
        store.enqueue("channel", "item", [1], now)
        store.enqueue_many([(str(chat), 1) for chat in range(500, 600)], "item", now)
        store.enqueue_many([("501", 2), ("777", 2)], "item", now)
        [sent] = store.pending_posts("777", now)
        store.claim(sent.id, now)
        store.mark_sent(sent.id, "777", 9, "Beitrag", False, now)
        assert store.request_edits([2]) == 1
        [deferred] = store.pending_posts("502", now)
        store.mark_retry(deferred.id, now + timedelta(minutes=5), "500 Internal Server Error")
        assert store.next_private_chats(now, 5) == ["777", "500", "501", "503", "504"]
        later = now + timedelta(minutes=6)
        assert store.next_private_chats(later, 4) == ["777", "500", "501", "502"]
        assert store.has_work("channel", now) and store.has_work("502", later)
        assert not store.has_work("502", now) and not store.has_work("999", now)
    finally:
        store.close()
