"""The coordinator's commands, in-process: the real Application polls the fake Bot API, the store
is real SQLite in tmp_path, the publisher writes real feed files and its outbox posts to the fake
channel. Time is a manual clock shared by ogbot and the fake, so 48 hours cost nothing."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from ogbot.app.coordination import Coordination
from ogbot.app.house import publishing
from ogbot.app.people import People
from ogbot.bot import coordinator, notices
from ogbot.bot.coordinator import parse_post_link, tell_coordinators
from ogbot.bot.coordinator_views import REFUSAL, sources_html
from ogbot.bot.flood import FLOOD_LIMIT
from ogbot.bot.services import BotServices
from ogbot.bot.texts import TEXTS
from ogbot.bot.wiring import build_application
from ogbot.config import Settings, SourceSettings, build_settings
from ogbot.knowledge.answer import Answerer
from ogbot.models import SourceState, StoredAnnouncement, Validators
from ogbot.publish.post import PostTooLong, announcement_post
from ogbot.publish.publisher import Publisher
from ogbot.store import AsyncStore, Store
from ogbot.text import utf16_len
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram, ManualClock, SentMessage

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
COORDINATOR = 1001
SECOND_COORDINATOR = 1002
STRANGER = 2002
WAIT_STEPS = 1500  # x 0.02 s: a generous bound for a reply, never an assertion about speed

T = TypeVar("T")


class Harness:
    """The bot as `ogbot run` wires it, driven through the fake Bot API."""

    def __init__(
        self,
        tmp_path: Path,
        telegram: FakeTelegram,
        clock: ManualClock,
        settings: Settings,
        store: AsyncStore,
        publisher: Publisher,
    ) -> None:
        self.tmp_path, self.telegram, self.clock = tmp_path, telegram, clock
        self.settings, self.store, self.publisher = settings, store, publisher
        self.woken = 0
        answerer = Answerer.load()
        self.services = BotServices(
            settings,
            answerer,
            People(store, answerer, clock=clock, tz=settings.publish.tz),
            Coordination(store, publisher, clock=clock, wake_outbox=self._wake),
            clock,
        )
        self.app: Application | None = None  # type: ignore[type-arg]

    def _wake(self) -> None:
        self.woken += 1

    async def start(self) -> None:
        # the one Bot of the process, as in `ogbot run`: replies and posts share its send budget
        assert self.publisher.outbox.sender is not None
        self.app = build_application(self.services, self.publisher.outbox.sender.bot)
        await self.app.initialize()
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0, timeout=1)
        await self.app.start()

    async def stop(self) -> None:
        if self.app is None:
            return
        assert self.app.updater is not None
        if self.app.updater.running:
            await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        self.app = None

    async def restart(self) -> None:
        """A new Application on the same store: what survives is what the store keeps."""
        await self.stop()
        await self.start()

    async def until(self, check: Callable[[], T | None], what: str) -> T:
        for _ in range(WAIT_STEPS):
            result = check()
            if result:
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"the bot never did this: {what}")

    async def say(
        self, user: int, text: str, *, containing: str = "", **kwargs: Any
    ) -> SentMessage:
        """The user writes; returns the bot's first new message to that chat (with `containing`
        in it, when given)."""
        chat = kwargs.get("chat_id") or user
        try:
            before = len(self.telegram.sent(chat))
        except KeyError:  # a chat the fake meets with this message
            before = 0
        self.telegram.push_message(user, text, **kwargs)
        return await self.reply_in(chat, before, containing)

    async def reply_in(self, chat: int, before: int, containing: str = "") -> SentMessage:
        def found() -> SentMessage | None:
            new = self.telegram.sent(chat)[before:]
            return next((m for m in new if containing in m.text), None)

        return await self.until(found, f"reply in {chat} containing {containing!r}")

    async def press(self, user: int, message_id: int, data: str, **kwargs: Any) -> dict[str, Any]:
        """The user presses a button; returns the answer once the bot gave it (its last act)."""
        query = self.telegram.push_callback(user, message_id, data, **kwargs)["callback_query"]
        return await self.until(
            lambda: self.telegram.callback_answer(query["id"]), f"answer to {data}"
        )

    async def announce(self, text: str) -> SentMessage:
        """/announce from the coordinator; returns the preview."""
        return await self.say(COORDINATOR, f"/announce {text}", containing="Ankündigung")

    async def drain(self) -> None:
        await self.publisher.outbox.drain(self.clock() + timedelta(minutes=10))

    def channel(self) -> list[SentMessage]:
        return self.telegram.sent(CHANNEL)

    def feed(self) -> str:
        return (self.settings.data_dir / "public" / "feed.atom").read_text(encoding="utf-8")

    async def actions(self) -> list[tuple[datetime, int | None, str, str]]:
        return await self.store.call(Store.actions)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    clock = ManualClock(START)
    telegram = FakeTelegram(clock=clock).start()
    telegram.add_channel(CHANNEL, CHANNEL_ID, title="ogbot test channel")
    telegram.add_user(COORDINATOR, first_name="Ada", language_code="de")
    settings = build_settings(
        {
            "telegram": {
                "token": TOKEN,
                "api_url": telegram.api_url,
                "channel": CHANNEL,
                "coordinators": [COORDINATOR, SECOND_COORDINATOR],
            },
            "publish": {"site_url": "https://feeds.example.org"},
            "sources": [
                {"name": "ogp", "url": "https://www.opengovpartnership.org/feed/"},
                {"name": "netzwerk", "url": "https://opengovpartnership.de/feed/"},
            ],
        },
        {"OGBOT_DATA_DIR": str(tmp_path / "data")},
        tmp_path,
    )
    store = AsyncStore.open(settings.data_dir)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    try:
        async with publishing(settings, store, clock=clock, sleep=sleep) as publisher:
            harness = Harness(tmp_path, telegram, clock, settings, store, publisher)
            await harness.start()
            try:
                yield harness
            finally:
                await harness.stop()
    finally:
        store.close()
        telegram.stop()


def refusals(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        dict(record.fields)  # type: ignore[attr-defined]
        for record in caplog.records
        if record.getMessage() == "coordinator_refused"
    ]


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["/announce Geheimer Text", "/scheduled", "/delete", "/sources", "/pause ogp"]
)
async def test_coordinator_command_from_a_stranger_is_refused_and_logged(
    bot: Harness, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    caplog.set_level(logging.INFO)
    reply = await bot.say(STRANGER, command)

    assert reply.text == REFUSAL["de"]
    name = command.split()[0].removeprefix("/")
    assert refusals(caplog) == [{"user": STRANGER, "command": name}]
    assert "Geheimer" not in caplog.text  # user ids are logged, message text never
    assert await bot.store.call(Store.draft, 1) is None
    assert await bot.actions() == []
    assert [s.paused for s in await bot.store.call(Store.sources)] == []


async def test_coordinator_refusal_follows_the_client_language(bot: Harness) -> None:
    reply = await bot.say(STRANGER, "/announce Hello", language_code="en")

    assert reply.text == REFUSAL["en"]


async def test_coordinator_command_in_a_group_is_not_run(bot: Harness) -> None:
    reply = await bot.say(COORDINATOR, "/pause ogp", chat_type="group", chat_id=-4242)

    assert "privaten Chat" in reply.text
    assert all(not state.paused for state in await bot.store.call(Store.sources))


async def test_coordinator_handlers_keep_what_they_handle_from_other_handlers(
    bot: Harness,
) -> None:
    """A handler in a later group (as the conversation's are) sees none of the coordinator's
    updates, a refused one included; a coordinator's ordinary question passes on. The updates
    are handed over one by one, each handled to the end, to an Application with only the
    coordinator's handlers and a probe after them."""
    await bot.stop()  # nothing polls: only this test hands updates over
    assert bot.publisher.outbox.sender is not None  # the process's Bot and its send budget
    app = ApplicationBuilder().bot(bot.publisher.outbox.sender.bot).job_queue(None).build()
    coordinator.register(app, bot.services)
    seen: list[int] = []

    async def later(update: Update, context: object) -> None:
        seen.append(update.update_id)

    app.add_handler(TypeHandler(Update, later), group=0)
    await app.initialize()

    async def process(raw: dict[str, Any]) -> int:
        update = Update.de_json(raw, app.bot)
        await app.process_update(update)
        return update.update_id

    await process(bot.telegram.push_message(STRANGER, "/announce Hallo"))
    command = bot.telegram.push_message(COORDINATOR, "/announce Hallo")
    await process(command)
    preview = bot.telegram.sent(COORDINATOR)[-1]
    await process(bot.telegram.push_callback(COORDINATOR, preview.message_id, "ann:plan:1"))
    await process(bot.telegram.push_message(COORDINATOR, "morgen 9:00"))
    edit_of = command["message"]["message_id"]
    await process(bot.telegram.push_message(COORDINATOR, "/announce Hallo!", edit_of=edit_of))
    assert seen == []
    assert await bot.store.call(Store.draft, 2) is None  # an edited command is not run again

    question = await process(bot.telegram.push_message(COORDINATOR, "Was ist Open Government?"))
    await app.shutdown()
    assert seen == [question]
    assert len(await bot.store.call(Store.announcements, "scheduled")) == 1


# --- /announce ------------------------------------------------------------------------------


async def test_announce_preview_is_exactly_the_channel_post(bot: Harness) -> None:
    text = "Treffen am Montag: Aktionsplan & Konsultation <jetzt>!\n\nMehr: https://example.org/ap"

    preview = await bot.announce(text)

    assert [b["text"] for b in preview.buttons()] == ["Jetzt senden", "Planen", "Abbrechen"]
    answer = await bot.press(COORDINATOR, preview.message_id, preview.buttons()[0]["callback_data"])
    assert answer["text"] == "Gesendet."
    await bot.drain()

    [post] = bot.channel()
    assert post.text == preview.text
    assert post.entities == preview.entities
    assert post.link_preview_options == preview.link_preview_options
    assert "Aktionsplan &amp; Konsultation &lt;jetzt&gt;!" in bot.feed()


async def test_announce_send_publishes_and_records_who(bot: Harness) -> None:
    preview = await bot.announce("Neuer Aktionsplan veröffentlicht.")

    before = len(bot.telegram.sent(COORDINATOR))
    await bot.press(COORDINATOR, preview.message_id, "ann:send:1")
    confirmation = await bot.reply_in(COORDINATOR, before, "Gesendet")
    await bot.drain()

    assert "Kanal" in confirmation.text
    assert bot.telegram.message(COORDINATOR, preview.message_id).buttons() == []
    assert bot.telegram.message(COORDINATOR, preview.message_id).text == preview.text
    assert [p.text.splitlines()[2] for p in bot.channel()] == ["Neuer Aktionsplan veröffentlicht."]
    assert "Neuer Aktionsplan veröffentlicht." in bot.feed()
    assert bot.woken == 1
    [(when, actor, action, detail)] = [a for a in await bot.actions() if a[2] != "draft"]
    assert (when, actor, action, detail) == (
        START,
        COORDINATOR,
        "announce_sent",
        "draft 1 announcement 1",
    )
    [published] = await bot.store.call(Store.announcements, "published")
    assert published.author == "Ada"


async def test_announce_cancel_posts_nothing(bot: Harness) -> None:
    preview = await bot.announce("Doch nicht.")

    answer = await bot.press(COORDINATOR, preview.message_id, "ann:cancel:1")
    await bot.drain()

    assert answer["text"] == "Verworfen."
    assert bot.channel() == []
    assert await bot.store.call(Store.announcements, "published") == []
    await bot.publisher.write_feeds()
    assert "Doch nicht." not in bot.feed()
    draft = await bot.store.call(Store.draft, 1)
    assert draft is not None and draft.state == "cancelled"


async def test_announce_second_press_of_a_used_button_does_nothing(bot: Harness) -> None:
    preview = await bot.announce("Nur einmal.")
    await bot.press(COORDINATOR, preview.message_id, "ann:send:1")

    again = await bot.press(COORDINATOR, preview.message_id, "ann:send:1", check_button=False)
    cancel = await bot.press(COORDINATOR, preview.message_id, "ann:cancel:1", check_button=False)
    await bot.drain()

    assert again["text"] == cancel["text"] == "Schon erledigt."
    assert len(bot.channel()) == 1
    [published] = await bot.store.call(Store.announcements, "published")
    draft = await bot.store.call(Store.draft, 1)
    assert draft is not None and (draft.state, draft.announcement_id) == ("sent", published.id)


async def test_announce_button_pressed_by_a_stranger_is_refused(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    preview = await bot.announce("Nur für Koordinator:innen.")

    answer = await bot.press(STRANGER, preview.message_id, "ann:send:1", chat=COORDINATOR)
    await bot.drain()

    assert answer["text"] == REFUSAL["de"] and answer["show_alert"]
    assert refusals(caplog) == [{"user": STRANGER, "command": "button:send"}]
    assert bot.channel() == []
    draft = await bot.store.call(Store.draft, 1)
    assert draft is not None and draft.state == "open"


async def test_announce_too_long_says_by_how_much(bot: Harness) -> None:
    text = "Wort " * 810
    with pytest.raises(PostTooLong) as raised:
        announcement_post(text, bot.settings.publish)
    over = raised.value.size - raised.value.limit

    reply = await bot.say(COORDINATOR, f"/announce {text}")

    assert f"{over} Zeichen zu lang" in reply.text
    assert await bot.store.call(Store.draft, 1) is None


async def test_announce_without_text_explains_itself(bot: Harness) -> None:
    reply = await bot.say(COORDINATOR, "/announce")

    assert "/announce Text" in reply.text
    assert await bot.store.call(Store.draft, 1) is None


async def test_announce_draft_survives_a_restart(bot: Harness) -> None:
    preview = await bot.announce("Nach dem Neustart.")

    await bot.restart()
    await bot.press(COORDINATOR, preview.message_id, "ann:send:1")
    await bot.drain()

    assert [p.text for p in bot.channel()] == [preview.text]


# --- scheduling -----------------------------------------------------------------------------


async def test_announce_schedule_stores_the_local_time(bot: Harness) -> None:
    preview = await bot.announce("Später.")
    before = len(bot.telegram.sent(COORDINATOR))
    await bot.press(COORDINATOR, preview.message_id, "ann:plan:1")
    question = await bot.reply_in(COORDINATOR, before, "Wann")
    assert "Europe/Berlin" in question.text

    unclear = await bot.say(COORDINATOR, "irgendwann", containing="verstehe")
    past = await bot.say(COORDINATOR, "2026-11-01 09:00", containing="vorbei")
    done = await bot.say(COORDINATOR, "2026-12-01 09:00", containing="Geplant")
    await bot.drain()

    assert "verstehe" in unclear.text and "vorbei" in past.text
    assert "01.12.2026 09:00 Uhr" in done.text
    [scheduled] = await bot.store.call(Store.announcements, "scheduled")
    assert scheduled.publish_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert scheduled.text == "Später."
    draft = await bot.store.call(Store.draft, 1)
    assert draft is not None and (draft.state, draft.announcement_id) == ("scheduled", scheduled.id)
    assert bot.channel() == []
    assert bot.telegram.message(COORDINATOR, preview.message_id).buttons() == []
    assert "announce_scheduled" in [action for _, _, action, _ in await bot.actions()]


async def test_announce_schedule_waits_for_the_time_across_a_restart(bot: Harness) -> None:
    preview = await bot.announce("Geplant trotz Neustart.")
    await bot.press(COORDINATOR, preview.message_id, "ann:plan:1")

    await bot.restart()
    await bot.say(COORDINATOR, "morgen 9:00", containing="Geplant")

    [scheduled] = await bot.store.call(Store.announcements, "scheduled")
    assert scheduled.publish_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def test_announce_schedule_can_be_called_off_by_text(bot: Harness) -> None:
    preview = await bot.announce("Vielleicht später.")
    await bot.press(COORDINATOR, preview.message_id, "ann:plan:1")

    reply = await bot.say(COORDINATOR, "Abbrechen", containing="nicht geplant")
    await bot.press(COORDINATOR, preview.message_id, "ann:send:1")
    await bot.drain()

    assert "Jetzt senden" in reply.text
    assert await bot.store.call(Store.announcements, "scheduled") == []
    assert [p.text for p in bot.channel()] == [preview.text]


async def test_scheduled_lists_and_its_button_cancels(bot: Harness) -> None:
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    announced = await bot.publisher.announce("Adventstreffen", "Ada", at)

    listing = await bot.say(COORDINATOR, "/scheduled", containing="Geplante")
    assert "01.12.2026 09:00 Uhr – Adventstreffen" in listing.text
    [button] = listing.buttons()
    answer = await bot.press(COORDINATOR, listing.message_id, button["callback_data"])

    assert answer["text"] == "Abgesagt."
    found = await bot.store.call(Store.announcement, announced.id)
    assert found is not None and found.state == "cancelled"
    assert bot.telegram.message(COORDINATOR, listing.message_id).text == (
        "Keine geplanten Ankündigungen."
    )
    bot.clock.set(at + timedelta(minutes=1))
    assert await bot.publisher.publish_due() == ([], [])
    await bot.drain()
    assert bot.channel() == []


async def test_scheduled_with_nothing_planned_says_so(bot: Harness) -> None:
    reply = await bot.say(COORDINATOR, "/scheduled")

    assert reply.text == "Keine geplanten Ankündigungen."


# --- /delete --------------------------------------------------------------------------------


async def channel_post(bot: Harness, text: str) -> SentMessage:
    """An announcement posted through the outbox, as the running process would."""
    await bot.publisher.announce(text, "Ada", None)
    await bot.drain()
    return bot.channel()[-1]


async def confirm_delete(bot: Harness, question: SentMessage) -> SentMessage:
    """/delete shows the post and asks first (issue 16): the coordinator confirms."""
    assert "löschen?" in question.text
    before = len(bot.telegram.sent(COORDINATOR))
    confirm = next(b for b in question.buttons() if b["callback_data"].startswith("ann:del:"))
    await bot.press(COORDINATOR, question.message_id, confirm["callback_data"])
    return await bot.reply_in(COORDINATOR, before)


async def test_delete_by_link_removes_the_post_and_the_announcement(bot: Harness) -> None:
    post = await channel_post(bot, "Versehentlich gesendet.")
    assert "Versehentlich gesendet." in bot.feed()

    question = await bot.say(COORDINATOR, f"/delete https://t.me/ogbot_test/{post.message_id}")
    assert not bot.telegram.message(CHANNEL, post.message_id).deleted  # not before it is confirmed
    reply = await confirm_delete(bot, question)

    assert "Gelöscht" in reply.text
    assert bot.telegram.message(CHANNEL, post.message_id).deleted
    stored = await bot.store.call(Store.sent_post_for_message, str(CHANNEL_ID), post.message_id)
    assert stored is not None and stored.state == "deleted"
    assert "Versehentlich gesendet." not in bot.feed()
    assert "post_deleted" in [action for _, _, action, _ in await bot.actions()]


async def test_delete_as_reply_to_a_forwarded_post(bot: Harness) -> None:
    post = await channel_post(bot, "Weitergeleitet und gelöscht.")
    forward = bot.telegram.push_forward(COORDINATOR, CHANNEL, post.message_id)

    question = await bot.say(
        COORDINATOR, "/delete", reply_to=forward["message"]["message_id"], containing="löschen?"
    )
    reply = await confirm_delete(bot, question)

    assert "Gelöscht" in reply.text
    assert bot.telegram.message(CHANNEL, post.message_id).deleted


async def test_delete_of_a_post_ogbot_did_not_make_is_refused(bot: Harness) -> None:
    await channel_post(bot, "Von ogbot.")
    by_hand = bot.telegram.push_channel_post(CHANNEL, "Von Hand geschrieben.")
    message_id = by_hand["channel_post"]["message_id"]

    reply = await bot.say(COORDINATOR, f"/delete https://t.me/c/1234567890/{message_id}")

    assert "nicht gesendet" in reply.text
    assert reply.buttons() == []
    assert not bot.telegram.message(CHANNEL, message_id).deleted


async def test_delete_after_48_hours_says_telegram_refuses(bot: Harness) -> None:
    post = await channel_post(bot, "Zu alt zum Löschen.")
    bot.clock.advance(timedelta(hours=49))

    question = await bot.say(COORDINATOR, f"/delete https://t.me/ogbot_test/{post.message_id}")
    reply = await confirm_delete(bot, question)

    assert "48 Stunden" in reply.text
    assert not bot.telegram.message(CHANNEL, post.message_id).deleted
    stored = await bot.store.call(Store.sent_post_for_message, str(CHANNEL_ID), post.message_id)
    assert stored is not None and stored.state == "sent"


async def test_delete_without_a_target_explains_itself(bot: Harness) -> None:
    reply = await bot.say(COORDINATOR, "/delete")

    assert "weiterleiten" in reply.text


# --- sources --------------------------------------------------------------------------------


async def test_pause_and_resume_change_the_source(bot: Harness) -> None:
    paused = await bot.say(COORDINATOR, "/pause ogp")
    states = {s.name: s.paused for s in await bot.store.call(Store.sources)}
    assert "pausiert" in paused.text and states["ogp"] is True

    await bot.say(COORDINATOR, "/resume ogp", containing="wieder")
    states = {s.name: s.paused for s in await bot.store.call(Store.sources)}
    assert states["ogp"] is False
    assert [(a[1], a[2], a[3]) for a in await bot.actions()] == [
        (COORDINATOR, "source_resumed", "ogp"),
        (COORDINATOR, "source_paused", "ogp"),
    ]


async def test_pause_of_an_unknown_source_lists_the_known_ones(bot: Harness) -> None:
    reply = await bot.say(COORDINATOR, "/pause nope")

    assert "nope" in reply.text and "ogp" in reply.text and "netzwerk" in reply.text
    assert await bot.store.call(Store.sources) == []


async def test_sources_shows_each_source_and_the_outbox(bot: Harness) -> None:
    store, now = bot.store, bot.clock()
    await store.call(Store.source_state, "ogp", "https://www.opengovpartnership.org/feed/")
    await store.call(
        Store.record_success, "ogp", now, now + timedelta(minutes=30), Validators(None, None), "ok"
    )
    await store.call(Store.source_state, "netzwerk", "https://opengovpartnership.de/feed/")
    await store.call(
        Store.record_failure, "netzwerk", now, now + timedelta(hours=1), "HTTP 503 <gateway>"
    )
    await bot.publisher.announce("Wartet noch.", "Ada", None)  # one pending channel post

    reply = await bot.say(COORDINATOR, "/sources")

    lines = reply.text.splitlines()
    [ogp] = [line for line in lines if "ogp" in line]
    [network] = [line for line in lines if "netzwerk" in line]
    assert "zuletzt erfolgreich 23.11.2026 11:00 Uhr" in ogp
    assert "Fehler" in network and "HTTP 503 <gateway>" in network and "(1×)" in network
    assert "Warteschlange: 1 wartend" in reply.text


def test_sources_message_with_very_many_sources_stays_one_message() -> None:
    configured = [
        SourceSettings(name=f"quelle_{n:02d}_" + "x" * 20, url=f"https://example.org/{n}")
        for n in range(80)
    ]
    states = [
        SourceState(
            name=source.name,
            url=source.url,
            fetch_url=None,
            validators=Validators(None, None),
            first_success=None,
            last_fetch=START,
            last_success=None,
            last_status="error",
            last_error="HTTP 500 " + "kaputt " * 40,
            failures=3,
            failing_since=START,
            next_due=None,
            paused=False,
        )
        for source in configured
    ]

    html = sources_html(configured, states, {"pending": 3}, BERLIN)

    assert utf16_len(html) <= 4096
    assert "quelle_00_" in html
    assert re.search(r"… und \d+ weitere", html)
    assert html.endswith("<b>Warteschlange</b>: 3 wartend")


# --- telling coordinators -------------------------------------------------------------------


async def test_tell_coordinators_sends_once_a_day_per_problem(bot: Harness) -> None:
    bot.telegram.add_user(SECOND_COORDINATOR, first_name="Bo")
    assert bot.app is not None
    text = "⚠️ Der Kanal nimmt keine Beiträge an &amp; wartet."

    first = await tell_coordinators(bot.app.bot, bot.services, "channel_refused", text)
    again = await tell_coordinators(bot.app.bot, bot.services, "channel_refused", text)
    other = await tell_coordinators(bot.app.bot, bot.services, "source_failed:ogp", "Quelle")
    bot.clock.advance(timedelta(days=1, minutes=1))
    next_day = await tell_coordinators(bot.app.bot, bot.services, "channel_refused", text)

    assert (first, again, other, next_day) == (2, 0, 2, 2)
    assert [m.text for m in bot.telegram.sent(COORDINATOR)] == [
        "⚠️ Der Kanal nimmt keine Beiträge an & wartet.",
        "Quelle",
        "⚠️ Der Kanal nimmt keine Beiträge an & wartet.",
    ]


async def test_tell_coordinators_skips_one_who_never_started_the_bot(bot: Harness) -> None:
    assert bot.app is not None

    told = await tell_coordinators(bot.app.bot, bot.services, "channel_refused", "Hallo")

    assert told == 1  # SECOND_COORDINATOR is unknown to Telegram: "chat not found"
    assert [m.text for m in bot.telegram.sent(COORDINATOR)] == ["Hallo"]


def test_notice_texts_name_the_problem_in_the_coordinators_time_zone() -> None:
    missed = StoredAnnouncement(
        id=3,
        text="Treffen im Rathaus " + "x" * 100,
        author="shell",
        created=START - timedelta(days=2),
        publish_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),  # 09:00 in Berlin
        state="missed",
        published=None,
    )
    failing = SourceState(
        name="ogp",
        url="https://www.opengovpartnership.org/feed/",
        fetch_url=None,
        validators=Validators(None, None),
        first_success=None,
        last_fetch=START,
        last_success=None,
        last_status="error",
        last_error="HTTP 503",
        failures=9,
        failing_since=START - timedelta(days=1),
        next_due=None,
        paused=False,
    )

    assert notices.channel_refuses("not a member") == (
        "Der Kanal nimmt keine Posts an: not a member"
    )
    assert notices.announcement_missed(missed, BERLIN) == (
        "Die für 01.11.2026 09:00 Uhr geplante Ankündigung „Treffen im Rathaus "
        + "x" * 41  # the first 60 characters
        + "“ wurde verpasst, weil ogbot nicht lief, und nicht gesendet."
    )
    assert notices.source_failing(failing) == "Die Quelle ogp schlägt seit einem Tag fehl: HTTP 503"


# --- parsing --------------------------------------------------------------------------------


def test_parse_post_link_reads_public_and_private_channel_links() -> None:
    assert parse_post_link("https://t.me/ogbot_test/42") == coordinator.PostLink("@ogbot_test", 42)
    assert parse_post_link("t.me/s/ogbot_test/42?single") == coordinator.PostLink("@ogbot_test", 42)
    assert parse_post_link("https://t.me/c/1234567890/7") == coordinator.PostLink(
        "-1001234567890", 7
    )
    assert parse_post_link("https://example.org/ogbot_test/42") is None


# --- under abuse ------------------------------------------------------------------------------


async def _settled(bot: Harness) -> None:
    """Every pushed update taken and answered: the coordinator's own command is answered last."""
    await bot.until(lambda: not bot.telegram.pending_updates, "all updates taken")
    await bot.say(COORDINATOR, "/scheduled")
    await asyncio.sleep(0.3)


async def test_a_stranger_flooding_announce_gets_few_replies_and_few_log_lines(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="ogbot")
    for n in range(100):
        bot.telegram.push_message(STRANGER, f"/announce Versuch {n}")
    await _settled(bot)

    # the refusal while under the gate's limit, one "slow down", then silence (updates run
    # concurrently, so the order of the replies is not fixed)
    replies = sorted(m.text for m in bot.telegram.sent(STRANGER))
    assert replies == sorted([REFUSAL["de"]] * FLOOD_LIMIT + [TEXTS["de"].slow_down])
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == FLOOD_LIMIT + 1
    assert {r.getMessage() for r in warnings} == {"coordinator_refused"}
    assert await bot.store.call(Store.draft, 1) is None


async def test_a_flood_limit_from_telegram_is_waited_out_and_the_reply_arrives(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 15: a reply refused with 429 is sent again after ``retry_after`` (it was the
    rule before that it was lost with one warning line); one info line, no traceback."""
    caplog.set_level(logging.INFO)
    bot.telegram.fail_next("sendMessage", status=429, retry_after=7)
    started = bot.clock()
    reply = await bot.say(STRANGER, "/announce Hallo")
    assert reply.date >= started + timedelta(seconds=7)
    await _settled(bot)

    [retried] = [r for r in caplog.records if r.getMessage() == "reply_retry"]
    assert retried.levelno == logging.INFO and not retried.exc_info
    assert retried.fields["retry_after"] == 7  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.getMessage() == "reply_flood_limited"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


@pytest.mark.parametrize(
    "data",
    [
        "ann:send:" + "9" * 40,  # an id no database holds: OverflowError before
        "ann:send:²",  # a digit to str.isdigit(), not to int()
        "ann:send:-1",
        "ann:send:01",
        "ann:launch:1",
        "ann:send:1:extra",
        "ann:",
    ],
)
async def test_a_forged_button_is_answered_and_does_nothing(
    bot: Harness, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    caplog.set_level(logging.INFO)
    preview = await bot.announce("Nur echte Knöpfe.")

    answer = await bot.press(COORDINATOR, preview.message_id, data, check_button=False)
    stranger = await bot.press(
        STRANGER, preview.message_id, data, chat=COORDINATOR, check_button=False
    )
    await bot.drain()

    assert answer.get("text") in (None, "")
    assert stranger["text"] == REFUSAL["de"]
    assert bot.channel() == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    draft = await bot.store.call(Store.draft, 1)
    assert draft is not None and draft.state == "open"


async def test_a_stranger_pressing_buttons_in_a_flood_is_still_answered(bot: Harness) -> None:
    preview = await bot.announce("Nicht für alle.")
    answers = [
        await bot.press(STRANGER, preview.message_id, "ann:send:1", chat=COORDINATOR)
        for _ in range(FLOOD_LIMIT + 3)
    ]
    alerts = [a for a in answers if a.get("show_alert")]
    assert len(alerts) == FLOOD_LIMIT + 1  # the refusal while under the limit, then silence
    assert all(a["text"] == REFUSAL["de"] for a in alerts)
    assert bot.channel() == []
