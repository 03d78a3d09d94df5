"""`ogbot run` as a real process against the fake websites and the fake Bot API, driven by
pushed updates, as its users meet it; stopped with SIGTERM."""

from __future__ import annotations

import json
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from ogbot.store import AsyncStore, Store
from tests.fakes.telegram import CHANNEL, TOKEN, FakeTelegram
from tests.fakes.web import FakeWeb
from tests.shell import clean_env

COORDINATOR = 7001
STRANGER = 7002


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout} s for {what or check}")


class Running:
    """One `ogbot run` process, its data directory, its web address and its log."""

    def __init__(self, tmp: Path, web: FakeWeb, telegram: FakeTelegram | None, **env: str):
        self.tmp = tmp
        self.port = free_port()
        self.log_path = tmp / "ogbot.log"
        url = web.fixture("/feed/", "ogp.rss", etag='"v1"')
        (tmp / "ogbot.toml").write_text(
            f'[[sources]]\nname = "ogp"\nurl = "{url}"\n', encoding="utf-8"
        )
        self.env = {
            **clean_env(),
            "OGBOT_DATA_DIR": str(tmp / "data"),
            "OGBOT_FETCH_ALLOW_PRIVATE": "true",
            "OGBOT_WEB_PORT": str(self.port),
            "OGBOT_PUBLISH_BACKLOG": "1",
            "OGBOT_PUBLISH_MAX_AGE": "36500",
            "OGBOT_PUBLISH_QUIET_HOURS": "",
        }
        if telegram is not None:
            self.env |= {
                "OGBOT_TELEGRAM_TOKEN": TOKEN,
                "OGBOT_TELEGRAM_API_URL": telegram.api_url,
                "OGBOT_TELEGRAM_CHANNEL": CHANNEL,
                "OGBOT_TELEGRAM_COORDINATORS": str(COORDINATOR),
            }
        self.env |= env
        self.process: subprocess.Popen[bytes] | None = None
        self.max_files: int | None = None  # RLIMIT_NOFILE of the process (as ulimit -n)

    def _limits(self) -> None:
        if self.max_files is not None:
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.max_files, hard))

    def start(self) -> Running:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ogbot", "run", "--config", str(self.tmp / "ogbot.toml")],
            cwd=self.tmp,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=self._limits,
        )
        wait_for(self.healthy, what="the web server")
        return self

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict[str, Any]:
        return json.loads(httpx.get(f"{self.url}/healthz", timeout=5).text)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        assert self.process is not None
        began = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout=15)
        self.log.close()
        return code, time.monotonic() - began

    def logged(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def running(tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram) -> Iterator[Running]:
    run = Running(tmp_path, fake_web, fake_telegram).start()
    yield run
    if run.process is not None and run.process.poll() is None:
        run.process.kill()
        run.process.wait()


def test_run_without_token_watches_publishes_feeds_and_serves_the_page(
    tmp_path: Path, fake_web: FakeWeb
):
    run = Running(tmp_path, fake_web, None).start()
    try:
        wait_for(lambda: run.health()["sources"][0]["last_status"] == "ok", what="the first cycle")
        page = httpx.get(run.url + "/", timeout=5).text
        assert "Germany Action Plan Review" in page or "For Public Comment" in page
        rss = httpx.get(run.url + "/feed.rss", timeout=5)
        assert rss.status_code == 200 and rss.text.count("<item>") == 6
    finally:
        code, seconds = run.stop()
    assert code == 0
    assert seconds < 5
    log = run.logged()
    assert "telegram_off" in log
    assert "Traceback" not in log, [line[:300] for line in log.splitlines() if " error " in line]


def test_run_posts_the_backlog_and_stops_cleanly_on_sigterm(running: Running, fake_telegram):
    wait_for(lambda: fake_telegram.sent(CHANNEL), what="the backlog post")
    assert len(fake_telegram.sent(CHANNEL)) == 1
    assert fake_telegram.calls("setMyCommands")
    code, seconds = running.stop()
    assert code == 0
    assert seconds < 5
    log = running.logged()
    assert "telegram_on" in log and "stopped" in log
    assert TOKEN not in log
    assert "Traceback" not in log, [line[:300] for line in log.splitlines() if " error " in line]


def test_run_refuses_a_second_process_on_the_same_data(running: Running, tmp_path: Path):
    second = subprocess.run(
        [sys.executable, "-m", "ogbot", "run", "--config", str(tmp_path / "ogbot.toml")],
        cwd=tmp_path,
        env={**running.env, "OGBOT_WEB_PORT": str(free_port())},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert second.returncode == 1
    assert "another ogbot process holds" in second.stderr


def test_run_with_a_refused_token_exits_1(tmp_path: Path, fake_web: FakeWeb, fake_telegram):
    run = Running(tmp_path, fake_web, fake_telegram, OGBOT_TELEGRAM_TOKEN="999:refused-token")
    result = subprocess.run(
        [sys.executable, "-m", "ogbot", "run", "--config", str(tmp_path / "ogbot.toml")],
        cwd=tmp_path,
        env=run.env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "Telegram refused the token" in result.stderr
    assert "999:refused" not in result.stdout + result.stderr


def replies(telegram: FakeTelegram, user: int) -> list[str]:
    return [message.text for message in telegram.sent(user)]


def test_run_talks_with_people_and_takes_the_coordinators_announcement(
    running: Running, fake_telegram: FakeTelegram
):
    telegram = fake_telegram
    wait_for(lambda: telegram.sent(CHANNEL), what="the backlog post")
    posts_before = len(telegram.sent(CHANNEL))

    # a greeting, questions in both languages, the latest news, from several users
    telegram.push_message(8001, "/start", language_code="de", first_name="Anna")
    telegram.push_message(8002, "What is the Open Government Partnership?", language_code="en")
    telegram.push_message(8001, "Was ist ein Nationaler Aktionsplan?", language_code="de")
    telegram.push_message(8003, "/news", language_code="de")
    wait_for(lambda: len(replies(telegram, 8001)) == 2, what="Anna's two replies")
    assert "Open Government" in replies(telegram, 8001)[0]
    assert "Aktionsplan" in replies(telegram, 8001)[1]
    english = wait_for(lambda: replies(telegram, 8002), what="the English answer")[0]
    assert "Open Government Partnership" in english and "Read more" in english
    news = wait_for(lambda: replies(telegram, 8003), what="/news")[0]
    assert "For Public Comment" in news or "Action Plan" in news

    # a stranger may not announce; the coordinator previews, confirms, and it goes out
    telegram.push_message(STRANGER, "/announce Gratis-Werbung", language_code="de")
    refusal = wait_for(lambda: replies(telegram, STRANGER), what="the refusal")[0]
    assert "Koordinator" in refusal
    telegram.push_message(COORDINATOR, "/announce Netzwerktreffen am 10. Dezember, online")
    preview = wait_for(
        lambda: [m for m in telegram.sent(COORDINATOR) if m.buttons()], what="the preview"
    )[0]
    assert "Netzwerktreffen am 10. Dezember" in preview.text
    send = next(b for b in preview.buttons() if "senden" in b["text"].lower())
    telegram.push_callback(STRANGER, preview.message_id, send["callback_data"], chat=COORDINATOR)
    telegram.push_callback(COORDINATOR, preview.message_id, send["callback_data"])
    posted = wait_for(
        lambda: [m for m in telegram.sent(CHANNEL) if "Netzwerktreffen" in m.text],
        what="the announcement in the channel",
    )
    assert len(posted) == 1
    assert len(telegram.sent(CHANNEL)) == posts_before + 1
    feed = httpx.get(running.url + "/feed.atom", timeout=5).text
    assert "Netzwerktreffen am 10. Dezember" in feed

    # a second draft, cancelled: nothing goes out
    telegram.push_message(COORDINATOR, "/announce Doch nicht")
    second = wait_for(
        lambda: [m for m in telegram.sent(COORDINATOR) if m.buttons() and "Doch nicht" in m.text],
        what="the second preview",
    )[0]
    cancel = next(b for b in second.buttons() if "abbrechen" in b["text"].lower())
    telegram.push_callback(COORDINATOR, second.message_id, cancel["callback_data"])
    wait_for(lambda: not telegram.message(COORDINATOR, second.message_id).buttons(), what="cancel")

    # open consultations after the first cycle, soonest deadline first
    telegram.push_message(8006, "/konsultationen", language_code="de")
    consultations = wait_for(lambda: replies(telegram, 8006), what="/konsultationen")[0]
    assert "Frist" in consultations

    # small talk, a question answered from the stored items, and the search over them
    telegram.push_message(8008, "Hallo!", language_code="de")
    greeting = wait_for(lambda: replies(telegram, 8008), what="the greeting's reply")[0]
    assert greeting.startswith("Hallo!") and "weiß ich leider nichts" not in greeting
    telegram.push_message(
        8009, "When does the consultation on the action plan review close?", language_code="de"
    )
    live = wait_for(lambda: replies(telegram, 8009), what="the live answer")[0]
    assert "Germany Action Plan Review 2023-2025" in live and "Open consultations" in live
    telegram.push_message(8010, "/suche Action Plan Review", language_code="de")
    found = wait_for(lambda: replies(telegram, 8010), what="/suche")[0]
    assert "Germany Action Plan Review 2023-2025" in found
    telegram.push_message(8011, "/search steering committee", language_code="en")
    found_en = wait_for(lambda: replies(telegram, 8011), what="/search")[0]
    assert "Steering Committee" in found_en

    # hostile messages and odd updates never break it
    telegram.push_message(8004, "<b>fett</b> & " + "🙂" * 3000, language_code="de")
    telegram.push_message(8005, "hallo", chat_type="group", chat_id=-4242)
    telegram.add_user(8007, first_name="S")
    telegram.push_update(
        {
            "message": {
                "message_id": 99,
                "date": int(time.time()),
                "chat": {"id": 8007, "type": "private", "first_name": "S"},
                "from": {"id": 8007, "is_bot": False, "first_name": "S"},
                "sticker": {
                    "file_id": "x",
                    "file_unique_id": "y",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                },
            }
        }
    )
    wait_for(lambda: replies(telegram, 8004), what="the hostile message's answer")
    wait_for(lambda: replies(telegram, 8007), what="the sticker's answer")
    assert not [m for m in telegram.sent(CHANNEL) if "Doch nicht" in m.text]
    # the fake refuses what Telegram would refuse: ogbot's requests all went through
    refused = [r for r in telegram.requests if r.status is not None and r.status >= 400]
    assert refused == [], [(r.method, r.status) for r in refused]
    code, seconds = running.stop()
    assert code == 0 and seconds < 5
    log = running.logged()
    assert "Traceback" not in log and "handler_failed" not in log
    assert "Netzwerktreffen" not in log  # users' text never in the log


def test_run_coordinator_tools_subscriptions_and_a_scheduled_announcement_across_a_restart(
    running: Running, fake_telegram: FakeTelegram, tmp_path: Path
):
    telegram = fake_telegram
    backlog = wait_for(lambda: telegram.sent(CHANNEL), what="the backlog post")[0]

    # /pause, then /sources shows it
    telegram.push_message(COORDINATOR, "/pause ogp")
    telegram.push_message(COORDINATOR, "/sources")
    wait_for(lambda: any("pausiert" in t for t in replies(telegram, COORDINATOR)), what="/sources")

    # /delete with a link to a post ogbot made: shown and asked first (issue 16), then confirmed
    telegram.push_message(COORDINATOR, f"/delete https://t.me/{CHANNEL[1:]}/{backlog.message_id}")
    question = wait_for(
        lambda: [m for m in telegram.sent(COORDINATOR) if "löschen?" in m.text],
        what="the question before the delete",
    )[0]
    assert not telegram.sent(CHANNEL)[0].deleted
    confirm = next(b for b in question.buttons() if b["callback_data"].startswith("ann:del:"))
    telegram.push_callback(COORDINATOR, question.message_id, confirm["callback_data"])
    wait_for(lambda: telegram.sent(CHANNEL)[0].deleted, what="the deleted post")

    # a follower subscribes with a button, then /forget deletes it
    telegram.push_message(8101, "/subscribe", language_code="de")
    menu = wait_for(
        lambda: [m for m in telegram.sent(8101) if m.buttons()], what="the subscribe buttons"
    )[0]
    both = next(b for b in menu.buttons() if b["callback_data"] == "sub:both")
    telegram.push_callback(8101, menu.message_id, both["callback_data"])
    wait_for(lambda: telegram.message(8101, menu.message_id).edited, what="the confirmation")
    telegram.push_message(8101, "/forget", language_code="de")
    wait_for(lambda: len(replies(telegram, 8101)) >= 2, what="/forget's reply")

    # the shell schedules an announcement while ogbot runs; ogbot is stopped before it is due
    at = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(seconds=3)
    shell = subprocess.run(
        [
            *(sys.executable, "-m", "ogbot", "announce", "--at", at.isoformat(timespec="seconds")),
            *("Geplant", "über", "einen", "Neustart", "--config", str(tmp_path / "ogbot.toml")),
        ],
        cwd=tmp_path,
        env=running.env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert shell.returncode == 0, shell.stderr
    assert "the running ogbot publishes it when its time comes" in shell.stdout
    assert running.stop()[0] == 0
    time.sleep(3.5)
    assert not any("Neustart" in m.text for m in telegram.sent(CHANNEL))
    running.start()
    wait_for(
        lambda: any("Geplant über einen Neustart" in m.text for m in telegram.sent(CHANNEL)),
        what="the scheduled announcement after the restart",
    )
    store = AsyncStore.open(tmp_path / "data")
    try:
        assert store.run(Store.subscriber, 8101) is None
        actions = [action for _at, _actor, action, _detail in store.run(Store.actions)]
        assert "source_paused" in actions and "post_deleted" in actions
    finally:
        store.close()


def test_run_tells_the_coordinator_when_the_channel_refuses_posts(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    fake_telegram.remove_bot(CHANNEL)  # the bot lost its rights in the channel
    fake_telegram.add_user(COORDINATOR, first_name="Koordination")
    run = Running(tmp_path, fake_web, fake_telegram).start()
    try:
        notice = wait_for(lambda: replies(fake_telegram, COORDINATOR), what="the notice")[0]
        assert "Kanal" in notice and "not a member" in notice
        assert fake_telegram.sent(CHANNEL) == []
    finally:
        code, _seconds = run.stop()
    assert code == 0


def test_run_tells_the_coordinator_of_an_announcement_missed_while_it_was_down(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    fake_telegram.add_user(COORDINATOR, first_name="Koordination")
    store = Store.open(tmp_path / "data")
    due = datetime(2026, 11, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    store.add_announcement("Treffen im Rathaus", "shell", due - timedelta(days=1), due, "scheduled")
    store.close()
    run = Running(tmp_path, fake_web, fake_telegram).start()
    try:
        notice = wait_for(lambda: replies(fake_telegram, COORDINATOR), what="the notice")[0]
    finally:
        assert run.stop()[0] == 0
    # the time as the coordinator planned it, in publish.timezone, and which one it was
    assert "01.11.2026 09:00 Uhr" in notice and "Treffen im Rathaus" in notice
    assert "verpasst" in notice
    assert fake_telegram.sent(CHANNEL) == []


def test_run_under_a_low_file_limit_answers_healthz_past_hundreds_of_idle_sockets(
    tmp_path: Path, fake_web: FakeWeb
):
    # the attack on `ulimit -n 1024`, scaled down: 128 descriptors, 200 idle connections
    run = Running(tmp_path, fake_web, None)
    run.max_files = 128
    run.start()
    idle: list[socket.socket] = []
    try:
        for _ in range(200):
            idle.append(socket.create_connection(("127.0.0.1", run.port), timeout=5))
        for _ in range(3):
            response = httpx.get(f"{run.url}/healthz", timeout=5)
            assert response.status_code == 200
    finally:
        for sock in idle:
            sock.close()
        code, _ = run.stop()
    assert code == 0
    log = run.logged()
    assert "out of system resource" not in log
    assert log.count("web_connections_full") == 1  # once a minute, not once per connection


def test_run_lets_a_slow_send_finish_on_sigterm_and_never_repeats_it_after_a_restart(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    """Issue 14: Telegram answers a send after 5 s (longer than the jobs' grace of 3 s), SIGTERM
    arrives during it, ogbot restarts; the post is in the channel once. A second post waiting
    behind it is not started by the stopping process; the restarted one sends it, once."""
    telegram = fake_telegram
    telegram.slow_next("sendMessage", delay=5.0)
    run = Running(tmp_path, fake_web, telegram, OGBOT_PUBLISH_BACKLOG="2")
    try:
        run.start()
        wait_for(lambda: telegram.sent(CHANNEL), what="the slow send reaching Telegram")
        code, seconds = run.stop()  # SIGTERM while Telegram has not answered yet
        assert code == 0
        assert 4 < seconds < 12  # it waited for the answer, and no longer
        assert len(telegram.sent(CHANNEL)) == 1  # no new send began after the stop
        first = run.logged()
        assert "post_sent" in first  # the outcome was recorded before it stopped
        assert "job_cancelled" not in first and "jobs_cancelled" not in first
        run.start()
        wait_for(lambda: len(telegram.sent(CHANNEL)) >= 2, what="the second post")
        time.sleep(2.0)  # the restarted outbox had its time to repeat anything
        # (a reminder of the consultation may follow: its items were stored after the first
        # start's reminder run)
        texts = [post.text for post in telegram.sent(CHANNEL)]
        assert len(set(texts)) == len(texts), texts  # nothing twice
        assert run.stop()[0] == 0
    finally:
        if run.process is not None and run.process.poll() is None:
            run.process.kill()
            run.process.wait()
    log = run.logged()
    assert "post_outcome_unknown" not in log
    assert "Traceback" not in log
