"""Review before posting (``[[sources]] review = true``) as coordinators use it: the watch cycle
reads a WordPress feed from the fake websites, the real Application polls the fake Bot API, the
previews arrive in the coordinators' private chats and the posts in the fake channel. Time is a
manual clock shared by ogbot and the fake, so hours of waiting cost nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import feedparser
import pytest

from ogbot.app.coordination import Coordination
from ogbot.app.cycle import run_cycle
from ogbot.app.house import publishing
from ogbot.app.people import People
from ogbot.bot.coordinator_views import REFUSAL
from ogbot.bot.services import BotServices
from ogbot.bot.wiring import build_application
from ogbot.config import Settings, build_settings
from ogbot.knowledge.answer import Answerer
from ogbot.publish.publisher import Publisher
from ogbot.store import AsyncStore, Store
from ogbot.watch.fetch import make_client
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram, ManualClock, SentMessage
from tests.fakes.web import FakeWeb
from tests.shell import clean_env, ogbot
from tests.test_publish import Story, wordpress_rss

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin: not quiet
ADA, BEN = 1001, 1002  # the coordinators: Ada's Telegram is German, Ben's English
STRANGER, FOLLOWER = 2002, 3003
HOST = "netzwerk.example.org"
WAIT_STEPS = 1500  # x 0.02 s: a generous bound for a reply, never an assertion about speed
OLD = Story("Rückblick: Netzwerktreffen im Oktober", "rueckblick", START - timedelta(days=20))
NEW = Story(
    "Entwurf des 5. Nationalen Aktionsplans: Kommentierung bis 12. Januar",
    "nap5-entwurf",
    START - timedelta(hours=1),
    text="Der Entwurf liegt vor. Kommentare sind bis zum 12. Januar 2027 möglich.",
    categories=("Aktionsplan", "Beteiligung"),
)
NEXT = Story(
    "Einladung: Open-Government-Tag in Köln", "og-tag-koeln", START - timedelta(minutes=30)
)

T = TypeVar("T")


class Desk:
    """ogbot as `ogbot run` wires it (cycle, publisher, bot) on one store, driven from outside."""

    def __init__(
        self, tmp_path: Path, web: FakeWeb, telegram: FakeTelegram, clock: ManualClock
    ) -> None:
        self.tmp_path, self.web, self.telegram, self.clock = tmp_path, web, telegram, clock
        self.source: dict[str, Any] = {"review": True}
        self.publish: dict[str, Any] = {}
        self.store = AsyncStore.open(tmp_path / "data")
        self._stack = contextlib.AsyncExitStack()
        self.app: Any = None

    @property
    def settings(self) -> Settings:
        document = {
            "telegram": {
                "token": TOKEN,
                "api_url": self.telegram.api_url,
                "channel": CHANNEL,
                "coordinators": [ADA, BEN],
            },
            "publish": {
                "site_url": "https://feeds.example.org",
                "backlog": 0,
                "quiet_hours": "",
                **self.publish,
            },
            "fetch": {"allow_private": True, "timeout": 5},
            "sources": [
                {"name": "netzwerk", "url": self.web.url("/netzwerk/feed/"), **self.source},
            ],
        }
        return build_settings(document, {"OGBOT_DATA_DIR": str(self.tmp_path / "data")}, Path())

    def feed_has(self, *stories: Story) -> None:
        self.web.route("/netzwerk/feed/", body=wordpress_rss(HOST, list(stories)))

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await asyncio.sleep(0)

    async def start(self) -> None:
        settings = self.settings
        self.publisher: Publisher = await self._stack.enter_async_context(
            publishing(settings, self.store, clock=self.clock, sleep=self.sleep)
        )
        self.client = await self._stack.enter_async_context(make_client(5, allow_private=True))
        answerer = Answerer.load()
        services = BotServices(
            settings,
            answerer,
            People(self.store, answerer, clock=self.clock, tz=settings.publish.tz),
            Coordination(self.store, self.publisher, clock=self.clock),
            self.clock,
        )
        # the one Bot of the process, as in `ogbot run`: replies and posts share its send budget
        assert self.publisher.outbox.sender is not None
        self.app = build_application(services, self.publisher.outbox.sender.bot)
        await self.app.initialize()
        await self.app.updater.start_polling(poll_interval=0, timeout=1)
        await self.app.start()

    async def stop(self) -> None:
        if self.app is not None:
            if self.app.updater.running:
                await self.app.updater.stop()
            await self.app.stop()
            await self.app.shutdown()
            self.app = None
        await self._stack.aclose()

    async def restart(self) -> None:
        """A new process on the same data directory: what survives is what the store keeps."""
        await self.stop()
        self._stack = contextlib.AsyncExitStack()
        await self.start()

    async def cycle(self) -> None:
        """The watch cycle (fetch, store, feeds, previews), then the outbox, as `ogbot run`."""
        await run_cycle(
            self.settings, self.client, self.store, self.clock, publisher=self.publisher
        )
        await self.drain()

    async def drain(self) -> None:
        await self.publisher.outbox.drain(self.clock() + timedelta(minutes=10))

    async def until(self, check: Callable[[], T | None], what: str) -> T:
        for _ in range(WAIT_STEPS):
            result = check()
            if result:
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"the bot never did this: {what}")

    async def say(self, user: int, text: str, **kwargs: Any) -> SentMessage:
        """The user writes; returns the bot's first new message in their chat."""
        before = len(self.telegram.sent(user))
        self.telegram.push_message(user, text, **kwargs)
        return await self.until(
            lambda: next(iter(self.telegram.sent(user)[before:]), None), f"a reply to {text!r}"
        )

    async def press(self, user: int, message: SentMessage, label: str, **kwargs: Any) -> str:
        """The user presses the button ``label`` of ``message``; the bot's answer."""
        data = next(b["callback_data"] for b in message.buttons() if b["text"] == label)
        query = self.telegram.push_callback(user, message.message_id, data, **kwargs)
        query_id = query["callback_query"]["id"]
        answer = await self.until(
            lambda: self.telegram.callback_answer(query_id), f"the answer to {label}"
        )
        return str(answer.get("text") or "")

    def previews(self, user: int) -> list[SentMessage]:
        """The item previews in the coordinator's chat (the bot's messages with a link)."""
        return [m for m in self.telegram.sent(user) if m.entity_texts("text_link")]

    def preview(self, user: int) -> SentMessage:
        previews = self.previews(user)
        assert len(previews) == 1, [p.text for p in previews]
        return self.telegram.message(user, previews[0].message_id)  # as it stands now

    def channel(self) -> list[str]:
        return [message.text for message in self.telegram.sent(CHANNEL)]

    def follower(self) -> list[str]:
        return [message.text for message in self.telegram.sent(FOLLOWER)]

    def feed_titles(self) -> list[str]:
        feed = feedparser.parse((self.tmp_path / "data" / "public" / "feed.atom").read_bytes())
        return [entry.title for entry in feed.entries]

    async def actions(self) -> list[tuple[int | None, str, str]]:
        return [(actor, action, detail) for _, actor, action, detail in await self.actions_at()]

    async def actions_at(self) -> list[tuple[datetime, int | None, str, str]]:
        return list(reversed(await self.store.call(Store.actions)))

    async def new_item_under_review(self) -> int:
        """First sight of the feed (nothing posted), then a new story: under review."""
        self.feed_has(OLD)
        await self.cycle()
        self.clock.advance(timedelta(minutes=30))
        self.feed_has(NEW, OLD)
        await self.cycle()
        pending = await self.store.call(Store.reviews, "pending")
        assert len(pending) == 1
        return pending[0].item_id


