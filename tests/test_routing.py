"""Routing to more destinations (``[[telegram.destinations]]``) as an operator uses it: a
second channel that carries consultations, a forum topic of the network's group that carries
announcements, beside the main channel. Real cycles against the fake websites, posts in the
fake Bot API over real sockets, time on a manual clock shared by both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from ogbot.app.house import publishing
from ogbot.config import Destination, Settings
from ogbot.store import Store
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, FakeTelegram, ManualClock, SentMessage
from tests.fakes.web import FakeWeb
from tests.shell import clean_env, ogbot
from tests.test_publish import START, Story, World
from tests.test_review import ADA, BEN, NEW, Desk, started

CONSULTATIONS = "@og_konsultationen"  # a second channel: consultations only
CONSULTATIONS_ID = -1001111111111
GROUP_ID = -1002222222222  # the network's group, a forum: its "Ankündigungen" topic

NEWS = Story(
    "Netzwerktreffen in Berlin: Rückblick",
    "netzwerktreffen-rueckblick",
    START - timedelta(hours=2),
    text="Rund 60 Menschen aus Verwaltung und Zivilgesellschaft kamen zusammen.",
)
CONSULTATION = Story(
    "Konsultation zum 5. Nationalen Aktionsplan: Stellungnahmen bis 12. Januar",
    "konsultation-nap5",
    START - timedelta(hours=1),
    text="Die Bundesregierung bittet um Stellungnahmen zum Entwurf. Frist: 12. Januar 2027.",
    categories=("Konsultation", "Aktionsplan"),
)
ANNOUNCEMENT = "Am 10. Dezember treffen wir uns online zum Aktionsplan – alle sind willkommen."


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def telegram(clock: ManualClock) -> Iterator[FakeTelegram]:
    with FakeTelegram(clock=clock) as fake:
        fake.add_channel(CHANNEL, CHANNEL_ID)
        fake.add_channel(CONSULTATIONS, CONSULTATIONS_ID, title="OG Konsultationen")
        fake.add_group(GROUP_ID, title="Open-Government-Netzwerk", forum=True)
        yield fake


@pytest.fixture
def world(tmp_path: Path, fake_web: FakeWeb, telegram: FakeTelegram, clock: ManualClock):
    world = World(tmp_path, fake_web, telegram, clock)
    world.publish["quiet_hours"] = ""
    yield world
    world.store.close()


def route(world: World, *destinations: dict[str, object]) -> None:
    world.telegram_section["destinations"] = list(destinations)


async def first_sight(world: World, *names: str) -> None:
    """A first cycle sees the sources empty (a first sight posts no backlog: backlog = 0)."""
    for name in names:
        world.source(name, [])
    await world.poll()


async def announce(world: World, text: str) -> None:
    async with publishing(world.settings, world.store, clock=world.clock, sleep=world.sleep) as pub:
        await pub.announce(text, "shell")
        await pub.outbox.drain(world.clock() + timedelta(seconds=120))


def texts(messages: list[SentMessage]) -> list[str]:
    return [message.text for message in messages]


def shows(messages: list[SentMessage], needle: str) -> int:
    return sum(needle in message.text for message in messages)


async def test_each_destination_holds_exactly_what_it_carries_once(world, telegram):
    topic = telegram.add_topic(GROUP_ID)
    other_topic = telegram.add_topic(GROUP_ID)
    route(
        world,
        {"chat": CONSULTATIONS, "carries": "consultations"},
        {"chat": str(GROUP_ID), "thread": topic, "carries": "announcements"},
    )
    await first_sight(world, "netzwerk")
    world.source("netzwerk", [NEWS, CONSULTATION])

    result = await world.poll()
    assert result.drained.sent == 2 and result.drained.routed == 1
    assert "1 to other destinations" in result.drained.line()
    await announce(world, ANNOUNCEMENT)

    channel = telegram.sent(CHANNEL)
    assert [shows(channel, s.title) for s in (NEWS, CONSULTATION)] == [1, 1]
    assert shows(channel, "Am 10. Dezember treffen wir uns online") == 1
    assert len(channel) == 3

    [consultation] = telegram.sent(CONSULTATIONS)
    assert CONSULTATION.title in consultation.text
    assert consultation.message_thread_id is None

    [announcement] = telegram.sent(GROUP_ID)
    assert "Am 10. Dezember treffen wir uns online" in announcement.text
    assert announcement.message_thread_id == topic != other_topic
    # the post looks as it does in the channel
    assert announcement.text == channel[-1].text

    # a restart, another cycle (nothing new) and a drain: nothing is sent twice
    again = await world.poll()
    assert again.drained.sent == 0 and again.drained.routed == 0
    assert [len(telegram.sent(chat)) for chat in (CHANNEL, CONSULTATIONS, GROUP_ID)] == [3, 1, 1]


async def test_a_source_list_and_all(world, telegram):
    route(
        world,
        {"chat": CONSULTATIONS, "carries": ["kommune"]},
        {"chat": str(GROUP_ID), "carries": "all"},
    )
    await first_sight(world, "netzwerk", "kommune")
    world.source("netzwerk", [NEWS])
    world.source("kommune", [Story("Bürgerhaushalt 2027: Ideen gesucht", "buergerhaushalt", START)])
    await world.poll()
    assert texts(telegram.sent(CONSULTATIONS))[0].startswith("Bürgerhaushalt 2027")
    assert len(telegram.sent(CONSULTATIONS)) == 1
    assert sorted(texts(telegram.sent(GROUP_ID))) == sorted(texts(telegram.sent(CHANNEL)))
    assert len(telegram.sent(GROUP_ID)) == 2
    assert all(message.message_thread_id is None for message in telegram.sent(GROUP_ID))


async def test_a_refusing_destination_does_not_block_the_channel(world, telegram, clock):
    route(world, {"chat": CONSULTATIONS, "carries": "all"})
    telegram.remove_bot(CONSULTATIONS)  # the bot is no member of the second channel (yet)
    await first_sight(world, "netzwerk")
    world.source("netzwerk", [NEWS, CONSULTATION])

    result = await world.poll(wait=60)
    assert result.drained.sent == 2
    assert len(telegram.sent(CHANNEL)) == 2
    assert telegram.sent(CONSULTATIONS) == []
    assert result.drained.stopped in (None, "waiting to retry")

    # the operator adds the bot; half an hour later the waiting posts go, once each
    telegram.remove_bot(CONSULTATIONS, removed=False)
    clock.advance(timedelta(minutes=31))
    later = await world.poll(wait=60)
    assert later.drained.routed == 2 and later.drained.sent == 0
    assert [shows(telegram.sent(CONSULTATIONS), s.title) for s in (NEWS, CONSULTATION)] == [1, 1]
    assert len(telegram.sent(CHANNEL)) == 2


async def test_a_missing_forum_topic_waits_and_blocks_nothing(world, telegram):
    route(world, {"chat": str(GROUP_ID), "thread": 999, "carries": "all"})
    await first_sight(world, "netzwerk")
    world.source("netzwerk", [NEWS])
    result = await world.poll(wait=60)
    assert result.drained.sent == 1 and result.drained.failed == 0
    assert telegram.sent(GROUP_ID) == []
    assert len(telegram.sent(CHANNEL)) == 1
    # Telegram said so: the topic is not there
    [refused] = [r for r in telegram.calls("sendMessage") if "message_thread_id" in r.params]
    assert refused.params["message_thread_id"] in (999, "999")


async def test_a_reminder_goes_where_its_consultation_went(world, telegram, clock):
    topic = telegram.add_topic(GROUP_ID)
    route(
        world,
        {"chat": CONSULTATIONS, "carries": "consultations"},
        {"chat": str(GROUP_ID), "thread": topic, "carries": "announcements"},
    )
    await first_sight(world, "netzwerk")
    closing = Story(
        "Konsultation zum Open-Data-Gesetz",
        "odg",
        START - timedelta(hours=1),
        text="Stellungnahmen können bis zum 25. November 2026 eingereicht werden.",
    )
    world.source("netzwerk", [closing])
    await world.poll()
    async with publishing(world.settings, world.store, clock=clock, sleep=world.sleep) as pub:
        today = clock().date()
        assert await pub.outbox.enqueue_reminders(today) == 2  # the channel, the second channel
        assert await pub.outbox.enqueue_reminders(today) == 0
        await pub.outbox.drain(clock() + timedelta(minutes=5))
    assert shows(telegram.sent(CHANNEL), "25. November 2026") == 2  # the item, its reminder
    assert shows(telegram.sent(CONSULTATIONS), "25. November 2026") == 2
    assert telegram.sent(GROUP_ID) == []


class RoutedDesk(Desk):
    """The review's desk (a source under review), with a second channel that carries all."""

    @property
    def settings(self) -> Settings:
        settings = super().settings
        routed = (Destination(CONSULTATIONS, None, "all"),)
        return replace(settings, telegram=replace(settings.telegram, destinations=routed))


