"""`ogbot poll` and `ogbot announce` as an operator runs them: real subprocesses against the fake
websites and the fake Bot API; the feed files on disk and the posts in the fake channel."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from ogbot.lock import DataLock
from tests.fakes.telegram import CHANNEL, TOKEN, FakeTelegram
from tests.fakes.web import FakeWeb
from tests.shell import clean_env, ogbot


class Operator:
    def __init__(self, tmp: Path, web: FakeWeb, telegram: FakeTelegram) -> None:
        self.tmp, self.web, self.telegram = tmp, web, telegram
        self.data = tmp / "data"
        self.env = clean_env(
            OGBOT_DATA_DIR=str(self.data),
            OGBOT_FETCH_ALLOW_PRIVATE="true",
            OGBOT_TELEGRAM_TOKEN=TOKEN,
            OGBOT_TELEGRAM_API_URL=telegram.api_url,
            OGBOT_TELEGRAM_CHANNEL=CHANNEL,
            OGBOT_PUBLISH_QUIET_HOURS="",
            OGBOT_PUBLISH_BACKLOG="2",
            OGBOT_PUBLISH_MAX_AGE="36500",  # the fixture's dates stay postable for years
        )
        url = web.fixture("/feed/", "ogp.rss", etag='"v1"')
        (tmp / "ogbot.toml").write_text(f'[[sources]]\nname = "ogp"\nurl = "{url}"\n')

    def run(self, *args: str, stdin: str | None = None, **env: str):
        config = str(self.tmp / "ogbot.toml")
        return ogbot(self.tmp, *args, "--config", config, env={**self.env, **env}, stdin=stdin)

    def posts(self) -> list[str]:
        return [message.text for message in self.telegram.sent(CHANNEL)]

    def feed(self, name: str = "feed.atom") -> feedparser.FeedParserDict:
        return feedparser.parse((self.data / "public" / name).read_bytes())


@pytest.fixture
def operator(tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram) -> Operator:
    return Operator(tmp_path, fake_web, fake_telegram)


def test_cli_poll_writes_feeds_and_posts_the_backlog(operator):
    result = operator.run("poll")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "ogp: 6 new, 0 updated"
    assert lines[1].startswith("channel: 2 sent, 0 edited, 0 waiting")
    assert len(operator.feed().entries) == 6
    assert len(operator.feed("feed.rss").entries) == 6
    assert len(operator.posts()) == 2
    # the token never shows, not in the output and not in the log
    assert TOKEN not in result.stdout + result.stderr

    again = operator.run("poll")
    assert again.stdout.splitlines()[1].startswith("channel: 0 sent")
    assert len(operator.posts()) == 2


def test_cli_poll_without_token_says_the_posts_wait(operator):
    result = operator.run("poll", OGBOT_TELEGRAM_TOKEN="")
    assert result.returncode == 0, result.stderr
    assert "channel: no Telegram token here: posts wait in the outbox" in result.stdout
    assert len(operator.feed().entries) == 6
    assert operator.telegram.requests == []


def test_cli_poll_without_channel_says_the_channel_is_off(operator):
    result = operator.run("poll", OGBOT_TELEGRAM_CHANNEL="")
    assert result.returncode == 0, result.stderr
    assert "channel: off (telegram.channel is not set)" in result.stdout
    assert operator.posts() == []


def test_cli_poll_with_a_refused_token_exits_1(operator):
    result = operator.run("poll", OGBOT_TELEGRAM_TOKEN="999:wrong-token-of-the-bot")
    assert result.returncode == 1
    assert "Telegram refused the token" in result.stderr
    assert "999:wrong" not in result.stdout + result.stderr


def test_cli_announce_goes_to_channel_and_feeds(operator):
    result = operator.run("announce", "Treffen", "am", "<10.", "Dezember>", "&", "Co.")
    assert result.returncode == 0, result.stderr
    assert "published to the feeds" in result.stdout
    assert "channel: 1 sent" in result.stdout
    assert "Treffen am <10. Dezember> & Co." in operator.posts()[0]
    assert [e.title for e in operator.feed().entries] == ["Treffen am <10. Dezember> & Co."]


def test_cli_announce_reads_stdin_and_refuses_too_long_text(operator):
    ok = operator.run("announce", "-", stdin="Zeile eins\nZeile zwei\n")
    assert ok.returncode == 0, ok.stderr
    assert "Zeile eins\nZeile zwei" in operator.posts()[0]
    too_long = operator.run("announce", "-", stdin="Wort " * 2000)
    assert too_long.returncode == 2
    assert "too long" in too_long.stderr
    assert len(operator.posts()) == 1


def test_cli_announce_names_an_invisible_text_empty_and_hashtags_the_entity_limit(operator):
    # what a paste from a chat app can be: zero-width spaces, a BOM and a word joiner, no text
    invisible = operator.run("announce", "-", stdin="\u200b\u200b\ufeff\u2060\n\u200b\n")
    assert invisible.returncode == 2
    assert "the text is empty" in invisible.stderr
    assert "too long" not in invisible.stderr
    # 150 hashtags are 1,200 characters, far below the length limit: Telegram counts entities
    hashtags = " ".join(f"#Thema{n}" for n in range(150))
    tagged = operator.run("announce", "-", stdin=hashtags)
    assert tagged.returncode == 2
    # 150 and the heading's and contact line's own entities
    assert (
        "too many entities (links, hashtags, mentions) for one post: 153, at most 100"
        in tagged.stderr
    )
    assert "too long" not in tagged.stderr
    assert operator.posts() == []


def test_cli_announce_at_schedules_and_poll_publishes_when_due(operator):
    result = operator.run("announce", "--at", "2099-01-01T09:00", "Zukunft")
    assert result.returncode == 0, result.stderr
    assert "scheduled for 2099-01-01 09:00 (Europe/Berlin)" in result.stdout
    assert operator.posts() == []
    past = operator.run("announce", "--at", "2020-01-01T09:00", "Vergangenheit")
    assert past.returncode == 2 and "in the past" in past.stderr
    bad = operator.run("announce", "--at", "morgen früh", "Text")
    assert bad.returncode == 2 and "ISO date-time" in bad.stderr


def test_cli_announce_while_ogbot_run_holds_the_lock_leaves_sending_to_it(operator):
    lock = DataLock(operator.data)
    assert lock.acquire()
    try:
        result = operator.run("announce", "Während", "run", "läuft")
    finally:
        lock.release()
    assert result.returncode == 0, result.stderr
    assert "the running ogbot (it holds the lock) sends it" in result.stdout
    assert operator.posts() == []
    assert [e.title for e in operator.feed().entries] == ["Während run läuft"]
    # the next lock holder sends it
    polled = operator.run("poll")
    assert any("Während run läuft" in post for post in operator.posts()), polled.stdout


def test_cli_announce_without_token_publishes_to_the_feeds_and_the_post_waits(operator):
    result = operator.run("announce", "Erst", "im", "Feed", OGBOT_TELEGRAM_TOKEN="")
    assert result.returncode == 0, result.stderr
    assert "channel: no Telegram token here: posts wait in the outbox" in result.stdout
    assert [e.title for e in operator.feed().entries] == ["Erst im Feed"]
    assert operator.telegram.requests == []
    # an ogbot with the token sends it
    assert operator.run("poll").returncode == 0
    assert any("Erst im Feed" in post for post in operator.posts())


def test_cli_poll_killed_mid_burst_and_restarted_loses_nothing_repeats_at_most_the_cut_off(
    operator,
):
    operator.env["OGBOT_PUBLISH_BACKLOG"] = "5"
    operator.env["OGBOT_PUBLISH_DIGEST_AFTER"] = "50"
    # the first post arrives, but its answer takes long: the process is killed meanwhile
    operator.telegram.slow_next("sendMessage", 20)
    process = subprocess.Popen(
        [sys.executable, "-m", "ogbot", "poll", "--config", str(operator.tmp / "ogbot.toml")],
        cwd=operator.tmp,
        env=operator.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not operator.posts() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(operator.posts()) == 1
    finally:
        process.kill()
        process.wait(timeout=10)

    result = operator.run("poll")
    assert result.returncode == 0, result.stderr
    titles = [post.splitlines()[0] for post in operator.posts()]
    # every item of the burst arrived; the one cut off mid-send twice, nothing else twice
    assert len(set(titles)) == 5
    assert len(titles) == 6
    assert titles[0] == titles[1]
    again = operator.run("poll")
    assert again.returncode == 0
    assert len(operator.posts()) == 6