@pytest.fixture
async def desk(tmp_path: Path, fake_web: FakeWeb) -> AsyncIterator[Desk]:
    clock = ManualClock(START)
    telegram = FakeTelegram(clock=clock).start()
    telegram.add_channel(CHANNEL, CHANNEL_ID, title="ogbot test channel")
    telegram.add_user(ADA, first_name="Ada", language_code="de")
    telegram.add_user(BEN, first_name="Ben", language_code="en")
    telegram.add_user(FOLLOWER, first_name="Fiona", language_code="de")
    desk = Desk(tmp_path, fake_web, telegram, clock)
    await desk.store.call(Store.subscribe, FOLLOWER, True, True, "de", START)
    try:
        yield desk
    finally:
        await desk.stop()
        desk.store.close()
        telegram.stop()


async def started(desk: Desk) -> Desk:
    """Started, and Ben has written to the bot once (so it knows his client is English)."""
    await desk.start()
    await desk.say(BEN, "/start", language_code="en")
    return desk


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for button in message.buttons()]


# --- Posten ---------------------------------------------------------------------------------


async def test_review_an_item_reaches_the_channel_only_after_posten(desk: Desk) -> None:
    await started(desk)
    item_id = await desk.new_item_under_review()

    # nothing went out: not to the channel, not to the subscriber
    assert desk.channel() == []
    assert desk.follower() == []
    # each coordinator has the post, with buttons in the language of their client
    ada, ben = desk.preview(ADA), desk.preview(BEN)
    assert NEW.title in ada.text and "@OpenGovGermany" in ada.text
    assert ben.text == ada.text
    assert labels(ada) == ["Posten", "Überspringen", "Titel ändern"]
    assert labels(ben) == ["Post", "Skip", "Edit title"]
    # an undecided item is in the feeds (publish.feeds_follow_review is off)
    assert NEW.title in desk.feed_titles()

    answer = await desk.press(ADA, ada, "Posten")
    assert answer == "✅ Gepostet von Ada"
    await desk.drain()

    # the channel gets exactly the post the coordinators saw; the subscriber gets it too
    assert desk.channel() == [ada.text]
    assert len(desk.follower()) == 1 and NEW.title in desk.follower()[0]
    # both previews now say who decided and what, in each one's language
    assert labels(desk.preview(ADA)) == ["✅ Gepostet von Ada"]
    assert labels(desk.preview(BEN)) == ["✅ Posted by Ada"]
    assert await desk.actions() == [(ADA, "review_post", f"item {item_id}")]