@pytest.fixture
async def desk(tmp_path: Path, fake_web: FakeWeb) -> AsyncIterator[Desk]:
    clock = ManualClock(START)
    telegram = FakeTelegram(clock=clock).start()
    telegram.add_channel(CHANNEL, CHANNEL_ID)
    telegram.add_channel(CONSULTATIONS, CONSULTATIONS_ID)
    telegram.add_user(ADA, first_name="Ada", language_code="de")
    telegram.add_user(BEN, first_name="Ben", language_code="en")
    desk = RoutedDesk(tmp_path, fake_web, telegram, clock)
    try:
        yield desk
    finally:
        await desk.stop()
        desk.store.close()
        telegram.stop()


async def test_an_item_under_review_reaches_a_destination_only_once_posted(desk: Desk) -> None:
    await started(desk)
    item_id = await desk.new_item_under_review()
    assert desk.telegram.sent(CONSULTATIONS) == []

    await desk.press(ADA, desk.preview(ADA), "Posten")
    await desk.drain()

    assert len(desk.channel()) == 1
    [routed] = desk.telegram.sent(CONSULTATIONS)
    assert NEW.title in routed.text and routed.text == desk.channel()[0]
    review = await desk.store.call(Store.review, item_id)
    assert review is not None and review.state == "posted"


