"""Tests for ogbot.dates.read_when: the one reader of "when should this be published", for the
bot's coordinators ("Planen") and `ogbot announce --at`, which read every phrase the same way."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ogbot.app import commands
from ogbot.app.errors import UsageError
from ogbot.bot.coordinator import parse_when
from ogbot.config import Settings, build_settings
from ogbot.dates import read_when
from tests.shell import clean_env, ogbot

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
INDIA = timezone(timedelta(hours=5, minutes=30))

LOCAL_TIMES = [
    ("2026-12-01 09:00", datetime(2026, 12, 1, 9, 0)),
    ("2026-12-01T09:30", datetime(2026, 12, 1, 9, 30)),
    ("01.12.2026 9:00", datetime(2026, 12, 1, 9, 0)),
    ("1.12.2026, 9 Uhr", datetime(2026, 12, 1, 9, 0)),
    ("1.12. 9:00", datetime(2026, 12, 1, 9, 0)),
    ("1.11. 9:00", datetime(2027, 11, 1, 9, 0)),  # passed this year: the next one
    ("morgen 9:00", datetime(2026, 11, 24, 9, 0)),
    ("Heute um 18.30 Uhr", datetime(2026, 11, 23, 18, 30)),
    ("übermorgen 9", datetime(2026, 11, 25, 9, 0)),
    ("tomorrow at 7:15", datetime(2026, 11, 24, 7, 15)),
    ("2026-06-01 12:00", datetime(2026, 6, 1, 12, 0)),  # summer time
]
NOT_TIMES = ["", "irgendwann", "2026-02-30 09:00", "2026-12-01 25:00", "31.02.2027 9:00", "9:00"]
# what `ogbot announce --at` took before it read the bot's phrases: any ISO date-time
ISO_TIMES = [
    ("2026-12-01T09:00", datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)),
    ("2026-12-01T09:00:30", datetime(2026, 12, 1, 9, 0, 30, tzinfo=BERLIN)),
    ("2026-12-01T09:00+00:00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ("2026-12-01T09:00Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ("2026-12-01 09:00:00+05:30", datetime(2026, 12, 1, 9, 0, tzinfo=INDIA)),
    ("2026-12-01", datetime(2026, 12, 1, 0, 0, tzinfo=BERLIN)),  # midnight
]


@pytest.mark.parametrize(("text", "expected"), LOCAL_TIMES)
def test_parse_when_reads_local_times(text: str, expected: datetime) -> None:
    assert parse_when(text, START, BERLIN) == expected.replace(tzinfo=BERLIN)


@pytest.mark.parametrize("text", NOT_TIMES)
def test_parse_when_refuses_what_is_not_a_time(text: str) -> None:
    assert parse_when(text, START, BERLIN) is None


@pytest.mark.parametrize(("text", "expected"), ISO_TIMES)
def test_read_when_reads_iso_date_times_with_or_without_an_offset(
    text: str, expected: datetime
) -> None:
    when = read_when(text, START, BERLIN)
    assert when == expected
    assert when is not None and when.utcoffset() == expected.utcoffset()


def test_read_when_gives_aware_times_in_the_zone_it_reads_in() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")  # START is 19:00 there: "heute" is still 23 November
    when = read_when("heute 21 Uhr", START, tokyo)
    assert when == datetime(2026, 11, 23, 21, 0, tzinfo=tokyo)
    assert when is not None and when.utcoffset() == timedelta(hours=9)
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # 24 November in Berlin already
    assert read_when("morgen 9:00", late, BERLIN) == datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)
    assert read_when("morgen 9:00", late.astimezone(timezone(timedelta(hours=-5))), BERLIN) == (
        datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)
    )


# --- the bot and `ogbot announce --at` ----------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return build_settings({}, {}, tmp_path)


@pytest.mark.parametrize(
    "text", [text for text, _ in LOCAL_TIMES] + [text for text, _ in ISO_TIMES] + NOT_TIMES
)
def test_the_bot_and_announce_at_read_every_phrase_the_same_way(
    text: str, settings: Settings
) -> None:
    assert settings.publish.tz == BERLIN
    bot = parse_when(text, START, BERLIN)
    if bot is None:
        with pytest.raises(UsageError, match="not an ISO date-time"):
            commands.announce_time(text, settings, now=START)
        return
    shell = commands.announce_time(text, settings, now=START)
    assert shell == bot
    assert shell.utcoffset() == bot.utcoffset()


def test_ogbot_announce_at_reads_morgen_like_the_bot(tmp_path: Path) -> None:
    env = clean_env(OGBOT_DATA_DIR=str(tmp_path / "data"), OGBOT_TELEGRAM_TOKEN="")
    before = datetime.now(UTC)
    result = ogbot(tmp_path, "announce", "--at", "morgen 9:00", "Netzwerktreffen", env=env)
    after = datetime.now(UTC)
    assert result.returncode == 0, result.stderr
    found = re.search(r"scheduled for (\S+ \S+) \(Europe/Berlin\)", result.stdout)
    assert found, result.stdout
    # what the bot reads for the same words at the same moment (either side of a midnight)
    expected = {
        f"{when:%Y-%m-%d %H:%M}"
        for now in (before, after)
        if (when := parse_when("morgen 9:00", now, BERLIN)) is not None
    }
    assert found.group(1) in expected
