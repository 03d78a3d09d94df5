"""`ogbot poll`, `ogbot sources`, `ogbot sources check NAME` and the data directory's lock, run
as a real subprocess against the fake websites (tests/fakes/web.py), as an operator would.

Every test writes a TOML file with its own `[[sources]]` pointed at the fake server, keeps the
data directory in tmp_path (`OGBOT_DATA_DIR`) and allows loopback (`OGBOT_FETCH_ALLOW_PRIVATE`),
except the one test about that refusal.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ogbot.config import DEFAULT_SOURCES
from ogbot.lock import DataLock
from tests.fakes.web import FakeWeb
from tests.shell import clean_env, ogbot

# the selectors ogbot ships for the federal government's listing: they must work on its fixture
BUND_SELECT = next(s for s in DEFAULT_SOURCES if s["name"] == "bundesregierung")["select"]
THREE = ("ogp", "bundesregierung", "kaputt")  # the sources of the `three` fixture, in order
LOCAL_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d"
BERLIN = ZoneInfo("Europe/Berlin")  # publish.timezone's default


@dataclass(frozen=True)
class Setup:
    """A config file, a data directory and the environment of one operator."""

    tmp: Path
    config: Path
    data_dir: Path
    env: dict[str, str]

    def run(
        self, *args: str, env: dict[str, str] | None = None, fsize: int | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`ogbot ARGS...` (`--config` after the command); `fsize` caps the size of every file
        the process writes (RLIMIT_FSIZE): a full disk, which stops root as well."""
        argv = [*args, "--config", str(self.config)]
        return ogbot(self.tmp, *argv, env=self.env if env is None else env, fsize=fsize)


def toml_source(source: dict[str, Any]) -> str:
    """One `[[sources]]` table; JSON strings are valid TOML basic strings."""
    lines = ["[[sources]]"]
    for key, value in source.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
            lines.append(f"{key} = {{ {inner} }}")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def make_setup(tmp_path: Path, sources: list[dict[str, Any]]) -> Setup:
    config = tmp_path / "ogbot.toml"
    config.write_text(
        "[fetch]\ntimeout = 3\n\n" + "\n".join(toml_source(s) for s in sources), encoding="utf-8"
    )
    data_dir = tmp_path / "data"
    env = clean_env(OGBOT_DATA_DIR=str(data_dir), OGBOT_FETCH_ALLOW_PRIVATE="true")
    return Setup(tmp_path, config, data_dir, env)


@pytest.fixture
def three(fake_web: FakeWeb, tmp_path: Path) -> Setup:
    """A WordPress feed with an ETag, the federal HTML listing, and a source answering 500."""
    return make_setup(
        tmp_path,
        [
            {"name": "ogp", "url": fake_web.fixture("/feed/", "ogp.rss", etag='"v1"')},
            {
                "name": "bundesregierung",
                "url": fake_web.fixture("/opengov-de", "bundesregierung.html"),
                "type": "html",
                "select": BUND_SELECT,
            },
            {"name": "kaputt", "url": fake_web.route("/kaputt", status=500)},
        ],
    )


def source_lines(output: str, *names: str) -> list[str]:
    """The lines of `ogbot poll` that report on the named sources, in output order (poll
    goes on to report on the feeds and the channel)."""
    return [line for line in output.splitlines() if line.split(":", 1)[0] in names]


