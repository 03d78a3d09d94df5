"""Safe deletes (issue 16): ``/delete LINK`` shows the post and asks; only a confirmation
deletes it from the channel (and an announcement from the feeds). Driven as a coordinator would:
the real Application against the fake Bot API (tests/fakes/telegram.py), a real store, the
outbox posting to the fake channel (see tests/test_coordinator.py for the harness)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from ogbot.bot.coordinator_views import REFUSAL
from ogbot.models import Item
from ogbot.store import Store
from tests import test_coordinator
from tests.fakes.telegram import CHANNEL, CHANNEL_ID, SentMessage
from tests.test_coordinator import COORDINATOR, STRANGER, Harness, channel_post

bot = test_coordinator.bot  # the fixture: the bot as `ogbot run` wires it, on the fake Bot API


def link(message_id: int) -> str:
    return f"/delete https://t.me/ogbot_test/{message_id}"


def button(question: SentMessage, action: str) -> str:
    return next(
        b["callback_data"] for b in question.buttons() if f":{action}:" in b["callback_data"]
    )


async def actions(bot: Harness) -> list[str]:
    return [action for _, _, action, _ in await bot.actions()]


async def item_post(bot: Harness) -> SentMessage:
    """A source's item, posted to the channel as the watch cycle would."""
    await bot.store.call(Store.source_state, "ogp", "https://www.opengovpartnership.org/feed/")
    published = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    item = Item(
        source="ogp",
        guid="https://www.opengovpartnership.org/?p=4711",
        link="https://www.opengovpartnership.org/news/aktionsplan-2026/",
        key="opengovpartnership.org/news/aktionsplan-2026",
        title="Vierter Aktionsplan: Entwurf zur Kommentierung",
        summary="Der Entwurf des Aktionsplans liegt vor.",
        content_html="",
        published=published,
        date_known=True,
        categories=("Aktionsplan",),
        author=None,
        kind="news",
        deadline=None,
        deadline_guessed=False,
    )
    saved = await bot.store.call(Store.save_items, "ogp", [item], published, False)
    await bot.publisher.outbox.enqueue_items(saved.new_ids)
    await bot.drain()
    return bot.channel()[-1]


async def test_delete_shows_the_post_and_deletes_nothing_until_confirmed(bot: Harness) -> None:
    post = await channel_post(bot, "Netzwerktreffen am 10. Dezember, online.\nAnmeldung folgt.")

    question = await bot.say(COORDINATOR, link(post.message_id))

    assert question.text.startswith("Diesen Beitrag löschen?")
    assert "Ankündigung vom 23.11.2026 11:00 Uhr" in question.text  # kind, local time
    assert "Netzwerktreffen am 10. Dezember, online." in question.text
    assert "Kontakt" not in question.text
    assert [b["text"] for b in question.buttons()] == ["🗑 Ja, löschen", "Abbrechen"]
    assert not bot.telegram.message(CHANNEL, post.message_id).deleted
    assert "Netzwerktreffen" in bot.feed()
    assert "delete_asked" in await actions(bot)

    before = len(bot.telegram.sent(COORDINATOR))
    answer = await bot.press(COORDINATOR, question.message_id, button(question, "del"))
    reply = await bot.reply_in(COORDINATOR, before, "Gelöscht")

    assert answer["text"] == "Gelöscht."
    assert "auch aus den Feeds" in reply.text
    assert bot.telegram.message(CHANNEL, post.message_id).deleted
    assert "Netzwerktreffen" not in bot.feed()
    assert bot.telegram.message(COORDINATOR, question.message_id).buttons() == []
    assert "post_deleted" in await actions(bot)


async def test_a_mistyped_number_shows_the_other_post_and_cancel_keeps_it(bot: Harness) -> None:
    meant = await channel_post(bot, "Falsches Datum im Termin.")
    other = await channel_post(bot, "Wichtig: Konsultation zum Aktionsplan läuft.")

    question = await bot.say(COORDINATOR, link(other.message_id))  # one digit off
    assert "Wichtig: Konsultation zum Aktionsplan läuft." in question.text
    assert "Falsches Datum" not in question.text

    before = len(bot.telegram.sent(COORDINATOR))
    answer = await bot.press(COORDINATOR, question.message_id, button(question, "keep"))
    await bot.reply_in(COORDINATOR, before, "Nicht gelöscht")

    assert answer["text"] == "Nicht gelöscht."
    assert not bot.telegram.message(CHANNEL, other.message_id).deleted
    assert not bot.telegram.message(CHANNEL, meant.message_id).deleted
    assert "Wichtig: Konsultation" in bot.feed()
    assert bot.telegram.message(COORDINATOR, question.message_id).buttons() == []
    assert "delete_cancelled" in await actions(bot)


