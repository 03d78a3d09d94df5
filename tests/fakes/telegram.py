"""A local Telegram Bot API over real sockets, strict where Telegram is strict (and a bit more).

Real python-telegram-bot code works against it unchanged: point ``telegram.api_url`` (or PTB's
``base_url``) at it and requests go to ``{api_url}/bot{token}/{method}``::

    with FakeTelegram() as tg:
        tg.add_channel("@ogp_test", -1001234567890, title="OGP")
        bot = Bot(tg.token, base_url=tg.base_url)           # = f"{tg.api_url}/bot"
        ...                                                 # ogbot sends, polls, edits
        [post] = tg.sent("@ogp_test")                       # or tg.sent(-1001234567890)
        assert post.text == "Neu: Konsultation" and post.entities[0]["type"] == "bold"
        tg.push_message(42, "/start", language_code="de")   # a user writes to the bot
        tg.fail_next("sendMessage", status=429, retry_after=3)
        tg.slow_next("sendMessage", delay=2.0)              # delivered, answered too late
        tg.drop_next("sendMessage")                         # connection cut, nothing delivered
        tg.deliver_webhook(via="http://127.0.0.1:8080")     # webhook mode: POST the updates
        tg.add_group(-1009876543210, forum=True)            # a supergroup with topics
        topic = tg.add_topic(-1009876543210)                # its message_thread_id; sending to
                                                            # another: "message thread not found"

Methods: getMe, getChat, sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage,
answerCallbackQuery, sendChatAction, setMyCommands, getMyCommands, deleteMyCommands,
setWebhook, deleteWebhook, getWebhookInfo, getUpdates (long polling). Method names are
case-insensitive, as on Telegram; parameters come in the query string, as JSON, form-encoded
or multipart bodies (PTB 21/22 posts ``application/x-www-form-urlencoded``, every non-string
value JSON-encoded).

Photos: sendPhoto (an upload, multipart, or a file id the fake holds), getFile and the file's
download at ``{api_url}/file/bot{token}/{file_path}``, editMessageCaption, pinChatMessage, and
``push_photo`` for a user's photo with a caption. A caption has at most 1,024 UTF-16 units after
parsing ("message caption is too long"); an unchanged caption edit is "message is not modified",
as for a text; editMessageText on a photo is refused ("there is no text in the message to edit").

What it checks like Telegram: the token (401 "Unauthorized", a malformed one 404), unknown methods
(404 "Not Found"), unknown chats (400 "chat not found"), HTML with only Telegram's tags, properly
nested and closed (error texts worded as Telegram's, byte offsets into the UTF-8 text), text of
1..4096 UTF-16 units after parsing and trimming, inline keyboards (callback_data 1..64 bytes),
deleting only within 48 hours, "message is not modified" on an identical edit (an edit without
reply_markup removes the keyboard, one without link_preview_options falls back to the default
preview, as on Telegram), callback queries answered once, one getUpdates
at a time (409 Conflict for the older one), and flood limits (429 with ``retry_after``: more than
20 sends+edits to one group or channel in any 60 s, more than one to a private chat in any
second, or more than 30 in any second overall, by the fake's clock; ``rate_limit=False`` turns
it off).

Stricter than Telegram, on purpose, so ogbot's bugs show up in tests:

- an unescaped ``&`` or ``>`` in the text or an attribute is refused (Telegram keeps them
  literally); character references need their ``;`` and only ``&lt; &gt; &amp; &quot;`` and
  numeric ones are known (``&nbsp;`` or ``&apos;`` would show up verbatim in the channel);
- more than 100 entities (auto-detected hashtags, mentions, URLs and commands included) is a 400
  (Telegram silently drops the rest);
- an ``<a href>`` that is not http(s):// or tg:// is a 400 (Telegram drops the link silently or
  guesses http://);
- parse_mode together with entities, or link_preview_options together with
  disable_web_page_preview, is a 400;
- a malformed boolean, integer or JSON parameter is a 400; parse_mode other than HTML is not
  spoken (400 "unsupported parse_mode").

Webhooks as on Telegram: ``setWebhook`` takes only an https:// URL on port 443, 80, 88 or 8443
and a ``secret_token`` of 1-256 characters (letters, digits, ``_`` and ``-``); while one is set,
``getUpdates`` is a 409 Conflict; ``setWebhook`` with an empty URL or ``deleteWebhook`` removes
it; ``getWebhookInfo`` shows it with the pending updates and the last delivery error. Telegram
would POST each update to the URL: a test does that with :meth:`FakeTelegram.deliver_webhook`,
through ``via`` (the reverse proxy's place: the URL's path and query on that base), with the
``X-Telegram-Bot-Api-Secret-Token`` header; an update stays pending until answered with 2xx.

Auto-detected entities are a model: URLs with a scheme or ``www.``, ``#hashtags`` (letters, digits
and ``_``, not only digits), ``@mentions`` (5..32 characters) and ``/commands``; bare domains,
e-mails, cashtags and phone numbers are not detected.

Time: message dates, the 48-hour rule and the flood limits use ``clock`` (an aware datetime; see
:class:`ManualClock`); long polls and slow answers wait real seconds. ``getUpdates`` also takes
fractional timeouts, so tests stay fast.

Standard library only: ``ThreadingHTTPServer`` from a daemon thread, as tests/fakes/web.py.
``stop()`` answers pending long polls with an empty result, cuts slow answers and open
connections, and returns promptly.
"""

from __future__ import annotations

import contextlib
import copy
import email.parser
import email.policy
import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from tests.fakes.server import LocalServer, Stopped, TrackedHandler

__all__ = [
    "BOT_USERNAME",
    "CHANNEL",
    "CHANNEL_ID",
    "TOKEN",
    "EntityError",
    "FakeTelegram",
    "ManualClock",
    "Request",
    "SentMessage",
    "Version",
    "fake_telegram",
    "parse_html",
    "utf16_len",
]

TOKEN = "123456:TEST-token"
"""The token the fake accepts by default; the bot's id is the part before the colon."""
BOT_USERNAME = "ogbot_test_bot"
CHANNEL = "@ogbot_test"
"""The channel the ``fake_telegram`` fixture registers (as CHANNEL_ID too)."""
CHANNEL_ID = -1001234567890

MAX_TEXT = 4096  # UTF-16 code units, after entity parsing
MAX_CAPTION = 1024  # a photo's caption, UTF-16 code units after entity parsing
MAX_ENTITIES = 100
MAX_CALLBACK_DATA = 64  # bytes
MAX_BUTTONS = 100
DELETE_WINDOW = timedelta(hours=48)
CHAT_LIMIT = 20  # sends+edits per group or channel ...
CHAT_WINDOW = 60.0  # ... in any this many seconds
GLOBAL_LIMIT = 30  # sends+edits overall per second
PRIVATE_LIMIT = 1  # sends+edits per private chat ...
PRIVATE_WINDOW = 1.0  # ... in any this many seconds

_FIRST_UPDATE_ID = 100_000_001
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
WEBHOOK_PORTS = (443, 80, 88, 8443)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_REGISTERED = object()  # deliver_webhook's default secret: the one setWebhook registered
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
# Telegram's default set when allowed_updates is empty or was never given
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_METHODS = {
    name.lower(): name
    for name in (
        "getMe",
        "getChat",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "sendChatAction",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "getUpdates",
        "sendPhoto",
        "editMessageCaption",
        "pinChatMessage",
        "getFile",
    )
}

# how parameters that arrive as strings are read back (for Request.params)
_INT_FIELDS = frozenset(
    {"message_id", "offset", "limit", "user_id", "cache_time", "reply_to_message_id"}
    | {"message_thread_id", "max_connections"}
)
_BOOL_FIELDS = frozenset(
    {"disable_notification", "protect_content", "disable_web_page_preview", "show_alert"}
    | {"drop_pending_updates", "allow_sending_without_reply"}
)
_JSON_FIELDS = frozenset(
    {"reply_markup", "link_preview_options", "entities", "allowed_updates", "commands", "scope"}
    | {"reply_parameters", "caption_entities"}
)


