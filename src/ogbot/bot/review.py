"""The coordinators' review buttons (``[[sources]] review = true``): **Posten** /
**Überspringen** / **Titel ändern** under each preview (**Post** / **Skip** / **Edit title**
for an English client), and the reply that corrects a title.

Every press checks the user again: a stranger's press changes nothing (a polite refusal, through
the flood gate every reply shares). The first decision is final; a later press on any preview of
the item is told who decided and what. The language of a coordinator's client is remembered
from any update they send, so their next previews carry buttons in it. The previews themselves
are sent by :class:`ogbot.publish.review.ReviewDesk` (exactly once, as the outbox sends).
"""

from __future__ import annotations

import re
from typing import Literal, cast

from telegram import CallbackQuery, LinkPreviewOptions, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from ogbot import logs
from ogbot.app.review import Reviews, title_problem
from ogbot.bot.coordinator_views import REFUSAL
from ogbot.bot.flood import FloodGate
from ogbot.bot.services import BotServices
from ogbot.bot.texts import client_lang
from ogbot.models import Lang
from ogbot.publish.review import CALLBACK_PREFIX, decided_text

log = logs.get_logger(__name__)

GROUP = -2  # before the coordinator's handlers (-1): a title reply is not a time reply
LANG_GROUP = -3  # first of all, and never stopping an update: the client's language
AUTHOR_FALLBACK = "coordinator"
STOP_WORDS = frozenset({"abbrechen", "abbruch", "stop", "cancel", "nein"})

Action = Literal["post", "skip", "title", "info"]
_BUTTON = re.compile(rf"{CALLBACK_PREFIX}:(post|skip|title|info):([1-9][0-9]{{0,17}})")

TEXTS: dict[Lang, dict[str, str]] = {
    "de": {
        "ask_title": "Schick mir den neuen Titel als nächste Nachricht (oder „abbrechen“).",
        "kept_title": "Der Titel bleibt, wie er ist.",
        "bad_title": "Das geht nicht als Titel ({problem}). Schick mir eine Zeile Text.",
        "gone": "Dieser Eintrag wartet nicht (mehr) auf eine Prüfung.",
        "too_old": " – aber zu alt für den Kanal (publish.max_age)",
    },
    "en": {
        "ask_title": "Send me the new title as your next message (or “cancel”).",
        "kept_title": "The title stays as it is.",
        "bad_title": "That cannot be a title ({problem}). Send me one line of text.",
        "gone": "This item is not waiting for a review (any more).",
        "too_old": " – but too old for the channel (publish.max_age)",
    },
}


def parse_press(data: str | None) -> tuple[Action, int] | None:
    """(action, item id) of a review button, or None for a forged or outdated one."""
    match = _BUTTON.fullmatch(data or "")
    if match is None:
        return None
    return cast(Action, match[1]), int(match[2])


async def _answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:  # too old to answer: the work stands
        log.info("button_not_answered", reason=exc.message)


async def _reply(message: Message, text: str) -> None:
    await message.reply_text(
        text, parse_mode=None, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )


class ReviewButtons:
    def __init__(self, services: BotServices, reviews: Reviews, gate: FloodGate) -> None:
        self.services = services
        self.reviews = reviews
        self.gate = gate

    def is_coordinator(self, user_id: int) -> bool:
        return user_id in self.services.settings.telegram.coordinators

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any update of a coordinator: remember their client's language (nothing else)."""
        user = update.effective_user
        if user is not None and self.is_coordinator(user.id):
            await self.reviews.remember_lang(user.id, client_lang(user.language_code))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            raise ApplicationHandlerStop
        user = query.from_user
        lang = client_lang(user.language_code)
        press = parse_press(query.data)
        if not self.is_coordinator(user.id):
            verdict = self.gate.check(user.id, self.services.clock().timestamp())
            log.warning("coordinator_refused", user=user.id, command="button:review")
            if verdict == "drop":
                await _answer(query)
            else:
                await _answer(query, REFUSAL[lang], alert=True)
            raise ApplicationHandlerStop
        if press is None:
            log.info("button_invalid", user=user.id)
            await _answer(query)
            raise ApplicationHandlerStop
        action, item_id = press
        if action in ("post", "skip"):
            decided = await self.reviews.decide(
                item_id,
                "post" if action == "post" else "skip",
                coordinator=user.id,
                name=user.first_name or AUTHOR_FALLBACK,
            )
            if decided is not None:
                text = decided_text(decided.review, lang)
                if decided.review.state == "posted" and not decided.queued:
                    text += TEXTS[lang]["too_old"]
                await _answer(query, text)
                raise ApplicationHandlerStop
        review = await self.reviews.find(item_id)
        if review is None:
            await _answer(query, TEXTS[lang]["gone"])
        elif review.state != "pending":  # decided before: this preview learns so too
            await self.reviews.show_decision(review)
            await _answer(query, decided_text(review, lang))
        elif action == "title":
            await self.reviews.ask_title(user.id, item_id)
            if isinstance(query.message, Message):
                await _reply(query.message, TEXTS[lang]["ask_title"])
            await _answer(query)
        else:  # "info" on a pending item: an outdated button
            await _answer(query)
        raise ApplicationHandlerStop

    async def title_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A coordinator's text after "Titel ändern": the title. Other text passes on."""
        message, user = update.message, update.effective_user
        if message is None or user is None or not self.is_coordinator(user.id):
            return
        item_id = await self.reviews.awaiting_title(user.id)
        if item_id is None:
            return
        lang = client_lang(user.language_code)
        text = message.text or ""
        if text.strip().lower().rstrip(".!") in STOP_WORDS:
            await self.reviews.stop_waiting(user.id)
            await _reply(message, TEXTS[lang]["kept_title"])
            raise ApplicationHandlerStop
        problem = title_problem(text)
        if problem is not None:
            await _reply(message, TEXTS[lang]["bad_title"].format(problem=problem))
            raise ApplicationHandlerStop
        if not await self.reviews.correct_title(user.id, item_id, text):
            review = await self.reviews.find(item_id)
            if review is None or review.state == "pending":
                await _reply(message, TEXTS[lang]["gone"])
            else:
                await _reply(message, decided_text(review, lang))
        raise ApplicationHandlerStop


def register(
    application: Application,  # type: ignore[type-arg]
    services: BotServices,
    gate: FloodGate | None = None,
) -> None:
    """Add the review's handlers to ``application``; ``gate``: the flood gate replies share."""
    coordination = services.coordination
    reviews = Reviews(
        coordination.store,
        coordination.publisher,
        clock=services.clock,
        wake_outbox=coordination.wake_outbox,
    )
    buttons = ReviewButtons(services, reviews, gate or FloodGate())
    application.add_handler(TypeHandler(Update, buttons.language), LANG_GROUP)
    application.add_handler(
        CallbackQueryHandler(buttons.button, pattern=f"^{CALLBACK_PREFIX}:"), GROUP
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
            buttons.title_reply,
        ),
        GROUP,
    )