def blocks(listing: str) -> dict[str, list[str]]:
    """`ogbot sources` output: each source's lines, under its name."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in listing.splitlines():
        if line and not line.startswith(" "):
            current = found.setdefault(line.split(" ", 1)[0], [])
        current.append(line.strip())
    return found


def minutes_to_next_fetch(lines: list[str]) -> int:
    """`ogbot sources`: minutes from a source's last fetch to its next one (both shown in
    publish.timezone's local time, to the minute)."""
    last, following = (
        datetime.strptime(match[0], "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN)
        for match in (re.search(LOCAL_TIME, line) for line in (lines[1], lines[-1]))
        if match
    )
    return int((following.astimezone(UTC) - last.astimezone(UTC)).total_seconds() // 60)


def extracted(output: str) -> list[list[str]]:
    """`ogbot sources check` output: each item's lines (title, link, date · kind, summary)."""
    return [[line.strip() for line in item.splitlines()] for item in output.split("\n- ")[1:]]


def assert_clean_failure(result: subprocess.CompletedProcess[str]) -> None:
    """Exit 1 with one clear `ogbot: database ...` message and no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert re.search(r"^ogbot: .*database", result.stderr, re.MULTILINE), result.stderr


# --- ogbot poll -------------------------------------------------------------------------------


def test_poll_prints_a_line_per_source_and_exits_0_when_one_fails(
    three: Setup, fake_web: FakeWeb
) -> None:
    result = three.run("poll")
    assert result.returncode == 0, result.stderr
    assert source_lines(result.stdout, *THREE) == [
        "ogp: 6 new, 0 updated",
        "bundesregierung: 5 new, 0 updated",
        "kaputt: error: fetch: HTTP 500 Internal Server Error",
    ]
    assert "Traceback" not in result.stderr

    again = three.run("poll")
    assert again.returncode == 0, again.stderr
    assert source_lines(again.stdout, *THREE) == [
        "ogp: 0 new, 0 updated (not modified)",
        "bundesregierung: 0 new, 0 updated",  # no validators: fetched again, nothing new
        "kaputt: error: fetch: HTTP 500 Internal Server Error",
    ]
    # the conditional GET: the stored ETag went back to the site
    feed_requests = [seen for seen in fake_web.requests if seen.path == "/feed/"]
    assert [seen.headers.get("if-none-match") for seen in feed_requests] == [None, '"v1"']


def test_poll_refuses_loopback_unless_allowed(three: Setup, fake_web: FakeWeb) -> None:
    env = {k: v for k, v in three.env.items() if k != "OGBOT_FETCH_ALLOW_PRIVATE"}
    result = three.run("poll", env=env)
    assert result.returncode == 0, result.stderr
    lines = source_lines(result.stdout, *THREE)
    assert [line.split(":", 1)[0] for line in lines] == list(THREE)
    for line in lines:
        assert "error: fetch: 127.0.0.1 is a private address" in line
        assert "fetch.allow_private" in line
    assert fake_web.requests == []


def test_poll_reads_config_given_before_the_command(fake_web: FakeWeb, tmp_path: Path) -> None:
    # (every other test here gives --config after the command)
    setup = make_setup(tmp_path, [{"name": "netz", "url": fake_web.fixture("/f", "ogp.rss")}])
    result = ogbot(tmp_path, "--config", str(setup.config), "poll", env=setup.env)
    assert result.returncode == 0, result.stderr
    assert source_lines(result.stdout, "netz") == ["netz: 6 new, 0 updated"]


# --- ogbot sources ----------------------------------------------------------------------------


def test_sources_before_any_poll_says_never_fetched(three: Setup, fake_web: FakeWeb) -> None:
    result = three.run("sources")
    assert result.returncode == 0, result.stderr
    listing = blocks(result.stdout)
    assert tuple(listing) == THREE
    assert listing["ogp"] == [f"ogp (feed) {fake_web.url('/feed/')}", "never fetched"]
    assert listing["bundesregierung"][0] == (
        f"bundesregierung (html) {fake_web.url('/opengov-de')}"
    )
    assert all(lines[1:] == ["never fetched"] for lines in listing.values())
    assert fake_web.requests == []  # listing fetches nothing


def test_sources_after_a_poll_shows_status_items_and_failures(three: Setup) -> None:
    assert three.run("poll").returncode == 0
    result = three.run("sources")
    assert result.returncode == 0, result.stderr
    listing = blocks(result.stdout)
    assert tuple(listing) == THREE

    ogp = listing["ogp"]
    assert len(ogp) == 3
    assert re.fullmatch(rf"last fetch {LOCAL_TIME}: ok; last success {LOCAL_TIME}; 6 items", ogp[1])
    assert re.fullmatch(rf"next fetch {LOCAL_TIME} \(interval\)", ogp[2])
    assert minutes_to_next_fetch(ogp) in (30, 31)  # fetch.interval's default
    bund = listing["bundesregierung"]
    assert len(bund) == 3
    assert re.fullmatch(
        rf"last fetch {LOCAL_TIME}: ok; last success {LOCAL_TIME}; 5 items", bund[1]
    )
    assert re.fullmatch(rf"next fetch {LOCAL_TIME} \(interval\)", bund[2])

    failing = listing["kaputt"]
    assert len(failing) == 4
    assert re.fullmatch(rf"last fetch {LOCAL_TIME}: error; last success never; 0 items", failing[1])
    assert re.fullmatch(
        rf"failing 1x since {LOCAL_TIME}: HTTP 500 Internal Server Error", failing[2]
    )
    # the next try after one failure: interval x 2
    assert re.fullmatch(rf"next fetch {LOCAL_TIME} \(backoff after 1 failure\)", failing[3])
    assert minutes_to_next_fetch(failing) in (60, 61)


def test_sources_says_when_and_why_a_refusing_source_is_fetched_again(
    fake_web: FakeWeb, tmp_path: Path
) -> None:
    # a server that asks for two hours' rest, and one whose feed stays fresh for an hour
    setup = make_setup(
        tmp_path,
        [
            {
                "name": "limited",
                "url": fake_web.route("/limited", status=429, headers={"Retry-After": "7200"}),
            },
            {
                "name": "cached",
                "url": fake_web.fixture("/f", "ogp.rss", headers={"Cache-Control": "max-age=3600"}),
            },
        ],
    )
    poll = setup.run("poll")
    assert poll.returncode == 0, poll.stderr
    assert source_lines(poll.stdout, "limited") == [
        "limited: error: fetch: HTTP 429 Too Many Requests"
    ]
    result = setup.run("sources")
    assert result.returncode == 0, result.stderr
    listing = blocks(result.stdout)

    limited = listing["limited"]
    assert re.fullmatch(rf"failing 1x since {LOCAL_TIME}: HTTP 429 Too Many Requests", limited[2])
    assert re.fullmatch(rf"next fetch {LOCAL_TIME} \(Retry-After\)", limited[3])
    assert minutes_to_next_fetch(limited) in (120, 121)  # not the backoff's hour
    cached = listing["cached"]
    assert re.fullmatch(rf"next fetch {LOCAL_TIME} \(Cache-Control max-age\)", cached[2])
    assert minutes_to_next_fetch(cached) in (60, 61)  # not the interval's 30 minutes


def test_sources_check_prints_what_the_listing_selectors_extract(
    three: Setup, fake_web: FakeWeb
) -> None:
    result = three.run("sources", "check", "bundesregierung")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == f"bundesregierung: 5 items from {fake_web.url('/opengov-de')}"
    items = extracted(out)
    assert len(items) == 5
    first = items[0]
    assert first[:3] == [
        "Ihr Feedback ist gefragt: Entwurf des Fünften Nationalen Aktionsplans – Kommentierung"
        " bis 12. Januar 2027",
        fake_web.url("/opengov-de/service/aktuelles/entwurf-5-nap-2294412"),
        "2026-11-10 00:00 · CONSULTATION · deadline 2027-01-12",
    ]
    assert first[3].startswith("Bis zum 12. Januar 2027 können alle Interessierten")
    second = items[1]
    assert second[:3] == [
        "Zwischenbilanz: So steht es um die Umsetzung des Vierten Nationalen Aktionsplans",
        fake_web.url("/opengov-de/service/aktuelles/zwischenbilanz-4-nap-2281706"),
        "no date · news",
    ]
    # the closed consultation is news; the cookie banner and the embedded JSON are no items
    closed = items[4]
    assert closed[0].startswith("[abgeschlossen] Online-Konsultation")
    assert closed[2] == "no date · news"
    assert "Datenschutzeinstellungen" not in out
    assert "json-0000001" not in out


def test_sources_check_feed_shows_local_time_kind_and_deadline(three: Setup) -> None:
    result = three.run("sources", "check", "ogp")
    assert result.returncode == 0, result.stderr
    items = extracted(result.stdout)
    assert len(items) == 6
    review = next(i for i in items if i[0].startswith("Germany Action Plan Review"))
    assert review[:3] == [
        "Germany Action Plan Review 2023-2025 – For Public Comment",
        "https://www.opengovpartnership.org/documents/germany-action-plan-review-2023-2025/",
        # 14:03 UTC in the feed, shown in publish.timezone (Europe/Berlin)
        "2026-11-17 15:03 · CONSULTATION · deadline 2026-12-15",
    ]
    # markup in a title is dropped, its text kept
    assert "Open Data & Open Contracting: What’s Next for Reformers 🚀" in [i[0] for i in items]


def test_sources_check_unknown_name_is_a_usage_error(three: Setup, fake_web: FakeWeb) -> None:
    result = three.run("sources", "check", "ogpp")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "ogpp" in result.stderr
    assert "known: ogp, bundesregierung, kaputt" in result.stderr
    assert fake_web.requests == []


def test_sources_check_without_name_asks_for_one(three: Setup) -> None:
    result = three.run("sources", "check")
    assert result.returncode == 2
    assert "NAME" in result.stderr
    assert "None" not in result.stderr


def test_sources_check_failing_source_exits_1_with_the_error(three: Setup) -> None:
    result = three.run("sources", "check", "kaputt")
    assert result.returncode == 1
    assert "kaputt: fetch: HTTP 500 Internal Server Error" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# --- the lock -----------------------------------------------------------------------------------


def test_poll_finding_the_lock_held_says_so_and_fetches_nothing(
    three: Setup, fake_web: FakeWeb
) -> None:
    # an `ogbot run` elsewhere: flock is per open file, so this process's lock stops the child
    lock = DataLock(three.data_dir)
    assert lock.acquire()
    try:
        result = three.run("poll")
    finally:
        lock.release()
    assert result.returncode == 0, result.stderr
    shown = result.stdout + result.stderr
    assert str(three.data_dir / "ogbot.lock") in shown
    assert re.search(r"\bhold", shown, re.IGNORECASE)  # "... holds <lock>: ..."
    assert source_lines(result.stdout, *THREE) == []
    assert fake_web.requests == []

    # the lock is free again: the next poll runs
    again = three.run("poll")
    assert again.returncode == 0, again.stderr
    assert source_lines(again.stdout, "ogp") == ["ogp: 6 new, 0 updated"]


# --- the database cannot be written ---------------------------------------------------------------


def test_poll_database_path_taken_by_a_directory_exits_1(three: Setup) -> None:
    (three.data_dir / "ogbot.sqlite3").mkdir(parents=True)
    result = three.run("poll")
    assert_clean_failure(result)
    assert result.stdout == ""


def test_poll_database_not_sqlite_exits_1(three: Setup) -> None:
    three.data_dir.mkdir()
    (three.data_dir / "ogbot.sqlite3").write_bytes(b"not a database\n" * 500)
    result = three.run("poll")
    assert_clean_failure(result)
    assert "not a database" in result.stderr


def test_poll_disk_full_at_start_exits_1(three: Setup) -> None:
    result = three.run("poll", fsize=4096)  # room for the lock file, not for the database
    assert_clean_failure(result)


def test_sources_data_dir_is_a_file_exits_1(three: Setup) -> None:
    three.data_dir.write_text("not a directory\n", encoding="utf-8")
    assert_clean_failure(three.run("sources"))


def test_poll_data_dir_is_a_file_exits_1(three: Setup) -> None:
    """Actual: the lock's mkdir raises FileExistsError out of cmd_poll, a traceback (exit 1)."""
    three.data_dir.write_text("not a directory\n", encoding="utf-8")
    assert_clean_failure(three.run("poll"))


def big_feed(count: int) -> str:
    """An RSS feed of `count` long items: storing them takes many database pages."""
    text = "Open Government in Deutschland: Bericht, Beteiligung und Transparenz. " * 30
    items = "".join(
        f"<item><title>Meldung {n}</title><link>https://example.org/meldung-{n}</link>"
        f"<guid>https://example.org/?p={n}</guid>"
        f"<pubDate>Mon, 16 Nov 2026 10:00:00 +0000</pubDate>"
        f"<description>{text}</description></item>"
        for n in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Big</title>'
        f"<link>https://example.org/</link><description>x</description>{items}</channel></rss>"
    )


def test_poll_disk_full_mid_cycle_exits_1(fake_web: FakeWeb, tmp_path: Path) -> None:
    """Actual: exit 0, the line `ogp: error: internal error: OperationalError`, and the log
    holds a traceback (sqlite3 "disk I/O error" at COMMIT is caught as a source's crash)."""
    setup = make_setup(tmp_path, [{"name": "ogp", "url": fake_web.fixture("/feed/", "ogp.rss")}])
    assert setup.run("poll").returncode == 0  # the database exists, its schema written
    fake_web.route("/feed/", body=big_feed(40))
    # 32 KiB: SQLite's shared-memory file fits, the write-ahead log of 40 long items does not
    result = setup.run("poll", fsize=32768)
    assert_clean_failure(result)