async def test_review_the_first_decision_is_final(desk: Desk) -> None:
    await started(desk)
    await desk.new_item_under_review()
    ben_before = desk.preview(BEN)

    await desk.press(ADA, desk.preview(ADA), "Posten")
    # Ben's preview was edited already; a press on an old copy of it changes nothing
    answer = await desk.press(BEN, ben_before, "Skip", check_button=False)
    await desk.drain()

    assert answer == "✅ Posted by Ada"
    assert len(desk.channel()) == 1
    assert [action for _, action, _ in await desk.actions()] == ["review_post"]


async def test_review_a_strangers_press_changes_nothing(desk: Desk) -> None:
    await started(desk)
    item_id = await desk.new_item_under_review()
    preview = desk.preview(ADA)

    answer = await desk.press(STRANGER, preview, "Posten", chat=ADA)
    await desk.drain()

    assert answer == REFUSAL["de"]
    assert desk.channel() == []
    review = await desk.store.call(Store.review, item_id)
    assert review is not None and review.state == "pending"
    assert labels(desk.preview(ADA)) == ["Posten", "Überspringen", "Titel ändern"]
    assert await desk.actions() == []


async def test_review_posten_after_max_age_says_it_is_too_old_for_the_channel(
    desk: Desk,
) -> None:
    await started(desk)
    await desk.new_item_under_review()
    desk.clock.advance(timedelta(days=3))  # publish.max_age: 3 days

    answer = await desk.press(ADA, desk.preview(ADA), "Posten")
    await desk.drain()

    assert answer == "✅ Gepostet von Ada – aber zu alt für den Kanal (publish.max_age)"
    assert desk.channel() == []
    assert desk.follower() == []


# --- Überspringen ---------------------------------------------------------------------------


async def test_review_ueberspringen_keeps_it_from_channel_and_subscribers(desk: Desk) -> None:
    await started(desk)
    item_id = await desk.new_item_under_review()

    answer = await desk.press(BEN, desk.preview(BEN), "Skip")
    await desk.drain()
    desk.clock.advance(timedelta(hours=1))
    await desk.cycle()  # later cycles do not post it either

    assert answer == "⏭ Skipped by Ben"
    assert desk.channel() == []
    assert desk.follower() == []
    assert labels(desk.preview(ADA)) == ["⏭ Übersprungen von Ben"]
    assert NEW.title in desk.feed_titles()  # the feeds do not follow the review by default
    assert await desk.actions() == [(BEN, "review_skip", f"item {item_id}")]


async def test_review_feeds_follow_review_keeps_skipped_items_out_of_the_feeds(
    desk: Desk,
) -> None:
    desk.publish["feeds_follow_review"] = True
    await started(desk)
    await desk.new_item_under_review()
    assert NEW.title not in desk.feed_titles()  # not before a coordinator posts it
    assert OLD.title in desk.feed_titles()  # the first sight is not reviewed
    desk.clock.advance(timedelta(minutes=30))
    desk.feed_has(NEXT, NEW, OLD)
    await desk.cycle()

    await desk.press(ADA, desk.previews(ADA)[0], "Überspringen")
    await desk.press(ADA, desk.previews(ADA)[1], "Posten")
    await desk.drain()

    assert NEW.title not in desk.feed_titles()
    assert NEXT.title in desk.feed_titles()
    assert len(desk.channel()) == 1 and NEXT.title in desk.channel()[0]


