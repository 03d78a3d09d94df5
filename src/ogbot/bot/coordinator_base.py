"""What every coordinator handler shares: who may (coordinators only, in a private chat, every
time), the polite refusal through the flood gate, and replying and answering button presses.

:class:`~ogbot.bot.coordinator.Coordinator` (delete, pin, sources, pause) builds on
:class:`~ogbot.bot.announcements.AnnouncementHandlers` (announce, edit, list), which builds on
:class:`CoordinatorBase`.
"""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest

from ogbot import logs
from ogbot.bot import coordinator_views as views
from ogbot.bot.flood import FloodGate, Verdict
from ogbot.bot.services import BotServices
from ogbot.bot.texts import TEXTS, client_lang

log = logs.get_logger(__name__)

AUTHOR_FALLBACK = "coordinator"
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,32})?(?=\s|$)")
# entities Telegram finds in any text by itself: not the coordinator's formatting
_DETECTED = frozenset(
    {"bot_command", "url", "hashtag", "cashtag", "mention", "email", "phone_number"}
)


async def reply(message: Message, html: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    return await message.reply_text(
        html,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_markup=markup,
    )


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (last, once its work is done); a query too old to answer is
    only logged, the work stands."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.info("button_not_answered", reason=exc.message)


def pressed_message(query: CallbackQuery) -> Message | None:
    """The message whose button was pressed, when Telegram still has it."""
    return query.message if isinstance(query.message, Message) else None


def _command_length(message: Message, text: str) -> int:
    """How long the command at the start is: its entity, else (a client that marked none, as
    some do in captions) the ``/name`` or ``/name@bot`` it starts with; 0 without one."""
    entities = message.entities or message.caption_entities
    entity = next((e for e in entities if e.type == "bot_command" and e.offset == 0), None)
    if entity is not None:
        return entity.length  # the command is ASCII: its UTF-16 length is its length
    match = _COMMAND.match(text)
    return match.end() if match else 0


def command_text(message: Message) -> str:
    """What follows the command in a text or a caption, line breaks kept (``context.args``
    would lose them)."""
    text = message.text or message.caption or ""
    length = _command_length(message, text)
    rest = text[length:] if length else ""
    return rest.lstrip(" \t").removeprefix("\n")


def command_html(message: Message) -> str | None:
    """The same with the coordinator's formatting, as python-telegram-bot writes it from the
    message's entities (``text_html``/``caption_html``; ogbot sanitises and checks it before
    use); None when the message has no formatting."""
    entities = message.entities or message.caption_entities
    if all(e.type in _DETECTED for e in entities):
        return None
    html = message.text_html if message.text else message.caption_html
    # the command is plain ASCII at the start: the same characters in the HTML
    length = _command_length(message, message.text or message.caption or "")
    rest = html[length:] if length else ""
    return rest.lstrip(" \t").removeprefix("\n")


class CoordinatorBase:
    """The services, and the checks every handler makes first."""

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
                await reply(message, views.REFUSAL[lang])
            elif verdict == "notice":
                await reply(message, TEXTS[lang].slow_down)
            return None
        if message.chat.type != ChatType.PRIVATE:
            await reply(message, views.PRIVATE_ONLY)
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

    async def _drop_buttons(self, message: Message | None) -> None:
        if message is None:
            return
        try:
            await message.edit_reply_markup(reply_markup=None)
        except BadRequest as exc:  # already without buttons, or gone
            log.info("preview_buttons_kept", reason=exc.message)
