"""Rich announcements (issue 16): the coordinator's formatting and links are kept, a photo whose
caption starts with /announce is an announcement with a picture, /announcements lists the latest
with their state, /edit corrects a sent one in the channel and the feeds, /pin pins one; and
``ogbot announce --photo``, ``ogbot announcements`` from the shell. As a coordinator (and an
operator) would: the real Application against the fake Bot API, real feeds on disk, real
subprocesses for the shell."""

from __future__ import annotations

import logging
import struct
import zlib
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest

from ogbot.bot.coordinator_views import REFUSAL
from ogbot.store import Store
from ogbot.text import utf16_len
from ogbot.web import start_web
from ogbot.web.page import page_text
from tests import test_cli_publish, test_coordinator
from tests.fakes.telegram import CHANNEL, SentMessage
from tests.test_cli_publish import Operator
from tests.test_coordinator import COORDINATOR, STRANGER, Harness, channel_post

bot = test_coordinator.bot  # the bot as `ogbot run` wires it, on the fake Bot API
operator = test_cli_publish.operator  # `ogbot` as a subprocess, against the fakes

# a phone's photo as the Bot API hands it on: JPEG bytes (the fake checks the signature)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG file, as an operator's image editor writes one."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x30\x60\x90" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def formatted(*parts: tuple[str, str | None] | tuple[str, str, str]) -> tuple[str, list[Any]]:
    """A message as a Telegram client sends it: the text and its entities (UTF-16 offsets)."""
    text, entities = "", []
    for part in parts:
        chunk, kind = part[0], part[1]
        if kind is not None:
            entity: dict[str, Any] = {"type": kind, "offset": utf16_len(text)}
            entity["length"] = utf16_len(chunk)
            if len(part) == 3:
                entity["url"] = part[2]
            entities.append(entity)
        text += chunk
    return text, entities


async def say_formatted(
    bot: Harness, text: str, entities: list[Any], containing: str
) -> SentMessage:
    before = len(bot.telegram.sent(COORDINATOR))
    bot.telegram.push_message(COORDINATOR, text, entities=entities)
    return await bot.reply_in(COORDINATOR, before, containing)


async def send_preview(bot: Harness, preview: SentMessage) -> None:
    await bot.press(COORDINATOR, preview.message_id, preview.buttons()[0]["callback_data"])
    await bot.drain()


def rss(bot: Harness) -> str:
    return (bot.settings.data_dir / "public" / "feed.rss").read_text(encoding="utf-8")


async def page(bot: Harness) -> str:
    return await page_text(bot.settings, bot.store, "", bot.clock())


# --- formatting and links -------------------------------------------------------------------


async def test_formatting_and_links_are_kept_in_the_channel_the_feeds_and_the_page(
    bot: Harness,
) -> None:
    text, entities = formatted(
        ("/announce", "bot_command"),
        (" ", None),
        ("Netzwerktreffen", "bold"),
        (" am ", None),
        ("10. Dezember", "italic"),
        (", ", None),
        ("online", "underline"),
        (" ", None),
        ("vor Ort", "strikethrough"),
        (". Raum ", None),
        ("B-2", "code"),
        (". ", None),
        ("Anmeldung", "text_link", "https://opengovpartnership.de/treffen?a=1&b=2"),
        (" und Protokoll: https://example.org/protokoll", None),
    )
    entities.append({"type": "url", "offset": text.index("https"), "length": 27})

    preview = await say_formatted(bot, text, entities, "Netzwerktreffen")
    await send_preview(bot, preview)

    [post] = bot.channel()
    assert post.text == preview.text and post.entities == preview.entities
    assert post.entity_texts("bold")[1:] == ["Netzwerktreffen"]  # after "Ankündigung"
    assert post.entity_texts("italic") == ["10. Dezember"]
    assert post.entity_texts("underline") == ["online"]
    assert post.entity_texts("strikethrough") == ["vor Ort"]
    assert post.entity_texts("code") == ["B-2"]
    [link] = [
        e
        for e in post.entities
        if e["type"] == "text_link" and e["url"].startswith("https://opengov")
    ]
    assert link["url"] == "https://opengovpartnership.de/treffen?a=1&b=2"
    # the preview card: the first link the coordinator wrote
    assert post.link_preview_options is not None
    assert post.link_preview_options["url"] == "https://opengovpartnership.de/treffen?a=1&b=2"

    for feed in (bot.feed(), rss(bot)):
        assert "&lt;b&gt;Netzwerktreffen&lt;/b&gt;" in feed
        assert "https://opengovpartnership.de/treffen?a=1&amp;amp;b=2" in feed
        assert '&lt;a href="https://example.org/protokoll"' in feed
    shown = await page(bot)
    assert "<b>Netzwerktreffen</b> am <i>10. Dezember</i>" in shown
    assert '<a href="https://opengovpartnership.de/treffen?a=1&amp;b=2">Anmeldung</a>' in shown
    assert '<a href="https://example.org/protokoll">https://example.org/protokoll</a>' in shown


