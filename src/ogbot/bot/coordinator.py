"""The coordinator's commands: delete (shown, then confirmed), pin, sources, pause, resume, and
the announcements' (:mod:`ogbot.bot.announcements`: announce, scheduled, announcements, edit);
the buttons of all of them; and :func:`tell_coordinators` for problems they must hear about.

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
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast, get_args
from zoneinfo import ZoneInfo

from telegram import (
    Bot,
    CallbackQuery,
    LinkPreviewOptions,
    Message,
    MessageOriginChannel,
    Update,
)
from telegram.constants import ParseMode
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
from ogbot.bot import coordinator_views as views
from ogbot.bot.announcements import AnnouncementHandlers
from ogbot.bot.coordinator_base import answer, pressed_message, reply
from ogbot.bot.flood import FloodGate
from ogbot.bot.services import BotServices
from ogbot.bot.texts import client_lang
from ogbot.dates import read_when
from ogbot.models import OutboxPost

log = logs.get_logger(__name__)

GROUP = -1  # before the conversation's handlers (group 0): PTB runs lower groups first
COMMANDS = (
    "announce",
    "scheduled",
    "announcements",
    "edit",
    "pin",
    "delete",
    "sources",
    "pause",
    "resume",
)
# a photo whose caption starts with /announce (or /announce@bot) is an announcement with a picture
PHOTO_ANNOUNCE = r"^/announce(?:@\w+)?(?:\s|$)"


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


# draft buttons (send, plan, cancel, fix: a correction) name a draft; drop (a scheduled one),
# edit, rm (delete), unpub (out of the feeds), pin an announcement; del and keep a post
Action = Literal[
    "send", "plan", "cancel", "drop", "fix", "edit", "rm", "unpub", "pin", "del", "keep"
]
ACTIONS: tuple[Action, ...] = get_args(Action)


@dataclass(frozen=True)
class Button:
    """A press of one of the coordinator's buttons: ``ann:<action>:<id>``, parsed strictly."""

    action: Action
    ref: int


# ASCII digits only (str.isdigit() takes "²" too), and an id SQLite can hold (int64)
_BUTTON = re.compile(rf"{views.CALLBACK_PREFIX}:({'|'.join(ACTIONS)}):([1-9][0-9]{{0,17}})")


def parse_button(data: str | None) -> Button | None:
    """The press ``data`` stands for, or None for anything a forged or outdated button sends."""
    match = _BUTTON.fullmatch(data or "")
    if match is None:
        return None
    action = cast(Action, match[1])
    return Button(action, int(match[2]))


# --- the handlers ----------------------------------------------------------------------------


