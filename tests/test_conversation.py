"""The conversation with everyone, as a user sees it in Telegram.

The real PTB Application (``build_application``) polls the local fake Bot API over real sockets;
the store, the answer engine and the publisher are the real ones. Tests push updates into the
fake, wait until the bot has processed every one of them (the fake saw them confirmed and PTB's
update queue is drained: no sleeping for a guessed time), then read what the bot sent. The fake
refuses invalid Telegram HTML, so every reply that arrives is valid.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ogbot.app.coordination import Coordination
from ogbot.app.house import publishing
from ogbot.app.people import People
from ogbot.bot.conversation import ALIASES, set_commands
from ogbot.bot.conversation_views import answer_html, consultations_html
from ogbot.bot.flood import FLOOD_LIMIT, FLOOD_WINDOW, WAITING_MAX, FloodGate, WaitingRoom
from ogbot.bot.services import BotServices
from ogbot.bot.texts import MENU, TEXTS
from ogbot.bot.wiring import build_application
from ogbot.config import build_settings
from ogbot.knowledge.answer import Answerer
from ogbot.models import Item, StoredItem
from ogbot.publish.html import post_problems
from ogbot.store import AsyncStore, Store
from tests.fakes.telegram import (
    BOT_USERNAME,
    CHANNEL,
    TOKEN,
    FakeTelegram,
    ManualClock,
    SentMessage,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ALICE = 1001  # German client
BOB = 1002  # English client
COORDINATOR = 4242
GROUP_ID = -5550001
PRIVACY_URL = "https://opengovpartnership.de/datenschutz/"
SETTLE_TIMEOUT = 60.0  # a bound for a broken run, never an expectation (1 reply a second per chat)


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    return Answerer.load()


@dataclass
class Bot:
    """The running bot and what a test needs to talk to it."""

    telegram: FakeTelegram
    store: AsyncStore
    clock: ManualClock
    application: Any

    async def settle(self) -> None:
        """Wait until every pushed update has been fetched and fully handled."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while self.telegram.pending_updates:
            assert loop.time() < deadline, "the bot did not fetch the updates"
            await asyncio.sleep(0.01)
        await asyncio.wait_for(self.application.update_queue.join(), SETTLE_TIMEOUT)

    async def say(self, user: int, text: str, lang: str = "de", **kwargs: Any) -> list[str]:
        """The user writes ``text``; returns the texts of the bot's new messages to the chat."""
        chat = kwargs.get("chat_id") or user
        before = len(self.sent(chat))
        self.telegram.push_message(user, text, language_code=lang, **kwargs)
        await self.settle()
        return [message.text for message in self.sent(chat)[before:]]

    async def until_sent(self, chat: int, count: int) -> list[str]:
        """Wait until ``count`` messages went to ``chat`` (delayed answers); their texts."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while len(self.sent(chat)) < count:
            assert loop.time() < deadline, f"{len(self.sent(chat))} of {count} messages sent"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # nothing more than expected follows
        return [message.text for message in self.sent(chat)]

    def sent(self, chat: int) -> list[SentMessage]:
        try:
            return self.telegram.sent(chat)
        except KeyError:  # a chat the fake has not seen yet: nothing was sent there
            return []

    def last(self, chat: int) -> SentMessage:
        return self.sent(chat)[-1]

    async def press(self, user: int, data: str, **kwargs: Any) -> dict[str, Any]:
        """The user presses the button ``data`` on the bot's last message to them."""
        update = self.telegram.push_callback(user, self.last(user).message_id, data, **kwargs)
        await self.settle()
        return update

    async def save(self, *items: Item) -> None:
        await self.store.call(Store.save_items, "ogp", list(items), self.clock(), False)