async def test_links_that_are_not_http_and_mentions_by_id_become_plain_text(bot: Harness) -> None:
    text, entities = formatted(
        ("/announce", "bot_command"),
        (" Danke an ", None),
        ("Ada", "text_mention"),
        (" und ", None),
        ("das Team", "text_link", 'https://example.org/team" onclick="alert(1)'),
        ("!", None),
    )
    entities[1]["user"] = {"id": 4711, "is_bot": False, "first_name": "Ada"}

    preview = await say_formatted(bot, text, entities, "Danke an")
    await send_preview(bot, preview)

    [post] = bot.channel()
    assert "Danke an Ada und das Team!" in post.text
    urls = [e.get("url", "") for e in post.entities if e["type"] == "text_link"]
    assert not any(url.startswith("tg://") for url in urls)
    assert all("onclick" not in url and '"' not in url for url in urls)
    assert "onclick=" not in bot.feed() and "tg://" not in bot.feed()
    assert "onclick=" not in await page(bot)


async def test_a_plain_announcement_stays_as_it_was(bot: Harness) -> None:
    preview = await bot.announce("Treffen & Austausch <heute>: https://example.org/x")
    await send_preview(bot, preview)

    [post] = bot.channel()
    assert "Treffen & Austausch <heute>: https://example.org/x" in post.text
    [stored] = await bot.store.call(Store.recent_announcements, 5)
    assert stored.html is None


# --- photos ---------------------------------------------------------------------------------


async def photo_preview(bot: Harness, caption: str) -> SentMessage:
    before = len(bot.telegram.sent(COORDINATOR))
    bot.telegram.push_photo(COORDINATOR, JPEG, caption)
    return await bot.reply_in(COORDINATOR, before)


async def test_a_photo_with_an_announce_caption_is_an_announcement_with_a_picture(
    bot: Harness,
) -> None:
    preview = await photo_preview(bot, "/announce Fotos vom Netzwerktreffen\nDanke fürs Kommen!")

    assert preview.photo is not None
    assert preview.text.startswith("📣 Ankündigung\n\nFotos vom Netzwerktreffen")
    assert [b["text"] for b in preview.buttons()] == ["Jetzt senden", "Planen", "Abbrechen"]
    await send_preview(bot, preview)

    [post] = bot.channel()
    assert post.photo is not None
    assert bot.telegram.file_bytes(post.photo) == JPEG
    assert post.text == preview.text
    assert post.text.endswith("Kontakt: @OpenGovGermany")
    assert bot.telegram.calls("sendPhoto")[-1].params["chat_id"] in (CHANNEL, -1001234567890)

    [stored] = await bot.store.call(Store.recent_announcements, 5)
    assert stored.photo is not None and stored.image is not None
    kept = bot.settings.data_dir / "public" / "media" / stored.image
    assert kept.read_bytes() == JPEG
    image_url = f"https://feeds.example.org/media/{stored.image}"
    for feed in (bot.feed(), rss(bot)):
        assert f'&lt;img src="{image_url}"' in feed
        assert "Fotos vom Netzwerktreffen" in feed
    assert f'src="media/{stored.image}"' in await page(bot)


