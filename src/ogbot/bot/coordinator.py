"""The coordinator's commands: announce (preview, send, schedule, cancel), scheduled, delete,
sources, pause, resume; and :func:`tell_coordinators` for problems they must hear about.

Who may: the user ids in ``telegram.coordinators``, in a private chat with the bot. Every command
and every button press checks the user again; anyone else gets a polite refusal, and the attempt
is logged with the user id and the command (never the message text). The handlers sit in a group
before the conversation's (:data:`GROUP`) and stop the update once they have answered it, so a
refused ``/announce`` never reaches another handler.

State lives in the store, so a restart loses nothing: the draft (``add_draft``) behind each
preview's buttons, and the one step that waits for a reply - "Planen" asks for a time, the next
text message from that coordinator answers it - as a ``meta`` row per coordinator.

The preview is the channel post itself: the same HTML from
:func:`~ogbot.publish.post.announcement_post` and the same link preview, with the buttons below.
After sending, its buttons go and a reply says what happened; the preview's text is never edited
(an announcement at the length limit could not grow by a status line).

Texts for coordinators are German (the network works in German); the refusal follows the
user's client language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
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
from ogbot.bot.services import BotServices
from ogbot.bot.texts import client_lang
from ogbot.config import SourceSettings
from ogbot.dates import read_when
from ogbot.models import SourceState, StoredAnnouncement
from ogbot.publish.html import escape
from ogbot.publish.post import PostTooLong, announcement_post
from ogbot.publish.sender import link_preview
from ogbot.store import Store
from ogbot.text import clean_text, shorten, utf16_len

log = logs.get_logger(__name__)

GROUP = -1  # before the conversation's handlers (group 0): PTB runs lower groups first
COMMANDS = ("announce", "scheduled", "delete", "sources", "pause", "resume")
CALLBACK_PREFIX = "ann"
NOTICE_EVERY = timedelta(days=1)
LIST_LIMIT = 20  # scheduled announcements shown (and buttons) in one /scheduled message
SNIPPET = 80  # characters of an announcement shown in /scheduled
ERROR_SNIPPET = 120  # characters of a source's last error shown in /sources
AUTHOR_FALLBACK = "coordinator"
MESSAGE_LIMIT = 4000  # UTF-16 units of a reply's HTML: below Telegram's 4096, with room to spare
STOP_WORDS = frozenset({"abbrechen", "abbruch", "stop", "cancel", "nein"})

REFUSAL = {
    "de": "Das dürfen nur die Koordinator:innen des Netzwerks.",
    "en": "Only the network's coordinators may do that.",
}
PRIVATE_ONLY = "Koordinationsbefehle gehen nur im privaten Chat mit mir."
ALREADY_DONE = "Schon erledigt."
USAGE_ANNOUNCE = "So geht's: <code>/announce Text der Ankündigung</code>"
USAGE_DELETE = (
    "So geht's: einen Kanalbeitrag an mich weiterleiten und auf die Weiterleitung mit "
    "<code>/delete</code> antworten, oder <code>/delete https://t.me/kanal/123</code>."
)
ASK_TIME = (
    "Wann soll die Ankündigung erscheinen? Antworte mit Datum und Uhrzeit, z. B. "
    "<code>{example}</code> oder <code>morgen 9:00</code> (Zeitzone {tz})."
)
BAD_TIME = (
    "Das verstehe ich nicht als Zeitpunkt. Bitte so: <code>{example}</code>, "
    "<code>01.12.2026 9:00</code> oder <code>morgen 9:00</code>. "
    "Oder <code>abbrechen</code>, wenn du doch nicht planen willst."
)
NOT_PLANNED = (
    "Gut, nicht geplant. Der Entwurf wartet weiter auf „Jetzt senden“, „Planen“ oder „Abbrechen“."
)
PAST_TIME = "{when} ist schon vorbei. Bitte einen späteren Zeitpunkt."

OUTBOX_STATES = {
    "pending": "wartend",
    "sending": "wird gesendet",
    "sent": "gesendet",
    "merged": "in Sammelbeiträgen",
    "failed": "abgelehnt",
    "unknown": "Ausgang unklar",
    "expired": "zu alt",
    "deleted": "gelöscht",
}


# --- pure helpers --------------------------------------------------------------------------------


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """A date and time as a coordinator writes it ("morgen 9:00"), or None: see
    :func:`ogbot.dates.read_when`, which ``ogbot announce --at`` reads with too."""
    return read_when(text, now, tz)


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """``01.12.2026 09:00 Uhr`` in the configured time zone."""
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M Uhr")


def too_long_text(error: PostTooLong) -> str:
    """What the coordinator reads when the announcement does not fit one post."""
    over = error.size - error.limit
    if error.unit == "UTF-16 units":
        return (
            f"Der Text ist {over} Zeichen zu lang für einen Beitrag ({error.size} von höchstens "
            f"{error.limit}, mit Überschrift und Kontaktzeile; &amp;, &lt; und &gt; zählen "
            "mehrfach). Bitte kürzen."
        )
    return (
        f"Der Text hat {over} Links, Hashtags oder Erwähnungen zu viel für einen Beitrag "
        f"({error.size} von höchstens {error.limit}). Bitte kürzen."
    )


_POST_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?"
    r"(?:c/(?P<internal>\d+)|(?P<name>[A-Za-z][A-Za-z0-9_]{3,31}))/(?P<message>\d+)/?(?:\?\S*)?",
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


def sources_html(
    configured: Sequence[SourceSettings],
    states: Sequence[SourceState],
    counts: dict[str, int],
    tz: ZoneInfo,
) -> str:
    """The /sources message: one line per configured source, then the outbox."""
    by_name = {state.name: state for state in states}
    lines = [_source_line(source.name, by_name.get(source.name), tz) for source in configured]
    known = {source.name for source in configured}
    gone = [state.name for state in states if state.name not in known]
    if gone:
        lines.append("Nicht mehr konfiguriert: " + ", ".join(escape(name) for name in gone))
    order = list(OUTBOX_STATES)
    shown = sorted(counts, key=lambda s: order.index(s) if s in order else len(order))
    outbox = " · ".join(f"{counts[s]} {OUTBOX_STATES.get(s) or escape(s)}" for s in shown)
    tail = ["", f"<b>Warteschlange</b>: {outbox or 'leer'}"]
    cut = 0
    while utf16_len("\n".join(["<b>Quellen</b>", *lines, *tail])) > MESSAGE_LIMIT and lines:
        lines.pop()  # very many sources: the first ones, and a note how many more
        cut += 1
    if cut:
        lines.append(f"… und {cut} weitere")
    return "\n".join(["<b>Quellen</b>", *lines, *tail])


def _source_line(name: str, state: SourceState | None, tz: ZoneInfo) -> str:
    shown = f"<b>{escape(name)}</b>"
    if state is None:
        return f"⏳ {shown} · noch nie abgerufen"
    parts = []
    if state.paused:
        mark = "⏸"
        parts.append("pausiert")
    elif state.last_status == "error":
        mark = "⚠️"
    elif state.last_success is None:
        mark = "⏳"
    else:
        mark = "✅"
    if state.last_status == "error":
        since = state.failing_since or state.last_fetch
        when = f" seit {local_time(since, tz)}" if since else ""
        error = escape(shorten(clean_text(state.last_error or "?"), ERROR_SNIPPET))
        parts.append(f"Fehler{when} ({state.failures}×): {error}")
    if state.last_success is not None:
        parts.append(f"zuletzt erfolgreich {local_time(state.last_success, tz)}")
    elif state.last_status != "error":
        parts.append("noch nie abgerufen")
    parts.append(f"{state.items} Einträge")
    return f"{mark} {shown} · " + " · ".join(parts)


def scheduled_html(announcements: list[StoredAnnouncement], tz: ZoneInfo) -> str:
    if not announcements:
        return "Keine geplanten Ankündigungen."
    lines = ["<b>Geplante Ankündigungen</b>"]
    for number, announcement in enumerate(announcements[:LIST_LIMIT], start=1):
        snippet = escape(shorten(clean_text(announcement.text), SNIPPET))
        lines.append(f"{number}. {local_time(announcement.publish_at, tz)} – {snippet}")
    if len(announcements) > LIST_LIMIT:
        lines.append(f"… und {len(announcements) - LIST_LIMIT} weitere")
    return "\n".join(lines)


def scheduled_keyboard(
    announcements: list[StoredAnnouncement], tz: ZoneInfo
) -> InlineKeyboardMarkup | None:
    rows = [
        [
            InlineKeyboardButton(
                f"❌ {number}. absagen ({announcement.publish_at.astimezone(tz):%d.%m. %H:%M})",
                callback_data=f"{CALLBACK_PREFIX}:drop:{announcement.id}",
            )
        ]
        for number, announcement in enumerate(announcements[:LIST_LIMIT], start=1)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def draft_keyboard(draft_id: int) -> InlineKeyboardMarkup:
    data = f"{CALLBACK_PREFIX}:{{}}:{draft_id}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Jetzt senden", callback_data=data.format("send")),
                InlineKeyboardButton("Planen", callback_data=data.format("plan")),
                InlineKeyboardButton("Abbrechen", callback_data=data.format("cancel")),
            ]
        ]
    )


def awaiting_key(user_id: int) -> str:
    """The meta row that says which draft waits for this coordinator's time reply."""
    return f"coordinator.awaiting_time.{user_id}"


