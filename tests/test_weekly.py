"""The weekly round-up (``publish.weekly``) as followers see it: one channel post and one feed
entry per week, with the week's items by kind, the consultations closing soon and the
announcements; nothing when nothing new happened; once per week across restarts. The clock is
the manual one shared by ogbot and the fake Bot API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from ogbot.app.house import publishing
from ogbot.config import ConfigError, build_settings
from ogbot.publish.roundup import last_slot, weekly_roundup
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, FakeTelegram, ManualClock
from tests.fakes.web import FakeWeb
from tests.test_publish import Story, World

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 30 November 2026, 11:00 in Berlin: the week before the round-up of Monday 7 December
WEEK_START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
SLOT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 7 December, 09:00 in Berlin


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEEK_START)


@pytest.fixture
def telegram(clock: ManualClock) -> Iterator[FakeTelegram]:
    with FakeTelegram(clock=clock) as fake:
        fake.add_channel(CHANNEL, CHANNEL_ID)
        yield fake


@pytest.fixture
def world(tmp_path: Path, fake_web: FakeWeb, telegram: FakeTelegram, clock: ManualClock):
    world = World(tmp_path, fake_web, telegram, clock)
    world.publish["weekly"] = "Mo 09:00"
    yield world
    world.store.close()


async def roundup(world: World) -> bool:
    """What the service's job does at the slot (and at start): True when one was published."""
    async with publishing(world.settings, world.store, clock=world.clock, sleep=world.sleep) as pub:
        done = await weekly_roundup(pub)
        await pub.outbox.drain(world.clock() + timedelta(minutes=10))
    return done is not None


async def a_week_of_news(world: World, clock: ManualClock) -> None:
    """An old story seen at the first poll; during the week two news, one consultation, one
    announcement."""
    world.source("netzwerk", [Story("Alte Meldung", "alt", WEEK_START - timedelta(days=20))])
    await world.poll()
    clock.set(WEEK_START + timedelta(days=2))
    now = clock()
    world.source(
        "netzwerk",
        [
            Story("Netzwerktreffen im Dezember", "treffen", now - timedelta(hours=1)),
            Story("Neuer Leitfaden für offene Daten", "leitfaden", now - timedelta(hours=2)),
            Story(
                "Entwurf des Aktionsplans: Kommentieren Sie bis zum 15. Dezember 2026",
                "entwurf",
                now - timedelta(hours=3),
                text="Die Konsultation läuft. Stellungnahmen bis zum 15. Dezember 2026.",
            ),
            Story("Alte Meldung", "alt", WEEK_START - timedelta(days=20)),
        ],
    )
    await world.poll()
    async with publishing(world.settings, world.store, clock=clock, sleep=world.sleep) as pub:
        await pub.announce("Netzwerktreffen am 10.12. in Berlin\nAnmeldung bis Freitag.", "shell")
        await pub.outbox.drain(clock() + timedelta(minutes=10))


async def test_weekly_roundup_one_post_and_one_feed_entry_with_the_week(world, clock):
    await a_week_of_news(world, clock)
    before = len(world.posts())
    clock.set(SLOT - timedelta(minutes=1))
    assert not await roundup(world)  # not yet: the slot is 09:00 local
    clock.set(SLOT + timedelta(seconds=30))
    assert await roundup(world)
    posts = world.posts()[before:]
    assert len(posts) == 1
    post = posts[0]
    # a round-up is headed by its own first line, not as a coordinator's announcement
    assert post.startswith("🗓 Wochenrückblick 30.11.–06.12.2026\n\n")
    assert "Ankündigung\n" not in post and "📣 Ankündigung" not in post.split("\n")[0]
    assert "Neue Konsultationen (1)" in post and "Entwurf des Aktionsplans" in post
    assert "Neuigkeiten (2)" in post
    assert "Netzwerktreffen im Dezember" in post and "Neuer Leitfaden" in post
    assert "Alte Meldung" not in post  # seen before the week
    assert "Fristen in den nächsten zwei Wochen" in post and "15.12. Entwurf" in post
    assert "Ankündigungen der Woche" in post and "Netzwerktreffen am 10.12. in Berlin" in post
    assert "Anmeldung bis Freitag" not in post  # an announcement's first line only
    assert "@OpenGovGermany" in post
    # the feeds carry it like an announcement
    parsed = feedparser.parse((world.tmp_path / "data" / "public" / "feed.atom").read_bytes())
    bodies = [entry.get("summary", "") + entry.get("title", "") for entry in parsed.entries]
    assert sum("Wochenrückblick 30.11.–06.12.2026" in body for body in bodies) == 1