async def test_the_web_server_serves_the_picture_the_feeds_link(bot: Harness) -> None:
    preview = await photo_preview(bot, "/announce Mit Bild")
    await send_preview(bot, preview)
    [stored] = await bot.store.call(Store.recent_announcements, 5)
    server = await start_web(bot.settings, bot.store, host="127.0.0.1", port=0)
    try:
        async with httpx.AsyncClient() as client:
            picture = await client.get(f"{server.url}/media/{stored.image}")
            again = await client.get(
                f"{server.url}/media/{stored.image}",
                headers={"If-None-Match": picture.headers["ETag"]},
            )
            home = await client.get(f"{server.url}/")
            other = [
                (await client.get(f"{server.url}/media/{name}")).status_code
                for name in ("nothing.jpg", "..%2Fogbot.sqlite3", "feed.atom", "x.svg")
            ]
    finally:
        await server.stop()

    assert picture.status_code == 200 and picture.content == JPEG
    assert picture.headers["Content-Type"] == "image/jpeg"
    assert again.status_code == 304
    assert "img-src 'self'" in home.headers["Content-Security-Policy"]
    assert f'src="media/{stored.image}"' in home.text
    assert other == [404, 404, 404, 404]


async def test_a_caption_whose_command_the_client_did_not_mark_is_read_all_the_same(
    bot: Harness,
) -> None:
    before = len(bot.telegram.sent(COORDINATOR))
    bot.telegram.push_photo(COORDINATOR, JPEG, "/announce Ohne Markierung", caption_entities=[])
    preview = await bot.reply_in(COORDINATOR, before)

    assert preview.photo is not None
    assert preview.text.startswith("📣 Ankündigung\n\nOhne Markierung\n")


async def test_a_caption_over_telegrams_limit_is_refused_with_how_much_to_cut(
    bot: Harness,
) -> None:
    before = len(bot.telegram.sent(COORDINATOR))
    bot.telegram.push_photo(COORDINATOR, JPEG, "/announce " + "Langer Bericht. " * 70)
    reply = await bot.reply_in(COORDINATOR, before)

    assert "Bildunterschrift" in reply.text and "1024" in reply.text
    assert reply.photo is None and reply.buttons() == []
    assert await bot.store.call(Store.draft, 1) is None
    assert bot.telegram.calls("sendPhoto") == []


async def test_a_photo_without_the_command_is_not_an_announcement(bot: Harness) -> None:
    bot.telegram.push_photo(COORDINATOR, JPEG, "Nur ein Foto")
    await bot.say(COORDINATOR, "/announcements", containing="Ankündigungen")

    assert bot.telegram.calls("sendPhoto") == []
    assert await bot.store.call(Store.draft, 1) is None