@dataclass(frozen=True)
class Awaiting:
    draft_id: int
    chat_id: int
    message_id: int  # the preview, whose buttons go once the draft is scheduled

    def encode(self) -> str:
        return f"{self.draft_id}:{self.chat_id}:{self.message_id}"

    @classmethod
    def decode(cls, value: str | None) -> Awaiting | None:
        try:
            draft_id, chat_id, message_id = (value or "").split(":")
            return cls(int(draft_id), int(chat_id), int(message_id))
        except ValueError:
            return None


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

    def __init__(self, services: BotServices) -> None:
        self.services = services
        self.settings = services.settings
        self.store = services.store
        self.tz = services.settings.publish.tz

    def is_coordinator(self, user_id: int) -> bool:
        return user_id in self.settings.telegram.coordinators

    async def _record(self, actor: int, action: str, detail: str) -> None:
        await self.store.call(Store.record_action, actor, action, detail, self.services.clock())

    async def _allowed(self, update: Update, command: str) -> Message | None:
        """The message to answer when its sender may use the command here; else the refusal
        is sent (or nothing, for an update without a message) and None returned."""
        message, user = update.message, update.effective_user
        if message is None or user is None:
            return None
        if not self.is_coordinator(user.id):
            log.warning("coordinator_refused", user=user.id, command=command)
            await _reply(message, REFUSAL[client_lang(user.language_code)])
            return None
        if message.chat.type != ChatType.PRIVATE:
            await _reply(message, PRIVATE_ONLY)
            return None
        return message

    # -- /announce and its buttons -------------------------------------------------------------

    async def announce(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "announce")
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        user_id = update.effective_user.id
        text = _command_text(message)
        try:
            post = announcement_post(text, self.settings.publish)
        except PostTooLong as exc:
            await _reply(message, too_long_text(exc))
            raise ApplicationHandlerStop from None
        except ValueError:  # an empty text
            await _reply(message, USAGE_ANNOUNCE)
            raise ApplicationHandlerStop from None
        now = self.services.clock()
        draft_id = await self.store.call(Store.add_draft, user_id, text, now)
        await self.store.call(Store.set_meta, awaiting_key(user_id), "")  # a new draft: no wait
        await message.reply_text(
            post.text,
            parse_mode=ParseMode.HTML,
            link_preview_options=link_preview(post),
            reply_markup=draft_keyboard(draft_id),
        )
        await self._record(user_id, "draft", f"draft {draft_id}")
        log.info("announcement_drafted", user=user_id, draft=draft_id)
        raise ApplicationHandlerStop

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            raise ApplicationHandlerStop
        user = query.from_user
        action, _, ref = (query.data or "").removeprefix(f"{CALLBACK_PREFIX}:").partition(":")
        if not self.is_coordinator(user.id):
            log.warning("coordinator_refused", user=user.id, command=f"button:{action}")
            await _answer(query, REFUSAL[client_lang(user.language_code)], alert=True)
            raise ApplicationHandlerStop
        if not ref.isdigit():
            await _answer(query)
            raise ApplicationHandlerStop
        handlers = {
            "send": self._send,
            "plan": self._plan,
            "cancel": self._cancel,
            "drop": self._drop,
        }
        handler = handlers.get(action)
        if handler is None:
            await _answer(query)
        else:
            await handler(update, user.id, int(ref))
        raise ApplicationHandlerStop

    async def _open_draft(self, update: Update, draft_id: int) -> str | None:
        """The text of an open draft; else the press is answered and None returned."""
        assert update.callback_query is not None
        draft = await self.store.call(Store.draft, draft_id)
        if draft is None:
            await _answer(update.callback_query, "Diesen Entwurf gibt es nicht mehr.")
            return None
        if draft.state != "open":
            await _answer(update.callback_query, ALREADY_DONE)
            return None
        return draft.text

    async def _drop_buttons(self, message: Message | None) -> None:
        if message is None:
            return
        try:
            await message.edit_reply_markup(reply_markup=None)
        except BadRequest as exc:  # already without buttons, or gone
            log.info("preview_buttons_kept", reason=exc.message)

    def _author(self, update: Update) -> str:
        user = update.effective_user
        return (user.first_name if user else "") or AUTHOR_FALLBACK

    async def _send(self, update: Update, user_id: int, draft_id: int) -> None:
        query = update.callback_query
        assert query is not None
        text = await self._open_draft(update, draft_id)
        if text is None:
            return
        if not await self.store.call(Store.close_draft, draft_id, "sent", None):
            await _answer(query, ALREADY_DONE)
            return
        await self._clear_awaiting(user_id, draft_id)
        announced = await self.services.publisher.announce(text, self._author(update), None)
        await self.store.call(Store.link_draft, draft_id, announced.id)
        self.services.wake_outbox()
        await self._record(
            user_id, "announce_sent", f"draft {draft_id} announcement {announced.id}"
        )
        log.info("announcement_sent", user=user_id, announcement=announced.id)
        preview = query.message if isinstance(query.message, Message) else None
        await self._drop_buttons(preview)
        if preview is not None:
            where = (
                "geht jetzt in den Kanal und steht in den Feeds"
                if announced.queued
                else "steht in den Feeds (kein Kanal eingestellt)"
            )
            await _reply(preview, f"✅ Gesendet: die Ankündigung {where}.")
        await _answer(query, "Gesendet.")

    async def _plan(self, update: Update, user_id: int, draft_id: int) -> None:
        query = update.callback_query
        assert query is not None
        if await self._open_draft(update, draft_id) is None:
            return
        preview = query.message if isinstance(query.message, Message) else None
        if preview is not None:
            awaiting = Awaiting(draft_id, preview.chat.id, preview.message_id)
            await self.store.call(Store.set_meta, awaiting_key(user_id), awaiting.encode())
            example = (self.services.clock() + timedelta(days=1)).astimezone(self.tz)
            await _reply(
                preview,
                ASK_TIME.format(example=f"{example:%Y-%m-%d} 09:00", tz=escape(self.tz.key)),
            )
        await _answer(query)

    async def _cancel(self, update: Update, user_id: int, draft_id: int) -> None:
        query = update.callback_query
        assert query is not None
        if await self._open_draft(update, draft_id) is None:
            return
        if not await self.store.call(Store.close_draft, draft_id, "cancelled", None):
            await _answer(query, ALREADY_DONE)
            return
        await self._clear_awaiting(user_id, draft_id)
        await self._record(user_id, "announce_cancelled", f"draft {draft_id}")
        preview = query.message if isinstance(query.message, Message) else None
        await self._drop_buttons(preview)
        if preview is not None:
            await _reply(preview, "🗑 Verworfen: nichts wurde gesendet.")
        await _answer(query, "Verworfen.")

    async def _clear_awaiting(self, user_id: int, draft_id: int) -> None:
        value = await self.store.call(Store.meta, awaiting_key(user_id))
        awaiting = Awaiting.decode(value)
        if awaiting is not None and awaiting.draft_id == draft_id:
            await self.store.call(Store.set_meta, awaiting_key(user_id), "")

    async def time_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A coordinator's text after "Planen": the time. Other text passes on untouched."""
        message, user = update.message, update.effective_user
        if message is None or user is None or not self.is_coordinator(user.id):
            return
        awaiting = Awaiting.decode(await self.store.call(Store.meta, awaiting_key(user.id)))
        if awaiting is None:
            return
        if (message.text or "").strip().lower().rstrip(".!") in STOP_WORDS:
            await self.store.call(Store.set_meta, awaiting_key(user.id), "")
            await _reply(message, NOT_PLANNED)
            raise ApplicationHandlerStop
        now = self.services.clock()
        example = f"{(now + timedelta(days=1)).astimezone(self.tz):%Y-%m-%d} 09:00"
        when = parse_when(message.text or "", now, self.tz)
        if when is None:
            await _reply(message, BAD_TIME.format(example=example))
            raise ApplicationHandlerStop
        if when <= now:
            await _reply(message, PAST_TIME.format(when=local_time(when, self.tz)))
            raise ApplicationHandlerStop
        await self.store.call(Store.set_meta, awaiting_key(user.id), "")
        draft = await self.store.call(Store.draft, awaiting.draft_id)
        if draft is None or not await self.store.call(
            Store.close_draft, awaiting.draft_id, "scheduled", None
        ):
            await _reply(message, "Dieser Entwurf ist schon erledigt.")
            raise ApplicationHandlerStop
        author = user.first_name or AUTHOR_FALLBACK
        announced = await self.services.publisher.announce(draft.text, author, when)
        await self.store.call(Store.link_draft, draft.id, announced.id)
        shown = local_time(when, self.tz)
        await self._record(
            user.id,
            "announce_scheduled",
            f"draft {draft.id} announcement {announced.id} at {when.isoformat()}",
        )
        log.info("announcement_planned", user=user.id, announcement=announced.id)
        try:
            await context.bot.edit_message_reply_markup(
                chat_id=awaiting.chat_id, message_id=awaiting.message_id, reply_markup=None
            )
        except BadRequest as exc:
            log.info("preview_buttons_kept", reason=exc.message)
        await _reply(
            message,
            f"🕘 Geplant für {shown}. Mit /scheduled lässt sie sich bis dahin absagen.",
        )
        raise ApplicationHandlerStop

    # -- /scheduled ----------------------------------------------------------------------------

    async def _scheduled_list(self) -> list[StoredAnnouncement]:
        return await self.store.call(Store.announcements, "scheduled", LIST_LIMIT + 1000)

    async def scheduled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "scheduled")
        if message is not None:
            found = await self._scheduled_list()
            await _reply(
                message, scheduled_html(found, self.tz), scheduled_keyboard(found, self.tz)
            )
        raise ApplicationHandlerStop

    async def _drop(self, update: Update, user_id: int, announcement_id: int) -> None:
        query = update.callback_query
        assert query is not None
        found = await self.store.call(Store.announcement, announcement_id)
        answer = ALREADY_DONE
        if found is not None and await self.store.call(
            Store.set_announcement_state, announcement_id, "cancelled", None, "scheduled"
        ):
            await self._record(user_id, "announcement_cancelled", f"announcement {announcement_id}")
            log.info("announcement_cancelled", user=user_id, announcement=announcement_id)
            answer = "Abgesagt."
        remaining = await self._scheduled_list()
        try:
            await query.edit_message_text(
                scheduled_html(remaining, self.tz),
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                reply_markup=scheduled_keyboard(remaining, self.tz),
            )
        except BadRequest as exc:  # "not modified": the list is as it was
            log.info("scheduled_list_kept", reason=exc.message)
        await _answer(query, answer)

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
            return "Das ist keine weitergeleitete Kanalnachricht. " + USAGE_DELETE
        link = parse_post_link(" ".join(context.args or []))
        if link is None:
            return USAGE_DELETE
        if link.chat.startswith("@"):
            try:
                chat = await context.bot.get_chat(link.chat)
            except TelegramError:
                return f"Den Kanal {escape(link.chat)} finde ich nicht."
            return PostLink(str(chat.id), link.message_id)
        return link

    async def delete(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "delete")
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        user_id = update.effective_user.id
        target = await self._target(message, context)
        if isinstance(target, str):
            await _reply(message, target)
            raise ApplicationHandlerStop
        post = await self.store.call(Store.sent_post_for_message, target.chat, target.message_id)
        if post is None:
            await _reply(message, "Diesen Beitrag hat ogbot nicht gesendet; ich lösche ihn nicht.")
            raise ApplicationHandlerStop
        if post.state == "deleted":
            await _reply(message, "Dieser Beitrag ist schon gelöscht.")
            raise ApplicationHandlerStop
        try:
            await context.bot.delete_message(chat_id=target.chat, message_id=target.message_id)
        except BadRequest as exc:
            if "not found" not in exc.message.lower():
                log.warning("delete_refused", post=post.id, reason=exc.message)
                await _reply(
                    message,
                    "Telegram lässt mich den Beitrag nicht löschen: Bots dürfen das nur in den "
                    "ersten 48 Stunden. Bitte im Kanal selbst löschen (als Admin).",
                )
                raise ApplicationHandlerStop from None
            # someone deleted it already: record it as deleted all the same
        except Forbidden as exc:
            log.warning("delete_refused", post=post.id, reason=exc.message)
            await _reply(message, "Ich darf im Kanal nichts löschen. Bitte meine Rechte prüfen.")
            raise ApplicationHandlerStop from None
        await self.store.call(Store.mark_done, post.id, "deleted", None)
        extra = ""
        if post.kind == "announcement" and post.ref is not None:
            # an announcement taken back leaves the feeds too; a source's item stays there
            await self.store.call(Store.set_announcement_state, post.ref, "deleted")
            await self.services.publisher.write_feeds()
            extra = " Die Ankündigung ist auch aus den Feeds genommen."
        await self._record(
            user_id, "post_deleted", f"post {post.id} message {target.chat}/{target.message_id}"
        )
        log.info("post_deleted", user=user_id, post=post.id, message=target.message_id)
        await _reply(message, f"🗑 Gelöscht.{extra}")
        raise ApplicationHandlerStop

    # -- /sources, /pause, /resume -------------------------------------------------------------

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "sources")
        if message is not None:
            states = await self.store.call(Store.sources)
            counts = await self.store.call(Store.outbox_counts)
            await _reply(message, sources_html(self.settings.sources, states, counts, self.tz))
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
            known = ", ".join(f"<code>{escape(n)}</code>" for n in configured) or "keine"
            asked = f"Eine Quelle „{escape(name)}“ kenne ich nicht. " if name else ""
            await _reply(message, f"{asked}So geht's: /{command} NAME. Quellen: {known}")
            raise ApplicationHandlerStop
        await self.store.call(Store.source_state, source.name, source.url)  # registered once
        await self.store.call(Store.set_paused, source.name, paused)
        await self._record(update.effective_user.id, f"source_{command}d", source.name)
        log.info(f"source_{command}d", user=update.effective_user.id, source=source.name)
        shown = f"<b>{escape(source.name)}</b>"
        await _reply(
            message,
            f"⏸ {shown} ist pausiert: sie wird nicht mehr abgerufen, bis /resume {escape(name)}."
            if paused
            else f"▶️ {shown} wird wieder abgerufen.",
        )
        raise ApplicationHandlerStop

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited coordinator command does nothing (it would repeat the first one)."""
        raise ApplicationHandlerStop


def register(application: Application, services: BotServices) -> None:  # type: ignore[type-arg]
    """Add the coordinator's handlers to ``application`` (group :data:`GROUP`)."""
    coordinator = Coordinator(services)
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
        CallbackQueryHandler(coordinator.button, pattern=f"^{CALLBACK_PREFIX}:"), GROUP
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
    now = services.clock()
    if not await services.store.call(Store.claim_notice, problem, now, NOTICE_EVERY):
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