async def test_an_item_post_is_shown_with_its_title_and_kind(bot: Harness) -> None:
    post = await item_post(bot)

    question = await bot.say(COORDINATOR, link(post.message_id))

    assert "Beitrag vom 23.11.2026 11:00 Uhr" in question.text
    assert "Vierter Aktionsplan: Entwurf zur Kommentierung" in question.text
    assert "aus dem Kanal gelöscht" in question.text and "Feeds" not in question.text


async def test_a_number_ogbot_never_sent_says_so(bot: Harness) -> None:
    await channel_post(bot, "Die einzige Ankündigung.")

    reply = await bot.say(COORDINATOR, link(999))

    assert "hat ogbot nicht gesendet" in reply.text
    assert reply.buttons() == []


async def test_a_stranger_pressing_the_confirmation_changes_nothing(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    post = await channel_post(bot, "Bleibt stehen.")
    question = await bot.say(COORDINATOR, link(post.message_id))

    answer = await bot.press(
        STRANGER, question.message_id, button(question, "del"), chat=COORDINATOR
    )

    assert answer["text"] == REFUSAL["de"] and answer["show_alert"]
    assert not bot.telegram.message(CHANNEL, post.message_id).deleted
    assert "Bleibt stehen." in bot.feed()
    stored = await bot.store.call(Store.sent_post_for_message, str(CHANNEL_ID), post.message_id)
    assert stored is not None and stored.state == "sent"


async def test_a_second_confirmation_does_nothing(bot: Harness) -> None:
    post = await channel_post(bot, "Einmal löschen reicht.")
    question = await bot.say(COORDINATOR, link(post.message_id))
    data = button(question, "del")

    before = len(bot.telegram.sent(COORDINATOR))
    await bot.press(COORDINATOR, question.message_id, data)
    await bot.reply_in(COORDINATOR, before, "Gelöscht")
    again = await bot.press(COORDINATOR, question.message_id, data, check_button=False)

    assert again["text"] == "Schon erledigt."
    assert bot.telegram.calls("deleteMessage")[-1].params["message_id"] == post.message_id
    assert len(bot.telegram.calls("deleteMessage")) == 1
    assert (await actions(bot)).count("post_deleted") == 1


async def test_delete_of_a_deleted_post_says_so_without_asking(bot: Harness) -> None:
    post = await channel_post(bot, "Schon weg.")
    question = await bot.say(COORDINATOR, link(post.message_id))
    before = len(bot.telegram.sent(COORDINATOR))
    await bot.press(COORDINATOR, question.message_id, button(question, "del"))
    await bot.reply_in(COORDINATOR, before, "Gelöscht")

    again = await bot.say(COORDINATOR, link(post.message_id))

    assert "schon gelöscht" in again.text
    assert again.buttons() == []


async def test_the_delete_button_of_announcements_asks_first(bot: Harness) -> None:
    post = await channel_post(bot, "Über die Liste gelöscht.")
    listing = await bot.say(COORDINATOR, "/announcements")

    before = len(bot.telegram.sent(COORDINATOR))
    await bot.press(COORDINATOR, listing.message_id, "ann:rm:1")
    question = await bot.reply_in(COORDINATOR, before, "löschen?")
    assert "Über die Liste gelöscht." in question.text
    assert not bot.telegram.message(CHANNEL, post.message_id).deleted

    before = len(bot.telegram.sent(COORDINATOR))
    await bot.press(COORDINATOR, question.message_id, button(question, "del"))
    await bot.reply_in(COORDINATOR, before, "Gelöscht")

    assert bot.telegram.message(CHANNEL, post.message_id).deleted
    assert "Über die Liste gelöscht." not in bot.feed()
    [stored] = await bot.store.call(Store.recent_announcements, 10)
    assert stored.state == "deleted"