# --- the title ------------------------------------------------------------------------------


async def test_review_a_corrected_title_shows_in_the_channel_post(desk: Desk) -> None:
    await started(desk)
    item_id = await desk.new_item_under_review()
    first = desk.preview(ADA)

    await desk.press(ADA, first, "Titel ändern")
    ask = await desk.until(
        lambda: next((m for m in desk.telegram.sent(ADA) if "neuen Titel" in m.text), None),
        "the question for the title",
    )
    assert "abbrechen" in ask.text
    again = await desk.say(ADA, "Fünfter Nationaler Aktionsplan: Entwurf zur Kommentierung")

    # a new preview with the new title; the first one lost its buttons
    assert "Fünfter Nationaler Aktionsplan: Entwurf zur Kommentierung" in again.text
    assert NEW.title not in again.text
    assert labels(again) == ["Posten", "Überspringen", "Titel ändern"]
    await desk.until(
        lambda: not labels(desk.telegram.message(ADA, first.message_id)),
        "the first preview's buttons gone",
    )
    await desk.press(ADA, again, "Posten")
    await desk.drain()
    desk.clock.advance(timedelta(minutes=30))
    await desk.cycle()  # the source still says the old title: the correction stands

    assert len(desk.channel()) == 1
    assert desk.channel()[0] == again.text
    assert "Fünfter Nationaler Aktionsplan: Entwurf zur Kommentierung" in desk.feed_titles()
    assert NEW.title not in desk.feed_titles()
    assert [(a, d) for _, a, d in await desk.actions()] == [
        ("review_title", f"item {item_id}"),
        ("review_post", f"item {item_id}"),
    ]


# --- the timeout ----------------------------------------------------------------------------


async def test_review_timeout_drops_an_undecided_item_by_default(desk: Desk) -> None:
    desk.source["review_timeout"] = 6
    await started(desk)
    item_id = await desk.new_item_under_review()

    desk.clock.advance(timedelta(hours=5))
    await desk.publisher.publish_due()  # every minute in ogbot run
    assert (await desk.store.call(Store.review, item_id)).state == "pending"  # type: ignore[union-attr]
    desk.clock.advance(timedelta(hours=1, minutes=1))
    await desk.publisher.publish_due()
    await desk.drain()

    assert desk.channel() == []
    assert labels(desk.preview(ADA)) == ["⏭ Übersprungen (Zeitablauf)"]
    assert labels(desk.preview(BEN)) == ["⏭ Skipped (timeout)"]
    assert await desk.actions() == [(None, "review_skip", f"item {item_id} by timeout")]


async def test_review_timeout_may_post_instead(desk: Desk) -> None:
    desk.source["review_timeout"] = 2
    desk.source["review_timeout_action"] = "post"
    await started(desk)
    await desk.new_item_under_review()

    desk.clock.advance(timedelta(hours=3))
    await desk.cycle()

    assert len(desk.channel()) == 1 and NEW.title in desk.channel()[0]
    assert labels(desk.preview(ADA)) == ["✅ Gepostet (Zeitablauf)"]


# --- restarts -------------------------------------------------------------------------------


async def test_review_survives_a_restart_and_sends_no_preview_twice(desk: Desk) -> None:
    await started(desk)
    await desk.new_item_under_review()

    await desk.restart()
    desk.clock.advance(timedelta(minutes=30))
    await desk.cycle()
    await desk.publisher.publish_due()

    assert len(desk.previews(ADA)) == 1 and len(desk.previews(BEN)) == 1
    await desk.press(ADA, desk.preview(ADA), "Posten")  # the old preview's buttons still work
    await desk.drain()
    assert len(desk.channel()) == 1


async def test_review_a_preview_whose_send_got_no_answer_goes_once_more(desk: Desk) -> None:
    """The outbox's rule for a send whose outcome is unknown: once more, never a third time."""
    await started(desk)
    desk.feed_has(OLD)
    await desk.cycle()
    desk.clock.advance(timedelta(minutes=30))
    desk.feed_has(NEW, OLD)
    # Ada's preview: the connection is cut twice; Ben's: once
    desk.telegram.drop_next("sendMessage", times=3)

    await desk.cycle()
    for _ in range(3):
        desk.clock.advance(timedelta(minutes=2))
        await desk.publisher.publish_due()

    item_id = (await desk.store.call(Store.reviews, "pending"))[0].item_id
    states = {p.coordinator: p.state for p in await desk.store.call(Store.previews_of, item_id)}
    assert states == {ADA: "unknown", BEN: "sent"}
    assert desk.previews(ADA) == []  # the fake delivered none of the cut-off sends
    assert len(desk.previews(BEN)) == 1
    sends = [
        r for r in desk.telegram.calls("sendMessage") if r.params.get("chat_id") in (ADA, str(ADA))
    ]
    assert len(sends) == 2


