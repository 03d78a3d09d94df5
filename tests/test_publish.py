"""Publishing as followers see it: cycles against the fake websites, posts in the fake Telegram
channel, feed files on disk. Time is a manual clock shared by ogbot and the fake Bot API, so a
minute of pacing costs no real minute."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from ogbot.app.cycle import run_cycle
from ogbot.app.house import publishing
from ogbot.config import Settings, build_settings
from ogbot.models import CycleReport
from ogbot.publish.outbox import DrainReport
from ogbot.publish.post import Post
from ogbot.publish.publisher import Publisher
from ogbot.publish.sender import Sender, SendError, make_bot
from ogbot.store import AsyncStore, Store
from ogbot.watch.fetch import make_client
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram, ManualClock
from tests.fakes.web import FakeWeb

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin: not quiet


@dataclass
class Story:
    title: str
    slug: str
    published: datetime
    text: str = "Ein Bericht aus dem Netzwerk."
    categories: tuple[str, ...] = ("Open Government",)


def wordpress_rss(host: str, stories: list[Story]) -> bytes:
    """A feed shaped like WordPress writes it (CDATA categories, content:encoded)."""
    items = []
    for story in stories:
        categories = "".join(f"<category><![CDATA[{c}]]></category>" for c in story.categories)
        items.append(
            f"<item><title>{story.title}</title>"
            f"<link>https://{host}/{story.slug}/</link>"
            f"<dc:creator><![CDATA[Redaktion]]></dc:creator>"
            f"<pubDate>{format_datetime(story.published)}</pubDate>{categories}"
            f'<guid isPermaLink="false">https://{host}/?p={abs(hash(story.slug)) % 99999}</guid>'
            f"<description><![CDATA[{story.text} [&#8230;]]]></description>"
            f"<content:encoded><![CDATA[<p>{story.text}</p>]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{host}</title><link>https://{host}/</link><description>x</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class World:
    """One data directory, the fake websites, the fake channel, and a manual clock."""

    def __init__(self, tmp_path: Path, web: FakeWeb, telegram: FakeTelegram, clock: ManualClock):
        self.tmp_path, self.web, self.telegram, self.clock = tmp_path, web, telegram, clock
        self.feeds: dict[str, list[Story]] = {}
        self.publish: dict[str, Any] = {"max_age": 3, "backlog": 0}
        self.telegram_section: dict[str, Any] = {
            "token": TOKEN,
            "api_url": telegram.api_url,
            "channel": CHANNEL,
        }
        self.store = AsyncStore.open(tmp_path / "data")

    def source(self, name: str, stories: list[Story]) -> None:
        self.feeds[name] = stories
        self.web.route(f"/{name}/feed/", body=wordpress_rss(f"{name}.example.org", stories))

    @property
    def settings(self) -> Settings:
        document = {
            "telegram": self.telegram_section,
            "publish": {"site_url": "https://feeds.example.org", **self.publish},
            "fetch": {"allow_private": True, "timeout": 5},
            "sources": [
                {"name": name, "url": self.web.url(f"/{name}/feed/")} for name in self.feeds
            ],
        }
        return build_settings(document, {"OGBOT_DATA_DIR": str(self.tmp_path / "data")}, Path())

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await asyncio.sleep(0)

    async def poll(self, *, wait: float = 600, request_timeout: float = 20) -> Result:
        """What `ogbot poll` does: a cycle, the feeds, then the outbox for up to ``wait``."""
        settings = self.settings
        async with (
            make_client(5, allow_private=True) as client,
            publishing(
                settings,
                self.store,
                clock=self.clock,
                sleep=self.sleep,
                request_timeout=request_timeout,
            ) as publisher,
        ):
            await publisher.outbox.recover()
            cycle = await run_cycle(settings, client, self.store, self.clock, publisher=publisher)
            await publisher.write_feeds()
            drained = await publisher.outbox.drain(self.clock() + timedelta(seconds=wait))
        return Result(cycle, drained)

    async def with_publisher(self) -> AsyncIterator[Publisher]:
        async with publishing(
            self.settings, self.store, clock=self.clock, sleep=self.sleep
        ) as publisher:
            yield publisher

    def posts(self) -> list[str]:
        return [message.text for message in self.telegram.sent(CHANNEL)]

    def feed_titles(self) -> list[str]:
        parsed = feedparser.parse((self.tmp_path / "data" / "public" / "feed.atom").read_bytes())
        return [entry.title for entry in parsed.entries]


@dataclass
class Result:
    cycle: CycleReport
    drained: DrainReport


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def telegram(clock: ManualClock) -> Iterator[FakeTelegram]:
    with FakeTelegram(clock=clock) as fake:
        fake.add_channel(CHANNEL, CHANNEL_ID)
        yield fake


@pytest.fixture
def world(tmp_path: Path, fake_web: FakeWeb, telegram: FakeTelegram, clock: ManualClock):
    world = World(tmp_path, fake_web, telegram, clock)
    yield world
    world.store.close()


def hours_ago(hours: float) -> datetime:
    return START - timedelta(hours=hours)


def stories(prefix: str, count: int, start_hours: float = 1) -> list[Story]:
    return [
        Story(f"{prefix} Meldung {n}", f"{prefix.lower()}-{n}", hours_ago(start_hours + n))
        for n in range(count)
    ]


# --- first sight, new items, duplicates -------------------------------------------------------


async def test_publish_first_sight_fills_the_feeds_but_posts_only_the_backlog(world):
    world.source("netzwerk", stories("Alt", 8))
    world.publish["backlog"] = 2
    result = await world.poll()
    assert result.cycle.new == 8
    assert len(world.feed_titles()) == 8
    # only the two newest, oldest of them first
    posts = world.posts()
    assert len(posts) == 2
    assert posts[0].startswith("Alt Meldung 1") and posts[1].startswith("Alt Meldung 0")
    assert all("@OpenGovGermany" in post for post in posts)


async def test_publish_new_items_posted_once_across_polls(world, clock):
    world.source("netzwerk", stories("Alt", 3, start_hours=5))
    await world.poll()
    assert world.posts() == []  # backlog 0: the first sight posts nothing
    clock.advance(timedelta(minutes=30))
    world.source("netzwerk", [*stories("Neu", 2), *stories("Alt", 3, start_hours=5)])
    result = await world.poll()
    assert result.drained.sent == 2
    assert [post.splitlines()[0] for post in world.posts()] == ["Neu Meldung 1", "Neu Meldung 0"]
    clock.advance(timedelta(minutes=30))
    again = await world.poll()
    assert again.drained.sent == 0
    assert len(world.posts()) == 2


async def test_publish_the_same_story_from_two_sources_is_posted_once(world, clock):
    world.source("ogp", [])
    world.source("netzwerk", [])
    await world.poll()  # first sight of both
    clock.advance(timedelta(minutes=30))
    shared = Story("Vierter Nationaler Aktionsplan verabschiedet", "nap4", hours_ago(1))
    world.source("ogp", [shared])
    # the network links the same page (with tracking parameters)
    world.web.route(
        "/netzwerk/feed/",
        body=wordpress_rss("netzwerk.example.org", [shared]).replace(
            b"https://netzwerk.example.org/nap4/", b"https://ogp.example.org/nap4/?utm_source=x"
        ),
    )
    result = await world.poll()
    assert result.cycle.new == 1
    assert len(world.posts()) == 1
    assert "ogp" in world.posts()[0]  # the first configured source wins


async def test_publish_items_older_than_max_age_never_reach_the_channel(world, clock):
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source(
        "netzwerk",
        [
            Story("Frisch", "frisch", hours_ago(2)),
            Story("Ausgegraben aus dem Archiv", "archiv", hours_ago(24 * 10)),
        ],
    )
    await world.poll()
    assert [post.splitlines()[0] for post in world.posts()] == ["Frisch"]
    assert set(world.feed_titles()) == {"Frisch", "Ausgegraben aus dem Archiv"}


async def test_publish_without_a_channel_queues_nothing_and_a_later_channel_floods_nothing(
    world, clock
):
    world.telegram_section = {"token": "", "api_url": world.telegram.api_url, "channel": ""}
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source("netzwerk", stories("Ohne Kanal", 3))
    await world.poll()
    assert len(world.feed_titles()) == 3
    # the coordinator configures Telegram: what arrived meanwhile is not posted
    world.telegram_section = {"token": TOKEN, "api_url": world.telegram.api_url, "channel": CHANNEL}
    clock.advance(timedelta(minutes=30))
    await world.poll()
    assert world.posts() == []


# --- bursts, pace, quiet hours -----------------------------------------------------------------


async def test_publish_a_burst_becomes_digests(world, clock):
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source("netzwerk", stories("Flut", 23))
    result = await world.poll()
    posts = world.posts()
    # digest_after 5, digest_size 10: 23 items in 3 digests of even size, every item linked
    assert len(posts) == 3 == result.drained.sent
    assert all("neue Beiträge" in post for post in posts)
    linked = [t for m in world.telegram.sent(CHANNEL) for t in m.entity_texts("text_link")]
    assert sum(1 for text in linked if text.startswith("Flut Meldung")) == 23
    assert result.drained.left == 0


async def test_publish_pace_never_exceeds_20_posts_a_minute(world, clock):
    world.publish.update(digest_after=100, max_age=30)
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source("netzwerk", stories("Takt", 45))
    begun = clock()
    result = await world.poll(wait=3600)
    assert result.drained.sent == 45
    times = [m.date for m in world.telegram.sent(CHANNEL)]
    assert max(sum(1 for t in times if s <= t < s + timedelta(seconds=60)) for s in times) == 20
    # the fake's own limiter (20 in 60 s per channel) never had to say 429
    assert all(call.status == 200 for call in world.telegram.calls("sendMessage"))
    assert clock() - begun >= timedelta(seconds=120)


async def test_publish_poll_waits_only_publish_wait_and_leaves_the_rest_queued(world, clock):
    world.publish.update(digest_after=100, max_age=30)
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source("netzwerk", stories("Rest", 30))
    result = await world.poll(wait=30)
    assert result.drained.sent == 20
    assert result.drained.left == 10
    assert "waiting" in result.drained.line()
    clock.advance(timedelta(minutes=5))
    later = await world.poll()
    assert later.drained.sent == 10
    assert len(world.posts()) == 30


async def test_publish_quiet_hours_posts_go_out_silently(world, clock):
    world.source("netzwerk", [])
    await world.poll()
    clock.set(datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    world.source("netzwerk", [Story("Spät am Abend", "spaet", clock() - timedelta(hours=1))])
    await world.poll()
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # 10:00
    world.source(
        "netzwerk",
        [
            Story("Am Morgen", "morgen", clock() - timedelta(hours=1)),
            Story("Spät am Abend", "spaet", datetime(2026, 11, 23, 21, 30, tzinfo=UTC)),
        ],
    )
    await world.poll()
    silent = {m.text.splitlines()[0]: m.disable_notification for m in world.telegram.sent(CHANNEL)}
    assert silent == {"Spät am Abend": True, "Am Morgen": False}


async def test_publish_channel_name_is_resolved_once(world, clock):
    world.source("netzwerk", [])
    await world.poll()
    for round_ in range(3):
        clock.advance(timedelta(minutes=30))
        world.source("netzwerk", stories(f"Runde{round_}", 1))
        await world.poll()
    assert len(world.telegram.calls("getChat")) == 1
    assert {m.chat_id for m in world.telegram.sent(CHANNEL)} == {CHANNEL_ID}


# --- exactly once, never lost -----------------------------------------------------------------


async def new_story_after_first_sight(world, clock, title="Neu und wichtig", slug="neu"):
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source("netzwerk", [Story(title, slug, hours_ago(0))])


async def test_publish_429_waits_retry_after_and_posts_once(world, clock):
    await new_story_after_first_sight(world, clock)
    world.telegram.fail_next("sendMessage", 429, retry_after=17)
    before = clock()
    result = await world.poll()
    assert result.drained.sent == 1
    assert len(world.posts()) == 1
    calls = world.telegram.calls("sendMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= timedelta(seconds=17)
    assert clock() - before >= timedelta(seconds=17)


async def test_publish_500_is_retried_and_posts_once(world, clock):
    await new_story_after_first_sight(world, clock)
    world.telegram.fail_next("sendMessage", 500)
    result = await world.poll()
    assert result.drained.sent == 1
    assert len(world.posts()) == 1


async def test_publish_telegram_unreachable_keeps_posts_queued(world, clock):
    await new_story_after_first_sight(world, clock)
    api = world.telegram_section["api_url"]
    world.telegram_section["api_url"] = f"http://127.0.0.1:{closed_port()}"
    result = await world.poll()
    # the cycle still runs and the feeds are written; the post waits
    assert result.cycle.new == 1
    assert result.drained.sent == 0 and result.drained.left == 1
    assert "Neu und wichtig" in world.feed_titles()
    world.telegram_section["api_url"] = api
    clock.advance(timedelta(minutes=30))
    again = await world.poll()
    assert again.drained.sent == 1
    assert len(world.posts()) == 1


async def test_sender_refused_connection_is_a_retry():
    settings = build_settings(
        {"telegram": {"token": TOKEN, "api_url": f"http://127.0.0.1:{closed_port()}"}}, {}, Path()
    )
    sender = Sender(make_bot(settings.telegram, timeout=2))
    with pytest.raises(SendError) as caught:
        await sender.send(str(CHANNEL_ID), Post("Hallo", None, True), silent=False)
    assert caught.value.outcome == "retry"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_publish_read_timeout_is_sent_once_more_and_never_a_third_time(world, clock):
    await new_story_after_first_sight(world, clock)
    world.telegram.slow_next("sendMessage", 3)
    result = await world.poll(request_timeout=1)
    # the post reached the channel, but ogbot could not know: the documented rule sends it once
    # more (after a pause), so nothing is lost; this is the only case a follower sees it twice
    assert result.drained.unknown == 1 and result.drained.sent == 1
    assert [post.splitlines()[0] for post in world.posts()] == ["Neu und wichtig"] * 2
    calls = world.telegram.calls("sendMessage")
    assert calls[1].at - calls[0].at >= timedelta(seconds=60)
    clock.advance(timedelta(minutes=30))
    again = await world.poll()
    assert again.drained.sent == 0
    assert len(world.posts()) == 2


async def test_publish_a_second_unknown_outcome_gives_the_post_up(world, clock):
    await new_story_after_first_sight(world, clock)
    world.telegram.slow_next("sendMessage", 3, times=2)
    result = await world.poll(request_timeout=1)
    assert result.drained.unknown == 2 and result.drained.sent == 0
    assert len(world.posts()) == 2  # both arrived; a third is never tried
    clock.advance(timedelta(minutes=30))
    await world.poll()
    assert len(world.posts()) == 2
    assert world.store.run(Store.outbox_counts).get("unknown") == 1


async def test_publish_crash_between_claim_and_record_is_sent_once_on_restart(world, clock):
    await new_story_after_first_sight(world, clock)
    settings = world.settings
    async with (
        make_client(5, allow_private=True) as client,
        publishing(settings, world.store, clock=clock) as pub,
    ):
        await run_cycle(settings, client, world.store, clock, publisher=pub)
    pending = world.store.run(Store.pending_posts, "channel", clock())
    assert len(pending) == 1
    # a process claimed it and was killed before recording what happened
    assert world.store.run(Store.claim, pending[0].id, clock())
    result = await world.poll()
    assert result.drained.sent == 1
    assert len(world.posts()) == 1
    assert world.store.run(Store.post, pending[0].id).state == "sent"


async def test_publish_a_refused_post_does_not_block_the_rest(world, clock):
    world.publish["digest_after"] = 100
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source("netzwerk", stories("Reihe", 3))
    world.telegram.fail_next("sendMessage", 400, description="Bad Request: something odd")
    result = await world.poll()
    assert result.drained.failed == 1 and result.drained.sent == 2
    assert len(world.posts()) == 2
    failed = [p for p in world.store.run(Store.outbox_counts).items() if p[0] == "failed"]
    assert failed == [("failed", 1)]


async def test_publish_channel_refusing_posts_keeps_them_queued(world, clock):
    await new_story_after_first_sight(world, clock)
    world.telegram.remove_bot(CHANNEL)
    result = await world.poll()
    assert result.drained.sent == 0 and result.drained.left == 1
    assert "refuses" in result.drained.line()


# --- edits and announcements ------------------------------------------------------------------


async def test_publish_a_changed_title_edits_the_post(world, clock):
    await new_story_after_first_sight(world, clock, "Netzwerktreffen in Berlin", "treffen")
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source(
        "netzwerk",
        [
            Story(
                "Netzwerktreffen in Berlin auf den 9. Dezember verschoben", "treffen", hours_ago(0)
            )
        ],
    )
    result = await world.poll()
    assert result.cycle.updated == 1 and result.drained.edited == 1
    messages = world.telegram.sent(CHANNEL)
    assert len(messages) == 1
    assert messages[0].edited
    assert messages[0].text.startswith("Netzwerktreffen in Berlin auf den 9. Dezember verschoben")
    assert messages[0].history[0].text.startswith("Netzwerktreffen in Berlin\n")


async def test_publish_announcement_reaches_channel_and_feeds(world, clock):
    world.source("netzwerk", [])
    await world.poll()
    async with publishing(world.settings, world.store, clock=clock, sleep=world.sleep) as pub:
        done = await pub.announce("Treffen am 10. Dezember <online> & offen für alle", "shell")
        report = await pub.outbox.drain(clock() + timedelta(seconds=60))
    assert done.queued and report.sent == 1
    post = world.posts()[0]
    assert "Treffen am 10. Dezember <online> & offen für alle" in post
    assert any("Treffen am 10. Dezember" in title for title in world.feed_titles())


async def test_publish_scheduled_announcement_goes_out_when_due(world, clock):
    world.source("netzwerk", [])
    async with publishing(world.settings, world.store, clock=clock, sleep=world.sleep) as pub:
        done = await pub.announce("Später", "shell", clock() + timedelta(hours=2))
        assert done.scheduled is not None and not done.queued
        assert await pub.publish_due() == ([], [])
        clock.advance(timedelta(hours=2, minutes=1))
        published, missed = await pub.publish_due()
        assert published == [done.id] and missed == []
        await pub.outbox.drain(clock() + timedelta(seconds=60))
    assert [post for post in world.posts() if "Später" in post]


async def test_publish_due_announcement_cancelled_a_moment_before_stays_cancelled(world, clock):
    world.source("netzwerk", [Story("Ein Bericht", "bericht", clock() - timedelta(hours=1))])
    async with publishing(world.settings, world.store, clock=clock, sleep=world.sleep) as pub:
        done = await pub.announce("Abgesagt", "shell", clock() + timedelta(hours=1))
        clock.advance(timedelta(hours=1, minutes=1))
        # the coordinator's cancel lands between publish_due's read and its write
        assert await world.store.call(
            Store.set_announcement_state, done.id, "cancelled", None, "scheduled"
        )
        assert await pub.publish_announcement(done.id) is None
        assert await pub.publish_due() == ([], [])
        await pub.outbox.drain(clock() + timedelta(seconds=60))
    stored = await world.store.call(Store.announcement, done.id)
    assert stored is not None and stored.state == "cancelled"
    assert world.posts() == []
    await world.poll()  # the feeds, written after a cycle, do not have it either
    assert world.feed_titles() == ["Ein Bericht"]


async def test_publish_announcement_missed_by_more_than_a_day_is_not_sent(world, clock):
    async with publishing(world.settings, world.store, clock=clock, sleep=world.sleep) as pub:
        done = await pub.announce("Verpasst", "shell", clock() + timedelta(hours=1))
        clock.advance(timedelta(days=2))
        published, missed = await pub.publish_due()
    assert published == [] and [a.id for a in missed] == [done.id]
    assert world.posts() == []


async def test_publish_hostile_titles_reach_the_channel_as_valid_posts(world, clock):
    world.publish["digest_after"] = 100
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    hostile = [
        Story(
            "AT&amp;T &amp; Co. &lt;b&gt;fett&lt;/b&gt; &amp;amp; &#60;script&#62;",
            "a",
            hours_ago(1),
        ),
        Story("🇩🇪🏛️ Emoji " + "👩‍👩‍👧‍👦" * 300, "b", hours_ago(2)),
        Story("Lang " + "Transparenz " * 900, "c", hours_ago(3), text="Wort " * 3000),
        Story("Entitäten &#8222;Zitat&#8220; &#8211; &#160;NBSP", "d", hours_ago(4)),
        Story("#Hash @mention /command https://example.org " * 40, "e", hours_ago(5)),
    ]
    world.source("netzwerk", hostile)
    result = await world.poll()
    # the fake refuses what Telegram would refuse: every post went through
    assert result.drained.sent == 5 and result.drained.failed == 0
    assert all(call.status == 200 for call in world.telegram.calls("sendMessage"))
    posts = world.posts()
    # feedparser reads this RSS title as plain text (it names a tag HTML feeds never carry,
    # <script>): the channel shows it as written, escaped, never as markup
    assert any(post.startswith("AT&T & Co. <b>fett</b> &amp; <script>") for post in posts), [
        p[:80] for p in posts
    ]
    assert not any("<script" in m.html or "<b>fett" in m.html for m in world.telegram.sent(CHANNEL))
    assert all("@OpenGovGermany" in post for post in posts)


# --- subscribers and reminders ----------------------------------------------------------------


async def test_publish_subscribers_get_what_they_chose_privately(world, clock):
    for user in (501, 502, 503):
        world.telegram.add_user(user)
    world.store.run(Store.subscribe, 501, True, True, "de", clock())
    world.store.run(Store.subscribe, 502, False, True, "en", clock())  # consultations only
    world.store.run(Store.subscribe, 503, True, False, "de", clock())
    world.telegram.block(503)  # has blocked the bot since subscribing
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source(
        "netzwerk",
        [
            Story("Netzwerktreffen im Dezember", "treffen", hours_ago(1)),
            Story(
                "Entwurf des Aktionsplans: Kommentieren Sie bis zum 15. Dezember 2026",
                "entwurf",
                hours_ago(2),
                text="Die Konsultation läuft. Stellungnahmen bis zum 15. Dezember 2026.",
            ),
        ],
    )
    result = await world.poll()
    assert result.drained.sent == 2 and result.drained.private == 3
    first = [m.text.splitlines()[0] for m in world.telegram.sent(501)]
    assert len(first) == 2
    second = world.telegram.sent(502)
    assert len(second) == 1 and "Konsultation" in second[0].text
    # the user who blocked the bot is unsubscribed, not retried forever
    assert world.store.run(Store.subscriber, 503) is None
    # 2 to the channel, 3 private, 1 refused (its second post is dropped with the subscription)
    assert len(world.telegram.calls("sendMessage")) == 6


async def test_publish_a_consultation_reminder_goes_out_once(world, clock):
    world.telegram.add_user(601)
    world.store.run(Store.subscribe, 601, False, True, "de", clock())
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source(
        "netzwerk",
        [
            Story(
                "Konsultation zum Open-Data-Gesetz",
                "odg",
                hours_ago(1),
                text="Stellungnahmen können bis zum 25. November 2026 eingereicht werden.",
            )
        ],
    )
    await world.poll()
    before = len(world.posts())
    async with publishing(world.settings, world.store, clock=clock, sleep=world.sleep) as pub:
        today = clock().date()
        assert await pub.outbox.enqueue_reminders(today) == 2
        assert await pub.outbox.enqueue_reminders(today) == 0
        await pub.outbox.drain(clock() + timedelta(minutes=5))
    reminders = world.posts()[before:]
    assert len(reminders) == 1
    assert "25. November 2026" in reminders[0]
    assert sum("25. November 2026" in m.text for m in world.telegram.sent(601)) == 2


async def test_publish_fanout_reaches_every_subscriber_once_at_telegrams_pace(world, clock):
    # a network with hundreds of private subscribers: two new stories reach each of them once,
    # the channel first, one message a second per chat, 30 a second overall, and no 429
    subscribers = range(700_001, 700_301)
    for user in subscribers:
        world.telegram.add_user(user)
        world.store.run(Store.subscribe, user, True, True, "de", clock())
    world.source("netzwerk", [])
    await world.poll()
    clock.advance(timedelta(minutes=30))
    world.source(
        "netzwerk",
        [
            Story("Netzwerktreffen im Dezember", "treffen", hours_ago(2)),
            Story("Neuer Leitfaden für offene Verwaltungsdaten", "leitfaden", hours_ago(1)),
        ],
    )
    begun = clock()
    result = await world.poll(wait=600)
    assert result.drained.sent == 2 and result.drained.private == 600
    assert result.drained.left == 0
    calls = world.telegram.calls("sendMessage")
    assert all(call.status == 200 for call in calls)
    assert [call.params["chat_id"] for call in calls[:2]] == [CHANNEL_ID, CHANNEL_ID]
    for user in subscribers:
        messages = world.telegram.sent(user)
        assert [m.text.splitlines()[0] for m in messages] == [
            "Netzwerktreffen im Dezember",
            "Neuer Leitfaden für offene Verwaltungsdaten",
        ]
        assert messages[1].date - messages[0].date >= timedelta(seconds=1)
    times = sorted(call.at for call in calls)
    assert max(sum(1 for t in times if s <= t < s + timedelta(seconds=1)) for s in times) <= 30
    # Telegram's floor is 602 messages / 30 a second; the outbox stays within a tenth of it
    assert clock() - begun <= timedelta(seconds=1.1 * 602 / 30)