# --- values handed to tests ------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One API call as it arrived. ``params`` are decoded (numbers, booleans and JSON fields sent
    as strings are read back); ``status`` is the HTTP status answered, None while pending or when
    the connection was dropped or cut."""

    method: str  # Telegram's spelling ("sendMessage"); as in the URL when unknown
    params: dict[str, Any]
    at: datetime  # by the fake's clock
    http_method: str = "POST"
    token_ok: bool = True
    status: int | None = None


@dataclass(frozen=True)
class Version:
    """An earlier state of an edited message."""

    text: str
    html: str
    entities: tuple[dict[str, Any], ...]
    reply_markup: dict[str, Any] | None
    link_preview_options: dict[str, Any] | None
    at: datetime  # when this version was made (sent or edited)


@dataclass(frozen=True)
class SentMessage:
    """A message the bot delivered, as it stands now (its earlier versions in ``history``)."""

    chat_id: int
    message_id: int
    date: datetime
    text: str  # what followers see: after entity parsing and trimming
    html: str  # the text parameter as sent (raw HTML with parse_mode=HTML)
    parse_mode: str | None
    entities: tuple[dict[str, Any], ...]  # Bot API MessageEntity dicts, UTF-16 offsets
    disable_notification: bool
    protect_content: bool
    link_preview_options: dict[str, Any] | None
    reply_markup: dict[str, Any] | None  # the inline keyboard, None when there is none
    reply_to_message_id: int | None
    history: tuple[Version, ...] = ()  # oldest first; empty when never edited
    edit_date: datetime | None = None
    deleted: bool = False
    photo: str | None = None  # a photo message: the file id of its photo (text is the caption)
    pinned: bool = False
    message_thread_id: int | None = None  # the forum topic it was sent to

    @property
    def edited(self) -> bool:
        return bool(self.history)

    def entity_texts(self, kind: str) -> list[str]:
        """The text covered by each entity of this type ("hashtag", "text_link", "bold", ...)."""
        return [
            utf16_slice(self.text, e["offset"], e["length"])
            for e in self.entities
            if e["type"] == kind
        ]

    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row by row flattened."""
        if self.reply_markup is None:
            return []
        return [button for row in self.reply_markup["inline_keyboard"] for button in row]


class ManualClock:
    """A clock that moves only when told: ``FakeTelegram(clock=ManualClock())``."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by a timedelta or seconds; returns the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        with self._lock:
            self._now = when


# --- text: UTF-16 and Telegram's HTML ----------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_slice(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[2 * offset : 2 * (offset + length)].decode("utf-16-le")


class EntityError(Exception):
    """The HTML cannot be parsed; ``str()`` is Telegram's text after "can't parse entities: "."""


_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler"}
    | {"tg-emoji", "pre", "code", "blockquote"}
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",  # only with class="tg-spoiler", checked at the start tag
}
_SPACE = b" \t\r\n\v\f"
_LT, _GT, _AMP, _SLASH, _EQ = ord("<"), ord(">"), ord("&"), ord("/"), ord("=")
_NAMED_REFS = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16: int  # offset of the entity in the parsed text
    out_pos: int  # byte position in the parsed text
    byte: int  # byte offset of "<" in the source


def _at(data: bytes, i: int) -> int:
    return data[i] if i < len(data) else 0


def _is_alnum(byte: int) -> bool:
    return chr(byte).isascii() and chr(byte).isalnum()


def _space_or_end(data: bytes, i: int) -> bool:
    return i >= len(data) or data[i] in _SPACE


def _char_ref(data: bytes, pos: int) -> tuple[str, int] | None:
    """The character of a reference at data[pos] == "&" and the position after its ";"."""
    end = pos + 1
    if _at(data, end) == ord("#"):
        end += 1
        value = 0
        hex_digits = _at(data, end) == ord("x")
        if hex_digits:
            end += 1
        digits = b"0123456789abcdefABCDEF" if hex_digits else b"0123456789"
        start = end
        while end < len(data) and data[end] in digits:
            value = value * (16 if hex_digits else 10) + int(chr(data[end]), 16)
            end += 1
            if value >= 0x10FFFF:
                return None
        if end == start or value == 0 or 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        start = end
        while end < len(data) and _is_alnum(data[end]) and not chr(data[end]).isdigit():
            end += 1
        named = _NAMED_REFS.get(data[start:end])
        if named is None:
            return None
        char = named
    if _at(data, end) != ord(";"):
        return None  # Telegram would accept it; ogbot always writes the ";"
    return char, end + 1


def _reserved(char: str, escape: str, offset: int) -> EntityError:
    return EntityError(
        f'Character "{char}" is reserved and must be escaped with "{escape}" '
        f"at byte offset {offset}"
    )


def _check_url(url: str, byte: int) -> str:
    """Telegram's form of a link target (a "/" added to a bare host); http(s) and tg only."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        parts = urlsplit("")
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in url.strip()):
        if not parts.path:
            return parts._replace(scheme=scheme, path="/").geturl()
        return parts._replace(scheme=scheme).geturl()
    if scheme == "tg" and (parts.netloc or parts.path):
        return url.strip()
    raise EntityError(
        f'Unsupported URL "{url}" in the tag "a" at byte offset {byte}: only http(s):// and tg:// '
        "links are allowed"
    )


def parse_html(html: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the plain text and its entities (UTF-16 offsets).

    Follows tdlib's parser (tag names, attribute syntax, error texts, byte offsets); raises
    EntityError. Does not trim or auto-detect entities: see ``format_text``.
    """
    data = html.encode("utf-8")
    n = len(data)
    out = bytearray()
    utf16 = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = data[i]
        if c == _AMP:
            ref = _char_ref(data, i)
            if ref is None:
                raise _reserved("&", "&amp;", i)
            char, i = ref
            out += char.encode("utf-8")
            utf16 += utf16_len(char)
            continue
        if c == _GT:
            raise _reserved(">", "&gt;", i)
        if c != _LT:
            out.append(c)
            if c & 0xC0 != 0x80:  # the first byte of a character; 4 bytes = a surrogate pair
                utf16 += 2 if c >= 0xF0 else 1
            i += 1
            continue

        begin = i
        i += 1
        if _at(data, i) != _SLASH:
            while not _space_or_end(data, i) and data[i] != _GT:
                i += 1
            if i >= n:
                raise EntityError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _TAGS:
                raise EntityError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while _at(data, i) != _GT:
                while i < n and data[i] in _SPACE:
                    i += 1
                if _at(data, i) == _GT:
                    break
                name_begin = i
                while not _space_or_end(data, i) and data[i] not in (_EQ, _GT):
                    i += 1
                name = data[name_begin:i].decode("utf-8", "replace")
                if not name:
                    raise EntityError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while i < n and data[i] in _SPACE:
                    i += 1
                if _at(data, i) != _EQ:
                    if tag == "blockquote" and name == "expandable":
                        argument = "1"
                        continue
                    raise EntityError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while i < n and data[i] in _SPACE:
                    i += 1
                if i >= n:
                    raise EntityError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if data[i] not in b"'\"":
                    token_begin = i
                    while i < n and (_is_alnum(data[i]) or data[i] in b".-"):
                        i += 1
                    value = data[token_begin:i].decode("ascii").lower()
                    if not _space_or_end(data, i) and data[i] != _GT:
                        raise EntityError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = data[i]
                    i += 1
                    raw = bytearray()
                    while i < n and data[i] != quote:
                        if data[i] == _AMP:
                            ref = _char_ref(data, i)
                            if ref is None:
                                raise _reserved("&", "&amp;", i)
                            raw += ref[0].encode("utf-8")
                            i = ref[1]
                            continue
                        raw.append(data[i])
                        i += 1
                    if i < n:
                        i += 1
                    value = raw.decode("utf-8")
                if i >= n:
                    raise EntityError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
            i += 1  # past ">"
            if tag == "span" and argument != "spoiler":
                raise EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
            if tag == "a" and argument and not argument.startswith("tg://user?id="):
                _check_url(argument, begin)
            if tag == "tg-emoji" and not (argument.isdigit() and int(argument) > 0):
                raise EntityError(
                    f"Invalid custom emoji identifier specified at byte offset {begin}"
                )
            stack.append(_OpenTag(tag, argument, utf16, len(out), begin))
            continue

        # an end tag
        if not stack:
            raise EntityError(f"Unexpected end tag at byte offset {begin}")
        while not _space_or_end(data, i) and data[i] != _GT:
            i += 1
        end_name = data[begin + 2 : i].decode("utf-8", "replace")
        while i < n and data[i] in _SPACE:
            i += 1
        if _at(data, i) != _GT:
            raise EntityError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        top = stack.pop()
        if end_name and end_name != top.name:
            raise EntityError(
                f'Unmatched end tag at byte offset {begin}, expected "</{top.name}>", '
                f'found "</{end_name}>"'
            )
        if utf16 > top.utf16:
            entity = _close_entity(top, utf16 - top.utf16, bytes(out[top.out_pos :]), entities)
            if entity is not None:
                entities.append(entity)
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    for entity in entities:
        entity.pop("_language", None)
    return out.decode("utf-8"), entities