class Coordinator(AnnouncementHandlers):
    """The handlers, bound to the services they use."""

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            raise ApplicationHandlerStop
        user = query.from_user
        press = parse_button(query.data)
        if not self.is_coordinator(user.id):
            verdict = self._gate(user.id, f"button:{press.action if press else 'invalid'}")
            if verdict == "drop":
                await answer(query)  # the spinner stops; nothing more for a flood
            else:
                await answer(query, views.REFUSAL[client_lang(user.language_code)], alert=True)
            raise ApplicationHandlerStop
        if press is None:  # forged, or from an older version: answered, nothing done
            log.info("button_invalid", user=user.id)
            await answer(query)
            raise ApplicationHandlerStop
        handlers: dict[Action, Callable[[CallbackQuery, int, int], Awaitable[None]]] = {
            "send": self._send,
            "plan": self._plan,
            "cancel": self._cancel,
            "drop": self._drop,
            "fix": self._fix,
            "edit": self._edit_button,
            "del": self._delete_confirmed,
            "keep": self._delete_kept,
            "rm": self._delete_button,
            "unpub": self._unpublish,
            "pin": self._pin_button,
        }
        await handlers[press.action](query, user.id, press.ref)
        raise ApplicationHandlerStop

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
        """``/delete LINK`` (or as a reply to a forwarded post): the post is shown and the
        coordinator asked to confirm; nothing is deleted yet."""
        message = await self._allowed(update, "delete")
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        target = await self._target(message, context)
        if isinstance(target, str):
            await reply(message, target)
            raise ApplicationHandlerStop
        post = await self.coordination.sent_post(target.chat, target.message_id)
        if post is None:
            await reply(message, views.NOT_OURS)
            raise ApplicationHandlerStop
        await self._ask_to_delete(message, post, update.effective_user.id)
        raise ApplicationHandlerStop

    async def _ask_to_delete(self, message: Message, post: OutboxPost, user_id: int) -> None:
        if post.state == "deleted":
            await reply(message, views.DELETED_ALREADY)
            return
        await self.coordination.delete_asked(post, coordinator=user_id)
        await reply(message, views.delete_question_html(post, self.tz), views.delete_keyboard(post))

    async def _delete_button(
        self, query: CallbackQuery, user_id: int, announcement_id: int
    ) -> None:
        """ "Löschen" in /announcements: the same question as /delete (or, for an announcement
        only in the feeds, whether to take it out of them)."""
        message = pressed_message(query)
        found = await self.coordination.announcement(announcement_id)
        if found is None or found.state != "published" or message is None:
            await answer(query, views.ALREADY_DONE)
            return
        post = await self.coordination.channel_post(announcement_id)
        if post is not None:
            await self._ask_to_delete(message, post, user_id)
        else:
            await reply(
                message, views.unpublish_question_html(found), views.unpublish_keyboard(found)
            )
        await answer(query)

    async def _delete_confirmed(self, query: CallbackQuery, user_id: int, post_id: int) -> None:
        """ "Ja, löschen": the post goes from the channel (and an announcement from the feeds)."""
        post = await self.coordination.post(post_id)
        message = pressed_message(query)
        if post is None or post.state != "sent" or post.chat_id is None or post.message_id is None:
            await self._drop_buttons(message)
            await answer(query, views.ALREADY_DONE)
            return
        chat_id, message_id = post.chat_id, post.message_id
        outcome = await self._delete_message(query.get_bot(), post)
        if outcome is not None:
            if message is not None:
                await reply(message, outcome)
            await answer(query)
            return
        from_feeds = await self.coordination.post_deleted(
            post, coordinator=user_id, chat_id=chat_id, message_id=message_id
        )
        await self._drop_buttons(message)
        if message is not None:
            await reply(message, views.deleted_text(from_feeds))
        await answer(query, views.DELETED)

    async def _delete_message(self, bot: Bot, post: OutboxPost) -> str | None:
        """Delete the post's message; None when it is gone, else what to tell the coordinator."""
        try:
            await bot.delete_message(chat_id=post.chat_id or "", message_id=post.message_id or 0)
        except BadRequest as exc:
            if "not found" in exc.message.lower():
                return None  # someone deleted it already: recorded as deleted all the same
            log.warning("delete_refused", post=post.id, reason=exc.message)
            return views.TOO_OLD_TO_DELETE
        except Forbidden as exc:
            log.warning("delete_refused", post=post.id, reason=exc.message)
            return views.MAY_NOT_DELETE
        return None

    async def _delete_kept(self, query: CallbackQuery, user_id: int, post_id: int) -> None:
        message = pressed_message(query)
        await self._drop_buttons(message)
        await self.coordination.delete_kept(post_id, coordinator=user_id)
        if message is not None:
            await reply(message, views.NOT_DELETED)
        await answer(query, views.NOT_DELETED)

    async def _unpublish(self, query: CallbackQuery, user_id: int, announcement_id: int) -> None:
        message = pressed_message(query)
        done = await self.coordination.unpublish(announcement_id, coordinator=user_id)
        await self._drop_buttons(message)
        if done and message is not None:
            await reply(message, views.deleted_text(True))
        await answer(query, views.DELETED if done else views.ALREADY_DONE)

    # -- /pin ----------------------------------------------------------------------------------

    async def pin(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/pin N``: announcement N's channel message is pinned."""
        message = await self._allowed(update, "pin")
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        number = " ".join(context.args or [])
        ref = int(number) if number.isascii() and number.isdigit() and len(number) < 12 else 0
        await reply(message, await self._pin(context.bot, ref, update.effective_user.id))
        raise ApplicationHandlerStop

    async def _pin_button(self, query: CallbackQuery, user_id: int, announcement_id: int) -> None:
        said = await self._pin(query.get_bot(), announcement_id, user_id)
        message = pressed_message(query)
        if message is not None:
            await reply(message, said)
        await answer(query)

    async def _pin(self, bot: Bot, announcement_id: int, user_id: int) -> str:
        """Pin the announcement's channel message; what to tell the coordinator."""
        found = await self.coordination.announcement(announcement_id) if announcement_id else None
        if found is None:
            return views.USAGE_PIN
        post = await self.coordination.channel_post(found.id)
        if found.state != "published" or post is None or post.state != "sent":
            return views.NOT_PINNABLE
        try:
            await bot.pin_chat_message(
                chat_id=post.chat_id or "",
                message_id=post.message_id or 0,
                disable_notification=True,
            )
        except TelegramError as exc:
            log.warning("pin_refused", post=post.id, reason=str(exc))
            return views.MAY_NOT_PIN
        await self.coordination.post_pinned(post, coordinator=user_id)
        return views.pinned_text(found.id)

    # -- /sources, /pause, /resume -------------------------------------------------------------

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "sources")
        if message is not None:
            states = await self.coordination.sources()
            counts = await self.coordination.outbox_counts()
            html = views.sources_html(self.settings.sources, states, counts, self.tz)
            await reply(message, html)
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
            await reply(message, views.unknown_source_text(name, command, list(configured)))
            raise ApplicationHandlerStop
        await self.coordination.set_paused(source, paused, coordinator=update.effective_user.id)
        await reply(message, views.paused_text(source.name, paused))
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
        "announcements": coordinator.announcements,
        "edit": coordinator.edit,
        "pin": coordinator.pin,
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
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.PHOTO & filters.CaptionRegex(PHOTO_ANNOUNCE),
            coordinator.announce,
        ),
        GROUP,
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
