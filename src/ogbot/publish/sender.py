"""Sending to Telegram: the one module that wraps python-telegram-bot's ``Bot`` for publishing.

Every failure becomes a :class:`SendError` whose ``outcome`` says what the outbox may do:

- ``retry``: the message provably did not reach Telegram (no connection was made, the pool had
  no free connection, or Telegram answered with an error status such as 429 or 5xx), so sending
  it again cannot double it;
- ``unknown``: the request may have been delivered (a read timeout, a connection dropped after
  the request was written): sending again could double the post;
- ``rejected``: Telegram refused this message (400): retrying cannot help;
- ``forbidden``: the bot may not post in this chat (403: removed from the channel, blocked);
- ``fatal``: the token is refused (401/404): nothing can be sent.

The last guard before a send or an edit: :func:`~ogbot.publish.html.check_post`. A text that
breaks Telegram's HTML rules (a bug: every builder checks its posts) is never sent as broken
HTML, which Telegram would refuse or show with stray tags. The error is logged, naming the
post's items and every problem, and the text goes out as plain text instead: what a reader of
the HTML would have seen, without bold, italics and links (:func:`guarded`). Nothing is lost;
a text too long even so is refused by Telegram as usual (``rejected``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from ogbot import logs
from ogbot.config import TelegramSettings
from ogbot.publish.budget import SendBudget, lane_of
from ogbot.publish.html import InvalidPost, check_post, parse_html
from ogbot.publish.post import Post

log = logs.get_logger(__name__)

# durations from PTB as timedelta (its coming default); without this it warns on every 429
os.environ.setdefault("PTB_TIMEDELTA", "true")

Outcome = Literal["retry", "unknown", "rejected", "forbidden", "fatal"]

T = TypeVar("T")
# an inline keyboard: rows of (label, callback data) buttons (a review's Posten/Überspringen)
Buttons = Sequence[Sequence[tuple[str, str]]]

REQUEST_TIMEOUT = 20.0  # seconds httpx waits to connect (at most 10), to write, for an answer
# seconds a whole send, edit or delete may take, however its time is spent (waiting for a pooled
# connection, connecting, writing, reading); then its outcome is unknown. ``ogbot run`` lets a
# send in flight this long (and a little more) finish when it is stopped: see app/service.py.
SEND_DEADLINE = 30.0

# httpx errors raised before a request could reach the server
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class SendError(Exception):
    def __init__(self, outcome: Outcome, reason: str, retry_after: float | None = None) -> None:
        self.outcome: Outcome = outcome
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(f"publish: {outcome}: {reason}")


@dataclass(frozen=True)
class Sent:
    chat_id: str
    message_id: int


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify_error(exc: TelegramError) -> SendError:
    """What a failed request means for the outbox (see the module docstring)."""
    if isinstance(exc, RetryAfter):
        return SendError("retry", "429 Too Many Requests", _seconds(exc.retry_after))
    if isinstance(exc, ChatMigrated):
        return SendError("rejected", f"the chat moved to {exc.new_chat_id}")
    if isinstance(exc, BadRequest):
        return SendError("rejected", exc.message)
    if isinstance(exc, Forbidden):
        return SendError("forbidden", exc.message)
    if isinstance(exc, InvalidToken):
        return SendError("fatal", "Telegram refused the token")
    cause = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return SendError("retry", f"{type(cause).__name__}: not connected")
    if isinstance(exc, TimedOut) or isinstance(cause, httpx.HTTPError):
        # the request went out; whether Telegram acted on it is not known
        return SendError("unknown", f"{type(cause or exc).__name__}: no answer")
    if isinstance(exc, NetworkError):  # an answer with an error status (5xx): not posted
        return SendError("retry", exc.message)
    return SendError("unknown", f"{type(exc).__name__}: {exc.message}")


def make_request(timeout: float) -> HTTPXRequest:
    return HTTPXRequest(
        connection_pool_size=8,
        connect_timeout=min(10.0, timeout),
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=5.0,
    )


def make_bot(
    settings: TelegramSettings,
    *,
    timeout: float = REQUEST_TIMEOUT,
    budget: SendBudget | None = None,
) -> ExtBot[Any]:
    """A Bot talking to ``telegram.api_url`` (requests go to {api_url}/bot{token}/{method},
    file downloads to {api_url}/file/bot{token}/{path}),
    every message paced by ``budget`` (see :mod:`ogbot.publish.budget`; a new one if none is
    given). The process makes one Bot, so one budget, and shares it."""
    return ExtBot(
        settings.token,
        base_url=f"{settings.api_url.rstrip('/')}/bot",
        # files (a coordinator's photo) come from the same server: {api_url}/file/bot{token}/…
        base_file_url=f"{settings.api_url.rstrip('/')}/file/bot",
        request=make_request(timeout),
        get_updates_request=make_request(timeout + 40),
        rate_limiter=budget or SendBudget(),
    )


class Sender:
    """Sends, edits and deletes posts; every error is a SendError."""

    def __init__(self, bot: Bot, *, deadline: float = SEND_DEADLINE) -> None:
        self.bot = bot
        self.deadline = deadline  # seconds a whole request may take (see SEND_DEADLINE)

    async def _within(self, call: Awaitable[T], outcome: Outcome = "unknown") -> T:
        """The request's answer, or a SendError once it took ``deadline`` seconds: by then the
        request may have been delivered (``unknown``), unless it changes nothing (``retry``)."""
        try:
            async with asyncio.timeout(self.deadline):
                return await call
        except TimeoutError:
            raise SendError(outcome, f"no answer within {self.deadline:g} s") from None

    async def resolve(self, chat: str) -> str:
        """``@name`` becomes the numeric id (once; the caller keeps it); ids stay as they are."""
        if not chat.startswith("@"):
            return chat
        try:
            found = await self._within(self.bot.get_chat(chat), "retry")
        except TelegramError as exc:
            raise classify_error(exc) from exc
        return str(found.id)

    async def _admitted(self, chat_id: str) -> dict[str, Any]:
        """Wait for the send budget's turn (the channel before private chats, replies before
        both), outside the deadline: a request waiting there has provably not been sent. The
        grant makes the budget pass the request straight through and hand a 429 back here."""
        budget = getattr(self.bot, "rate_limiter", None)
        if not isinstance(budget, SendBudget):
            return {}
        return {"rate_limit_args": await budget.admit(chat_id, lane_of(chat_id))}

    async def _request(
        self,
        method: Callable[..., Awaitable[T]],
        chat_id: str,
        *,
        paced: bool = True,
        **params: Any,
    ) -> T | None:
        """One Bot API send or edit: its turn in the send budget (``paced``), then the request
        within the deadline; Telegram's errors as :class:`SendError`. An edit that changes
        nothing ("message is not modified") is no error: None."""
        granted = await self._admitted(chat_id) if paced else {}
        try:
            return await self._within(method(chat_id=chat_id, **params, **granted))
        except BadRequest as exc:
            if method.__name__.startswith("edit") and "not modified" in exc.message.lower():
                return None
            raise classify_error(exc) from exc
        except TelegramError as exc:
            raise classify_error(exc) from exc

    async def send(
        self,
        chat_id: str,
        post: Post,
        *,
        silent: bool,
        buttons: Buttons = (),
        thread: int | None = None,
    ) -> Sent:
        """``thread``: a forum topic of a group (its ``message_thread_id``)."""
        if post.has_photo:
            return await self.send_photo(chat_id, post, silent=silent, thread=thread)
        text, parse_mode = guarded(post)
        message = await self._request(
            self.bot.send_message,
            chat_id,
            text=text,
            parse_mode=parse_mode,
            disable_notification=silent,
            link_preview_options=link_preview(post),
            reply_markup=keyboard(buttons),
            message_thread_id=thread,
        )
        assert message is not None  # only an edit answers None
        return Sent(str(message.chat.id), message.message_id)

    async def edit(self, chat_id: str, message_id: int, post: Post) -> None:
        if post.has_photo:
            return await self.edit_caption(chat_id, message_id, post)
        text, parse_mode = guarded(post)
        await self._request(
            self.bot.edit_message_text,
            chat_id,
            message_id=message_id,
            text=text,
            parse_mode=parse_mode,
            link_preview_options=link_preview(post),
        )

    async def edit_buttons(self, chat_id: str, message_id: int, buttons: Buttons) -> None:
        """Replace a message's inline keyboard (none: ``buttons`` empty)."""
        await self._request(
            self.bot.edit_message_reply_markup,
            chat_id,
            paced=False,
            message_id=message_id,
            reply_markup=keyboard(buttons),
        )

    async def send_photo(
        self, chat_id: str, post: Post, *, silent: bool, thread: int | None = None
    ) -> Sent:
        """An announcement with a picture: the photo (Telegram's file id, else the file
        uploaded) with the post's text as its caption (``thread``: a forum topic)."""
        caption, parse_mode = guarded(post)
        photo: str | bytes = post.photo or ""
        if not post.photo and post.photo_file:
            try:
                photo = await asyncio.to_thread(Path(post.photo_file).read_bytes)
            except OSError as exc:
                raise SendError("rejected", f"the photo cannot be read: {exc}") from exc
        message = await self._request(
            self.bot.send_photo,
            chat_id,
            photo=photo,
            caption=caption,
            parse_mode=parse_mode,
            disable_notification=silent,
            message_thread_id=thread,
        )
        assert message is not None  # only an edit answers None
        return Sent(str(message.chat.id), message.message_id)

    async def edit_caption(self, chat_id: str, message_id: int, post: Post) -> None:
        """A photo's caption corrected; an unchanged one is no error."""
        caption, parse_mode = guarded(post)
        await self._request(
            self.bot.edit_message_caption,
            chat_id,
            message_id=message_id,
            caption=caption,
            parse_mode=parse_mode,
        )

    async def delete(self, chat_id: str, message_id: int) -> None:
        try:
            await self._within(self.bot.delete_message(chat_id=chat_id, message_id=message_id))
        except TelegramError as exc:
            raise classify_error(exc) from exc


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """The inline keyboard of (label, callback data) rows; None for no buttons."""
    rows = [
        [InlineKeyboardButton(label, callback_data=data) for label, data in row]
        for row in buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def link_preview(post: Post) -> LinkPreviewOptions:
    """The link preview a post asks for (the coordinator's preview shows the same)."""
    if post.disable_preview or not post.preview_url:
        return LinkPreviewOptions(is_disabled=True)
    return LinkPreviewOptions(
        url=post.preview_url,
        prefer_small_media=post.prefer_small_media,
        show_above_text=post.show_above_text,
    )


def guarded(post: Post) -> tuple[str, ParseMode | None]:
    """The text to send and its parse mode: the post's HTML when it passes
    :func:`~ogbot.publish.html.check_post`, else (logged as an error) its visible text as plain
    text: what a reader of the HTML would see, without formatting and links (a bare ``&`` or
    ``<`` shown as it is)."""
    try:
        check_post(post.text)
    except InvalidPost as exc:
        log.error(
            "post_invalid_html",
            items=",".join(map(str, post.item_ids)) or "none (an announcement)",
            problems="; ".join(exc.problems),
            sent_as="plain text",
        )
        return parse_html(post.text).text, None
    return post.text, ParseMode.HTML