async def test_review_a_preview_cut_off_by_a_stop_goes_once_more_after_the_restart(
    desk: Desk,
) -> None:
    await started(desk)
    desk.feed_has(OLD)
    await desk.cycle()
    desk.clock.advance(timedelta(minutes=30))
    desk.feed_has(NEW, OLD)
    desk.telegram.slow_next("sendMessage", 3)  # Ada's preview arrives, the answer is late

    cycle = asyncio.create_task(desk.cycle())
    await desk.until(lambda: desk.previews(ADA), "Ada's preview delivered")
    cycle.cancel()  # ogbot stops before it hears back
    with contextlib.suppress(asyncio.CancelledError):
        await cycle
    await desk.restart()
    desk.clock.advance(timedelta(minutes=2))
    await desk.publisher.publish_due()
    desk.clock.advance(timedelta(minutes=2))
    await desk.publisher.publish_due()

    # the one whose outcome was unknown is sent once more (the outbox's rule), the rest once
    assert len(desk.previews(ADA)) == 2
    assert len(desk.previews(BEN)) == 1


# --- ogbot review -----------------------------------------------------------------------------


def test_review_from_the_shell(tmp_path: Path, fake_web: FakeWeb) -> None:
    with FakeTelegram() as telegram:
        telegram.add_channel(CHANNEL, CHANNEL_ID)
        telegram.add_user(ADA, first_name="Ada", language_code="de")
        url = fake_web.fixture("/feed/", "netzwerk.rss")
        config = tmp_path / "ogbot.toml"
        config.write_text(
            f'[[sources]]\nname = "netzwerk"\nurl = "{url}"\nreview = true\n', encoding="utf-8"
        )
        env = clean_env(
            OGBOT_DATA_DIR=str(tmp_path / "data"),
            OGBOT_FETCH_ALLOW_PRIVATE="true",
            OGBOT_TELEGRAM_TOKEN=TOKEN,
            OGBOT_TELEGRAM_API_URL=telegram.api_url,
            OGBOT_TELEGRAM_CHANNEL=CHANNEL,
            OGBOT_TELEGRAM_COORDINATORS=str(ADA),
            OGBOT_PUBLISH_QUIET_HOURS="",
            OGBOT_PUBLISH_BACKLOG="2",
            OGBOT_PUBLISH_MAX_AGE="36500",  # the fixture's dates stay postable for years
        )

        def run(*args: str) -> Any:
            return ogbot(tmp_path, *args, "--config", str(config), env=env)

        polled = run("poll")
        assert polled.returncode == 0, polled.stderr
        assert telegram.sent(CHANNEL) == []  # the backlog of two waits for a review
        assert len(telegram.sent(ADA)) == 2

        listed = run("review")
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.startswith("2 items wait for a review")
        lines = listed.stdout.splitlines()[1:]
        ids = [int(line.split()[0]) for line in lines if line[:1].isdigit()]
        assert len(ids) == 2

        posted = run("review", "post", str(ids[0]))
        assert posted.returncode == 0, posted.stderr
        assert f"item {ids[0]} posted" in posted.stdout
        assert "channel: 1 sent" in posted.stdout
        skipped = run("review", "skip", str(ids[1]))
        assert skipped.returncode == 0, skipped.stderr
        again = run("review", "skip", str(ids[0]))
        assert again.returncode == 2
        assert "posted already (by shell)" in again.stderr

        assert len(telegram.sent(CHANNEL)) == 1
        assert run("review").stdout == "no items wait for a review\n"
        decided = sorted(
            (m.buttons()[0]["text"] for m in telegram.sent(ADA)),
            key=lambda text: text.startswith("⏭"),
        )
        assert decided == ["✅ Gepostet (Shell)", "⏭ Übersprungen (Shell)"]

    store = Store.open(tmp_path / "data")
    try:
        actions = [(actor, action, detail) for _, actor, action, detail in store.actions()]
    finally:
        store.close()
    assert (None, "review_post", f"item {ids[0]} by shell") in actions
    assert (None, "review_skip", f"item {ids[1]} by shell") in actions
