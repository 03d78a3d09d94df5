"""The coordinator's commands: announce (preview, send, schedule, cancel), scheduled, delete,
sources, pause, resume; and :func:`tell_coordinators` for problems they must hear about.

Who may: the user ids in ``telegram.coordinators``, in a private chat with the bot. Every command
and every button press checks the user again; anyone else gets a polite refusal, and the attempt
is logged with the user id and the command (never the message text). The handlers sit in a group
before the conversation's (:data:`GROUP`) and stop the update once they have answered it, so a
refused ``/announce`` never reaches another handler.

Handlers parse the update, call the domain (:class:`~ogbot.app.coordination.Coordination`:
drafts, announcements, posts, sources, the audit record) and reply with what
:mod:`ogbot.bot.coordinator_views` writes. State lives in the store, so a restart loses nothing:
the draft behind each preview's buttons, and the one step that waits for a reply - "Planen" asks
for a time, the next text message from that coordinator answers it.

The preview is the channel post itself: the same HTML from
:func:`~ogbot.publish.post.announcement_post` and the same link preview, with the buttons below.
After sending, its buttons go and a reply says what happened; the preview's text is never edited
(an announcement at the length limit could not grow by a status line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageOriginChannel,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from ogbot import logs
from ogbot.app.coordination import Awaiting
from ogbot.bot import coordinator_views as views
from ogbot.bot.flood import FloodGate, Verdict
from ogbot.bot.services import BotServices
from ogbot.bot.texts import TEXTS, client_lang
from ogbot.dates import read_when
from ogbot.models import StoredAnnouncement
from ogbot.publish.post import PostTooLong, announcement_post
from ogbot.publish.sender import link_preview

log = logs.get_logger(__name__)

GROUP = -1  # before the conversation's handlers (group 0): PTB runs lower groups first
COMMANDS = ("announce", "scheduled", "delete", "sources", "pause", "resume")
AUTHOR_FALLBACK = "coordinator"
STOP_WORDS = frozenset({"abbrechen", "abbruch", "stop", "cancel", "nein"})


# --- pure helpers --------------------------------------------------------------------------------


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """A date and time as a coordinator writes it ("morgen 9:00"), or None: see
    :func:`ogbot.dates.read_when`, which ``ogbot announce --at`` reads with too."""
    return read_when(text, now, tz)


_POST_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?"
    # ids as Telegram's: a channel id has at most 13 digits after -100, a message id fits int32
    r"(?:c/(?P<internal>\d{1,13})|(?P<name>[A-Za-z][A-Za-z0-9_]{3,31}))/(?P<message>\d{1,10})/?"
    r"(?:\?\S*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PostLink:
    """A channel post named by a link: ``chat`` is "@name" or the numeric id as text."""

    chat: str
    message_id: int


def parse_post_link(text: str) -> PostLink | None:
    """``https://t.me/<channel>/<id>`` (or ``t.me/c/<internal id>/<id>`` of a private channel)."""
    match = _POST_LINK.fullmatch(text.strip())
    if match is None:
        return None
    chat = f"-100{match['internal']}" if match["internal"] else f"@{match['name']}"
    return PostLink(chat, int(match["message"]))


@dataclass(frozen=True)
class Button:
    """A press of one of the coordinator's buttons: ``ann:<action>:<id>``, parsed strictly."""

    action: Literal["send", "plan", "cancel", "drop"]
    ref: int


# ASCII digits only (str.isdigit() takes "²" too), and an id SQLite can hold (int64)
_BUTTON = re.compile(rf"{views.CALLBACK_PREFIX}:(send|plan|cancel|drop):([1-9][0-9]{{0,17}})")


def parse_button(data: str | None) -> Button | None:
    """The press ``data`` stands for, or None for anything a forged or outdated button sends."""
    match = _BUTTON.fullmatch(data or "")
    if match is None:
        return None
    action = cast(Literal["send", "plan", "cancel", "drop"], match[1])
    return Button(action, int(match[2]))


# --- the handlers ----------------------------------------------------------------------------


async def _reply(
    message: Message, html: str, markup: InlineKeyboardMarkup | None = None
) -> Message:
    return await message.reply_text(
        html,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=markup,
    )


async def _answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (last, once its work is done); a query too old to answer is
    only logged, the work stands."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.info("button_not_answered", reason=exc.message)


def _command_text(message: Message) -> str:
    """What follows the command, line breaks kept (``context.args`` would lose them)."""
    text = message.text or ""
    entity = next((e for e in message.entities if e.type == "bot_command" and e.offset == 0), None)
    # the command is ASCII, so its UTF-16 length is its length in characters
    rest = text[entity.length :] if entity is not None else ""
    return rest.lstrip(" \t").removeprefix("\n")


