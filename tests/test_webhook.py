"""Webhook mode (`telegram.webhook_url`): `ogbot run` as a real process registers its webhook
with the fake Bot API and takes the updates the fake posts to its own web server, as Telegram
would through the reverse proxy; a request without the right secret gets 403 and no reply.
Long polling stays the default, and switching back to it removes the webhook."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ogbot.config import ConfigError, build_settings
from tests.fakes.telegram import FakeTelegram
from tests.fakes.web import FakeWeb
from tests.test_run import Running, replies, wait_for

HOOK_URL = "https://news.example.org/telegram/updates-7Qx"
SECRET = "wh_Secret-2026"
ANNA = 8101


def webhook_run(tmp: Path, web: FakeWeb, telegram: FakeTelegram, **env: str) -> Running:
    run = Running(tmp, web, telegram, OGBOT_TELEGRAM_WEBHOOK_URL=HOOK_URL, **env).start()
    wait_for(lambda: telegram.webhook, what="setWebhook")
    return run


@pytest.fixture
def in_webhook_mode(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
) -> Iterator[Running]:
    run = webhook_run(tmp_path, fake_web, fake_telegram, OGBOT_TELEGRAM_WEBHOOK_SECRET=SECRET)
    yield run
    if run.process is not None and run.process.poll() is None:
        run.stop()


def deliver(telegram: FakeTelegram, run: Running, **secret: str | None) -> list[int]:
    """Telegram posts the pending updates to the webhook (nginx passes the path on)."""
    return telegram.deliver_webhook(via=run.url, **secret)  # type: ignore[arg-type]


def test_webhook_update_with_the_secret_gets_the_bots_reply(
    in_webhook_mode: Running, fake_telegram: FakeTelegram
):
    telegram = fake_telegram
    assert telegram.webhook is not None
    assert telegram.webhook["url"] == HOOK_URL
    assert telegram.webhook["secret_token"] == SECRET
    assert not telegram.calls("getUpdates")  # no long polling beside the webhook

    telegram.push_message(ANNA, "/start", language_code="de", first_name="Anna")
    assert deliver(telegram, in_webhook_mode) == [200]
    reply = wait_for(lambda: replies(telegram, ANNA), what="the reply to /start")[0]
    assert "Open Government" in reply
    telegram.push_message(ANNA, "Was ist ein Nationaler Aktionsplan?", language_code="de")
    assert deliver(telegram, in_webhook_mode) == [200]
    answer = wait_for(lambda: replies(telegram, ANNA)[1:], what="the answer")[0]
    assert "Aktionsplan" in answer
    assert telegram.pending_updates == []

    code, _seconds = in_webhook_mode.stop()
    assert code == 0
    log = in_webhook_mode.logged()
    assert "updates=webhook" in log
    assert SECRET not in log
    assert "Traceback" not in log


def test_webhook_refuses_a_wrong_or_missing_secret_with_403_and_no_reply(
    in_webhook_mode: Running, fake_telegram: FakeTelegram
):
    telegram = fake_telegram
    telegram.push_message(ANNA, "/start", language_code="de")
    assert deliver(telegram, in_webhook_mode, secret="not-the-secret") == [403]
    assert deliver(telegram, in_webhook_mode, secret=None) == [403]
    # by hand, as anyone on the internet could: a forged update
    forged = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start"}}
    answer = httpx.post(in_webhook_mode.url + "/telegram/updates-7Qx", json=forged, timeout=5)
    assert answer.status_code == 403
    time.sleep(1.0)
    assert replies(telegram, ANNA) == []
    # Telegram keeps the update and shows why the webhook did not take it
    assert len(telegram.pending_updates) == 1
    with httpx.Client() as client:
        shown = client.get(telegram.url("getWebhookInfo"), timeout=5).json()["result"]
    assert shown["last_error_message"] == "Wrong response from the webhook: 403 Forbidden"
    assert shown["pending_update_count"] == 1
    # with the secret, the kept update arrives
    assert deliver(telegram, in_webhook_mode) == [200]
    wait_for(lambda: replies(telegram, ANNA), what="the reply after all")


def test_webhook_secret_is_made_once_and_kept_in_the_data_directory(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    run = webhook_run(tmp_path, fake_web, fake_telegram)
    kept = tmp_path / "data" / "telegram-webhook-secret"
    try:
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        secret = kept.read_text(encoding="utf-8").strip()
        assert fake_telegram.webhook is not None
        assert fake_telegram.webhook["secret_token"] == secret
        assert len(secret) >= 32
    finally:
        run.stop()
    assert secret not in run.logged()
    # the same secret after a restart
    fake_telegram.clear_requests()
    again = webhook_run(tmp_path, fake_web, fake_telegram)
    try:
        wait_for(lambda: fake_telegram.calls("setWebhook"), what="setWebhook again")
        assert fake_telegram.calls("setWebhook")[0].params["secret_token"] == secret
        fake_telegram.push_message(ANNA, "/start", language_code="de")
        assert fake_telegram.deliver_webhook(via=again.url) == [200]
        wait_for(lambda: replies(fake_telegram, ANNA), what="the reply")
    finally:
        again.stop()


def test_switching_back_to_polling_deletes_the_webhook(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    webhook_run(tmp_path, fake_web, fake_telegram, OGBOT_TELEGRAM_WEBHOOK_SECRET=SECRET).stop()
    assert fake_telegram.webhook is not None  # kept across a stop: Telegram holds the updates
    fake_telegram.push_message(ANNA, "/start", language_code="de")  # while ogbot was down
    polling = Running(tmp_path, fake_web, fake_telegram).start()
    try:
        wait_for(lambda: fake_telegram.webhook is None, what="deleteWebhook")
        assert fake_telegram.calls("deleteWebhook")
        wait_for(lambda: replies(fake_telegram, ANNA), what="the reply by long polling")
        # the webhook's path is no route any more
        gone = httpx.post(polling.url + "/telegram/updates-7Qx", json={}, timeout=5)
        assert gone.status_code in (404, 405)
    finally:
        polling.stop()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://news.example.org/hook", "only to an https:// URL"),
        ("https://news.example.org:8080/hook", "ports 443, 80, 88 and 8443"),
    ],
)
def test_webhook_url_must_be_one_telegram_posts_to(tmp_path: Path, url: str, why: str):
    with pytest.raises(ConfigError, match=why):
        build_settings({}, {"OGBOT_TELEGRAM_WEBHOOK_URL": url}, tmp_path)


def test_webhook_secret_with_other_characters_is_refused_without_echoing_it(tmp_path: Path):
    with pytest.raises(ConfigError) as refused:
        build_settings({}, {"OGBOT_TELEGRAM_WEBHOOK_SECRET": "my secret!"}, tmp_path)
    assert "letters, digits, _ and -" in str(refused.value)
    assert "my secret!" not in str(refused.value)