def test_check_names_each_bad_destination_by_its_path(tmp_path: Path) -> None:
    (tmp_path / "ogbot.toml").write_text(
        '[telegram]\nchannel = "@ogbot_test"\n\n'
        '[[telegram.destinations]]\nchat = "@ogbot_test"\n\n'
        '[[telegram.destinations]]\nchat = "@og_konsultationen"\ncarries = ["ogp", "ogb"]\n\n'
        '[[telegram.destinations]]\nchat = ""\nthread = 7\n\n'
        '[[telegram.destinations]]\nchat = "@og_gruppe"\nthread = 0\ncarries = "news"\n',
        encoding="utf-8",
    )
    result = ogbot(tmp_path, "check", env=clean_env())
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr
    assert "telegram.destinations[0].chat: is telegram.channel" in lines
    assert "telegram.destinations[1].carries: no source named ogb" in lines
    assert "telegram.destinations[2].chat: missing" in lines
    assert "telegram.destinations[3].thread: must be at least 1" in lines
    assert "telegram.destinations[3].carries:" in lines


def test_check_accepts_destinations(tmp_path: Path) -> None:
    (tmp_path / "ogbot.toml").write_text(
        '[telegram]\nchannel = "@ogbot_test"\n\n'
        '[[telegram.destinations]]\nchat = "@og_konsultationen"\ncarries = "consultations"\n\n'
        '[[telegram.destinations]]\nchat = "-1002222222222"\nthread = 7\n'
        'carries = "announcements"\n',
        encoding="utf-8",
    )
    result = ogbot(tmp_path, "check", env=clean_env())
    assert result.returncode == 0, result.stderr


def test_the_effective_configuration_shows_the_destinations(tmp_path: Path) -> None:
    (tmp_path / "ogbot.toml").write_text(
        '[telegram]\nchannel = "@ogbot_test"\n\n'
        '[[telegram.destinations]]\nchat = "-1002222222222"\nthread = 7\n'
        'carries = ["ogp", "netzwerk"]\n',
        encoding="utf-8",
    )
    result = ogbot(tmp_path, "check", env=clean_env())
    assert result.returncode == 0, result.stderr
    assert (
        '[[telegram.destinations]]\nchat = "-1002222222222"\nthread = 7\n'
        'carries = ["ogp", "netzwerk"]\n'
    ) in result.stdout


def test_destinations_from_the_environment_as_json(tmp_path: Path) -> None:
    routed = '[{"chat": "@og_konsultationen", "carries": "consultations"}]'
    result = ogbot(tmp_path, "check", env=clean_env(OGBOT_TELEGRAM_DESTINATIONS=routed))
    assert result.returncode == 0, result.stderr
    assert '[[telegram.destinations]]\nchat = "@og_konsultationen"\n' in result.stdout
    bad = ogbot(tmp_path, "check", env=clean_env(OGBOT_TELEGRAM_DESTINATIONS="@og"))
    assert bad.returncode == 2 and "OGBOT_TELEGRAM_DESTINATIONS: not JSON" in bad.stderr


async def test_a_destination_taken_out_of_the_config_gets_nothing_more(world, telegram):
    route(world, {"chat": CONSULTATIONS, "carries": "all"})
    telegram.remove_bot(CONSULTATIONS)
    await first_sight(world, "netzwerk")
    world.source("netzwerk", [NEWS])
    await world.poll(wait=60)
    assert world.store.run(Store.pending_count, f"to:{CONSULTATIONS}") == 1

    route(world)  # the operator removes the table and restarts
    telegram.remove_bot(CONSULTATIONS, removed=False)
    world.clock.advance(timedelta(hours=1))
    result = await world.poll(wait=60)
    assert result.drained.routed == 0 and telegram.sent(CONSULTATIONS) == []
    assert world.store.run(Store.pending_count, f"to:{CONSULTATIONS}") == 0
    assert len(telegram.sent(CHANNEL)) == 1


async def test_an_announcement_with_a_picture_reaches_the_forum_topic(world, telegram):
    """A photo announcement (``ogbot announce --photo``) goes to a topic as a photo in that
    topic, with the same caption as in the channel."""
    from ogbot.publish.feeds import save_media
    from tests.test_announcements_rich import png

    topic = telegram.add_topic(GROUP_ID)
    route(world, {"chat": str(GROUP_ID), "thread": topic, "carries": "announcements"})
    save_media(world.settings, "shell-treffen.png", png())
    async with publishing(world.settings, world.store, clock=world.clock, sleep=world.sleep) as pub:
        await pub.announce(ANNOUNCEMENT, "shell", image="shell-treffen.png")
        await pub.outbox.drain(world.clock() + timedelta(seconds=120))

    [in_channel] = telegram.sent(CHANNEL)
    [in_topic] = telegram.sent(GROUP_ID)
    assert in_channel.photo is not None and in_topic.photo is not None
    assert telegram.file_bytes(in_topic.photo) == png()
    assert in_topic.message_thread_id == topic
    assert in_topic.text == in_channel.text and "Am 10. Dezember" in in_topic.text