def _close_entity(
    top: _OpenTag, length: int, inner: bytes, entities: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The entity a closed tag makes (None when it merges into the previous one)."""
    base: dict[str, Any] = {"offset": top.utf16, "length": length}
    same_range = bool(entities) and (entities[-1]["offset"], entities[-1]["length"]) == (
        top.utf16,
        length,
    )
    if top.name in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[top.name], **base}
    if top.name == "blockquote":
        return {"type": "expandable_blockquote" if top.argument else "blockquote", **base}
    if top.name == "tg-emoji":
        return {"type": "custom_emoji", **base, "custom_emoji_id": top.argument}
    if top.name == "code":
        if same_range and entities[-1]["type"] == "pre" and top.argument:
            entities[-1]["language"] = top.argument
            return None
        return {"type": "code", **base, "_language": top.argument}
    if top.name == "pre":
        if same_range and entities[-1]["type"] == "code":  # <pre><code>: one pre entity
            language = entities[-1].pop("_language", "")
            entities[-1]["type"] = "pre"
            if language:
                entities[-1]["language"] = language
            return None
        return {"type": "pre", **base}
    # "a"
    url = top.argument or inner.decode("utf-8")
    if url.startswith("tg://user?id="):
        user_id = url[len("tg://user?id=") :]
        if user_id.isdigit():
            user = {"id": int(user_id), "is_bot": False, "first_name": ""}
            return {"type": "text_mention", **base, "user": user}
    return {"type": "text_link", **base, "url": _check_url(url, top.byte)}


# entities that never contain others (Telegram drops what is inside) or auto-detected ones
_OPAQUE = frozenset({"code", "pre"})
_NO_AUTO_INSIDE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})
_TRIM = " \t\r\n\v\f"
_AUTO = re.compile(
    r"(?P<url>(?<![\w@/.])(?i:https?://|www\.)[^\s<>\"]+)"
    r"|(?P<bot_command>(?<![\w/.])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@]))"
    r"|(?P<hashtag>(?<![\w#&])#\w{1,256}(?!\w))"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{5,32}(?![\w@]))"
)


def _utf16_offsets(text: str) -> list[int]:
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return offsets


def _auto_entities(text: str, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    blocked = [
        (e["offset"], e["offset"] + e["length"]) for e in existing if e["type"] in _NO_AUTO_INSIDE
    ]
    offsets = _utf16_offsets(text)
    found: list[dict[str, Any]] = []
    for match in _AUTO.finditer(text):
        kind = match.lastgroup or ""
        start, end = match.span()
        if kind == "url":
            while end > start and text[end - 1] in ".,;:!?'\"":
                end -= 1
            if text[start:end].count(")") > text[start:end].count("(") and text[end - 1] == ")":
                end -= 1
        if kind == "hashtag" and text[start + 1 : end].isdigit():
            continue
        begin16, end16 = offsets[start], offsets[end]
        if any(begin16 < b_end and b_start < end16 for b_start, b_end in blocked):
            continue
        found.append({"type": kind, "offset": begin16, "length": end16 - begin16})
    return found


def format_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """What Telegram makes of parsed text: nothing inside code/pre, leading and trailing
    whitespace trimmed, hashtags/mentions/URLs/commands detected, entities sorted."""
    opaque = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE]
    kept = [
        e
        for e in entities
        if e["type"] in _OPAQUE
        or not any(s <= e["offset"] and e["offset"] + e["length"] <= t for s, t in opaque)
    ]
    stripped = text.lstrip(_TRIM)
    lead = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip(_TRIM)
    size = utf16_len(stripped)
    trimmed: list[dict[str, Any]] = []
    for e in kept:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, size)
        if end > start:
            trimmed.append({**e, "offset": start, "length": end - start})
    trimmed += _auto_entities(stripped, trimmed)
    trimmed.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, trimmed


# --- errors and parameters ---------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _too_many(retry_after: int) -> _ApiError:
    return _ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class _Params:
    """A call's parameters; a value that came as a string is read the way Telegram reads it."""

    def __init__(self, raw: dict[str, Any], files: dict[str, bytes] | None = None) -> None:
        self.raw = raw
        self.files = files or {}  # uploaded files (multipart), by field name

    def given(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def string(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool | dict | list):
            raise _bad(f"can't parse {name}: expected a String")
        return str(value)

    def integer(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and value == ""):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise _bad(f"can't parse {name}: expected an Integer")

    def number(self, name: str) -> float | None:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and value == ""):
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return float(value)
        raise _bad(f"can't parse {name}: expected a Number")

    def boolean(self, name: str) -> bool | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")
        raise _bad(f"can't parse {name}: expected a Boolean")

    def json(self, name: str, error: str | None = None) -> Any:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(error or f"can't parse {name} JSON object") from None
        return value

    def chat_ref(self, name: str = "chat_id") -> int | str:
        value = self.raw.get(name)
        if value is None or value == "":
            raise _bad(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            value = value.strip()
            return int(value) if re.fullmatch(r"-?\d+", value) else value
        raise _bad("chat not found")


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Best-effort typed view of the parameters for Request.params."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            stripped = value.strip()
            if key in _JSON_FIELDS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif (key in _INT_FIELDS or key == "chat_id") and re.fullmatch(r"-?\d+", stripped):
                value = int(stripped)
            elif key == "timeout":
                with contextlib.suppress(ValueError):
                    number = float(stripped)
                    value = int(number) if number.is_integer() else number
            elif key in _BOOL_FIELDS and stripped.lower() in ("true", "false"):
                value = stripped.lower() == "true"
        out[key] = value
    return out


def _decode_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Parameters and uploaded files of a request body (JSON, form or multipart)."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    if mime == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            raise _bad("can't parse JSON body") from None
        if not isinstance(data, dict):
            raise _bad("JSON body must be an object")
        return data, {}
    if mime in ("application/x-www-form-urlencoded", ""):
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), {}
        except UnicodeDecodeError:
            raise _bad("strings must be encoded in UTF-8") from None
    if mime == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            raise _bad("can't parse multipart body")
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                payload = b""
            if part.get_filename() is not None:
                files[name] = payload
            else:
                try:
                    params[name] = payload.decode("utf-8")
                except UnicodeDecodeError:
                    raise _bad("strings must be encoded in UTF-8") from None
        return params, files
    return {}, {}  # Telegram ignores bodies it does not understand


# --- the fake's own state ----------------------------------------------------------------------


@dataclass
class _Chat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    bot_member: bool = True  # groups and channels: the bot is in, with the right to post
    blocked: bool = False  # private chats: the user blocked the bot
    next_message_id: int = 1
    messages: dict[int, _Message] = field(default_factory=dict)
    is_forum: bool = False  # a supergroup with topics
    topics: set[int] = field(default_factory=set)  # their message_thread_ids

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.is_forum:
            out["is_forum"] = True
        return out


@dataclass
class _Message:
    chat: _Chat
    message_id: int
    date: datetime
    outgoing: bool
    sender: dict[str, Any] | None  # the "from" user; None for channel posts
    text: str
    html: str
    parse_mode: str | None
    entities: list[dict[str, Any]]
    disable_notification: bool = False
    protect_content: bool = False
    link_preview_options: dict[str, Any] | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to: int | None = None
    forward_origin: dict[str, Any] | None = None
    thread_id: int | None = None  # message_thread_id: the forum topic
    history: list[Version] = field(default_factory=list)
    edit_date: datetime | None = None
    deleted: bool = False
    photo: list[dict[str, Any]] | None = None  # PhotoSize dicts: a photo, text its caption
    pinned: bool = False


@dataclass
class _Fault:
    kind: str  # "status", "slow" or "drop"
    remaining: int
    status: int = 0
    description: str | None = None
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class _Outcome:
    """What the HTTP layer does with one request."""

    status: int = 200
    payload: dict[str, Any] | None = None
    raw: bytes | None = None  # a file download: these bytes, not JSON
    delay: float = 0.0
    drop: bool = False
    close: bool = False


@dataclass
class _Callback:
    user: dict[str, Any]
    answered: dict[str, Any] | None = None


# --- HTTP ------------------------------------------------------------------------------------


class _Handler(TrackedHandler):
    server_version = "FakeTelegram/1.0"
    timeout = 30  # an idle keep-alive connection ends on its own

    @property
    def fake(self) -> FakeTelegram:
        return cast(FakeTelegram, self.server.owner)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(body)
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        fake = self.fake
        body = self._read_body()
        if fake._stopping.is_set():  # a kept-alive connection after stop(): the server is gone
            self.close_connection = True
            return
        fake._busy_enter()
        try:
            outcome = fake._handle(
                self.command, self.path, self.headers.get("Content-Type", ""), body
            )
            if outcome.drop or (fake._stopping.is_set() and outcome.delay):
                self.close_connection = True
                return
            if outcome.delay > 0 and fake._stopping.wait(outcome.delay):
                raise Stopped
            if outcome.raw is not None:
                data, kind = outcome.raw, "application/octet-stream"
            else:
                data = json.dumps(outcome.payload, ensure_ascii=False).encode("utf-8")
                kind = "application/json"
            self.send_response(outcome.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            if outcome.close or fake._stopping.is_set():
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        finally:
            fake._busy_leave()


# --- the fake --------------------------------------------------------------------------------


class FakeTelegram(LocalServer):
    """A local Bot API server for one bot. Thread-safe; start() before use, stop() after."""

    handler = _Handler

    def __init__(
        self,
        token: str = TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        bot_name: str = "ogbot (test)",
        clock: Callable[[], datetime] | None = None,
        rate_limit: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.rate_limit = rate_limit
        bot_id = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        super().__init__(host)  # bound and listening from here on; serving from start()
        self._updates_cv = threading.Condition(self._lock)
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._outgoing: list[_Message] = []
        self._requests: list[Request] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = _FIRST_UPDATE_ID
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self._poll_generation = 0
        self._webhook: dict[str, Any] | None = None  # url, secret_token, max_connections, ...
        self._webhook_error: tuple[datetime, str] | None = None
        self._callbacks: dict[str, _Callback] = {}
        self._next_callback = 1
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._files: dict[str, tuple[bytes, str]] = {}  # file id -> (bytes, unique id)
        self._chat_sends: dict[int, deque[float]] = {}
        self._all_sends: deque[float] = deque()
        self._busy = 0
        self._idle = threading.Condition()
        self._handlers: dict[str, Callable[[_Params], Any]] = {
            "getMe": self._get_me,
            "getChat": self._get_chat,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendPhoto": self._send_photo,
            "editMessageCaption": self._edit_message_caption,
            "pinChatMessage": self._pin_chat_message,
            "getFile": self._get_file,
        }

    # --- lifecycle ---------------------------------------------------------------------------

    # stop(): pending long polls get an empty result, slow answers and open connections are cut

    def _wake(self) -> None:
        with self._updates_cv:
            self._updates_cv.notify_all()

    def _settle(self) -> None:
        deadline = time.monotonic() + 1.0
        with self._idle:  # let woken long polls write their answer
            while self._busy and time.monotonic() < deadline:
                self._idle.wait(0.05)

    # --- addresses ---------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """For ogbot's ``telegram.api_url``: requests go to {api_url}/bot{token}/{method}."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        return f"{self.api_url}/bot"

    def url(self, method: str, token: str | None = None) -> str:
        return f"{self.api_url}/bot{self.token if token is None else token}/{method}"

    # --- chats and users ---------------------------------------------------------------------

    def add_channel(
        self, username: str | None, chat_id: int, *, title: str = "Test channel"
    ) -> int:
        """Register a channel the bot may post in, by ``@username`` (or None) and -100… id."""
        if chat_id > -1_000_000_000_000:
            raise ValueError("channel ids look like -100…")
        name = username.removeprefix("@") if username else None
        with self._lock:
            self._chats[chat_id] = _Chat(chat_id, "channel", title=title, username=name)
        return chat_id

    def add_group(
        self,
        chat_id: int,
        *,
        title: str = "Test group",
        supergroup: bool = False,
        forum: bool = False,
        username: str | None = None,
    ) -> int:
        """A group; ``forum``: a supergroup with topics (:meth:`add_topic`)."""
        with self._lock:
            kind = "supergroup" if supergroup or forum else "group"
            name = username.removeprefix("@") if username else None
            self._chats[chat_id] = _Chat(chat_id, kind, title=title, username=name, is_forum=forum)
        return chat_id

    def add_topic(self, chat: int | str) -> int:
        """A new topic of a forum; returns its message_thread_id (as Telegram does: the id of
        the message that created it)."""
        with self._lock:
            group = self._chat(chat)
            if not group.is_forum:
                raise ValueError("topics only in a forum: add_group(..., forum=True)")
            thread = group.next_message_id
            group.next_message_id += 1
            group.topics.add(thread)
        return thread

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """Register (or update) a user who has started the bot; returns the User dict."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        with self._lock:
            self._users[user_id] = user
            chat = self._chats.get(user_id)
            if chat is None:
                chat = self._chats[user_id] = _Chat(user_id, "private")
            chat.first_name, chat.last_name, chat.username = first_name, last_name, username
        return dict(user)

    def remove_bot(self, chat: int | str, removed: bool = True) -> None:
        """The bot loses its rights in a group or channel: posting there answers 403
        (``removed=False``: an admin adds it back)."""
        with self._lock:
            self._chat(chat).bot_member = not removed

    def block(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sending to them answers 403."""
        with self._lock:
            self._chat(user_id).blocked = blocked

    def resolve(self, chat: int | str) -> int:
        """The numeric id of a registered chat given as id, "-100…" or "@username"."""
        with self._lock:
            return self._chat(chat).id

    def _find_chat(self, ref: int | str) -> _Chat | None:
        if isinstance(ref, str):
            ref = ref.strip()
            if re.fullmatch(r"-?\d+", ref):
                ref = int(ref)
            elif ref.startswith("@"):
                wanted = ref[1:].lower()
                # users are not reachable by @username, only groups and channels
                return next(
                    (
                        chat
                        for chat in self._chats.values()
                        if chat.type != "private"
                        and chat.username is not None
                        and chat.username.lower() == wanted
                    ),
                    None,
                )
            else:
                return None
        return self._chats.get(ref)

    def _chat(self, ref: int | str) -> _Chat:
        chat = self._find_chat(ref)
        if chat is None:
            raise KeyError(f"no chat {ref!r} on the fake (add_channel/add_user first)")
        return chat

    # --- misbehaviour ------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with this error, before doing anything.

        429 carries ``parameters.retry_after`` (default 1); 403 says by default what Telegram
        says for the target chat ("bot was blocked by the user", "bot is not a member of the
        channel chat"); other statuses default to Telegram's short texts.
        """
        if status < 400:
            raise ValueError("fail_next needs an error status")
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = _Fault(
            "status", times, status=status, description=description, retry_after=retry_after
        )
        self._add_fault(method, fault)

    def slow_next(self, method: str, delay: float, *, times: int = 1) -> None:
        """Do the next `times` calls (deliver the message) but answer only after `delay` real
        seconds: a client with a shorter read timeout sees a timeout for a post that arrived."""
        self._add_fault(method, _Fault("slow", times, delay=delay))

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Close the connection of the next `times` calls without doing or answering anything:
        the post did not arrive."""
        self._add_fault(method, _Fault("drop", times))

    def _add_fault(self, method: str, fault: _Fault) -> None:
        with self._lock:
            self._faults.setdefault(method.lower(), deque()).append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method.lower())
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    # --- inspection --------------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """Every call so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def calls(self, method: str) -> list[Request]:
        """The calls of one method (case-insensitive), in arrival order."""
        wanted = method.lower()
        with self._lock:
            return [r for r in self._requests if r.method.lower() == wanted]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def sent(self, chat: int | str | None = None) -> list[SentMessage]:
        """Messages the bot delivered (deleted ones included, flagged), oldest first; all chats
        when `chat` is None. A chat may be given as id, "-100…" or "@username"; one the fake
        does not know raises KeyError (a misspelt channel is a test bug, not "nothing sent")."""
        with self._lock:
            if chat is None:
                return [_snapshot(m) for m in self._outgoing]
            target = self._chat(chat)
            return [_snapshot(m) for m in self._outgoing if m.chat is target]

    def message(self, chat: int | str, message_id: int) -> SentMessage:
        """One stored message (the bot's or a user's) as it stands now."""
        with self._lock:
            found = self._chat(chat).messages.get(message_id)
            if found is None:
                raise KeyError(f"no message {message_id} in chat {chat!r}")
            return _snapshot(found)

    def commands(
        self, *, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command list set for a scope (default scope when None) and language."""
        with self._lock:
            return copy.deepcopy(self._commands.get(_scope_key(scope, language_code), []))

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """The parameters answerCallbackQuery gave for this query, None while unanswered."""
        with self._lock:
            found = self._callbacks.get(query_id)
            return None if found is None or found.answered is None else dict(found.answered)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return copy.deepcopy(self._updates)

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The webhook as setWebhook registered it (url, secret_token, max_connections,
        allowed_updates), or None in long-polling mode."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    def deliver_webhook(
        self, via: str, *, secret: object = _REGISTERED, timeout: float = 10.0
    ) -> list[int]:
        """Do what Telegram does in webhook mode: POST each pending update, oldest first, as
        JSON to the webhook URL's path and query on ``via`` (where the reverse proxy would pass
        it on), with the registered secret in the ``X-Telegram-Bot-Api-Secret-Token`` header
        (``secret``: another one; None: no header). An update answered 2xx is delivered and
        gone; at the first other answer the rest stay pending and getWebhookInfo shows the
        error, as Telegram keeps an update until the webhook takes it. Returns the statuses.
        Blocking: from an event loop, run it in a thread."""
        statuses: list[int] = []
        while True:
            with self._lock:
                hook = self._webhook
                if hook is None:
                    raise ValueError("no webhook is set (setWebhook)")
                pending = [u for u in self._updates if self._allowed(u)]
                if not pending:
                    return statuses
                update = copy.deepcopy(pending[0])
                parts = urlsplit(hook["url"])
                target = via.rstrip("/") + (parts.path or "/")
                if parts.query:
                    target += "?" + parts.query
                token = hook["secret_token"] if secret is _REGISTERED else secret
            headers = {"Content-Type": "application/json"}
            if token is not None:
                headers[SECRET_HEADER] = str(token)
            status, reason = _post_json(target, update, headers, timeout)
            statuses.append(status)
            with self._lock:
                if 200 <= status < 300:
                    self._updates = [
                        u for u in self._updates if u["update_id"] != update["update_id"]
                    ]
                    continue
                self._webhook_error = (self._now(), f"Wrong response from the webhook: {reason}")
                return statuses

    # --- updates pushed by tests -------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (``update_id`` is assigned when missing); returns it."""
        with self._updates_cv:
            update = copy.deepcopy(update)
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            self._updates.append(update)
            self._updates_cv.notify_all()
            return copy.deepcopy(update)

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_type: str = "private",
        chat_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        reply_to: int | None = None,
        edit_of: int | None = None,
    ) -> dict[str, Any]:
        """A user writes to the bot (private chat, or a group given by chat_id); returns the
        update. Commands, hashtags, mentions and URLs get their entities as a client would
        send them, unless `entities` is given. `edit_of` makes it an edited_message of that
        message; `reply_to` a reply to that message of the chat."""
        with self._updates_cv:
            user = self._touch_user(user_id, first_name, last_name, username, language_code)
            chat = self._user_chat(user_id, chat_type, chat_id)
            ents = _auto_entities(text, []) if entities is None else copy.deepcopy(entities)
            now = self._now()
            if edit_of is not None:
                msg = chat.messages.get(edit_of)
                if msg is None or msg.outgoing:
                    raise ValueError(f"no message {edit_of} of the user in chat {chat.id}")
                msg.history.append(_version(msg, msg.edit_date or msg.date))
                msg.text, msg.html, msg.entities, msg.edit_date = text, text, ents, now
                return self.push_update({"edited_message": self._message_json(msg)})
            if reply_to is not None and reply_to not in chat.messages:
                raise ValueError(f"no message {reply_to} in chat {chat.id} to reply to")
            msg = self._store(chat, sender=user, text=text, html=text, entities=ents)
            msg.reply_to = reply_to
            return self.push_update({"message": self._message_json(msg)})

    def push_forward(
        self,
        user_id: int,
        chat: int | str,
        message_id: int,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """The user forwards a channel post (stored on the fake) into their private chat with
        the bot; the update's message carries ``forward_origin`` of type "channel"."""
        with self._updates_cv:
            source = self._chat(chat)
            original = source.messages.get(message_id)
            if source.type != "channel" or original is None:
                raise ValueError(f"no channel post {message_id} in {chat!r}")
            sender = self._touch_user(user_id, first_name, None, None, language_code)
            private = self._user_chat(user_id, "private", None)
            msg = self._store(
                private,
                sender=sender,
                text=original.text,
                html=original.text,
                entities=copy.deepcopy(original.entities),
            )
            msg.forward_origin = {
                "type": "channel",
                "chat": source.json(),
                "message_id": original.message_id,
                "date": _ts(original.date),
            }
            return self.push_update({"message": self._message_json(msg)})

    def push_photo(
        self,
        user_id: int,
        data: bytes,
        caption: str = "",
        *,
        caption_entities: list[dict[str, Any]] | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """A user sends a photo (``data``: the image's bytes) with a caption into their private
        chat with the bot; commands, hashtags and URLs in the caption get their entities as a
        client would send them, unless ``caption_entities`` is given. Returns the update."""
        with self._updates_cv:
            user = self._touch_user(user_id, first_name, None, None, language_code)
            chat = self._user_chat(user_id, "private", None)
            ents = (
                _auto_entities(caption, [])
                if caption_entities is None
                else copy.deepcopy(caption_entities)
            )
            msg = self._store(chat, sender=user, text=caption, html=caption, entities=ents)
            msg.photo = self._photo_sizes(self._new_file(data))
            return self.push_update({"message": self._message_json(msg)})

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes of a file the fake holds (uploaded by the bot or sent by a user)."""
        with self._lock:
            return self._files[file_id][0]

    def push_channel_post(self, chat: int | str, text: str) -> dict[str, Any]:
        """Someone else posts in a registered channel (a channel_post update)."""
        with self._updates_cv:
            target = self._chat(chat)
            msg = self._store(
                target, sender=None, text=text, html=text, entities=_auto_entities(text, [])
            )
            return self.push_update({"channel_post": self._message_json(msg)})

    def push_callback(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat: int | str | None = None,
        check_button: bool = True,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """The user presses an inline button of the bot's message (in their private chat unless
        `chat` is given); returns the update. The button must exist unless check_button is
        False (a forged press, as a modified client can send)."""
        with self._updates_cv:
            user = self._touch_user(user_id, first_name, None, None, language_code)
            target = self._chat(user_id if chat is None else chat)
            msg = target.messages.get(message_id)
            if msg is None or msg.deleted or not msg.outgoing:
                raise ValueError(f"no message {message_id} of the bot in chat {target.id}")
            if check_button and data not in {
                b.get("callback_data") for b in _snapshot(msg).buttons()
            }:
                raise ValueError(f"message {message_id} has no button with data {data!r}")
            query_id = f"{user_id}{self._next_callback:08d}"
            self._next_callback += 1
            self._callbacks[query_id] = _Callback(user)
            query = {
                "id": query_id,
                "from": user,
                "message": self._message_json(msg),
                "chat_instance": str(abs(target.id) * 7919 % 10**12),
                "data": data,
            }
            return self.push_update({"callback_query": query})

    def _touch_user(
        self,
        user_id: int,
        first_name: str | None,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> dict[str, Any]:
        known = self._users.get(user_id, {})
        self.add_user(
            user_id,
            first_name=first_name or known.get("first_name", "Test"),
            last_name=last_name or known.get("last_name"),
            username=username or known.get("username"),
            language_code=language_code or known.get("language_code"),
        )
        return dict(self._users[user_id])

    def _user_chat(self, user_id: int, chat_type: str, chat_id: int | None) -> _Chat:
        if chat_type == "private":
            return self._chats[user_id]
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type is private, group or supergroup (push_channel_post)")
        if chat_id is None:
            raise ValueError("a group message needs chat_id")
        if chat_id not in self._chats:
            self.add_group(chat_id, supergroup=chat_type == "supergroup")
        return self._chats[chat_id]

    # --- the HTTP side -----------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise TypeError("FakeTelegram's clock must return aware datetimes")
        return now

    def _handle(self, http_method: str, target: str, content_type: str, body: bytes) -> _Outcome:
        path, _, query = target.partition("?")
        download = re.fullmatch(r"/file/bot([^/]*)/photos/([\w-]+)\.jpg", path)
        if download is not None:  # PTB percent-encodes the token's ":" in a file URL
            return self._download(unquote(download[1]), download[2])
        match = re.fullmatch(r"/bot([^/]*)/([^/]*)", path)
        if match is None:
            return _error_outcome(_ApiError(404, "Not Found"))
        token, name = match.groups()
        method = _METHODS.get(name.lower(), name)
        decode_error: _ApiError | None = None
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        try:
            raw, files = _decode_body(content_type, body)
            params = dict(parse_qsl(query, keep_blank_values=True)) | raw
        except _ApiError as exc:
            decode_error = exc
        token_ok = token == self.token
        with self._lock:
            index = len(self._requests)
            self._requests.append(
                Request(method, _normalise(params), self._now(), http_method, token_ok)
            )
        outcome = self._answer(token, method, params, decode_error, files)
        with self._lock:
            if not outcome.drop and index < len(self._requests):
                self._requests[index] = replace(self._requests[index], status=outcome.status)
        return outcome

    def _answer(
        self,
        token: str,
        method: str,
        raw: dict[str, Any],
        decode_error: _ApiError | None,
        files: dict[str, bytes] | None = None,
    ) -> _Outcome:
        if token != self.token:
            # Telegram: a well-formed but unknown token is 401, anything else 404
            if re.fullmatch(r"\d+:[\w-]+", token):
                return _error_outcome(_ApiError(401, "Unauthorized"))
            return _error_outcome(_ApiError(404, "Not Found"))
        handler = self._handlers.get(method)
        if handler is None:
            return _error_outcome(_ApiError(404, "Not Found"))
        params = _Params(raw, files or {})
        with self._lock:
            fault = self._take_fault(method)
            if fault is not None and fault.kind == "drop":
                return _Outcome(drop=True)
            if fault is not None and fault.kind == "status":
                return _error_outcome(self._fault_error(fault, params))
        delay = fault.delay if fault is not None else 0.0
        try:
            if decode_error is not None:
                raise decode_error
            with self._lock:
                result = handler(params)
        except _ApiError as exc:
            outcome = _error_outcome(exc)
        else:
            outcome = _Outcome(200, {"ok": True, "result": result})
        outcome.delay = delay
        outcome.close = self._stopping.is_set()
        return outcome

    def _fault_error(self, fault: _Fault, params: _Params) -> _ApiError:
        if fault.status == 429:
            retry = fault.retry_after or 1
            return _ApiError(
                429, fault.description or f"Too Many Requests: retry after {retry}",
                {"retry_after": retry},
            )  # fmt: skip
        if fault.description is not None:
            return _ApiError(fault.status, fault.description)
        if fault.status == 403:
            chat = None
            with contextlib.suppress(_ApiError):
                chat = self._find_chat(params.chat_ref()) if params.given("chat_id") else None
            return _ApiError(403, _forbidden(chat))
        defaults = {
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            409: "Conflict",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }
        return _ApiError(fault.status, defaults.get(fault.status, "Error"))

    # --- connection bookkeeping ----------------------------------------------------------------

    def _busy_enter(self) -> None:
        with self._idle:
            self._busy += 1

    def _busy_leave(self) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    # --- methods -----------------------------------------------------------------------------

    def _get_me(self, p: _Params) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_chat(self, p: _Params) -> dict[str, Any]:
        chat = self._find_chat(p.chat_ref())
        if chat is None:
            raise _bad("chat not found")
        gifts = chat.type == "private"
        info = chat.json() | {
            "accent_color_id": abs(chat.id) % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": gifts,
                "limited_gifts": gifts,
                "unique_gifts": gifts,
                "premium_subscription": gifts,
                "gifts_from_channels": gifts,
            },
        }
        if chat.type == "channel":
            info["description"] = ""
        return info

    def _target_chat(self, p: _Params) -> _Chat:
        """The chat a message goes to, checked as Telegram does (400 unknown, 403 no rights)."""
        chat = self._find_chat(p.chat_ref())
        if chat is None:
            raise _bad("chat not found")
        refused = chat.blocked if chat.type == "private" else not chat.bot_member
        if refused:
            raise _ApiError(403, _forbidden(chat))
        return chat

    def _topic(self, p: _Params, chat: _Chat) -> int | None:
        """``message_thread_id``: a forum topic of the chat, else Telegram's 400."""
        thread = p.integer("message_thread_id")
        if thread is not None and (not chat.is_forum or thread not in chat.topics):
            raise _bad("message thread not found")
        return thread

    def _send_message(self, p: _Params) -> dict[str, Any]:
        chat = self._target_chat(p)
        thread = self._topic(p, chat)
        html = p.string("text")
        text, entities = self._message_text(p, html)
        options = self._message_options(p, chat)
        reply_to = self._reply_target(p, chat)
        self._check_rate(chat)
        msg = self._store(chat, sender=self.bot_user, text=text, html=html or "", entities=entities)
        msg.outgoing = True
        msg.parse_mode = p.string("parse_mode") or None
        msg.disable_notification = options["disable_notification"]
        msg.protect_content = options["protect_content"]
        msg.link_preview_options = options["link_preview_options"]
        msg.reply_markup = options["reply_markup"]
        msg.reply_to = reply_to
        msg.thread_id = thread
        self._outgoing.append(msg)
        self._count_rate(chat)
        return self._message_json(msg)

    def _edit_target(self, p: _Params) -> _Message:
        if p.given("inline_message_id"):
            raise _bad("inline messages are not supported by the fake")
        chat = self._target_chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise _bad("message to edit not found")
        if not msg.outgoing:
            raise _bad("message can't be edited")
        return msg

    def _edit_message_text(self, p: _Params) -> dict[str, Any]:
        msg = self._edit_target(p)
        if msg.photo is not None:
            raise _bad("there is no text in the message to edit")
        html = p.string("text")
        text, entities = self._message_text(p, html)
        options = self._message_options(p, msg.chat)
        if (text, entities, options["reply_markup"]) == (msg.text, msg.entities, msg.reply_markup):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_rate(msg.chat)
        now = self._now()
        msg.history.append(_version(msg, msg.edit_date or msg.date))
        msg.text, msg.html, msg.entities = text, html or "", entities
        msg.parse_mode = p.string("parse_mode") or None
        # as on Telegram, what the edit omits is gone: the keyboard, the preview settings
        msg.reply_markup = options["reply_markup"]
        msg.link_preview_options = options["link_preview_options"]
        msg.edit_date = now
        self._count_rate(msg.chat)
        return self._message_json(msg)

    def _edit_message_reply_markup(self, p: _Params) -> dict[str, Any]:
        msg = self._edit_target(p)
        markup = _inline_markup(p)
        if markup == msg.reply_markup:
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_rate(msg.chat)
        msg.history.append(_version(msg, msg.edit_date or msg.date))
        msg.reply_markup = markup
        msg.edit_date = self._now()
        self._count_rate(msg.chat)
        return self._message_json(msg)

    # --- photos, captions, pins, files ------------------------------------------------------------

    def _new_file(self, data: bytes) -> str:
        """Keep uploaded bytes as Telegram does: a file id to send again, a unique id."""
        unique = hashlib.sha256(data).hexdigest()[:16]
        file_id = f"AgAC{unique}{len(self._files):04d}"
        self._files[file_id] = (data, unique)
        return file_id

    def _photo_sizes(self, file_id: str) -> list[dict[str, Any]]:
        data, unique = self._files[file_id]
        return [
            {"file_id": f"{file_id}", "file_unique_id": unique, "width": 1280, "height": 720}
            | {"file_size": len(data)}
        ]

    def _photo_param(self, p: _Params) -> str:
        """The photo of a sendPhoto: uploaded (multipart, or ``attach://name``), or the file id
        of one Telegram has; a URL is not fetched by the fake."""
        given = p.string("photo")
        upload = p.files.get("photo")
        if given and given.startswith("attach://"):
            upload = p.files.get(given.removeprefix("attach://"))
        if upload is not None:
            if not upload.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
                raise _bad("IMAGE_PROCESS_FAILED")
            return self._new_file(upload)
        if given is None or given == "":
            raise _bad("there is no photo in the request")
        if given not in self._files:
            raise _bad("wrong file identifier/HTTP URL specified")
        return given

    def _caption(self, p: _Params) -> tuple[str, list[dict[str, Any]]]:
        """A caption (may be empty) checked as a text is, with Telegram's 1,024 limit."""
        html = p.string("caption") or ""
        if not html:
            return "", []
        parse_mode = p.string("parse_mode") or ""
        given = p.json("caption_entities", "can't parse entities JSON object")
        if parse_mode.lower() == "html":
            try:
                text, entities = parse_html(html)
            except EntityError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif parse_mode:
            raise _bad(f'unsupported parse_mode "{parse_mode}" (the fake speaks HTML only)')
        else:
            text, entities = html, _given_entities(given, html)
        text, entities = format_text(text, entities)
        if utf16_len(text) > MAX_CAPTION:
            raise _bad("message caption is too long")
        if len(entities) > MAX_ENTITIES:
            raise _bad(f"too many entities: {len(entities)}, at most {MAX_ENTITIES}")
        return text, entities

    def _send_photo(self, p: _Params) -> dict[str, Any]:
        chat = self._target_chat(p)
        thread = self._topic(p, chat)
        text, entities = self._caption(p)
        file_id = self._photo_param(p)
        options = self._message_options(p, chat)
        reply_to = self._reply_target(p, chat)
        self._check_rate(chat)
        html = p.string("caption") or ""
        msg = self._store(chat, sender=self.bot_user, text=text, html=html, entities=entities)
        msg.photo = self._photo_sizes(file_id)
        msg.outgoing = True
        msg.parse_mode = p.string("parse_mode") or None
        msg.disable_notification = options["disable_notification"]
        msg.protect_content = options["protect_content"]
        msg.reply_markup = options["reply_markup"]
        msg.reply_to = reply_to
        msg.thread_id = thread
        self._outgoing.append(msg)
        self._count_rate(chat)
        return self._message_json(msg)

    def _edit_message_caption(self, p: _Params) -> dict[str, Any]:
        msg = self._edit_target(p)
        if msg.photo is None:
            raise _bad("there is no caption in the message to edit")
        text, entities = self._caption(p)
        markup = _inline_markup(p)
        if (text, entities, markup) == (msg.text, msg.entities, msg.reply_markup):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_rate(msg.chat)
        msg.history.append(_version(msg, msg.edit_date or msg.date))
        msg.text, msg.html, msg.entities = text, p.string("caption") or "", entities
        msg.parse_mode = p.string("parse_mode") or None
        msg.reply_markup = markup
        msg.edit_date = self._now()
        self._count_rate(msg.chat)
        return self._message_json(msg)

    def _pin_chat_message(self, p: _Params) -> bool:
        chat = self._target_chat(p)
        message_id = p.integer("message_id")
        msg = chat.messages.get(message_id or 0)
        if msg is None or msg.deleted:
            raise _bad("message to pin not found")
        for other in chat.messages.values():
            other.pinned = False  # the fake keeps one pinned message per chat
        msg.pinned = True
        return True

    def _get_file(self, p: _Params) -> dict[str, Any]:
        file_id = p.string("file_id") or ""
        if file_id not in self._files:
            raise _bad("invalid file_id")
        data, unique = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_size": len(data),
            "file_path": f"photos/{unique}.jpg",
        }

    def _download(self, token: str, unique: str) -> _Outcome:
        """GET {api_url}/file/bot{token}/{file_path}: the file's bytes."""
        if token != self.token:
            return _error_outcome(_ApiError(401, "Unauthorized"))
        with self._lock:
            found = next((data for data, u in self._files.values() if u == unique), None)
        if found is None:
            return _error_outcome(_ApiError(404, "Not Found"))
        return _Outcome(200, raw=found)

    def _delete_message(self, p: _Params) -> bool:
        chat = self._target_chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise _bad("message to delete not found")
        if self._now() - msg.date >= DELETE_WINDOW:
            raise _bad("message can't be deleted")
        if not msg.outgoing and chat.type in ("group", "supergroup"):
            raise _bad("message can't be deleted")  # the fake's bot is no group admin
        msg.deleted = True
        return True

    def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.string("callback_query_id")
        found = self._callbacks.get(query_id or "")
        if found is None or found.answered is not None:
            raise _bad(_QUERY_INVALID.removeprefix("Bad Request: "))
        text = p.string("text")
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        show_alert = p.boolean("show_alert")
        cache_time = p.integer("cache_time")
        found.answered = {
            "text": text,
            "show_alert": bool(show_alert),
            "url": p.string("url"),
            "cache_time": cache_time or 0,
        }
        return True

    def _send_chat_action(self, p: _Params) -> bool:
        self._target_chat(p)
        action = p.string("action")
        known = {
            "typing", "upload_photo", "record_video", "upload_video", "record_voice",
            "upload_voice", "upload_document", "choose_sticker", "find_location",
            "record_video_note", "upload_video_note",
        }  # fmt: skip
        if action not in known:
            raise _bad("wrong parameter action in request")
        return True

    def _set_my_commands(self, p: _Params) -> bool:
        commands = p.json("commands", "can't parse commands JSON object")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        checked: list[dict[str, str]] = []
        for item in commands:
            if not isinstance(item, dict):
                raise _bad("can't parse BotCommand JSON object")
            command, description = item.get("command"), item.get("description")
            if not isinstance(command, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", command):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("command description is empty or too long")
            checked.append({"command": command, "description": description})
        key = self._commands_key(p)
        if checked:
            self._commands[key] = checked
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, p: _Params) -> list[dict[str, str]]:
        return copy.deepcopy(self._commands.get(self._commands_key(p), []))

    def _delete_my_commands(self, p: _Params) -> bool:
        self._commands.pop(self._commands_key(p), None)
        return True

    def _commands_key(self, p: _Params) -> tuple[str, str]:
        scope = p.json("scope", "can't parse BotCommandScope JSON object")
        kinds = {
            "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
            "chat", "chat_administrators", "chat_member",
        }  # fmt: skip
        if scope is not None and (not isinstance(scope, dict) or scope.get("type") not in kinds):
            raise _bad("can't parse BotCommandScope JSON object")
        language = p.string("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return _scope_key(scope, language)

    def _set_webhook(self, p: _Params) -> bool:
        url = (p.string("url") or "").strip()
        if not url:  # Telegram: an empty URL removes the webhook
            return self._delete_webhook(p)
        parts = urlsplit(url)
        if parts.scheme.lower() != "https" or not parts.hostname:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        try:
            port = parts.port or 443
        except ValueError:
            raise _bad("bad webhook: Failed to resolve host: Name or service not known") from None
        if port not in WEBHOOK_PORTS:
            raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = p.string("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad("secret token contains unallowed characters")
        connections = p.integer("max_connections")
        if connections is not None and not 1 <= connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = p.json("allowed_updates", "can't parse allowed_updates JSON array")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise _bad("can't parse allowed_updates JSON array")
            self._allowed_updates = frozenset(allowed) or None
        if p.boolean("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": connections or 40,
            "allowed_updates": sorted(self._allowed_updates or ()),
        }
        self._webhook_error = None
        self._poll_generation += 1
        self._updates_cv.notify_all()  # a pending long poll now ends with 409
        return True

    def _delete_webhook(self, p: _Params) -> bool:
        if p.boolean("drop_pending_updates"):
            self._updates.clear()
        self._webhook, self._webhook_error = None, None
        return True

    def _get_webhook_info(self, p: _Params) -> dict[str, Any]:
        pending = len(self._updates)
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if self._webhook is not None:
            info["url"] = self._webhook["url"]
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook["allowed_updates"]:
                info["allowed_updates"] = list(self._webhook["allowed_updates"])
        if self._webhook_error is not None:
            info["last_error_date"] = _ts(self._webhook_error[0])
            info["last_error_message"] = self._webhook_error[1]
        return info

    def _get_updates(self, p: _Params) -> list[dict[str, Any]]:
        offset = p.integer("offset")
        limit = p.integer("limit") or 100
        limit = min(max(limit, 1), 100)
        timeout = max(p.number("timeout") or 0.0, 0.0)
        allowed = p.json("allowed_updates", "can't parse allowed_updates JSON array")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise _bad("can't parse allowed_updates JSON array")
            self._allowed_updates = frozenset(allowed) or None
        if self._webhook is not None:
            raise _ApiError(409, _WEBHOOK_ACTIVE)
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_cv.notify_all()  # an older poll now ends with 409
        if offset is not None:
            if offset < 0:
                del self._updates[: max(len(self._updates) + offset, 0)]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while True:
            if self._stopping.is_set():
                return []
            if self._webhook is not None:
                raise _ApiError(409, _WEBHOOK_ACTIVE)
            if generation != self._poll_generation:
                raise _ApiError(409, _CONFLICT)
            self._updates = [u for u in self._updates if self._allowed(u)]
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._updates_cv.wait(remaining)

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in _NOT_BY_DEFAULT
        return kind in self._allowed_updates

    # --- shared steps ------------------------------------------------------------------------

    def _message_text(self, p: _Params, html: str | None) -> tuple[str, list[dict[str, Any]]]:
        if html is None or html == "":
            raise _bad("message text is empty")
        parse_mode = p.string("parse_mode") or ""
        given = p.json("entities", "can't parse entities JSON object")
        if parse_mode and given is not None:
            raise _bad("parse_mode and entities can't be used together (the fake refuses)")
        if parse_mode.lower() == "html":
            try:
                text, entities = parse_html(html)
            except EntityError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif parse_mode:
            raise _bad(f'unsupported parse_mode "{parse_mode}" (the fake speaks HTML only)')
        else:
            text, entities = html, _given_entities(given, html)
        text, entities = format_text(text, entities)
        if not text:
            raise _bad("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise _bad("message is too long")
        if len(entities) > MAX_ENTITIES:
            raise _bad(
                f"too many entities: {len(entities)}, at most {MAX_ENTITIES} (Telegram would "
                "silently drop the rest; the fake refuses)"
            )
        return text, entities

    def _message_options(self, p: _Params, chat: _Chat) -> dict[str, Any]:
        preview = p.json("link_preview_options", "can't parse link preview options JSON object")
        disable_preview = p.boolean("disable_web_page_preview")
        if preview is not None:
            if disable_preview is not None:
                raise _bad(
                    "link_preview_options and disable_web_page_preview can't be used together"
                )
            preview = _check_preview(preview)
        elif disable_preview:
            preview = {"is_disabled": True}
        markup = _inline_markup(p)
        return {
            "disable_notification": bool(p.boolean("disable_notification")),
            "protect_content": bool(p.boolean("protect_content")),
            "link_preview_options": preview,
            "reply_markup": markup,
        }

    def _reply_target(self, p: _Params, chat: _Chat) -> int | None:
        wanted = p.integer("reply_to_message_id")
        allow = bool(p.boolean("allow_sending_without_reply"))
        reply = p.json("reply_parameters", "can't parse reply parameters JSON object")
        if reply is not None:
            if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
                raise _bad("can't parse reply parameters JSON object")
            if reply.get("chat_id") not in (None, chat.id):
                raise _bad("replies to other chats are not supported by the fake")
            wanted = reply["message_id"]
            allow = bool(reply.get("allow_sending_without_reply"))
        if wanted is None:
            return None
        found = chat.messages.get(wanted)
        if found is None or found.deleted:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return wanted

    def _check_rate(self, chat: _Chat) -> None:
        if not self.rate_limit:
            return
        now = self._now().timestamp()
        while self._all_sends and self._all_sends[0] <= now - 1.0:
            self._all_sends.popleft()
        if len(self._all_sends) >= GLOBAL_LIMIT:
            raise _too_many(1)
        limit, span = (
            (PRIVATE_LIMIT, PRIVATE_WINDOW) if chat.type == "private" else (CHAT_LIMIT, CHAT_WINDOW)
        )
        window = self._chat_sends.get(chat.id)
        if window is None:
            return
        while window and window[0] <= now - span:
            window.popleft()
        if not window:
            del self._chat_sends[chat.id]
        elif len(window) >= limit:
            raise _too_many(max(1, math.ceil(window[0] + span - now)))

    def _count_rate(self, chat: _Chat) -> None:
        now = self._now().timestamp()
        self._all_sends.append(now)
        self._chat_sends.setdefault(chat.id, deque()).append(now)

    def _store(
        self,
        chat: _Chat,
        *,
        sender: dict[str, Any] | None,
        text: str,
        html: str,
        entities: list[dict[str, Any]],
    ) -> _Message:
        msg = _Message(
            chat=chat,
            message_id=chat.next_message_id,
            date=self._now(),
            outgoing=False,
            sender=None if chat.type == "channel" else sender,
            text=text,
            html=html,
            parse_mode=None,
            entities=entities,
        )
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        return msg

    def _message_json(self, msg: _Message, *, nested: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"message_id": msg.message_id}
        if msg.thread_id is not None:
            out["message_thread_id"] = msg.thread_id
            out["is_topic_message"] = True
        if msg.sender is not None:
            out["from"] = {k: v for k, v in msg.sender.items() if not k.startswith("can_")}
        if msg.chat.type == "channel":
            out["sender_chat"] = msg.chat.json()
        out["chat"] = msg.chat.json()
        out["date"] = _ts(msg.date)
        if msg.edit_date is not None:
            out["edit_date"] = _ts(msg.edit_date)
        if msg.forward_origin is not None:
            out["forward_origin"] = copy.deepcopy(msg.forward_origin)
        if msg.reply_to is not None and not nested:
            replied = msg.chat.messages.get(msg.reply_to)
            if replied is not None:
                out["reply_to_message"] = self._message_json(replied, nested=True)
        if msg.photo is not None:
            out["photo"] = copy.deepcopy(msg.photo)
            if msg.text:
                out["caption"] = msg.text
            if msg.entities:
                out["caption_entities"] = copy.deepcopy(msg.entities)
        else:
            out["text"] = msg.text
            if msg.entities:
                out["entities"] = copy.deepcopy(msg.entities)
        if msg.link_preview_options is not None:
            out["link_preview_options"] = dict(msg.link_preview_options)
        if msg.protect_content:
            out["has_protected_content"] = True
        if msg.reply_markup is not None:
            out["reply_markup"] = copy.deepcopy(msg.reply_markup)
        return out


# --- helpers --------------------------------------------------------------------------------


def _post_json(
    url: str, payload: dict[str, Any], headers: dict[str, str], timeout: float
) -> tuple[int, str]:
    """POST ``payload`` as JSON; the status and "<status> <reason>" (0 when unreachable)."""
    import urllib.error
    import urllib.request

    body = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, f"{answer.status} {answer.reason}"
    except urllib.error.HTTPError as exc:
        return exc.code, f"{exc.code} {exc.reason}"
    except OSError as exc:
        return 0, f"Connection failed: {exc}"


def _ts(when: datetime) -> int:
    return int(when.timestamp())


def _error_outcome(error: _ApiError) -> _Outcome:
    return _Outcome(error.code, error.payload())


def _forbidden(chat: _Chat | None) -> str:
    if chat is None:
        return "Forbidden"
    if chat.type == "private":
        return "Forbidden: bot was blocked by the user"
    if chat.type == "channel":
        return "Forbidden: bot is not a member of the channel chat"
    return f"Forbidden: bot was kicked from the {chat.type} chat"


def _scope_key(scope: dict[str, Any] | None, language: str) -> tuple[str, str]:
    scope = scope or {"type": "default"}
    return json.dumps(scope, sort_keys=True), language


def _version(msg: _Message, at: datetime) -> Version:
    return Version(
        text=msg.text,
        html=msg.html,
        entities=tuple(copy.deepcopy(msg.entities)),
        reply_markup=copy.deepcopy(msg.reply_markup),
        link_preview_options=copy.deepcopy(msg.link_preview_options),
        at=at,
    )


def _snapshot(msg: _Message) -> SentMessage:
    return SentMessage(
        chat_id=msg.chat.id,
        message_id=msg.message_id,
        date=msg.date,
        text=msg.text,
        html=msg.html,
        parse_mode=msg.parse_mode,
        entities=tuple(copy.deepcopy(msg.entities)),
        disable_notification=msg.disable_notification,
        protect_content=msg.protect_content,
        link_preview_options=copy.deepcopy(msg.link_preview_options),
        reply_markup=copy.deepcopy(msg.reply_markup),
        reply_to_message_id=msg.reply_to,
        history=tuple(msg.history),
        edit_date=msg.edit_date,
        deleted=msg.deleted,
        photo=msg.photo[-1]["file_id"] if msg.photo else None,
        pinned=msg.pinned,
        message_thread_id=msg.thread_id,
    )


def _given_entities(given: Any, text: str) -> list[dict[str, Any]]:
    """The entities parameter (without parse_mode), checked against the text."""
    if given is None:
        return []
    size = utf16_len(text)
    if not isinstance(given, list):
        raise _bad("can't parse entities JSON object")
    out: list[dict[str, Any]] = []
    for entity in given:
        if not (
            isinstance(entity, dict)
            and isinstance(entity.get("type"), str)
            and isinstance(entity.get("offset"), int)
            and isinstance(entity.get("length"), int)
            and entity["offset"] >= 0
            and entity["length"] > 0
            and entity["offset"] + entity["length"] <= size
        ):
            raise _bad("can't parse entities: an entity is outside the text or malformed")
        if entity["type"] == "text_link":
            entity = {**entity, "url": _check_url(str(entity.get("url", "")), 0)}
        out.append(dict(entity))
    return out


_PREVIEW_KEYS = {
    "is_disabled": bool,
    "url": str,
    "prefer_small_media": bool,
    "prefer_large_media": bool,
    "show_above_text": bool,
}


def _check_preview(preview: Any) -> dict[str, Any]:
    if not isinstance(preview, dict) or any(
        key in _PREVIEW_KEYS and not isinstance(value, _PREVIEW_KEYS[key])
        for key, value in preview.items()
    ):
        raise _bad("can't parse link preview options JSON object")
    if preview.get("prefer_small_media") and preview.get("prefer_large_media"):
        raise _bad("prefer_small_media and prefer_large_media can't be used together")
    return {key: value for key, value in preview.items() if key in _PREVIEW_KEYS}


_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip


def _inline_markup(p: _Params) -> dict[str, Any] | None:
    """The reply_markup parameter checked; returns the inline keyboard to echo (or None)."""
    markup = p.json("reply_markup", "can't parse reply keyboard markup JSON object")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
            return None  # accepted; Telegram echoes only inline keyboards
        raise _bad("can't parse reply keyboard markup JSON object")
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad("can't parse inline keyboard button JSON object")
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise _bad("reply markup is too long")
    checked: list[list[dict[str, Any]]] = []
    for row in rows:
        out_row: list[dict[str, Any]] = []
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _bad("can't parse inline keyboard button JSON object")
            if not button["text"].strip():
                raise _bad("BUTTON_TEXT_INVALID")
            actions = [key for key in _BUTTON_ACTIONS if key in button]
            if not actions:
                raise _bad("text buttons are unallowed in the inline keyboard")
            if len(actions) > 1:
                raise _bad("can't parse inline keyboard button: more than one action")
            data = button.get("callback_data")
            if "callback_data" in button and not (
                isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA
            ):
                raise _bad("BUTTON_DATA_INVALID")
            if "url" in button:
                url = button["url"]
                scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
                if scheme not in ("http", "https", "tg") or not urlsplit(str(url)).netloc:
                    raise _bad("BUTTON_URL_INVALID")
            out_row.append(copy.deepcopy(button))
        if out_row:
            checked.append(out_row)
    return {"inline_keyboard": checked}


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """A started FakeTelegram (token TOKEN) with the channel CHANNEL / CHANNEL_ID registered;
    stopped after the test, promptly even with a long poll pending."""
    fake = FakeTelegram().start()
    fake.add_channel(CHANNEL, CHANNEL_ID, title="ogbot test channel")
    try:
        yield fake
    finally:
        fake.stop()