async def test_a_strangers_photo_with_announce_is_refused(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot.telegram.push_photo(STRANGER, JPEG, "/announce Werbung", language_code="de")
    reply = await bot.reply_in(STRANGER, 0)

    assert reply.text == REFUSAL["de"]
    assert bot.telegram.calls("sendPhoto") == []


# --- /announcements, /edit, /pin ------------------------------------------------------------


async def test_announcements_lists_the_latest_with_state_and_buttons(bot: Harness) -> None:
    await channel_post(bot, "Gesendete Ankündigung")
    await bot.publisher.announce("Geplante Ankündigung", "Ada", bot.clock().replace(year=2027))
    cancelled = await bot.publisher.announce("Abgesagte", "Ada", bot.clock().replace(year=2027))
    await bot.services.coordination.cancel_announcement(cancelled.id, coordinator=COORDINATOR)

    listing = await bot.say(COORDINATOR, "/announcements")

    lines = listing.text.splitlines()
    assert lines[0] == "Letzte Ankündigungen"
    assert "3 · abgesagt" in listing.text and "Abgesagte" in listing.text
    assert "2 · geplant" in listing.text and "Geplante Ankündigung" in listing.text
    assert "1 · gesendet · 23.11.2026 11:00 Uhr" in listing.text
    assert listing.text.index("3 · abgesagt") < listing.text.index("1 · gesendet")  # newest first
    # buttons only for the one that was sent: edit, delete, pin
    assert [b["callback_data"] for b in listing.buttons()] == [
        "ann:edit:1",
        "ann:rm:1",
        "ann:pin:1",
    ]


async def test_edit_corrects_the_channel_post_and_the_feeds(bot: Harness) -> None:
    post = await channel_post(bot, "Treffen am 11. Dezember.")
    text, entities = formatted(
        ("/edit", "bot_command"), (" 1 Treffen am ", None), ("10. Dezember", "bold"), (".", None)
    )

    preview = await say_formatted(bot, text, entities, "Treffen am")
    assert [b["text"] for b in preview.buttons()] == ["Korrigieren", "Abbrechen"]
    assert "Treffen am 11. Dezember." in bot.feed()  # nothing changes before the confirmation
    before = len(bot.telegram.sent(COORDINATOR))
    answer = await bot.press(COORDINATOR, preview.message_id, "ann:fix:1")
    reply = await bot.reply_in(COORDINATOR, before, "Korrigiert")
    await bot.drain()

    assert answer["text"] == "Korrigiert."
    assert "im Kanal gleich korrigiert" in reply.text
    edited = bot.telegram.message(CHANNEL, post.message_id)
    assert edited.edited and edited.text == preview.text
    assert edited.entity_texts("bold")[1:] == ["10. Dezember"]
    assert "11. Dezember" not in bot.feed() and "10. Dezember" in bot.feed()
    assert "announcement_edited" in [a for _, _, a, _ in await bot.actions()]
    listing = await bot.say(COORDINATOR, "/announcements")
    assert "korrigiert" in listing.text


async def test_edit_keeps_the_line_breaks_of_the_correction(bot: Harness) -> None:
    post = await channel_post(bot, "Einladung\nOrt: folgt")

    preview = await bot.say(COORDINATOR, "/edit 1\nEinladung\nOrt: Berlin", containing="Berlin")
    await bot.press(COORDINATOR, preview.message_id, "ann:fix:1")
    await bot.drain()

    assert "Einladung\nOrt: Berlin" in bot.telegram.message(CHANNEL, post.message_id).text


async def test_edit_of_a_photo_announcement_corrects_its_caption(bot: Harness) -> None:
    preview = await photo_preview(bot, "/announce Fotos vom Treffn")
    await send_preview(bot, preview)
    [post] = bot.channel()

    correction = await bot.say(COORDINATOR, "/edit 1 Fotos vom Treffen", containing="Fotos vom")
    assert correction.photo is not None
    await bot.press(COORDINATOR, correction.message_id, "ann:fix:2")
    await bot.drain()

    assert [c.method for c in bot.telegram.requests if c.method.startswith("editMessage")][
        -1
    ] == "editMessageCaption"
    edited = bot.telegram.message(CHANNEL, post.message_id)
    assert edited.photo == post.photo and "Fotos vom Treffen\n" in edited.text


async def test_edit_with_the_same_text_leaves_the_post_as_it_is(bot: Harness) -> None:
    post = await channel_post(bot, "Unverändert.")

    preview = await bot.say(COORDINATOR, "/edit 1 Unverändert.", containing="Unverändert")
    await bot.press(COORDINATOR, preview.message_id, "ann:fix:1")
    await bot.drain()

    assert not bot.telegram.message(CHANNEL, post.message_id).edited


async def test_edit_of_an_unknown_or_unsent_announcement_explains_itself(bot: Harness) -> None:
    await bot.publisher.announce("Noch geplant", "Ada", bot.clock().replace(year=2027))

    unknown = await bot.say(COORDINATOR, "/edit 7 Neuer Text")
    planned = await bot.say(COORDINATOR, "/edit 1 Neuer Text")

    assert "/edit N" in unknown.text
    assert "noch geplant" in planned.text
    assert unknown.buttons() == [] and planned.buttons() == []


async def test_the_edit_button_shows_how_with_the_text_to_copy(bot: Harness) -> None:
    await channel_post(bot, "Alter Text mit <Klammern>.")
    listing = await bot.say(COORDINATOR, "/announcements")

    before = len(bot.telegram.sent(COORDINATOR))
    await bot.press(COORDINATOR, listing.message_id, "ann:edit:1")
    how = await bot.reply_in(COORDINATOR, before, "/edit 1")

    assert "Alter Text mit <Klammern>." in how.text
    assert how.entity_texts("pre") == ["Alter Text mit <Klammern>."]


async def test_pin_pins_the_channel_post_and_is_recorded(bot: Harness) -> None:
    post = await channel_post(bot, "Bitte oben lassen.")

    reply = await bot.say(COORDINATOR, "/pin 1")

    assert "angeheftet" in reply.text
    assert bot.telegram.message(CHANNEL, post.message_id).pinned
    assert bot.telegram.calls("pinChatMessage")[-1].params["disable_notification"] is True
    assert "post_pinned" in [a for _, _, a, _ in await bot.actions()]


async def test_the_pin_button_of_announcements_pins(bot: Harness) -> None:
    post = await channel_post(bot, "Per Knopf angeheftet.")
    listing = await bot.say(COORDINATOR, "/announcements")

    before = len(bot.telegram.sent(COORDINATOR))
    await bot.press(COORDINATOR, listing.message_id, "ann:pin:1")
    await bot.reply_in(COORDINATOR, before, "angeheftet")

    assert bot.telegram.message(CHANNEL, post.message_id).pinned


@pytest.mark.parametrize("command", ["/announcements", "/edit 1 Fremdtext", "/pin 1"])
async def test_strangers_may_not_list_edit_or_pin(bot: Harness, command: str) -> None:
    post = await channel_post(bot, "Original.")

    reply = await bot.say(STRANGER, command, language_code="de")

    assert reply.text == REFUSAL["de"]
    message = bot.telegram.message(CHANNEL, post.message_id)
    assert not message.edited and not message.pinned


async def test_a_stranger_pressing_pin_or_fix_changes_nothing(bot: Harness) -> None:
    post = await channel_post(bot, "Original bleibt.")
    listing = await bot.say(COORDINATOR, "/announcements")
    correction = await bot.say(COORDINATOR, "/edit 1 Geändert", containing="Geändert")

    for message_id, data in (
        (listing.message_id, "ann:pin:1"),
        (correction.message_id, "ann:fix:1"),
    ):
        answer = await bot.press(STRANGER, message_id, data, chat=COORDINATOR)
        assert answer["text"] == REFUSAL["de"]
    await bot.drain()

    message = bot.telegram.message(CHANNEL, post.message_id)
    assert not message.pinned and not message.edited
    assert "Original bleibt." in bot.feed()


# --- the fake's rules for captions ----------------------------------------------------------


async def test_the_fake_refuses_an_unchanged_caption_and_a_text_edit_of_a_photo(
    bot: Harness,
) -> None:
    preview = await photo_preview(bot, "/announce Bild")
    assert bot.app is not None
    api = bot.app.bot
    keyboard = InlineKeyboardMarkup.de_json(preview.reply_markup, api)

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await api.edit_message_caption(
            chat_id=COORDINATOR,
            message_id=preview.message_id,
            caption=preview.html,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
        )
    with pytest.raises(BadRequest, match="no text in the message"):
        await api.edit_message_text("x", chat_id=COORDINATOR, message_id=preview.message_id)
    with pytest.raises(BadRequest, match="caption is too long"):
        await api.send_photo(COORDINATOR, JPEG, caption="x" * 1025)


# --- the shell ------------------------------------------------------------------------------


def test_cli_announce_photo_uploads_it_and_keeps_it_for_the_feeds(
    operator: Operator, tmp_path: Path
) -> None:
    picture = tmp_path / "treffen.png"
    picture.write_bytes(png())

    result = operator.run("announce", "--photo", str(picture), "Fotos", "vom", "Treffen")

    assert result.returncode == 0, result.stderr
    assert "channel: 1 sent" in result.stdout
    [post] = operator.telegram.sent(CHANNEL)
    assert post.photo is not None and operator.telegram.file_bytes(post.photo) == png()
    assert "Fotos vom Treffen" in post.text
    kept = list((operator.data / "public" / "media").iterdir())
    assert [path.read_bytes() for path in kept] == [png()]
    assert f"media/{kept[0].name}" in result.stdout
    [entry] = feedparser.parse((operator.data / "public" / "feed.atom").read_bytes()).entries
    assert f"/media/{kept[0].name}" in entry.content[0].value

    listed = operator.run("announcements")
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert line.split()[:2] == ["1", "published"] and "[photo]" in line
    assert line.endswith("Fotos vom Treffen")


def test_cli_announce_photo_refuses_what_is_not_a_photo_or_too_long_a_caption(
    operator: Operator, tmp_path: Path
) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("kein Bild")
    picture = tmp_path / "bild.png"
    picture.write_bytes(png())

    not_a_photo = operator.run("announce", "--photo", str(text_file), "Text")
    missing = operator.run("announce", "--photo", str(tmp_path / "fehlt.jpg"), "Text")
    too_long = operator.run("announce", "--photo", str(picture), "-", stdin="Wort " * 250)

    assert not_a_photo.returncode == 2 and "not a JPEG or PNG" in not_a_photo.stderr
    assert missing.returncode == 2 and "fehlt.jpg" in missing.stderr
    assert too_long.returncode == 2 and "caption" in too_long.stderr
    assert operator.telegram.sent(CHANNEL) == []
    assert operator.run("announcements").stdout.strip() == "no announcements yet"