class Coordinator:
    """The handlers, bound to the services they use."""

    def __init__(self, services: BotServices, gate: FloodGate | None = None) -> None:
        self.services = services
        # the same gate as every other reply's: a stranger's refusals count in their window
        self.gate = gate or FloodGate()
        self.settings = services.settings
        self.coordination = services.coordination
        self.tz = services.settings.publish.tz

    def is_coordinator(self, user_id: int) -> bool:
        return user_id in self.settings.telegram.coordinators

    async def _allowed(self, update: Update, command: str) -> Message | None:
        """The message to answer when its sender may use the command here; else the refusal
        is sent (or nothing, for an update without a message) and None returned."""
        message, user = update.message, update.effective_user
        if message is None or user is None:
            return None
        if not self.is_coordinator(user.id):
            lang = client_lang(user.language_code)
            verdict = self._gate(user.id, command)
            if verdict == "pass":
                await _reply(message, views.REFUSAL[lang])
            elif verdict == "notice":
                await _reply(message, TEXTS[lang].slow_down)
            return None
        if message.chat.type != ChatType.PRIVATE:
            await _reply(message, views.PRIVATE_ONLY)
            return None
        return message

    def _gate(self, user_id: int, command: str) -> Verdict:
        """A stranger's attempt through the flood gate: logged (a warning while it is answered,
        debug once the user is flooding), and the verdict on answering it."""
        verdict = self.gate.check(user_id, self.services.clock().timestamp())
        if verdict == "drop":
            log.debug("coordinator_refused", user=user_id, command=command, answered=False)
        else:
            log.warning("coordinator_refused", user=user_id, command=command)
        return verdict

    def _example(self) -> str:
        """Tomorrow at nine, as the coordinator may write a time."""
        tomorrow = (self.services.clock() + timedelta(days=1)).astimezone(self.tz)
        return f"{tomorrow:%Y-%m-%d} 09:00"

    # -- /announce and its buttons -------------------------------------------------------------

    async def announce(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "announce")
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        text = _command_text(message)
        try:
            post = announcement_post(text, self.settings.publish)
        except PostTooLong as exc:
            await _reply(message, views.too_long_text(exc))
            raise ApplicationHandlerStop from None
        except ValueError:  # an empty text
            await _reply(message, views.USAGE_ANNOUNCE)
            raise ApplicationHandlerStop from None
        draft_id = await self.coordination.draft(update.effective_user.id, text)
        await message.reply_text(
            post.text,
            parse_mode=ParseMode.HTML,
            link_preview_options=link_preview(post),
            reply_markup=views.draft_keyboard(draft_id),
        )
        raise ApplicationHandlerStop

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            raise ApplicationHandlerStop
        user = query.from_user
        press = parse_button(query.data)
        if not self.is_coordinator(user.id):
            verdict = self._gate(user.id, f"button:{press.action if press else 'invalid'}")
            if verdict == "drop":
                await _answer(query)  # the spinner stops; nothing more for a flood
            else:
                await _answer(query, views.REFUSAL[client_lang(user.language_code)], alert=True)
            raise ApplicationHandlerStop
        if press is None:  # forged, or from an older version: answered, nothing done
            log.info("button_invalid", user=user.id)
            await _answer(query)
            raise ApplicationHandlerStop
        handlers = {
            "send": self._send,
            "plan": self._plan,
            "cancel": self._cancel,
            "drop": self._drop,
        }
        await handlers[press.action](query, user.id, press.ref)
        raise ApplicationHandlerStop

    async def _is_open(self, query: CallbackQuery, draft_id: int) -> bool:
        """Whether the draft is open; else the press is answered."""
        draft = await self.coordination.find_draft(draft_id)
        if draft is None:
            await _answer(query, views.DRAFT_GONE)
            return False
        if draft.state != "open":
            await _answer(query, views.ALREADY_DONE)
            return False
        return True

    async def _drop_buttons(self, message: Message | None) -> None:
        if message is None:
            return
        try:
            await message.edit_reply_markup(reply_markup=None)
        except BadRequest as exc:  # already without buttons, or gone
            log.info("preview_buttons_kept", reason=exc.message)

    async def _send(self, query: CallbackQuery, user_id: int, draft_id: int) -> None:
        if not await self._is_open(query, draft_id):
            return
        author = query.from_user.first_name or AUTHOR_FALLBACK
        announced = await self.coordination.announce_now(
            draft_id, coordinator=user_id, author=author
        )
        if announced is None:
            await _answer(query, views.ALREADY_DONE)
            return
        preview = query.message if isinstance(query.message, Message) else None
        await self._drop_buttons(preview)
        if preview is not None:
            await _reply(preview, views.sent_text(announced.queued))
        await _answer(query, views.SENT)

    async def _plan(self, query: CallbackQuery, user_id: int, draft_id: int) -> None:
        if not await self._is_open(query, draft_id):
            return
        preview = query.message if isinstance(query.message, Message) else None
        if preview is not None:
            awaiting = Awaiting(draft_id, preview.chat.id, preview.message_id)
            await self.coordination.wait_for_time(user_id, awaiting)
            await _reply(preview, views.ask_time_text(self._example(), self.tz))
        await _answer(query)

    async def _cancel(self, query: CallbackQuery, user_id: int, draft_id: int) -> None:
        if not await self._is_open(query, draft_id):
            return
        if not await self.coordination.cancel_draft(draft_id, coordinator=user_id):
            await _answer(query, views.ALREADY_DONE)
            return
        preview = query.message if isinstance(query.message, Message) else None
        await self._drop_buttons(preview)
        if preview is not None:
            await _reply(preview, views.DISCARDED_REPLY)
        await _answer(query, views.DISCARDED)

    async def time_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A coordinator's text after "Planen": the time. Other text passes on untouched."""
        message, user = update.message, update.effective_user
        if message is None or user is None or not self.is_coordinator(user.id):
            return
        awaiting = await self.coordination.awaiting_time(user.id)
        if awaiting is None:
            return
        if (message.text or "").strip().lower().rstrip(".!") in STOP_WORDS:
            await self.coordination.stop_waiting(user.id)
            await _reply(message, views.NOT_PLANNED)
            raise ApplicationHandlerStop
        now = self.services.clock()
        when = parse_when(message.text or "", now, self.tz)
        if when is None:
            await _reply(message, views.bad_time_text(self._example()))
            raise ApplicationHandlerStop
        if when <= now:
            await _reply(message, views.past_time_text(when, self.tz))
            raise ApplicationHandlerStop
        announced = await self.coordination.schedule(
            awaiting.draft_id, when, coordinator=user.id, author=user.first_name or AUTHOR_FALLBACK
        )
        if announced is None:
            await _reply(message, views.DRAFT_DONE)
            raise ApplicationHandlerStop
        try:
            await context.bot.edit_message_reply_markup(
                chat_id=awaiting.chat_id, message_id=awaiting.message_id, reply_markup=None
            )
        except BadRequest as exc:
            log.info("preview_buttons_kept", reason=exc.message)
        await _reply(message, views.planned_text(when, self.tz))
        raise ApplicationHandlerStop

    # -- /scheduled ----------------------------------------------------------------------------

    async def _scheduled_list(self) -> list[StoredAnnouncement]:
        return await self.coordination.scheduled(views.LIST_LIMIT + 1000)

    async def scheduled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "scheduled")
        if message is not None:
            found = await self._scheduled_list()
            await _reply(
                message,
                views.scheduled_html(found, self.tz),
                views.scheduled_keyboard(found, self.tz),
            )
        raise ApplicationHandlerStop

    async def _drop(self, query: CallbackQuery, user_id: int, announcement_id: int) -> None:
        cancelled = await self.coordination.cancel_announcement(
            announcement_id, coordinator=user_id
        )
        remaining = await self._scheduled_list()
        try:
            await query.edit_message_text(
                views.scheduled_html(remaining, self.tz),
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                reply_markup=views.scheduled_keyboard(remaining, self.tz),
            )
        except BadRequest as exc:  # "not modified": the list is as it was
            log.info("scheduled_list_kept", reason=exc.message)
        await _answer(query, views.CANCELLED if cancelled else views.ALREADY_DONE)

    # -- /delete -------------------------------------------------------------------------------

    async def _target(self, message: Message, context: ContextTypes.DEFAULT_TYPE) -> PostLink | str:
        """The channel post meant: (chat id, message id), or what to tell the coordinator."""
        replied = message.reply_to_message
        if replied is not None:
            origin = replied.forward_origin
            if isinstance(origin, MessageOriginChannel):
                return PostLink(str(origin.chat.id), origin.message_id)
            legacy = replied.api_kwargs  # forward_from_chat/_message_id of older Bot APIs
            chat, number = legacy.get("forward_from_chat"), legacy.get("forward_from_message_id")
            if isinstance(chat, dict) and isinstance(number, int) and "id" in chat:
                return PostLink(str(chat["id"]), number)
            return views.NOT_FORWARDED + views.USAGE_DELETE
        link = parse_post_link(" ".join(context.args or []))
        if link is None:
            return views.USAGE_DELETE
        if link.chat.startswith("@"):
            try:
                chat = await context.bot.get_chat(link.chat)
            except TelegramError:
                return views.unknown_channel_text(link.chat)
            return PostLink(str(chat.id), link.message_id)
        return link

    async def delete(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "delete")
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        target = await self._target(message, context)
        if isinstance(target, str):
            await _reply(message, target)
            raise ApplicationHandlerStop
        post = await self.coordination.sent_post(target.chat, target.message_id)
        if post is None:
            await _reply(message, views.NOT_OURS)
            raise ApplicationHandlerStop
        if post.state == "deleted":
            await _reply(message, views.DELETED_ALREADY)
            raise ApplicationHandlerStop
        try:
            await context.bot.delete_message(chat_id=target.chat, message_id=target.message_id)
        except BadRequest as exc:
            if "not found" not in exc.message.lower():
                log.warning("delete_refused", post=post.id, reason=exc.message)
                await _reply(message, views.TOO_OLD_TO_DELETE)
                raise ApplicationHandlerStop from None
            # someone deleted it already: record it as deleted all the same
        except Forbidden as exc:
            log.warning("delete_refused", post=post.id, reason=exc.message)
            await _reply(message, views.MAY_NOT_DELETE)
            raise ApplicationHandlerStop from None
        from_feeds = await self.coordination.post_deleted(
            post,
            coordinator=update.effective_user.id,
            chat_id=target.chat,
            message_id=target.message_id,
        )
        await _reply(message, views.deleted_text(from_feeds))
        raise ApplicationHandlerStop

    # -- /sources, /pause, /resume -------------------------------------------------------------

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "sources")
        if message is not None:
            states = await self.coordination.sources()
            counts = await self.coordination.outbox_counts()
            html = views.sources_html(self.settings.sources, states, counts, self.tz)
            await _reply(message, html)
        raise ApplicationHandlerStop

    async def pause(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._set_paused(update, context, paused=True)

    async def resume(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._set_paused(update, context, paused=False)

    async def _set_paused(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, paused: bool
    ) -> None:
        command = "pause" if paused else "resume"
        message = await self._allowed(update, command)
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        configured = {source.name: source for source in self.settings.sources}
        name = " ".join(context.args or [])
        source = configured.get(name)
        if source is None:
            await _reply(message, views.unknown_source_text(name, command, list(configured)))
            raise ApplicationHandlerStop
        await self.coordination.set_paused(source, paused, coordinator=update.effective_user.id)
        await _reply(message, views.paused_text(source.name, paused))
        raise ApplicationHandlerStop

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited coordinator command does nothing (it would repeat the first one)."""
        raise ApplicationHandlerStop


def register(
    application: Application,  # type: ignore[type-arg]
    services: BotServices,
    gate: FloodGate | None = None,
) -> None:
    """Add the coordinator's handlers to ``application`` (group :data:`GROUP`); ``gate`` is the
    flood gate the conversation's replies share."""
    coordinator = Coordinator(services, gate)
    commands = {
        "announce": coordinator.announce,
        "scheduled": coordinator.scheduled,
        "delete": coordinator.delete,
        "sources": coordinator.sources,
        "pause": coordinator.pause,
        "resume": coordinator.resume,
    }
    for name, callback in commands.items():
        application.add_handler(
            CommandHandler(name, callback, filters=filters.UpdateType.MESSAGE), GROUP
        )
    application.add_handler(
        CommandHandler(COMMANDS, coordinator.edited, filters=filters.UpdateType.EDITED_MESSAGE),
        GROUP,
    )
    application.add_handler(
        CallbackQueryHandler(coordinator.button, pattern=f"^{views.CALLBACK_PREFIX}:"), GROUP
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
            coordinator.time_reply,
        ),
        GROUP,
    )


async def tell_coordinators(bot: Bot, services: BotServices, problem: str, text_html: str) -> int:
    """Send ``text_html`` privately to every coordinator, at most once a day per ``problem``
    (the channel refuses posts, a source has failed for a day). Returns how many got it."""
    coordinators = services.settings.telegram.coordinators
    if not coordinators:
        return 0
    if not await services.coordination.claim_notice(problem):
        return 0
    told = 0
    for user_id in coordinators:
        try:
            await bot.send_message(
                chat_id=user_id,
                text=text_html,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except TelegramError as exc:  # never started the bot, blocked it, or a bad text
            log.warning("coordinator_not_told", user=user_id, problem=problem, error=str(exc))
            continue
        told += 1
    log.info("coordinators_told", problem=problem, told=told)
    return told
