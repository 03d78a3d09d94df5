"""The fake Bot API itself, driven by python-telegram-bot's real Bot and by raw httpx."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram, ManualClock

USER = 4242


def make_bot(fake: FakeTelegram, *, token: str | None = None, read_timeout: float = 5.0) -> Bot:
    return Bot(
        token or fake.token,
        base_url=fake.base_url,
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=5.0),
        get_updates_request=HTTPXRequest(read_timeout=5.0, connect_timeout=5.0),
    )


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake_telegram) as b:
        yield b


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as c:
        yield c


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def timed(clock: ManualClock) -> Iterator[FakeTelegram]:
    """A fake on a manual clock, with the test channel."""
    with FakeTelegram(clock=clock) as fake:
        fake.add_channel(CHANNEL, CHANNEL_ID)
        yield fake


async def eventually(condition: Callable[[], object]) -> None:
    """Wait until the condition holds: a bounded guard against hanging, not a timing test."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def call(
    client: httpx.Client, fake: FakeTelegram, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """A raw JSON call; returns the status and the decoded answer."""
    response = client.post(fake.url(method), json=params)
    assert response.headers["content-type"] == "application/json"
    return response.status_code, response.json()


def send_html(client: httpx.Client, fake: FakeTelegram, text: str) -> tuple[int, dict[str, Any]]:
    return call(client, fake, "sendMessage", chat_id=CHANNEL, text=text, parse_mode="HTML")


# --- the basics ------------------------------------------------------------------------------


async def test_get_me_answers_the_bot_user(
    fake_telegram: FakeTelegram, bot: Bot, client: httpx.Client
) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username, me.can_join_groups) == (
        123456,
        True,
        "ogbot_test_bot",
        True,
    )

    status, body = call(client, fake_telegram, "getMe")
    assert status == 200
    assert body["ok"] is True
    assert body["result"]["first_name"] == "ogbot (test)"


async def test_send_message_with_valid_html_is_delivered_as_telegram_shows_it(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Mehr", callback_data="more:1")]])
    html = '<b>Neu:</b> Konsultation &amp; <a href="https://example.org">Entwurf</a> #OGP'

    message = await bot.send_message(
        CHANNEL,
        html,
        parse_mode="HTML",
        disable_notification=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=keyboard,
    )

    assert message.text == "Neu: Konsultation & Entwurf #OGP"
    assert message.chat.id == CHANNEL_ID
    assert message.reply_markup == keyboard
    [post] = fake_telegram.sent(CHANNEL)
    assert fake_telegram.sent(CHANNEL_ID) == [post]
    assert fake_telegram.sent(str(CHANNEL_ID)) == [post]
    assert post.message_id == message.message_id
    assert post.text == message.text
    assert post.html == html
    assert post.entity_texts("bold") == ["Neu:"]
    assert post.entity_texts("text_link") == ["Entwurf"]
    assert post.entity_texts("hashtag") == ["#OGP"]
    assert [e.get("url") for e in post.entities if e["type"] == "text_link"] == [
        "https://example.org/"
    ]
    assert post.disable_notification is True
    assert post.link_preview_options == {"is_disabled": True}
    assert post.buttons() == [{"text": "Mehr", "callback_data": "more:1"}]
    assert post.deleted is False


async def test_message_ids_increase_per_chat(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.add_channel("@other", -1009999999999)
    first = await bot.send_message(CHANNEL, "eins")
    second = await bot.send_message(CHANNEL_ID, "zwei")
    elsewhere = await bot.send_message("@other", "drei")

    assert second.message_id == first.message_id + 1
    assert elsewhere.message_id == 1
    assert [m.text for m in fake_telegram.sent()] == ["eins", "zwei", "drei"]


@pytest.mark.parametrize("encoding", ["json", "form", "multipart", "query"])
def test_parameters_arrive_in_every_encoding_telegram_accepts(
    fake_telegram: FakeTelegram, client: httpx.Client, encoding: str
) -> None:
    params = {
        "chat_id": str(CHANNEL_ID),
        "text": "<i>kursiv</i>",
        "parse_mode": "HTML",
        "disable_notification": "true",
        "reply_markup": json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}),
    }
    url = fake_telegram.url("sendMessage")
    if encoding == "json":
        typed = {**params, "chat_id": CHANNEL_ID, "disable_notification": True}
        typed["reply_markup"] = json.loads(params["reply_markup"])
        response = client.post(url, json=typed)
    elif encoding == "form":
        response = client.post(url, data=params)
    elif encoding == "multipart":
        response = client.post(url, data=params, files={"unused": ("a.txt", b"x")})
    else:
        response = client.get(url, params=params)

    assert response.status_code == 200, response.text
    [post] = fake_telegram.sent(CHANNEL)
    assert post.text == "kursiv"
    assert post.entity_texts("italic") == ["kursiv"]
    assert post.disable_notification is True
    assert post.buttons() == [{"text": "a", "callback_data": "b"}]
    [request] = fake_telegram.calls("sendMessage")
    assert request.params["chat_id"] == CHANNEL_ID
    assert request.params["disable_notification"] is True
    assert request.status == 200


