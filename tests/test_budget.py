"""One send budget for every Bot API send (issue 15): the real Application and outbox sharing one
Bot, against the fake Bot API with Telegram's limits (30 a second overall, one a second per
private chat, 20 a minute per channel), in real time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ogbot.knowledge.answer import Answerer
from ogbot.models import Item
from ogbot.publish.budget import SendBudget, is_message
from ogbot.publish.pacing import Pacer
from ogbot.store import Store
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, FakeTelegram
from tests.process import running

FIRST_USER = 700_000_001


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer.load()


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.add_channel(CHANNEL, CHANNEL_ID, title="ogbot test channel")
        yield fake


def refused(telegram: FakeTelegram) -> list[str]:
    return [request.method for request in telegram.requests if request.status == 429]


async def test_200_people_send_subscribe_at_once_all_are_answered(
    tmp_path: Path, telegram: FakeTelegram, answerer: Answerer
) -> None:
    users = range(FIRST_USER, FIRST_USER + 200)
    async with running(tmp_path, telegram, answerer) as bot:
        for user in users:
            telegram.push_message(user, "/subscribe", language_code="de")
        await bot.settle()
    answered = [user for user in users if any(
        "Was möchtest du bekommen?" in message.text for message in telegram.sent(user)
    )]  # fmt: skip
    assert len(answered) == 200
    assert refused(telegram) == []  # ogbot's own pace provoked no 429


async def test_a_reply_refused_with_429_is_sent_again_and_arrives(
    tmp_path: Path, telegram: FakeTelegram, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    telegram.fail_next("sendMessage", status=429, retry_after=1)
    async with running(tmp_path, telegram, answerer) as bot:
        telegram.push_message(FIRST_USER, "/subscribe", language_code="de")
        await bot.settle()
        [prompt] = telegram.sent(FIRST_USER)
        assert "Was möchtest du bekommen?" in prompt.text
        first, again = telegram.calls("sendMessage")
        assert (first.status, again.status) == (429, 200)
        assert again.at - first.at >= timedelta(seconds=1)  # after retry_after, not before
        # the button works as well: the prompt becomes the confirmation
        update = telegram.push_callback(FIRST_USER, prompt.message_id, "sub:both")
        await bot.settle()
        assert telegram.callback_answer(update["callback_query"]["id"]) is not None
        assert telegram.sent(FIRST_USER)[-1].text.startswith("✅ Abonniert")
    [retry] = [r for r in caplog.records if r.getMessage() == "reply_retry"]
    assert retry.fields["retry_after"] == 1  # type: ignore[attr-defined]
    assert "Was möchtest" not in str(retry.fields)  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def news(number: int) -> Item:
    link = f"https://opengovpartnership.de/2026/11/{number}/"
    return Item(
        source="netzwerk",
        guid=link,
        link=link,
        key=link,
        title=f"Neuigkeit {number}",
        summary="Zusammenfassung",
        content_html="",
        published=datetime.now(UTC) - timedelta(hours=1),
        date_known=True,
        categories=(),
        author=None,
        kind="news",
        deadline=None,
        deadline_guessed=False,
    )


async def test_a_reply_waits_behind_nothing_while_the_fan_out_runs(
    tmp_path: Path, telegram: FakeTelegram, answerer: Answerer
) -> None:
    subscribers = 240  # eight seconds of fan-out at 30 a second
    asker = FIRST_USER + 10_000
    async with running(tmp_path, telegram, answerer) as bot:
        now = bot.publisher.clock()
        for user in range(FIRST_USER, FIRST_USER + subscribers):
            telegram.add_user(user)
            await bot.store.call(Store.subscribe, user, True, True, "de", now)
        saved = await bot.store.call(Store.save_items, "netzwerk", [news(1)], now, False)
        await bot.publisher.outbox.enqueue_items(list(saved.new_ids))
        fan_out = asyncio.create_task(bot.publisher.outbox.drain(None))
        while len(telegram.calls("sendMessage")) < 60:  # noqa: ASYNC110 (the fake's threads)
            await asyncio.sleep(0.01)  # two seconds into the fan-out
        telegram.push_message(asker, "/subscribe", language_code="de")
        await bot.settle()
        report = await fan_out
    assert report.private == subscribers
    [reply] = telegram.sent(asker)
    assert "Was möchtest du bekommen?" in reply.text
    assert refused(telegram) == []
    # the reply went out in the middle of the fan-out, not after it: most of it came later
    calls = [call.params["chat_id"] for call in telegram.calls("sendMessage")]
    assert len(calls) - calls.index(asker) > subscribers // 2


def test_budget_counts_messages_only() -> None:
    assert is_message("sendMessage") and is_message("editMessageText")
    assert not is_message("answerCallbackQuery") and not is_message("sendChatAction")
    assert not is_message("getUpdates") and not is_message("deleteMessage")


def test_pacer_forgets_chats_once_their_window_passed() -> None:
    pacer, start = Pacer(), datetime(2026, 12, 1, tzinfo=UTC)
    for n in range(1000):
        at = start + timedelta(seconds=n / 30)
        assert pacer.delay(str(FIRST_USER + n), at) == 0
        pacer.record(str(FIRST_USER + n), at)
    later = start + timedelta(minutes=5)
    pacer.record("1", later)
    assert pacer.delay("1", later) == 1.0
    assert pacer.chats() < 200  # not one entry per chat ever sent to
    assert SendBudget().pacer.chats() == 0


async def test_a_reply_that_cannot_go_out_within_a_minute_is_logged_without_its_text(
    tmp_path: Path, telegram: FakeTelegram, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    telegram.fail_next("sendMessage", status=429, retry_after=90)
    async with running(tmp_path, telegram, answerer) as bot:
        telegram.push_message(FIRST_USER, "/subscribe", language_code="de")
        await bot.settle()
    [given_up] = [r for r in caplog.records if r.getMessage() == "reply_not_sent"]
    assert given_up.levelno == logging.WARNING
    assert given_up.fields == {  # type: ignore[attr-defined]
        "endpoint": "sendMessage",
        "chat": "private",
        "waited": 0.0,
        "retry_after": 90.0,
    }
    [handler] = [r for r in caplog.records if r.getMessage() == "reply_flood_limited"]
    assert handler.levelno == logging.WARNING and not handler.exc_info