async def test_weekly_roundup_once_per_week_even_across_restarts(world, clock):
    await a_week_of_news(world, clock)
    before = len(world.posts())
    clock.set(SLOT + timedelta(seconds=30))
    assert await roundup(world)
    clock.advance(timedelta(minutes=5))
    assert not await roundup(world)  # a restart (a new publisher, the same store)
    clock.advance(timedelta(days=1))
    assert not await roundup(world)
    assert len(world.posts()) == before + 1
    # the next week: nothing new happened (the round-up itself does not count)
    clock.set(SLOT + timedelta(days=7, seconds=30))
    assert not await roundup(world)
    assert len(world.posts()) == before + 1


async def test_weekly_roundup_nothing_new_nothing_posted(world, clock):
    world.source("netzwerk", [Story("Alte Meldung", "alt", WEEK_START - timedelta(days=20))])
    await world.poll()  # a first sight: its items are the backlog, not the week's news
    clock.set(SLOT + timedelta(seconds=30))
    assert not await roundup(world)
    assert world.posts() == []


async def test_weekly_roundup_missed_by_more_than_a_day_is_not_sent_late(world, clock):
    await a_week_of_news(world, clock)
    before = len(world.posts())
    clock.set(SLOT + timedelta(days=2))  # ogbot was down from Sunday to Wednesday
    assert not await roundup(world)
    assert len(world.posts()) == before


async def test_weekly_roundup_off_by_default(world, clock):
    await a_week_of_news(world, clock)
    del world.publish["weekly"]
    assert world.settings.publish.weekly_slot is None
    clock.set(SLOT + timedelta(seconds=30))
    before = len(world.posts())
    assert not await roundup(world)
    assert len(world.posts()) == before


async def test_weekly_roundup_in_quiet_hours_goes_out_silently(world, clock):
    world.publish["weekly"] = "So 23:30"  # Sunday 6 December, 23:30 in Berlin: quiet hours
    await a_week_of_news(world, clock)
    clock.set(datetime(2026, 12, 6, 22, 30, 10, tzinfo=UTC))
    assert await roundup(world)
    last = world.telegram.sent(CHANNEL)[-1]
    assert "Wochenrückblick 29.11.–05.12.2026" in last.text
    assert last.disable_notification


def test_weekly_reads_german_and_english_weekdays(tmp_path):
    def slot(text: str) -> tuple[int, int, int] | None:
        document = {"publish": {"weekly": text}}
        settings = build_settings(document, {"OGBOT_DATA_DIR": str(tmp_path)}, Path())
        return settings.publish.weekly_slot

    assert slot("Mo 09:00") == (0, 9, 0)
    assert slot("Mon 9:00") == (0, 9, 0)
    assert slot("So 18:30") == (6, 18, 30)
    assert slot("sun 18.30") == (6, 18, 30)
    assert slot("Do 7") == (3, 7, 0)
    assert slot("") is None
    for bad in ("Xy 09:00", "Mo 25:00", "Montagmorgen", "09:00"):
        with pytest.raises(ConfigError) as caught:
            slot(bad)
        assert "publish.weekly" in str(caught.value.problems)


def test_weekly_slot_is_local_time_across_daylight_saving():
    # Monday 30 March 2026 09:00 in Berlin is 07:00 UTC (summer time began on the Sunday)
    now = datetime(2026, 3, 30, 7, 0, 5, tzinfo=UTC)
    assert last_slot(now, BERLIN, (0, 9, 0)) == datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)
    # a minute before it, the latest slot is the week before (then 08:00 UTC, winter time)
    before = last_slot(now - timedelta(minutes=1), BERLIN, (0, 9, 0))
    assert before.astimezone(UTC) == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)


async def test_the_service_schedules_the_roundup_at_its_local_slot_only_when_set(tmp_path):
    from ogbot.app.service import Service

    def weekly_job(text: str):
        document = {"publish": {"weekly": text}}
        settings = build_settings(document, {"OGBOT_DATA_DIR": str(tmp_path)}, Path())
        return Service(settings)._schedule().get_job("weekly")

    assert weekly_job("") is None
    job = weekly_job("Mo 09:00")
    fields = {field.name: str(field) for field in job.trigger.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("0", "9", "0")
    assert str(job.trigger.timezone) == "Europe/Berlin"
