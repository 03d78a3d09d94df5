"""A send has a deadline as a whole (issue 14): however its time is spent, after the sender's
deadline its outcome is unknown, so a stopping ``ogbot run``, which lets a send in flight finish
for longer than that, never has to cut one off."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ogbot.app.service import SEND_GRACE, STOP_GRACE
from ogbot.config import build_settings
from ogbot.publish.post import Post
from ogbot.publish.sender import REQUEST_TIMEOUT, SEND_DEADLINE, Sender, SendError, make_bot
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram


async def test_a_send_answered_after_its_deadline_has_an_unknown_outcome(
    fake_telegram: FakeTelegram, tmp_path: Path
):
    document = {"telegram": {"token": TOKEN, "api_url": fake_telegram.api_url}}
    settings = build_settings(document, {}, tmp_path)
    fake_telegram.slow_next("sendMessage", delay=3.0)  # delivered, answered after 3 s
    async with make_bot(settings.telegram, timeout=10) as bot:
        began = time.monotonic()
        with pytest.raises(SendError) as caught:
            await Sender(bot, deadline=1.0).send(
                str(CHANNEL_ID), Post("Netzwerktreffen am 10. Dezember", None, True), silent=False
            )
        assert time.monotonic() - began < 2.5
    assert caught.value.outcome == "unknown"  # it may be in the channel: sent once more at most
    assert "no answer within 1 s" in caught.value.reason
    assert [m.text for m in fake_telegram.sent(CHANNEL)] == ["Netzwerktreffen am 10. Dezember"]


def test_a_stop_waits_longer_for_a_send_than_a_send_can_take():
    assert SEND_DEADLINE >= REQUEST_TIMEOUT
    assert SEND_GRACE > SEND_DEADLINE > STOP_GRACE