def test_wrong_token_is_401_unauthorized_and_unknown_method_404(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    wrong = client.post(fake_telegram.url("getMe", token="123456:WRONG"))
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}

    unknown = client.post(fake_telegram.url("sendTelepathy"))
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}

    # method names are case-insensitive on Telegram
    assert client.post(fake_telegram.url("GETME")).json()["result"]["id"] == 123456


async def test_wrong_token_raises_ptb_invalid_token(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(fake_telegram, token="123456:WRONG"):
            pass
    assert fake_telegram.requests[0].token_ok is False


async def test_get_chat_resolves_username_and_id(fake_telegram: FakeTelegram, bot: Bot) -> None:
    by_name = await bot.get_chat(CHANNEL)
    by_id = await bot.get_chat(CHANNEL_ID)

    assert by_name.id == by_id.id == CHANNEL_ID
    assert by_name.username == "ogbot_test"
    assert by_name.type == "channel"
    with pytest.raises(BadRequest, match=r"^Chat not found$"):  # PTB capitalises the text
        await bot.get_chat("@nobody_here")


async def test_sending_to_an_unknown_chat_is_chat_not_found(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    status, body = call(client, fake_telegram, "sendMessage", chat_id=USER, text="hallo")

    assert status == 400
    assert body["description"] == "Bad Request: chat not found"


# --- HTML and length -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "description"),
    [
        ("<p>Absatz</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("Zeile<br>Zeile", 'Unsupported start tag "br" at byte offset 5'),
        ("<b>fett", 'Can\'t find end tag corresponding to start tag "b"'),
        (
            "<b><i>x</b></i>",
            'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
        ),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Ä < b", 'Unsupported start tag "" at byte offset 3'),  # byte offsets, not characters
        (
            "Tom & Jerry",
            'Character "&" is reserved and must be escaped with "&amp;" at byte offset 4',
        ),
        ("a&nbsp;b", 'Character "&" is reserved and must be escaped with "&amp;" at byte offset 1'),
        ("a > b", 'Character ">" is reserved and must be escaped with "&gt;" at byte offset 2'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            '<a href="javascript:alert(1)">x</a>',
            'Unsupported URL "javascript:alert(1)" in the tag "a" at byte offset 0: only '
            "http(s):// and tg:// links are allowed",
        ),
        (
            '<a href="example.org">x</a>',
            'Unsupported URL "example.org" in the tag "a" at byte offset 0: only http(s):// and '
            "tg:// links are allowed",
        ),
        (
            '<a href="https://x.org/?a=1&b=2">x</a>',
            'Character "&" is reserved and must be escaped with "&amp;" at byte offset 27',
        ),
    ],
)
def test_invalid_html_is_refused_with_telegrams_description(
    fake_telegram: FakeTelegram, client: httpx.Client, html: str, description: str
) -> None:
    status, body = send_html(client, fake_telegram, html)

    assert status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": f"Bad Request: can't parse entities: {description}",
    }
    assert fake_telegram.sent(CHANNEL) == []


@pytest.mark.parametrize(
    ("html", "text", "kinds"),
    [
        (
            "<strong>a</strong><em>b</em><ins>c</ins><del>d</del>",
            "abcd",
            ["bold", "italic", "underline", "strikethrough"],
        ),
        ('<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span>', "s t", ["spoiler"] * 2),
        ("<pre><code>x = 1</code></pre>", "x = 1", ["pre"]),
        ("<code><b>x</b></code>", "x", ["code"]),  # nothing inside code
        ("<blockquote expandable>Zitat</blockquote>", "Zitat", ["expandable_blockquote"]),
        ("&lt;tag&gt; &quot;q&quot; &#38; &#x1F600;", '<tag> "q" & 😀', []),
        ("  <b>Rand</b>\n\n", "Rand", ["bold"]),  # trimmed like Telegram
        ("Mehr: https://x.org/a. @OpenGovGermany /news", None, ["url", "mention", "bot_command"]),
    ],
)
def test_valid_html_becomes_text_and_entities(
    fake_telegram: FakeTelegram,
    client: httpx.Client,
    html: str,
    text: str | None,
    kinds: list[str],
) -> None:
    status, body = send_html(client, fake_telegram, html)

    assert status == 200, body
    assert body["result"]["text"] == (html if text is None else text)
    got = [e["type"] for e in body["result"].get("entities", [])]
    assert got == kinds


def test_pre_with_language_is_one_pre_entity(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    _, body = send_html(
        client, fake_telegram, '<pre><code class="language-python">x = 1</code></pre>'
    )

    assert body["result"]["entities"] == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"}
    ]


def test_auto_detected_entities_cover_what_telegram_would_link(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    send_html(client, fake_telegram, "Mehr: https://example.org/a. #Open_Gov-2 #2025 /news")

    [post] = fake_telegram.sent(CHANNEL)
    assert post.entity_texts("url") == ["https://example.org/a"]
    assert post.entity_texts("hashtag") == ["#Open_Gov"]  # digits alone are no hashtag
    assert post.entity_texts("bot_command") == ["/news"]


async def test_invalid_html_raises_ptb_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "p" at byte offset 0'):
        await bot.send_message(CHANNEL, "<p>Hallo</p>", parse_mode="HTML")


def test_text_limit_counts_utf16_units_after_parsing(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    emoji = "😀" * 2048  # 2048 characters, 4096 UTF-16 units

    fits = send_html(client, fake_telegram, f"<b>{emoji}</b>")  # tags do not count
    too_long = send_html(client, fake_telegram, f"<b>{emoji}</b>a")

    assert fits[0] == 200
    assert too_long == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
    )
    [post] = fake_telegram.sent(CHANNEL)
    assert post.entities == ({"type": "bold", "offset": 0, "length": 4096},)


@pytest.mark.parametrize("html", ["<b></b>", "   \n", "<i> </i>"])
def test_text_empty_after_parsing_is_refused(
    fake_telegram: FakeTelegram, client: httpx.Client, html: str
) -> None:
    status, body = send_html(client, fake_telegram, html)

    assert status == 400
    assert body["description"] == "Bad Request: message text is empty"


def test_more_than_100_entities_is_refused(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    hundred = " ".join(["<b>x</b>"] * 100)
    status, _ = send_html(client, fake_telegram, hundred)
    assert status == 200

    status, body = send_html(client, fake_telegram, hundred + " #eins")  # hashtags count too

    assert status == 400
    assert body["description"].startswith("Bad Request: too many entities: 101, at most 100")
    assert len(fake_telegram.sent(CHANNEL)) == 1


@pytest.mark.parametrize(
    ("data", "ok"),
    [("x" * 64, True), ("ä" * 32, True), ("x" * 65, False), ("ä" * 33, False), ("", False)],
)
def test_callback_data_is_limited_to_64_bytes(
    fake_telegram: FakeTelegram, client: httpx.Client, data: str, ok: bool
) -> None:
    markup = {"inline_keyboard": [[{"text": "Knopf", "callback_data": data}]]}

    status, body = call(
        client, fake_telegram, "sendMessage", chat_id=CHANNEL, text="t", reply_markup=markup
    )

    assert (status == 200) is ok
    if not ok:
        assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"


def test_link_preview_and_notification_options_are_checked(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    bad_flag = call(
        client, fake_telegram, "sendMessage", chat_id=CHANNEL, text="t", disable_notification="ja"
    )
    bad_preview = call(
        client, fake_telegram, "sendMessage", chat_id=CHANNEL, text="t", link_preview_options=[]
    )
    legacy = call(
        client,
        fake_telegram,
        "sendMessage",
        chat_id=CHANNEL,
        text="t",
        disable_web_page_preview=True,
    )

    assert bad_flag[0] == bad_preview[0] == 400
    assert legacy[0] == 200
    assert fake_telegram.sent(CHANNEL)[0].link_preview_options == {"is_disabled": True}


# --- misbehaviour ----------------------------------------------------------------------------


async def test_429_surfaces_as_retry_after_and_delivers_nothing(
    fake_telegram: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22: retry_after as a timedelta
    fake_telegram.fail_next("sendMessage", status=429, retry_after=3)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHANNEL, "eins")
    await bot.send_message(CHANNEL, "zwei")

    assert caught.value.retry_after == timedelta(seconds=3)
    assert [m.text for m in fake_telegram.sent(CHANNEL)] == ["zwei"]
    assert [r.status for r in fake_telegram.calls("sendMessage")] == [429, 200]


def test_429_answer_has_telegrams_shape(fake_telegram: FakeTelegram, client: httpx.Client) -> None:
    fake_telegram.fail_next("sendMessage", status=429, retry_after=7)

    assert call(client, fake_telegram, "sendMessage", chat_id=CHANNEL, text="t") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )


async def test_500_is_a_network_error_and_delivers_nothing(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.fail_next("sendMessage", status=500, times=2)

    for _ in range(2):
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(CHANNEL, "eins")
        assert not isinstance(caught.value, BadRequest | TimedOut)
    await bot.send_message(CHANNEL, "zwei")

    assert [m.text for m in fake_telegram.sent(CHANNEL)] == ["zwei"]


async def test_403_raises_forbidden_with_telegrams_text_for_the_chat(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.add_user(USER)
    fake_telegram.fail_next("sendMessage", status=403, times=2)

    with pytest.raises(Forbidden, match=r"^Forbidden: bot is not a member of the channel chat$"):
        await bot.send_message(CHANNEL, "eins")
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(USER, "eins")

    assert fake_telegram.sent() == []


async def test_removed_bot_and_blocking_user_answer_403(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.add_user(USER)
    fake_telegram.remove_bot(CHANNEL)
    fake_telegram.block(USER)

    with pytest.raises(Forbidden, match="not a member of the channel chat"):
        await bot.send_message(CHANNEL_ID, "eins")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER, "eins")


async def test_injected_400_carries_its_description(fake_telegram: FakeTelegram, bot: Bot) -> None:
    fake_telegram.fail_next("sendMessage", status=400, description="Bad Request: not enough rights")

    with pytest.raises(BadRequest, match="Not enough rights"):
        await bot.send_message(CHANNEL, "eins")


async def test_slow_answer_times_out_in_ptb_though_the_message_arrived(
    fake_telegram: FakeTelegram,
) -> None:
    fake_telegram.slow_next("sendMessage", delay=3.0)

    async with make_bot(fake_telegram, read_timeout=0.3) as slow_bot:
        with pytest.raises(TimedOut):
            await slow_bot.send_message(CHANNEL, "angekommen")

    assert [m.text for m in fake_telegram.sent(CHANNEL)] == ["angekommen"]


async def test_dropped_connection_is_a_network_error_and_nothing_arrived(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.drop_next("sendMessage")

    with pytest.raises(NetworkError) as caught:
        await bot.send_message(CHANNEL, "verloren")
    await bot.send_message(CHANNEL, "danach")

    assert not isinstance(caught.value, TimedOut)
    assert [m.text for m in fake_telegram.sent(CHANNEL)] == ["danach"]
    assert [r.status for r in fake_telegram.calls("sendMessage")] == [None, 200]


# --- editing and deleting --------------------------------------------------------------------


async def test_edit_message_text_keeps_history_and_drops_what_it_omits(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Senden", callback_data="send")]])
    sent = await bot.send_message(
        CHANNEL,
        "<b>Entwurf</b>",
        parse_mode="HTML",
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )

    edited = await bot.edit_message_text(
        "<i>Gesendet</i>", CHANNEL, sent.message_id, parse_mode="HTML"
    )

    assert isinstance(edited, Message)
    assert edited.text == "Gesendet"
    assert edited.edit_date is not None
    post = fake_telegram.message(CHANNEL, sent.message_id)
    assert post.text == "Gesendet"
    assert post.entity_texts("italic") == ["Gesendet"]
    assert post.reply_markup is None  # Telegram drops the keyboard when the edit omits it
    assert post.link_preview_options is None  # ... and the preview settings
    assert [v.text for v in post.history] == ["Entwurf"]
    assert post.history[0].reply_markup is not None
    assert fake_telegram.sent(CHANNEL) == [post]


async def test_identical_edit_is_not_modified_and_bad_html_refused(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    sent = await bot.send_message(CHANNEL, "<b>gleich</b>", parse_mode="HTML")

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<b>gleich</b>", CHANNEL_ID, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.edit_message_text("<p>neu</p>", CHANNEL, sent.message_id, parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("neu", CHANNEL, sent.message_id + 1)

    assert fake_telegram.message(CHANNEL, sent.message_id).edited is False


async def test_edit_message_reply_markup_replaces_the_keyboard(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    first = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    second = InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data="b")]])
    sent = await bot.send_message(CHANNEL, "Text", reply_markup=first)

    await bot.edit_message_reply_markup(CHANNEL, sent.message_id, reply_markup=second)

    assert fake_telegram.message(CHANNEL, sent.message_id).buttons() == [
        {"text": "B", "callback_data": "b"}
    ]
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(CHANNEL, sent.message_id, reply_markup=second)


async def test_delete_message_only_within_48_hours(timed: FakeTelegram, clock: ManualClock) -> None:
    async with make_bot(timed) as b:
        young = await b.send_message(CHANNEL, "jung")
        old = await b.send_message(CHANNEL, "alt")
        clock.advance(timedelta(hours=47, minutes=59))
        assert await b.delete_message(CHANNEL, young.message_id) is True
        clock.advance(timedelta(minutes=1))

        with pytest.raises(BadRequest, match=r"^Message can't be deleted$"):
            await b.delete_message(CHANNEL_ID, old.message_id)
        with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
            await b.delete_message(CHANNEL, young.message_id)

    assert [(m.text, m.deleted) for m in timed.sent(CHANNEL)] == [("jung", True), ("alt", False)]


# --- flood limits ----------------------------------------------------------------------------


async def test_more_than_20_posts_per_minute_to_one_channel_get_429(
    timed: FakeTelegram, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with make_bot(timed) as b:
        first = await b.send_message(CHANNEL, "0")
        clock.advance(10)
        for i in range(1, 19):  # @name and -100… count together, edits count
            await b.send_message(CHANNEL if i % 2 else CHANNEL_ID, str(i))
        await b.edit_message_text("0 (edited)", CHANNEL, first.message_id)

        with pytest.raises(RetryAfter) as caught:
            await b.send_message(CHANNEL_ID, "too many")
        assert caught.value.retry_after == timedelta(seconds=50)

        clock.advance(50)  # the first post leaves the window
        await b.send_message(CHANNEL_ID, "20")

    assert len(timed.sent(CHANNEL)) == 20


def test_more_than_30_messages_per_second_overall_get_429(
    timed: FakeTelegram, clock: ManualClock, client: httpx.Client
) -> None:
    for user in range(1, 32):
        timed.add_user(user)
    answers = [call(client, timed, "sendMessage", chat_id=user, text="hi") for user in range(1, 32)]

    assert [status for status, _ in answers] == [200] * 30 + [429]
    assert answers[-1][1]["parameters"] == {"retry_after": 1}
    clock.advance(1)
    assert call(client, timed, "sendMessage", chat_id=31, text="hi")[0] == 200


def test_rate_limit_can_be_switched_off(clock: ManualClock, client: httpx.Client) -> None:
    with FakeTelegram(clock=clock, rate_limit=False) as fake:
        fake.add_channel(CHANNEL, CHANNEL_ID)
        statuses = {
            call(client, fake, "sendMessage", chat_id=CHANNEL, text="x")[0] for _ in range(25)
        }
    assert statuses == {200}


# --- updates ---------------------------------------------------------------------------------


async def test_get_updates_delivers_a_pushed_message_until_confirmed(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.push_message(USER, "/start", first_name="Ada", language_code="de")

    [update] = await bot.get_updates(timeout=0)
    again = await bot.get_updates(timeout=0)
    confirmed = await bot.get_updates(offset=update.update_id + 1, timeout=0)

    assert update.message is not None
    assert update.message.text == "/start"
    assert update.message.chat.type == "private"
    assert update.message.from_user is not None
    assert (update.message.from_user.first_name, update.message.from_user.language_code) == (
        "Ada",
        "de",
    )
    assert update.message.entities[0].type == "bot_command"
    assert [u.update_id for u in again] == [update.update_id]
    assert confirmed == ()


async def test_get_updates_delivers_a_callback_that_is_answered_once(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.add_user(USER)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="confirm:7")]])
    sent = await bot.send_message(USER, "Senden?", reply_markup=keyboard)
    pushed = fake_telegram.push_callback(USER, sent.message_id, "confirm:7")

    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None
    assert (query.data, query.from_user.id) == ("confirm:7", USER)
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    await query.answer("Gesendet")
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("nochmal")

    answer = fake_telegram.callback_answer(pushed["callback_query"]["id"])
    assert answer is not None
    assert answer["text"] == "Gesendet"
    with pytest.raises(ValueError, match="no button"):
        fake_telegram.push_callback(USER, sent.message_id, "forged")


async def test_allowed_updates_filter_what_is_delivered(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.add_user(USER)
    sent = await bot.send_message(
        USER,
        "?",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]]),
    )
    fake_telegram.push_callback(USER, sent.message_id, "x")
    fake_telegram.push_message(USER, "Frage")

    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])

    assert [u.message.text for u in updates if u.message] == ["Frage"]
    assert all(u.callback_query is None for u in updates)


