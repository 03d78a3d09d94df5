"""The sender's last guard: a post that breaks Telegram's HTML rules is never sent as broken HTML.

Without the guard Telegram refuses such a text ("can't parse entities": the post is lost) or,
for a rule only ogbot applies, shows it with stray markup. With it, followers read the post's
text without formatting, and the operator's log names the post and what was wrong.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from ogbot.config import build_settings
from ogbot.publish.post import Post
from ogbot.publish.sender import Sender, guarded, make_bot
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram

BROKEN = "<b>Frist: 15. Dezember</b> für Bund & Länder <i>offen"


@pytest.fixture
async def bot(fake_telegram: FakeTelegram, tmp_path: Path) -> AsyncIterator[Bot]:
    document = {"telegram": {"token": TOKEN, "api_url": fake_telegram.api_url}}
    settings = build_settings(document, {}, tmp_path)
    async with make_bot(settings.telegram, timeout=5) as bot:
        yield bot


def invalid_html_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.levelno == logging.ERROR and r.msg == "post_invalid_html"
    ]


async def test_a_valid_post_goes_out_as_html(bot, fake_telegram, caplog):
    post = Post(
        '<b>Frist</b> für Bund &amp; Länder: <a href="https://ogp.example/">mehr</a>', None, True
    )
    await Sender(bot).send(str(CHANNEL_ID), post, silent=False)
    (message,) = fake_telegram.sent(CHANNEL)
    assert message.parse_mode == "HTML"
    assert message.text == "Frist für Bund & Länder: mehr"
    assert message.entity_texts("bold") == ["Frist"]
    assert message.entity_texts("text_link") == ["mehr"]
    assert invalid_html_errors(caplog) == []


async def test_a_post_breaking_the_html_rules_goes_out_as_plain_text(bot, fake_telegram, caplog):
    caplog.set_level(logging.INFO)
    post = Post(BROKEN, None, True, item_ids=(7, 8))
    await Sender(bot).send(str(CHANNEL_ID), post, silent=False)
    (message,) = fake_telegram.sent(CHANNEL)
    # what a follower reads: the words, a bare "&" as it is, no stray tags, no formatting
    assert message.parse_mode is None
    assert message.text == "Frist: 15. Dezember für Bund & Länder offen"
    assert message.entities == ()
    (error,) = invalid_html_errors(caplog)
    fields = error.fields  # type: ignore[attr-defined]
    assert fields["items"] == "7,8"
    assert "unescaped '&'" in fields["problems"]
    assert "<i> is never closed" in fields["problems"]


async def test_an_edit_breaking_the_html_rules_shows_plain_text(bot, fake_telegram, caplog):
    caplog.set_level(logging.INFO)
    sender = Sender(bot)
    sent = await sender.send(str(CHANNEL_ID), Post("<b>Frist</b> offen", None, True), silent=False)
    await sender.edit(sent.chat_id, sent.message_id, Post(BROKEN, None, True))
    (message,) = fake_telegram.sent(CHANNEL)
    assert message.edited
    assert message.text == "Frist: 15. Dezember für Bund & Länder offen"
    assert message.entities == ()
    assert len(invalid_html_errors(caplog)) == 1


def test_guarded_keeps_valid_html_and_falls_back_for_the_rest() -> None:
    assert guarded(Post("<b>A</b> &amp; B", None, True)) == ("<b>A</b> &amp; B", "HTML")
    assert guarded(Post("<blink>A</blink> < B", None, True)) == ("A < B", None)
