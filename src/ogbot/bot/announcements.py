"""The coordinator's announcements: ``/announce`` (a text, or a photo whose caption starts with
``/announce``) with its preview and buttons (send now, schedule, cancel), the time reply after
"Planen", ``/scheduled``, ``/announcements`` (the latest, with their state and buttons: edit,
delete, pin) and ``/edit`` (a correction, previewed and confirmed like an announcement).

The preview is the channel post itself: the same HTML from
:func:`~ogbot.publish.post.announcement_post` (and the same photo) and the same link preview,
with the buttons below. After sending, its buttons go and a reply says what happened; the
preview's text is never edited (an announcement at the length limit could not grow by a status
line). The coordinator's formatting (bold, italic, underline, strikethrough, code, quotes,
spoilers, links) comes from the message's entities through python-telegram-bot's ``text_html``,
sanitised and checked by :func:`~ogbot.publish.post.announcement_markup`; what cannot be kept
safely is sent as the plain text.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, PhotoSize, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from ogbot import logs
from ogbot.app.coordination import Awaiting
from ogbot.bot import coordinator_views as views
from ogbot.bot.coordinator_base import (
    AUTHOR_FALLBACK,
    CoordinatorBase,
    answer,
    command_html,
    command_text,
    pressed_message,
    reply,
)
from ogbot.dates import read_when
from ogbot.models import Draft, StoredAnnouncement
from ogbot.publish.feeds import media_file
from ogbot.publish.post import Post, PostTooLong, announcement_post
from ogbot.publish.rich import announcement_markup
from ogbot.publish.sender import link_preview

log = logs.get_logger(__name__)

STOP_WORDS = frozenset({"abbrechen", "abbruch", "stop", "cancel", "nein"})
# "/edit N TEXT": the announcement's number (ASCII digits, an id SQLite holds), then the text
_NUMBERED = re.compile(r"([1-9][0-9]{0,17})\s+(.*)", re.DOTALL | re.ASCII)
PHOTO_BYTES = 20 * 1024 * 1024  # the Bot API hands out files up to 20 MB (getFile)


class AnnouncementHandlers(CoordinatorBase):
    """/announce, its buttons and time reply, /scheduled, /announcements, /edit."""

    # -- /announce and its buttons -------------------------------------------------------------

    async def announce(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/announce TEXT``, or a photo whose caption starts with ``/announce``."""
        message = await self._allowed(update, "announce")
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        text, markup = command_text(message), announcement_markup(command_html(message))
        photo, image = None, None
        if message.photo:
            photo = message.photo[-1].file_id  # the largest size
        try:
            post = announcement_post(text, self.settings.publish, markup=markup, photo=photo)
        except PostTooLong as exc:
            await reply(message, views.too_long_text(exc, caption=photo is not None))
            raise ApplicationHandlerStop from None
        except ValueError:  # an empty text
            await reply(message, views.USAGE_ANNOUNCE)
            raise ApplicationHandlerStop from None
        if message.photo:
            image = await self._keep_photo(context, message.photo[-1])
        draft_id = await self.coordination.draft(
            update.effective_user.id, text, html=markup, photo=photo, image=image
        )
        await self._preview(message, post, views.draft_keyboard(draft_id))
        raise ApplicationHandlerStop

    async def _keep_photo(self, context: ContextTypes.DEFAULT_TYPE, size: PhotoSize) -> str | None:
        """The photo's copy for the feeds and the page (``public/media/tg-<unique id>.jpg``);
        None when Telegram does not hand it out (the channel still gets the photo)."""
        name = f"tg-{size.file_unique_id}.jpg"
        try:
            found = await context.bot.get_file(size.file_id)
            if (found.file_size or 0) > PHOTO_BYTES:
                raise ValueError("too large")
            data = bytes(await found.download_as_bytearray())
            await self.coordination.keep_image(name, data)
        except (TelegramError, OSError, ValueError) as exc:
            log.warning("announcement_photo_not_kept", reason=str(exc))
            return None
        return name

    async def _preview(self, message: Message, post: Post, markup: InlineKeyboardMarkup) -> Message:
        """The post as the channel will show it, with the buttons below."""
        if post.has_photo:
            photo: str | bytes = post.photo or ""
            if not post.photo and post.photo_file:  # kept from the shell: uploaded again
                photo = await asyncio.to_thread(Path(post.photo_file).read_bytes)
            return await message.reply_photo(
                photo, caption=post.text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        return await message.reply_text(
            post.text,
            parse_mode=ParseMode.HTML,
            link_preview_options=link_preview(post),
            reply_markup=markup,
        )

    async def _is_open(self, query: CallbackQuery, draft_id: int) -> Draft | None:
        """The draft when it is open; else the press is answered."""
        draft = await self.coordination.find_draft(draft_id)
        if draft is None:
            await answer(query, views.DRAFT_GONE)
            return None
        if draft.state != "open":
            await answer(query, views.ALREADY_DONE)
            return None
        return draft

    async def _send(self, query: CallbackQuery, user_id: int, draft_id: int) -> None:
        draft = await self._is_open(query, draft_id)
        if draft is None:
            return
        if draft.announcement_id is not None:  # a correction has no "send": a forged press
            await answer(query, views.ALREADY_DONE)
            return
        author = query.from_user.first_name or AUTHOR_FALLBACK
        announced = await self.coordination.announce_now(
            draft_id, coordinator=user_id, author=author
        )
        if announced is None:
            await answer(query, views.ALREADY_DONE)
            return
        preview = pressed_message(query)
        await self._drop_buttons(preview)
        if preview is not None:
            await reply(preview, views.sent_text(announced.queued))
        await answer(query, views.SENT)

    async def _plan(self, query: CallbackQuery, user_id: int, draft_id: int) -> None:
        draft = await self._is_open(query, draft_id)
        if draft is None or draft.announcement_id is not None:
            if draft is not None:
                await answer(query, views.ALREADY_DONE)
            return
        preview = pressed_message(query)
        if preview is not None:
            awaiting = Awaiting(draft_id, preview.chat.id, preview.message_id)
            await self.coordination.wait_for_time(user_id, awaiting)
            await reply(preview, views.ask_time_text(self._example(), self.tz))
        await answer(query)

    async def _cancel(self, query: CallbackQuery, user_id: int, draft_id: int) -> None:
        if await self._is_open(query, draft_id) is None:
            return
        if not await self.coordination.cancel_draft(draft_id, coordinator=user_id):
            await answer(query, views.ALREADY_DONE)
            return
        preview = pressed_message(query)
        await self._drop_buttons(preview)
        if preview is not None:
            await reply(preview, views.DISCARDED_REPLY)
        await answer(query, views.DISCARDED)

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
            await reply(message, views.NOT_PLANNED)
            raise ApplicationHandlerStop
        now = self.services.clock()
        when = read_when(message.text or "", now, self.tz)
        if when is None:
            await reply(message, views.bad_time_text(self._example()))
            raise ApplicationHandlerStop
        if when <= now:
            await reply(message, views.past_time_text(when, self.tz))
            raise ApplicationHandlerStop
        announced = await self.coordination.schedule(
            awaiting.draft_id, when, coordinator=user.id, author=user.first_name or AUTHOR_FALLBACK
        )
        if announced is None:
            await reply(message, views.DRAFT_DONE)
            raise ApplicationHandlerStop
        try:
            await context.bot.edit_message_reply_markup(
                chat_id=awaiting.chat_id, message_id=awaiting.message_id, reply_markup=None
            )
        except BadRequest as exc:
            log.info("preview_buttons_kept", reason=exc.message)
        await reply(message, views.planned_text(when, self.tz))
        raise ApplicationHandlerStop

    # -- /scheduled ----------------------------------------------------------------------------

    async def _scheduled_list(self) -> list[StoredAnnouncement]:
        return await self.coordination.scheduled(views.LIST_LIMIT + 1000)

    async def scheduled(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "scheduled")
        if message is not None:
            found = await self._scheduled_list()
            await reply(
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
                link_preview_options=views.NO_PREVIEW,
                reply_markup=views.scheduled_keyboard(remaining, self.tz),
            )
        except BadRequest as exc:  # "not modified": the list is as it was
            log.info("scheduled_list_kept", reason=exc.message)
        await answer(query, views.CANCELLED if cancelled else views.ALREADY_DONE)

    # -- /announcements and /edit --------------------------------------------------------------

    async def announcements(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = await self._allowed(update, "announcements")
        if message is not None:
            found = await self.coordination.recent(views.RECENT_LIMIT)
            await reply(
                message,
                views.announcements_html(found, self.tz),
                views.announcements_keyboard(found),
            )
        raise ApplicationHandlerStop

    async def edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/edit N TEXT``: the corrected announcement N as a preview, to confirm."""
        message = await self._allowed(update, "edit")
        if message is None or update.effective_user is None:
            raise ApplicationHandlerStop
        asked = _NUMBERED.match(command_text(message))
        html = command_html(message)
        found = await self.coordination.announcement(int(asked[1])) if asked else None
        text = asked[2] if asked else ""
        if found is None or not text.strip():
            await reply(message, views.USAGE_EDIT)
            raise ApplicationHandlerStop
        if found.state != "published":
            await reply(message, views.not_editable_text(found))
            raise ApplicationHandlerStop
        # the formatting of what follows the number: the same cut in the HTML
        rest = _NUMBERED.match(html) if html else None
        markup = announcement_markup(rest[2] if rest else None)
        try:
            post = announcement_post(
                text,
                self.settings.publish,
                markup=markup,
                photo=found.photo,
                photo_file=media_file(self.settings, found.image),
            )
        except PostTooLong as exc:
            await reply(message, views.too_long_text(exc, caption=bool(found.photo or found.image)))
            raise ApplicationHandlerStop from None
        except ValueError:
            await reply(message, views.USAGE_EDIT)
            raise ApplicationHandlerStop from None
        draft_id = await self.coordination.draft(
            update.effective_user.id,
            text,
            html=markup,
            photo=found.photo,
            image=found.image,
            corrects=found.id,
        )
        await self._preview(message, post, views.correction_keyboard(draft_id))
        raise ApplicationHandlerStop

    async def _fix(self, query: CallbackQuery, user_id: int, draft_id: int) -> None:
        """ "Korrigieren" under a correction's preview."""
        if await self._is_open(query, draft_id) is None:
            return
        corrected = await self.coordination.correct(draft_id, coordinator=user_id)
        if corrected is None:
            await answer(query, views.ALREADY_DONE)
            return
        preview = pressed_message(query)
        await self._drop_buttons(preview)
        if preview is not None:
            post = await self.coordination.channel_post(corrected.id)
            await reply(preview, views.corrected_text(post is not None))
        await answer(query, views.CORRECTED)

    async def _edit_button(self, query: CallbackQuery, user_id: int, announcement_id: int) -> None:
        """ "Bearbeiten" in /announcements: how to correct it, with its text to copy."""
        found = await self.coordination.announcement(announcement_id)
        message = pressed_message(query)
        if found is None or found.state != "published":
            await answer(query, views.ALREADY_DONE)
            return
        if message is not None:
            await reply(message, views.how_to_edit_html(found))
        await answer(query)