async def test_pushed_forward_reply_edit_and_channel_post_arrive_as_telegram_sends_them(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    post = await bot.send_message(CHANNEL, "<b>Alt</b>", parse_mode="HTML")
    forward = fake_telegram.push_forward(USER, CHANNEL, post.message_id)
    forwarded_id = forward["message"]["message_id"]
    fake_telegram.push_message(USER, "/delete", reply_to=forwarded_id)
    fake_telegram.push_message(USER, "/delete bitte", edit_of=forwarded_id + 1)
    fake_telegram.push_channel_post(CHANNEL, "von jemand anderem")

    forwarded, command, edited, channel_post = await bot.get_updates(timeout=0)

    assert forwarded.message is not None
    origin = forwarded.message.forward_origin
    assert origin is not None
    assert (origin.type, origin.chat.id, origin.message_id) == (  # type: ignore[attr-defined]
        "channel",
        CHANNEL_ID,
        post.message_id,
    )
    assert forwarded.message.text == "Alt"
    assert command.message is not None
    assert command.message.reply_to_message is not None
    assert command.message.reply_to_message.message_id == forwarded_id
    assert edited.message is None
    assert edited.edited_message is not None
    assert edited.edited_message.text == "/delete bitte"
    assert channel_post.channel_post is not None
    assert channel_post.channel_post.chat.id == CHANNEL_ID


async def test_delete_webhook_can_drop_pending_updates(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    fake_telegram.push_message(USER, "alt")

    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.get_updates(timeout=0) == ()


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await eventually(lambda: fake_telegram.calls("getUpdates"))

    fake_telegram.push_message(USER, "Hallo")
    updates = await asyncio.wait_for(poll, 10)  # a guard against hanging, not a timing test

    assert [u.message.text for u in updates if u.message] == ["Hallo"]


def test_long_poll_returns_empty_on_timeout(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    status, body = call(client, fake_telegram, "getUpdates", timeout=0.2)

    assert (status, body) == (200, {"ok": True, "result": []})


async def test_long_poll_returns_when_the_server_stops() -> None:
    fake = FakeTelegram().start()
    async with httpx.AsyncClient(timeout=60.0) as http:
        poll = asyncio.create_task(http.post(fake.url("getUpdates"), json={"timeout": 50}))
        await eventually(lambda: fake.calls("getUpdates"))

        await asyncio.to_thread(fake.stop)
        response = await asyncio.wait_for(poll, 10)  # a guard, not a timing test

    assert response.json() == {"ok": True, "result": []}


async def test_a_second_long_poll_ends_the_first_with_409(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    async with httpx.AsyncClient(timeout=60.0) as http:
        first = asyncio.create_task(
            http.post(fake_telegram.url("getUpdates"), json={"timeout": 50})
        )
        await eventually(lambda: fake_telegram.calls("getUpdates"))
        second = await asyncio.to_thread(call, client, fake_telegram, "getUpdates", timeout=0)
        answer = await asyncio.wait_for(first, 10)

    assert answer.status_code == 409
    assert answer.json()["description"].startswith("Conflict: terminated by other getUpdates")
    assert second == (200, {"ok": True, "result": []})


async def test_ptb_application_answers_a_pushed_command(fake_telegram: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("<b>Willkommen</b>", parse_mode="HTML")

    app = Application.builder().token(TOKEN).base_url(fake_telegram.base_url).build()
    app.add_handler(CommandHandler("start", start))
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        fake_telegram.push_message(USER, "/start")
        await eventually(lambda: fake_telegram.sent(USER))
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    [reply] = fake_telegram.sent(USER)
    assert reply.text == "Willkommen"
    assert reply.entity_texts("bold") == ["Willkommen"]
    assert fake_telegram.calls("deleteWebhook")


# --- commands and bookkeeping ----------------------------------------------------------------


async def test_my_commands_are_stored_per_scope_and_language(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    await bot.set_my_commands([BotCommand("start", "Los geht's"), BotCommand("news", "Neues")])
    await bot.set_my_commands(
        [BotCommand("ask", "Ask a question")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="en",
    )

    default = await bot.get_my_commands()
    english = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="en")

    assert [c.command for c in default] == ["start", "news"]
    assert [c.command for c in english] == ["ask"]
    assert fake_telegram.commands(scope={"type": "all_private_chats"}, language_code="en") == [
        {"command": "ask", "description": "Ask a question"}
    ]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Groß")])


def test_stop_cuts_a_slow_answer_whose_post_arrived() -> None:
    fake = FakeTelegram().start()
    fake.add_channel(CHANNEL, CHANNEL_ID)
    fake.slow_next("sendMessage", delay=60)
    outcome: list[object] = []

    def send() -> None:
        with httpx.Client(timeout=60.0) as slow_client:
            try:
                outcome.append(
                    slow_client.post(
                        fake.url("sendMessage"), json={"chat_id": CHANNEL, "text": "x"}
                    )
                )
            except httpx.HTTPError as exc:
                outcome.append(exc)

    worker = threading.Thread(target=send)
    worker.start()
    while not fake.sent(CHANNEL):
        time.sleep(0.01)
    fake.stop()
    fake.stop()  # harmless twice
    worker.join(10)  # a guard against hanging, not a timing test

    assert not worker.is_alive()
    assert [type(o) for o in outcome] == [httpx.RemoteProtocolError]
    assert [m.text for m in fake.sent(CHANNEL)] == ["x"]


# --- webhooks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"url": "http://hook.example.org/x"}, "An HTTPS URL must be provided for webhook"),
        ({"url": "https://hook.example.org:8080/x"}, "only on ports 80, 88, 443 or 8443"),
        (
            {"url": "https://hook.example.org/x", "secret_token": "has space"},
            "secret token contains unallowed characters",
        ),
        (
            {"url": "https://hook.example.org/x", "secret_token": "x" * 257},
            "secret token contains unallowed characters",
        ),
    ],
)
def test_set_webhook_keeps_telegrams_rules(
    fake_telegram: FakeTelegram, client: httpx.Client, params: dict[str, Any], description: str
) -> None:
    status, body = call(client, fake_telegram, "setWebhook", **params)
    assert status == 400
    assert description in body["description"]
    assert fake_telegram.webhook is None


async def test_a_webhook_blocks_get_updates_until_deleted(
    fake_telegram: FakeTelegram, bot: Bot
) -> None:
    url = "https://hook.example.org:8443/tg?x=1"
    assert await bot.set_webhook(url, secret_token="A-z_09", allowed_updates=["message"])
    info = await bot.get_webhook_info()
    assert info.url == url and info.allowed_updates == ("message",)
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates(timeout=0)
    fake_telegram.push_message(USER, "Hallo")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["Hallo"]


def test_deliver_webhook_posts_each_update_with_the_secret_until_one_is_refused(
    fake_telegram: FakeTelegram, client: httpx.Client
) -> None:
    """A local receiver plays the bot's web server behind the proxy: the first update is
    taken, the second refused (and kept, with the error shown), then taken."""
    import http.server

    seen: list[tuple[str, str | None, dict[str, Any]]] = []
    answers = [200, 403, 200]

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, self.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
            self.send_response(answers[len(seen) - 1])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    via = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        status, _ = call(
            client,
            fake_telegram,
            "setWebhook",
            url="https://hook.example.org/tg/updates?k=1",
            secret_token="s3cret",
        )
        assert status == 200
        first = fake_telegram.push_message(USER, "eins")
        second = fake_telegram.push_message(USER, "zwei")
        assert fake_telegram.deliver_webhook(via=via) == [200, 403]
        assert [(path, secret) for path, secret, _ in seen] == [("/tg/updates?k=1", "s3cret")] * 2
        assert [body["update_id"] for _, _, body in seen] == [
            first["update_id"],
            second["update_id"],
        ]
        _, info = call(client, fake_telegram, "getWebhookInfo")
        assert info["result"]["pending_update_count"] == 1
        assert info["result"]["last_error_message"] == (
            "Wrong response from the webhook: 403 Forbidden"
        )
        assert fake_telegram.deliver_webhook(via=via, secret=None) == [200]
        assert seen[-1][1] is None
        assert fake_telegram.pending_updates == []
    finally:
        server.shutdown()
        server.server_close()