@pytest.fixture
async def bot(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    answerer: Answerer,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Bot]:
    caplog.set_level(logging.INFO)
    document = {
        "telegram": {
            "token": TOKEN,
            "api_url": fake_telegram.api_url,
            "channel": CHANNEL,
            "coordinators": [COORDINATOR],
        },
        "publish": {"privacy_url": PRIVACY_URL},
    }
    settings = build_settings(document, {"OGBOT_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    store = AsyncStore.open(settings.data_dir)
    clock = ManualClock(NOW)
    async with publishing(settings, store, clock=clock) as publisher:
        services = BotServices(
            settings,
            answerer,
            People(store, answerer, clock=clock, tz=settings.publish.tz),
            Coordination(store, publisher, clock=clock),
            clock,
        )
        application = build_application(services)
        await application.initialize()
        await set_commands(application.bot)
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        try:
            yield Bot(fake_telegram, store, clock, application)
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
    store.close()
    # one error handler logs every failure: a passing conversation logs none
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def item(
    number: int,
    title: str,
    *,
    kind: str = "news",
    published: datetime | None = None,
    deadline: date | None = None,
    guessed: bool = False,
    source: str = "ogp",
) -> Item:
    link = f"https://www.opengovpartnership.org/news/{number}/"
    return Item(
        source=source,
        guid=f"https://www.opengovpartnership.org/?p={number}",
        link=link,
        key=link,
        title=title,
        summary=f"Zusammenfassung {number}",
        content_html="",
        published=published or NOW - timedelta(hours=number),
        date_known=True,
        categories=(),
        author=None,
        kind=kind,  # type: ignore[arg-type]
        deadline=deadline,
        deadline_guessed=guessed,
    )


def links(message: SentMessage) -> dict[str, str]:
    """The message's links: visible text -> URL."""
    return {
        text: entity["url"]
        for text, entity in zip(
            message.entity_texts("text_link"),
            [e for e in message.entities if e["type"] == "text_link"],
            strict=True,
        )
    }


def sticker_update(user: int) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 777,
            "from": {"id": user, "is_bot": False, "first_name": "Test", "language_code": "de"},
            "chat": {"id": user, "type": "private", "first_name": "Test"},
            "date": int(NOW.timestamp()),
            "sticker": {
                "file_id": "CAACAgIAAxkBAAE",
                "file_unique_id": "AgADAQAD",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
        }
    }


# --- /start, /help ----------------------------------------------------------------------------


async def test_start_german_client_gets_german_help_with_commands(bot: Bot):
    [reply] = await bot.say(ALICE, "/start", lang="de")
    assert "Ich bin der Bot des Open Government Netzwerks" in reply
    assert "/konsultationen – Offene Konsultationen mit Fristen" in reply
    assert "/suche – In den Beiträgen suchen" in reply
    assert "/forget" in reply and "/datenschutz" in reply
    assert f"Kanal {CHANNEL}" in reply


async def test_help_english_client_gets_english_help(bot: Bot):
    [reply] = await bot.say(BOB, "/help", lang="en")
    assert "I am the bot of the German Open Government network" in reply
    assert "/consultations – Open consultations with deadlines" in reply
    assert "/search – Search the posts" in reply
    assert "/privacy" in reply


async def test_start_unknown_client_language_is_german(bot: Bot):
    [reply] = await bot.say(ALICE, "/start", lang="fr")
    assert "Ich bin der Bot" in reply


# --- questions --------------------------------------------------------------------------------


async def test_question_german_answered_with_links(bot: Bot):
    [reply] = await bot.say(ALICE, "Was ist Open Government?", lang="en")
    assert "Regierungs- und Verwaltungshandeln" in reply
    assert "Mehr dazu:" in reply
    shown = links(bot.last(ALICE))
    assert shown and all(url.startswith("https://") for url in shown.values())
    assert bot.last(ALICE).link_preview_options == {"is_disabled": True}


async def test_question_english_answered_in_english_with_links(bot: Bot):
    [reply] = await bot.say(BOB, "What is the Open Government Partnership?", lang="de")
    assert "Read more:" in reply and "Mehr dazu" not in reply
    shown = links(bot.last(BOB))
    assert shown and all(
        url.startswith("https://www.opengovpartnership.org/") for url in shown.values()
    )


async def test_question_off_topic_is_honest_and_shows_resources_and_contact(bot: Bot):
    [reply] = await bot.say(ALICE, "Wie wird das Wetter morgen?")
    assert "Dazu weiß ich leider nichts" in reply
    assert "Hier kannst du weiterlesen:" in reply
    urls = set(links(bot.last(ALICE)).values())
    assert "https://opengovpartnership.de/ressourcen/" in urls
    assert "https://x.com/OpenGovGermany" in urls  # the network's contact
    # the handle in the text links to the profile: it is not a Telegram user to mention
    assert links(bot.last(ALICE))["@OpenGovGermany"] == "https://x.com/OpenGovGermany"
    assert bot.last(ALICE).entity_texts("mention") == []


async def test_ask_command_answers_the_question_after_it(bot: Bot):
    [reply] = await bot.say(ALICE, "/ask Was ist die OGP?")
    assert "Mehr dazu:" in reply
    assert "https://www.opengovpartnership.org/" in links(bot.last(ALICE)).values()


async def test_ask_without_question_explains_how(bot: Bot):
    [reply] = await bot.say(BOB, "/ask", lang="en")
    assert "Write your question after /ask" in reply


async def test_question_hostile_input_gets_valid_replies(bot: Bot):
    questions = [
        "<b>Was</b> ist & die OGP? </i> &amp; <a href='javascript:x'>",
        "Was ist Open Government? " + "ä" * 5000,
        "🙂🇩🇪👩‍👩‍👧 Was ist OGP? 🙂" * 3,
        "x" * 4096,
    ]
    for question in questions:
        replies = await bot.say(ALICE, question)
        assert len(replies) == 1  # the fake refused nothing: each reply is valid Telegram HTML
    assert "Mehr dazu:" in bot.sent(ALICE)[1].text
    assert "<b>" not in bot.sent(ALICE)[0].text  # the question is never echoed


async def test_question_text_never_reaches_the_log(bot: Bot, caplog: pytest.LogCaptureFixture):
    secret = "Mein geheimer Plan Zitronenfalter"
    await bot.say(ALICE, secret)
    await bot.say(ALICE, f"/ask {secret}")
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "question_answered" in logged
    assert "Zitronenfalter" not in logged


# --- /news, /consultations, /resources --------------------------------------------------------


async def test_news_shows_latest_five_with_link_source_and_local_date(bot: Bot):
    await bot.save(
        *(item(n, f"Nachricht {n}") for n in range(1, 7)),
        item(
            9,
            "Aktionsplan: Kommentare erwünscht",
            kind="consultation",
            published=NOW - timedelta(minutes=5),
            deadline=date(2026, 12, 15),
        ),
    )
    [reply] = await bot.say(ALICE, "/news")
    assert reply.startswith("Neueste Beiträge")
    titles = list(links(bot.last(ALICE)))
    assert titles == [
        "Aktionsplan: Kommentare erwünscht",
        "Nachricht 1",
        "Nachricht 2",
        "Nachricht 3",
        "Nachricht 4",
    ]
    assert links(bot.last(ALICE))["Nachricht 1"] == "https://www.opengovpartnership.org/news/1/"
    assert "ogp · 23. November 2026" in reply
    assert "🗳 Konsultation · Frist: 15. Dezember 2026" in reply
    assert "Nachricht 5" not in reply


async def test_news_english_uses_english_dates(bot: Bot):
    await bot.save(item(1, "OGP Summit announced"))
    [reply] = await bot.say(BOB, "/news", lang="en")
    assert reply.startswith("Latest posts")
    assert "ogp · 23 November 2026" in reply


async def test_news_with_nothing_stored_says_so_and_where_to_look(bot: Bot):
    [reply] = await bot.say(ALICE, "/news")
    assert "noch keine Beiträge gesammelt" in reply
    assert "https://opengovpartnership.de/ressourcen/" in links(bot.last(ALICE)).values()


async def test_consultations_open_ones_soonest_deadline_first_with_guessed_year(bot: Bot):
    await bot.save(
        item(
            1,
            "Konsultation mit Frist",
            kind="consultation",
            deadline=date(2026, 12, 15),
        ),
        item(
            2,
            "Konsultation mit geschätztem Jahr",
            kind="consultation",
            deadline=date(2026, 12, 1),
            guessed=True,
        ),
        item(3, "Konsultation ohne Frist", kind="consultation"),
        item(4, "Abgelaufene Konsultation", kind="consultation", deadline=date(2026, 11, 1)),
        item(5, "Nur eine Nachricht"),
    )
    [reply] = await bot.say(ALICE, "/konsultationen")
    assert reply.startswith("Offene Konsultationen")
    assert list(links(bot.last(ALICE))) == [
        "Konsultation mit geschätztem Jahr",
        "Konsultation mit Frist",
        "Konsultation ohne Frist",
    ]
    assert "Frist: 1. Dezember 2026 (Jahr geschätzt)" in reply
    assert "Frist: 15. Dezember 2026 · ogp" in reply
    assert "Frist unbekannt" in reply
    assert "Frist: 15. Dezember 2026" in bot.last(ALICE).entity_texts("bold")


async def test_consultations_english_alias_and_long_english_deadline(bot: Bot):
    await bot.save(item(1, "Call for input", kind="consultation", deadline=date(2026, 12, 15)))
    [reply] = await bot.say(BOB, "/consultations", lang="en")
    assert "Deadline: 15 December 2026" in reply


async def test_consultations_none_known_is_friendly_and_points_where_to_look(bot: Bot):
    await bot.save(item(1, "Nur eine Nachricht"))
    [reply] = await bot.say(ALICE, "/consultations")
    assert "keine offenen Konsultationen bekannt" in reply
    assert "/subscribe" in reply
    assert (
        "https://www.open-government-deutschland.de/opengov-de" in links(bot.last(ALICE)).values()
    )


async def test_news_hostile_titles_are_escaped(bot: Bot):
    await bot.save(item(1, "<script>alert(1)</script> & <b>Fett</b>"))
    [reply] = await bot.say(ALICE, "/news")
    assert "<script>alert(1)</script> & <b>Fett</b>" in reply


async def test_search_lists_matching_items_newest_first_like_news(bot: Bot):
    await bot.save(
        item(1, "Zwischenbilanz zum Vierten Aktionsplan", published=NOW - timedelta(days=3)),
        item(
            2,
            "Entwurf des Fünften Nationalen Aktionsplans",
            kind="consultation",
            published=NOW - timedelta(hours=2),
            deadline=date(2027, 1, 12),
        ),
        item(3, "OGP Global Summit"),
        item(4, "Aktionspläne der Länder", published=NOW - timedelta(days=1)),
    )
    [reply] = await bot.say(ALICE, "/suche aktionsplan")
    assert reply.startswith("Suchergebnisse (neueste zuerst)")
    # by a word's beginning ("Aktionsplans", "Aktionspläne"), case folded, newest first
    assert list(links(bot.last(ALICE))) == [
        "Entwurf des Fünften Nationalen Aktionsplans",
        "Aktionspläne der Länder",
        "Zwischenbilanz zum Vierten Aktionsplan",
    ]
    # each item as /news shows it: source, local date, a consultation with its deadline
    assert "ogp · 23. November 2026" in reply
    assert "🗳 Konsultation · Frist: 12. Januar 2027" in reply
    assert "/news" in reply
    # umlauts fold; every word must match
    [umlauts] = await bot.say(ALICE, "/suche AKTIONSPLANE lander")
    assert list(links(bot.last(ALICE))) == ["Aktionspläne der Länder"]
    assert umlauts.startswith("Suchergebnisse")


async def test_search_english_alias_in_english_and_at_most_ten(bot: Bot):
    await bot.save(*(item(n, f"Open parliament story {n}") for n in range(1, 13)))
    [reply] = await bot.say(BOB, "/search PARLIAMENT", lang="en")
    assert reply.startswith("Search results (newest first)")
    assert list(links(bot.last(BOB))) == [f"Open parliament story {n}" for n in range(1, 11)]
    assert "ogp · 23 November 2026" in reply


async def test_search_without_a_match_is_friendly_and_points_to_news(bot: Bot):
    await bot.save(item(1, "Nachricht"))
    [german] = await bot.say(ALICE, "/suche Zitronenfalter")
    assert german == TEXTS["de"].search_none
    assert "nichts gefunden" in german and "/news" in german
    [english] = await bot.say(BOB, "/search lemon butterfly", lang="en")
    assert english == TEXTS["en"].search_none
    assert "/news" in english


async def test_search_without_words_explains_how(bot: Bot):
    [german] = await bot.say(ALICE, "/suche")
    assert german.startswith("Schreib deine Suchwörter hinter /suche")
    [english] = await bot.say(BOB, "/search   ", lang="en")
    assert english.startswith("Write your search words after /search")
    [symbols] = await bot.say(ALICE, '/suche "* - ()')
    assert symbols == german


async def test_search_fts_syntax_is_just_words_and_replies_stay_valid(bot: Bot):
    await bot.save(item(1, "NEAR and far"), item(2, "Aktionsplan <b>fett</b> & mehr"))
    queries = [
        '"',
        'NEAR("a" b)',
        "Aktionsplan OR far",
        "-Aktionsplan",
        "Aktionsplan*",
        "title:Aktionsplan",
        "<b>fett</b>",
        "x" * 4000,
        "🙂 " * 500,
    ]
    for query in queries:
        replies = await bot.say(ALICE, f"/suche {query}")
        assert len(replies) == 1, query  # the fake refused nothing: valid Telegram HTML
    texts = [message.text for message in bot.sent(ALICE)]
    assert texts[0].startswith("Schreib deine Suchwörter")  # a quote alone has no word
    assert texts[1] == TEXTS["de"].search_none  # NEAR, a and b must all match
    assert texts[2] == TEXTS["de"].search_none  # no OR: both words must match
    assert "Aktionsplan <b>fett</b> & mehr" in texts[3]  # no exclusion: "-" is not syntax
    assert "Aktionsplan <b>fett</b> & mehr" in texts[4]
    assert texts[5] == TEXTS["de"].search_none  # no column filter
    assert "Aktionsplan <b>fett</b> & mehr" in texts[6]  # the title shown as text


async def test_search_in_a_group_when_addressed(bot: Bot):
    await bot.save(item(1, "Netzwerktreffen im Dezember"))
    in_group = {"chat_type": "group", "chat_id": GROUP_ID}
    assert await bot.say(ALICE, "/suche@some_other_bot netzwerk", **in_group) == []
    [reply] = await bot.say(ALICE, f"/suche@{BOT_USERNAME} netzwerk", **in_group)
    assert "Netzwerktreffen im Dezember" in reply
    assert bot.last(GROUP_ID).reply_to_message_id is not None


async def test_search_words_never_reach_the_log(bot: Bot, caplog: pytest.LogCaptureFixture):
    await bot.save(item(1, "Zitronenfalter im Rathaus"))
    await bot.say(ALICE, "/suche Zitronenfalter")
    await bot.say(ALICE, "/search Schmetterling")
    logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "searched" in logged
    assert "Zitronenfalter" not in logged
    assert "Schmetterling" not in logged


async def test_resources_lists_resources_contact_and_channel(bot: Bot):
    [reply] = await bot.say(ALICE, "/links")
    assert reply.startswith("Hier findest du mehr")
    shown = links(bot.last(ALICE))
    assert shown["Open Government Partnership"] == "https://www.opengovpartnership.org/"
    assert shown["@OpenGovGermany"] == "https://x.com/OpenGovGermany"
    assert f"Kanal {CHANNEL}" in reply
    [english] = await bot.say(BOB, "/resources", lang="en")
    assert english.startswith("Where to find more")


# --- subscriptions ----------------------------------------------------------------------------


async def test_subscribe_buttons_then_consultations_is_stored_and_confirmed(bot: Bot):
    [prompt] = await bot.say(ALICE, "/subscribe")
    assert "Was möchtest du bekommen?" in prompt
    assert "Zurzeit hast du nichts abonniert." in prompt
    buttons = bot.last(ALICE).buttons()
    assert [b["text"] for b in buttons] == [
        "Neuigkeiten",
        "Konsultationen",
        "Beides",
        "Nichts (abbestellen)",
    ]
    assert [b["callback_data"] for b in buttons] == ["sub:news", "sub:cons", "sub:both", "sub:off"]

    update = await bot.press(ALICE, "sub:cons")

    subscriber = await bot.store.call(Store.subscriber, ALICE)
    assert subscriber is not None
    assert (subscriber.news, subscriber.consultations, subscriber.lang) == (False, True, "de")
    confirmation = bot.last(ALICE)
    assert confirmation.edited and confirmation.buttons() == []
    assert confirmation.text.startswith("✅ Abonniert: Konsultationen.")
    assert len(bot.sent(ALICE)) == 1  # the prompt became the confirmation
    answered = bot.telegram.callback_answer(update["callback_query"]["id"])
    assert answered is not None and answered.get("text") == "Gespeichert"

    [again] = await bot.say(ALICE, "/subscribe")
    assert "Zurzeit abonniert: Konsultationen." in again


async def test_subscribe_both_in_english_stores_english(bot: Bot):
    await bot.say(BOB, "/subscribe", lang="en")
    await bot.press(BOB, "sub:both", language_code="en")
    subscriber = await bot.store.call(Store.subscriber, BOB)
    assert subscriber is not None
    assert (subscriber.news, subscriber.consultations, subscriber.lang) == (True, True, "en")
    assert bot.last(BOB).text.startswith("✅ Subscribed: news and consultations.")


async def test_subscribe_off_button_deletes_the_subscription(bot: Bot):
    await bot.say(ALICE, "/subscribe")
    await bot.press(ALICE, "sub:news")
    await bot.say(ALICE, "/subscribe")
    await bot.press(ALICE, "sub:off")
    assert await bot.store.call(Store.subscriber, ALICE) is None
    assert bot.last(ALICE).text.startswith("Abbestellt.")


async def test_subscribe_forged_button_changes_nothing(bot: Bot):
    await bot.say(ALICE, "/subscribe")
    update = await bot.press(ALICE, "sub:everything", check_button=False)
    assert await bot.store.call(Store.subscriber, ALICE) is None
    answered = bot.telegram.callback_answer(update["callback_query"]["id"])
    assert answered is not None and answered.get("text") == "Dieser Knopf gilt nicht mehr."
    assert not bot.last(ALICE).edited


async def test_unsubscribe_deletes_what_is_stored(bot: Bot):
    await bot.store.call(Store.subscribe, ALICE, True, True, "de", NOW)
    [reply] = await bot.say(ALICE, "/unsubscribe")
    assert reply.startswith("Abbestellt.")
    assert await bot.store.call(Store.subscriber, ALICE) is None
    [again] = await bot.say(ALICE, "/unsubscribe")
    assert again.startswith("Du hattest nichts abonniert")


# --- privacy ----------------------------------------------------------------------------------


async def test_privacy_says_what_is_stored_and_links_the_policy(bot: Bot):
    [reply] = await bot.say(ALICE, "/datenschutz")
    assert "weder gespeichert noch protokolliert" in reply
    assert "Über dich ist zurzeit nichts gespeichert." in reply
    assert links(bot.last(ALICE))[PRIVACY_URL] == PRIVACY_URL

    await bot.store.call(Store.subscribe, BOB, False, True, "en", NOW)
    [english] = await bot.say(BOB, "/privacy", lang="en")
    assert "Stored about you: a subscription (consultations), language English" in english
    assert "since 23 November 2026" in english


async def test_forget_deletes_subscription_and_queued_posts(bot: Bot):
    await bot.save(item(1, "Eine Nachricht"))
    [stored] = await bot.store.call(Store.latest_items, 1)
    await bot.store.call(Store.subscribe, ALICE, True, True, "de", NOW)
    await bot.store.call(Store.enqueue, str(ALICE), "item", [stored.id], NOW)
    await bot.store.call(Store.subscribe, BOB, True, False, "en", NOW)
    assert await bot.store.call(Store.pending_count, str(ALICE)) == 1

    [reply] = await bot.say(ALICE, "/forget")

    assert reply.startswith("🗑 Gelöscht")
    assert await bot.store.call(Store.subscriber, ALICE) is None
    assert await bot.store.call(Store.pending_count, str(ALICE)) == 0
    assert await bot.store.call(Store.subscriber, BOB) is not None  # only the asker's data
    [again] = await bot.say(ALICE, "/forget")
    assert "nichts gespeichert" in again


# --- flooding, odd updates, groups, channels --------------------------------------------------


async def test_a_burst_of_questions_gets_a_few_answered_later_and_the_rest_told_once(bot: Bot):
    # the rule of issue 15: over the limit questions wait (a few), the rest are told once
    for number in range(20):
        bot.telegram.push_message(ALICE, f"Was ist Open Government? {number}", language_code="de")
    await bot.settle()
    replies = [m.text for m in bot.sent(ALICE)]
    assert replies.count(TEXTS["de"].answer_shortly) == 1
    assert replies.count(TEXTS["de"].too_many_waiting) == 1
    assert sum("Mehr dazu:" in text for text in replies) == FLOOD_LIMIT
    assert len(replies) == FLOOD_LIMIT + 2
    # others are not affected
    assert len(await bot.say(BOB, "/help", lang="en")) == 1
    # still flooding: nothing more now, not even a second notice
    assert await bot.say(ALICE, "Was ist OGP?") == []
    # once the window clears the waiting questions are answered, no more than the few
    bot.clock.advance(FLOOD_WINDOW + 1)
    replies = await bot.until_sent(ALICE, FLOOD_LIMIT + 2 + WAITING_MAX)
    assert len(replies) == FLOOD_LIMIT + 2 + WAITING_MAX
    assert sum("Mehr dazu:" in text for text in replies) == FLOOD_LIMIT + WAITING_MAX
    # and the next question is answered right away
    [reply] = await bot.say(ALICE, "Was ist OGP?")
    assert "Mehr dazu:" in reply


async def test_menu_commands_then_a_question_the_question_is_answered_when_the_window_clears(
    bot: Bot,
):
    # issue 15: nine messages in 25 s (tapping menu commands), then asking
    for command in ["/start", "/news", "/konsultationen", "/links", "/datenschutz"] * 2:
        bot.telegram.push_message(BOB, command, language_code="en")
        bot.clock.advance(2.5)
        await bot.settle()
        if len(bot.sent(BOB)) > FLOOD_LIMIT:
            break
    replies = [m.text for m in bot.sent(BOB)]
    assert replies[FLOOD_LIMIT:] == [TEXTS["en"].answer_shortly]  # the ninth waits
    assert await bot.say(BOB, "What is the Open Government Partnership?", lang="en") == []
    assert not any("Read more:" in text for text in replies)

    bot.clock.advance(FLOOD_WINDOW)
    replies = await bot.until_sent(BOB, FLOOD_LIMIT + 3)
    assert len(replies) == FLOOD_LIMIT + 3
    # the ninth command (/links), then the question, in order
    assert replies[-2].startswith("Where to find more")
    assert "Read more:" in replies[-1]


async def test_a_waiting_question_is_answered_when_ogbot_stops(bot: Bot):
    for number in range(FLOOD_LIMIT + 1):
        bot.telegram.push_message(ALICE, f"Was ist OGP? {number}", language_code="de")
    await bot.settle()
    assert len(bot.sent(ALICE)) == FLOOD_LIMIT + 1  # eight answers and "Einen Moment"
    application = bot.application
    await application.updater.stop()
    await application.stop()  # no clock moved: stopping answers what waits
    replies = [m.text for m in bot.sent(ALICE)]
    assert len(replies) == FLOOD_LIMIT + 2
    assert "Mehr dazu:" in replies[-1]
    await application.start()  # the fixture stops it again
    await application.updater.start_polling(poll_interval=0, timeout=1)


async def test_coordinators_are_never_delayed(bot: Bot):
    for _ in range(3 * FLOOD_LIMIT):
        bot.telegram.push_message(COORDINATOR, "/news", language_code="de")
    await bot.settle()
    replies = [m.text for m in bot.sent(COORDINATOR)]
    assert len(replies) == 3 * FLOOD_LIMIT
    assert TEXTS["de"].answer_shortly not in replies


async def test_sticker_and_photo_in_private_chat_get_text_only_hint(bot: Bot):
    bot.telegram.add_user(ALICE, language_code="de")
    bot.telegram.push_update(sticker_update(ALICE))
    photo = sticker_update(ALICE)
    del photo["message"]["sticker"]
    photo["message"]["photo"] = [
        {"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}
    ]
    photo["message"]["caption"] = "Was ist <b>das</b>?"
    bot.telegram.push_update(photo)
    await bot.settle()
    assert [m.text for m in bot.sent(ALICE)] == [TEXTS["de"].text_only] * 2


async def test_edited_message_is_ignored(bot: Bot):
    update = bot.telegram.push_message(ALICE, "Was ist OGP?", language_code="de")
    await bot.settle()
    message_id = update["message"]["message_id"]
    assert await bot.say(ALICE, "Was ist Open Government?", edit_of=message_id) == []
    assert await bot.say(ALICE, "/news", edit_of=message_id) == []
    assert len(bot.sent(ALICE)) == 1


async def test_group_plain_text_is_ignored_and_addressed_commands_are_answered(bot: Bot):
    in_group = {"chat_type": "group", "chat_id": GROUP_ID}
    assert await bot.say(ALICE, "Was ist Open Government?", **in_group) == []
    assert await bot.say(ALICE, "/news@some_other_bot", **in_group) == []
    [reply] = await bot.say(ALICE, f"/news@{BOT_USERNAME}", **in_group)
    assert "noch keine Beiträge gesammelt" in reply
    assert bot.last(GROUP_ID).reply_to_message_id is not None
    [hint] = await bot.say(ALICE, f"/subscribe@{BOT_USERNAME}", **in_group)
    assert hint.startswith("Das geht nur im privaten Chat mit mir")
    assert links(bot.last(GROUP_ID)) == {f"@{BOT_USERNAME}": f"https://t.me/{BOT_USERNAME}"}
    assert await bot.say(ALICE, "🙂", **in_group) == []


async def test_channel_post_is_ignored(bot: Bot):
    bot.telegram.push_channel_post(CHANNEL, "/news")
    bot.telegram.push_channel_post(CHANNEL, "Was ist Open Government?")
    await bot.settle()
    assert bot.telegram.sent(CHANNEL) == []


async def test_user_who_blocked_the_bot_meanwhile_is_no_error(
    bot: Bot, caplog: pytest.LogCaptureFixture
):
    bot.telegram.add_user(ALICE)
    bot.telegram.block(ALICE)
    assert await bot.say(ALICE, "Was ist OGP?") == []
    assert "reply_refused" in [r.getMessage() for r in caplog.records]
    # the fixture checks that nothing was logged as an error


async def test_unknown_command_points_to_help(bot: Bot):
    [reply] = await bot.say(ALICE, "/wetter")
    assert reply == TEXTS["de"].unknown_command


async def test_forwarded_message_gets_a_hint(bot: Bot):
    post = bot.telegram.push_channel_post(CHANNEL, "Neues aus dem Kanal")
    await bot.settle()
    before = len(bot.sent(ALICE))
    bot.telegram.push_forward(
        ALICE, CHANNEL, post["channel_post"]["message_id"], language_code="de"
    )
    await bot.settle()
    assert [m.text for m in bot.sent(ALICE)[before:]] == [TEXTS["de"].forwarded]


# --- the command menu -------------------------------------------------------------------------


async def test_set_commands_registers_german_and_english_menus(bot: Bot):
    german = bot.telegram.commands(language_code="de")
    english = bot.telegram.commands()
    assert [c["command"] for c in german] == [name for name, _ in MENU["de"]]
    assert [c["command"] for c in english] == [name for name, _ in MENU["en"]]
    assert {"konsultationen", "suche", "datenschutz", "links"} <= {c["command"] for c in german}
    assert {"consultations", "search", "privacy", "resources"} <= {c["command"] for c in english}


def test_menu_commands_all_have_handlers():
    handled = {alias for aliases in ALIASES.values() for alias in aliases}
    for lang in ("de", "en"):
        assert {name for name, _ in MENU[lang]} <= handled  # type: ignore[index]


# --- pure parts -------------------------------------------------------------------------------


def test_flood_gate_notices_once_then_drops_until_the_window_clears():
    gate = FloodGate(limit=3, window=10)
    verdicts = [gate.check(1, t) for t in (0, 1, 2, 3, 4, 5)]
    assert verdicts == ["pass", "pass", "pass", "notice", "drop", "drop"]
    assert gate.check(2, 5) == "pass"  # per user
    assert gate.check(1, 12) == "drop"  # 3, 4, 5 and 12 within 10 s: still flooding
    assert gate.check(1, 30) == "pass"
    assert [gate.check(1, t) for t in (31, 32, 33)] == ["pass", "pass", "notice"]


def test_flood_gate_forgets_idle_users():
    gate = FloodGate(limit=3, window=10)
    for user in range(100):
        gate.check(user, 0)
    gate.check(1000, 100)
    assert len(gate) == 1


def test_waiting_room_holds_a_few_per_person_until_their_window_has_room():
    gate = FloodGate(limit=3, window=10)
    room: WaitingRoom[str] = WaitingRoom(gate, per_person=2, max_wait=60)
    for t in (0, 1, 2, 3, 4, 5):
        gate.check(1, t)
    held = [room.hold(1, f"q{n}", 5) for n in range(5)]
    assert held == ["noticed", "held", "full", "dropped", "dropped"]
    assert room.hold(2, "other", 5) == "noticed"  # per person
    gate.check(2, 5)
    assert room.due(9) == ["other"]  # person 2 is calm; person 1's window is full
    assert room.due(11) == []  # 2, 3, 4 and 5 are within 10 s of 11: no room yet
    assert room.due(13) == ["q0", "q1"]  # only 4 and 5 left: room again; in order
    assert not room.has(1) and len(room) == 0
    assert room.hold(1, "again", 16) == "noticed"  # a new flood is told again


def test_waiting_room_answers_after_the_longest_wait_even_during_a_flood_and_on_stop():
    gate = FloodGate(limit=3, window=10)
    room: WaitingRoom[str] = WaitingRoom(gate, per_person=3, max_wait=60)
    room.hold(1, "early", 0)
    room.hold(1, "late", 30)
    for t in range(0, 61, 2):  # flooding all the time
        gate.check(1, t)
    assert room.due(59) == []
    assert room.due(60) == ["early"]
    assert room.take_all() == ["late"]
    assert len(room) == 0


def _stored(number: int, title: str, link: str) -> StoredItem:
    return StoredItem(
        id=number,
        source="ogp",
        link=link,
        title=title,
        summary="",
        content_html="",
        published=NOW,
        date_known=True,
        categories=(),
        author=None,
        kind="consultation",
        deadline=date(2026, 12, 15),
        deadline_guessed=False,
        first_seen=NOW,
        updated_at=NOW,
        backlog=False,
    )


def test_consultations_list_stays_within_telegram_limits_with_huge_links():
    long_link = "https://example.org/" + "a" * 1900
    items = [_stored(n, "T" * 400 + " & <x>", f"{long_link}{n}") for n in range(10)]
    html = consultations_html(items, "de", ())
    assert post_problems(html) == []
    assert html.count("🗳") >= 1


def test_answer_html_is_valid_for_known_and_unknown_answers_in_both_languages(answerer: Answerer):
    for question in ("Was ist Open Government?", "What is OGP?", "Wetter?", "🙂"):
        for client in ("de", "en", None):
            assert post_problems(answer_html(answerer.answer(question, client))) == []


# --- answers: choices and live data ----------------------------------------------------------


async def test_question_close_to_several_entries_offers_them_as_buttons(bot: Bot, answerer):
    question = next(
        q for q in ("Aktionsplan", "Was ist ein Aktionsplan?", "OGP") if answerer.answer(q).choices
    )
    expected = answerer.answer(question)
    [reply] = await bot.say(ALICE, question)
    assert expected.text.split(".")[0] in reply  # the best entry answers...
    buttons = bot.last(ALICE).buttons()
    offered = [choice.id for choice in expected.choices]
    assert [b["callback_data"] for b in buttons] == [f"kb:de:{topic}" for topic in offered]
    # ...and pressing another one sends that entry's answer as a new message
    update = await bot.press(ALICE, f"kb:de:{offered[0]}")
    chosen = answerer.entry_answer(offered[0], "de")
    assert chosen is not None
    assert chosen.text.split(".")[0] in bot.last(ALICE).text
    assert "Mehr dazu:" in bot.last(ALICE).text
    assert bot.telegram.callback_answer(update["callback_query"]["id"]) is not None


async def test_forged_choice_button_gets_the_stale_reply_and_nothing_else(bot: Bot):
    await bot.say(ALICE, "/help")
    before = len(bot.sent(ALICE))
    update = await bot.press(ALICE, "kb:de:no-such-entry", check_button=False)
    assert len(bot.sent(ALICE)) == before
    answered = bot.telegram.callback_answer(update["callback_query"]["id"])
    assert answered is not None and answered.get("text")


async def test_question_about_open_consultations_is_answered_from_the_store(bot: Bot):
    await bot.save(
        item(
            1,
            "Entwurf des 5. Aktionsplans: Kommentierung",
            kind="consultation",
            deadline=date(2026, 12, 20),
        ),
        item(2, "Open Data Portal erneuert"),
    )
    [reply] = await bot.say(ALICE, "Wann endet die Konsultation zum Aktionsplan?")
    assert "Entwurf des 5. Aktionsplans" in reply
    assert "20. Dezember 2026" in reply
    assert "https://www.opengovpartnership.org/news/1/" in links(bot.last(ALICE)).values()
    [news] = await bot.say(BOB, "Any news about open data?", lang="en")
    assert "Open Data Portal erneuert" in news


async def test_greeting_gets_a_short_friendly_reply(bot: Bot):
    [reply] = await bot.say(ALICE, "Hallo!")
    assert reply.startswith("Hallo!")
    assert "weiß ich leider nichts" not in reply
    [thanks] = await bot.say(BOB, "thanks!", lang="en")
    assert "welcome" in thanks
