"""The conversation with everyone: questions, /news, /consultations, subscriptions, privacy.

Thin python-telegram-bot handlers: parse the update, call the domain
(:class:`~ogbot.app.people.People`: answers, stored items, subscriptions; the answer engine for
an entry and the general resources), reply in Telegram HTML built by
:mod:`ogbot.bot.conversation_views`. Decisions users see:

- **Language** (the SPEC's rule): an answer is in the language of the question when it is
  clearly German or English, else the client's language, else German (the answer engine decides:
  :attr:`Answer.lang`). Every other reply uses the client's language (``language_code``), German
  unless it is English.
- **Where**: questions (free text) are answered in private chats only. In groups the bot reacts
  only to commands addressed to it: ``/news@bot`` or, as PTB matches them, a bare ``/news``
  (Telegram's privacy mode decides which bare commands reach a bot); ``/ask@bot QUESTION`` is
  answered there too, being a command. Plain text in groups is ignored, and so are edited
  messages and channel posts (the filters keep them from every handler here). /subscribe,
  /unsubscribe and /forget in a group point to the private chat (subscriptions are private).
  Stickers, photos and other attachments in a private chat get "I can only read text"; a
  forwarded message gets a hint to write the question (a coordinator's forwards are left to the
  coordinator's handlers). An unknown command in a private chat gets a pointer to /help
  (coordinators excepted: their commands are the coordinator module's).
- **Answers**: the answer's text (escaped), then its links as a short list under "Mehr dazu:" /
  "Read more:" (``•`` and an ``<a>`` each). When the bot does not know, the answer engine's text
  says so and its links are the general resources and the network's contact, listed under
  "Hier kannst du weiterlesen:" / "Good places to read on:". No link previews (the list is the
  point). The question is never echoed, logged or stored.
- **/news**: the latest :data:`NEWS_COUNT` items of any kind, newest first: the title as a link,
  then source and local date (``publish.timezone``, long form) in italics; consultations marked
  🗳 with their deadline.
- **/suche WORDS** (``/search``): the stored items matching all the words (title, summary,
  source, categories; by a word's beginning, case and umlauts folded: :meth:`People.search`),
  newest first, at most :data:`SEARCH_COUNT`, each shown as /news shows it. Nothing found: a
  friendly line pointing to /news. No words: how to use it. The words are neither logged nor
  echoed (like a question); the log has the number of hits.
- **/consultations** (``/konsultationen``): open consultations (deadline today or later, or
  unknown), soonest deadline first, unknown deadlines last, at most :data:`CONSULTATIONS_COUNT`:
  the title as a link, the deadline in long form in bold ("Frist: 15. Dezember 2026", a guessed
  year marked "(Jahr geschätzt)"), the source. None known: a friendly "keine offenen
  Konsultationen bekannt" and where to look (the general resources), and /subscribe.
- Lists are filled while the whole message stays valid (4096 UTF-16 units, 100 entities); what
  does not fit is left off rather than cut mid-line.
- **/subscribe**: a message with four buttons; callback data ``sub:news``, ``sub:cons``,
  ``sub:both``, ``sub:off`` (short, far below Telegram's 64 bytes). A press stores the choice
  with the client's language, stops the button's spinner with a short "Gespeichert" and edits
  the message into the confirmation (buttons gone). ``sub:off`` is /unsubscribe. New items reach
  subscribers through the outbox (:meth:`Outbox.enqueue_items`); a user who blocked the bot is
  unsubscribed there.
- **/unsubscribe** and **/forget** both delete everything stored about the user
  (:meth:`People.forget`: the subscription, private posts still queued, the pacing log, open
  drafts); /forget also drops the user from the flood gate's memory. **/privacy**
  (``/datenschutz``) says what is stored, shows what is stored about this user right now, and
  links ``publish.privacy_url`` when configured.
- **Flood control** (:mod:`ogbot.bot.flood`): more than ``FLOOD_LIMIT`` updates within
  ``FLOOD_WINDOW`` seconds from one person are delayed, not dropped: the first one held gets
  "Einen Moment …" (the bot answers shortly), up to ``WAITING_MAX`` wait and are answered in
  order once the person's window has room again (at the latest after ``MAX_WAIT`` seconds, and
  at once when ogbot stops); the first that does not fit gets one "only the first few" notice,
  later ones are dropped. A held button press has its spinner stopped at once. The waiting room
  is looked at every ``RELEASE_TICK`` seconds by a task PTB's ``Application.stop`` waits for.
  The clock is ``services.clock`` (tests freeze it). Coordinators are not limited.
- **Errors**: a user who blocked the bot before the reply arrived (403) is logged at info and
  skipped; anything else propagates to the one error handler (``wiring.on_error``), which logs it.

Handlers are added to PTB's default group 0, after the coordinator's (``wiring`` registers those
first): within one group the first handler whose filters match wins, so a coordinator's command
or reply never also reaches these handlers. The command menu (``setMyCommands``, German and the
English default) comes from :data:`ogbot.bot.texts.MENU` through :func:`set_commands`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from ogbot import logs
from ogbot.bot import conversation_views as views
from ogbot.bot.flood import RELEASE_TICK, FloodGate, WaitingRoom
from ogbot.bot.services import BotServices
from ogbot.bot.texts import MENU, TEXTS, client_lang
from ogbot.models import Lang, Link
from ogbot.publish.html import link_html

log = logs.get_logger(__name__)

GROUP = 0  # PTB's default handler group, shared with the coordinator's handlers (see above)
NEWS_COUNT = 5
SEARCH_COUNT = 10
CONSULTATIONS_COUNT = 10


# the commands this module answers: name -> (aliases); the menu lists a subset
ALIASES: dict[str, tuple[str, ...]] = {
    "help": ("help", "start"),
    "ask": ("ask",),
    "news": ("news",),
    "consultations": ("consultations", "konsultationen"),
    "search": ("search", "suche"),
    "resources": ("resources", "links"),
    "subscribe": ("subscribe",),
    "unsubscribe": ("unsubscribe",),
    "privacy": ("privacy", "datenschutz"),
    "forget": ("forget",),
}

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Context = ContextTypes.DEFAULT_TYPE
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]
Waiting = tuple[Update, Context, Callback]  # a request held by the flood gate


def menu(lang: Lang) -> list[BotCommand]:
    """The command menu for ``lang`` (what :func:`set_commands` registers)."""
    return [BotCommand(command, description) for command, description in MENU[lang]]


async def set_commands(bot: Bot) -> None:
    """Register the command menu: German for German clients, English for everyone else.

    Call after ``Application.initialize()``.
    """
    await bot.set_my_commands(menu("en"))
    await bot.set_my_commands(menu("de"), language_code="de")
    log.info("commands_set", languages="default,de")


# --- the handlers -----------------------------------------------------------------------------


class Conversation:
    """The handlers for everyone, bound to the services they use."""

    def __init__(self, services: BotServices, gate: FloodGate | None = None) -> None:
        self.services = services
        self.people = services.people
        self.gate = gate or FloodGate()
        self.waiting: WaitingRoom[Waiting] = WaitingRoom(self.gate)
        self._releaser: asyncio.Task[None] | None = None
        self.coordinators = frozenset(services.settings.telegram.coordinators)

    # -- plumbing ------------------------------------------------------------------------------

    def gated(self, handler: Callback) -> Callback:
        """``handler`` behind the flood gate."""

        async def run(update: Update, context: Context) -> None:
            if await self._admit(update, context, handler):
                await handler(update, context)

        return run

    async def _admit(self, update: Update, context: Context, handler: Callback) -> bool:
        """True to answer now; else the update waits (or, past the few, is dropped)."""
        user = update.effective_user
        if user is None or user.id in self.coordinators:
            return True
        now = self.services.clock().timestamp()
        verdict = self.gate.check(user.id, now)
        if verdict == "pass" and not self.waiting.has(user.id):
            return True
        held = self.waiting.hold(user.id, (update, context, handler), now)
        log.info("flood_delayed", outcome=held, chat_type=_chat_type(update))
        if held == "noticed":
            await self._reply(update, context, TEXTS[_lang(update)].answer_shortly)
        elif held == "full":
            await self._reply(update, context, TEXTS[_lang(update)].too_many_waiting)
        if update.callback_query is not None:
            await _answer_query(update.callback_query, "")  # the spinner stops either way
        if held in ("noticed", "held") and (self._releaser is None or self._releaser.done()):
            self._releaser = context.application.create_task(self._release(context))
        return False

    async def _release(self, context: Context) -> None:
        """Answer what waits as each person's window clears; everything at once on a stop."""
        application = context.application
        while len(self.waiting):
            if application.running:
                ready = self.waiting.due(self.services.clock().timestamp())
            else:
                ready = self.waiting.take_all()
            for update, held_context, handler in ready:
                try:
                    await handler(update, held_context)
                except Exception as exc:  # to the one error handler, like any handler's
                    await application.process_error(update, exc)
            if ready:
                log.info("flood_answered", count=len(ready), waiting=len(self.waiting))
            if len(self.waiting):
                await asyncio.sleep(RELEASE_TICK)

    async def _reply(
        self,
        update: Update,
        context: Context,
        html: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        chat = update.effective_chat
        message = update.effective_message
        if chat is None:
            return
        reply_to = None
        if chat.type != ChatType.PRIVATE and message is not None:
            # in a busy group the reply shows which command it answers
            reply_to = ReplyParameters(message.message_id, allow_sending_without_reply=True)
        try:
            await context.bot.send_message(
                chat.id,
                html,
                parse_mode=ParseMode.HTML,
                link_preview_options=_NO_PREVIEW,
                reply_markup=markup,
                reply_parameters=reply_to,
            )
        except Forbidden:
            # blocked or removed between the message and the reply: nobody to tell
            log.info("reply_refused", chat_type=chat.type)

    def _private_link(self, context: Context) -> str:
        username = context.bot.username
        return link_html(f"@{username}", f"https://t.me/{username}")

    async def _private_only(self, update: Update, context: Context) -> bool:
        """True in a private chat; elsewhere says that this works privately only."""
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            return True
        texts = TEXTS[_lang(update)]
        await self._reply(
            update, context, texts.private_only.format(link=self._private_link(context))
        )
        return False

    def _resources(self, lang: Lang) -> tuple[Link, ...]:
        """The general resources and the network's contact (the answer engine's list)."""
        return self.services.answerer.unknown(lang).links

    def _channel(self) -> str | None:
        channel = self.services.settings.telegram.channel.strip()
        return channel if channel.startswith("@") else None

    def _contact(self) -> Link:
        publish = self.services.settings.publish
        return Link(publish.contact, publish.contact_url)

    # -- commands ------------------------------------------------------------------------------

    async def help(self, update: Update, context: Context) -> None:
        await self._reply(update, context, views.help_html(_lang(update), self._channel()))

    async def ask(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.text is None:
            return
        parts = message.text.split(None, 1)
        question = parts[1].strip() if len(parts) > 1 else ""
        if not question:
            await self._reply(update, context, TEXTS[_lang(update)].ask_empty)
            return
        await self._answer(update, context, question)

    async def question(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or not message.text:
            return
        if message.forward_origin is not None:
            if update.effective_user is not None and update.effective_user.id in self.coordinators:
                return  # the coordinator's handlers deal with forwarded posts
            await self._reply(update, context, TEXTS[_lang(update)].forwarded)
            return
        await self._answer(update, context, message.text)

    async def _answer(self, update: Update, context: Context, question: str) -> None:
        user = update.effective_user
        answer = await self.people.answer(question, user.language_code if user else None)
        # what was asked stays private: the topic and language only
        log.info(
            "question_answered",
            matched=answer.matched or "none",
            lang=answer.lang,
            chat_type=_chat_type(update),
        )
        html = views.answer_html(answer, self._contact())
        await self._reply(update, context, html, views.choice_buttons(answer))

    async def picked(self, update: Update, context: Context) -> None:
        """A "did you mean" button: the answer of the entry it names."""
        query = update.callback_query
        if query is None or query.data is None:
            return
        _, lang, topic = [*query.data.split(":", 2), "", ""][:3]
        answer = None
        if lang in ("de", "en"):
            answer = self.services.answerer.entry_answer(topic, "de" if lang == "de" else "en")
        if answer is None:  # a forged or outdated button
            await _answer_query(query, TEXTS[_lang(update)].stale_button)
            return
        await _answer_query(query, "")
        log.info("question_answered", matched=topic, lang=answer.lang, via="choice")
        await self._reply(update, context, views.answer_html(answer, self._contact()))

    async def news(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        items = await self.people.latest(NEWS_COUNT)
        tz = self.services.settings.publish.tz
        html = views.news_html(items, lang, tz, self._resources(lang))
        await self._reply(update, context, html)

    async def search(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.text is None:
            return
        lang = _lang(update)
        parts = message.text.split(None, 1)
        items = await self.people.search(parts[1] if len(parts) > 1 else "", SEARCH_COUNT)
        if items is None:  # no words to search for
            await self._reply(update, context, TEXTS[lang].search_empty)
            return
        # what was searched stays private, like a question: the number of hits only
        log.info("searched", hits=len(items), chat_type=_chat_type(update))
        tz = self.services.settings.publish.tz
        await self._reply(update, context, views.search_html(items, lang, tz))

    async def consultations(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        items = await self.people.open_consultations(CONSULTATIONS_COUNT)
        html = views.consultations_html(items, lang, self._resources(lang))
        await self._reply(update, context, html)

    async def resources(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        site = self.services.settings.publish.site_url.rstrip("/")
        html = views.resources_html(lang, self._resources(lang), self._channel(), site)
        await self._reply(update, context, html)

    async def subscribe(self, update: Update, context: Context) -> None:
        if not await self._private_only(update, context):
            return
        chat = update.effective_chat
        assert chat is not None  # _private_only checked it
        lang = _lang(update)
        current = await self.people.subscription(chat.id)
        html = views.subscribe_html(lang, current)
        await self._reply(update, context, html, views.subscribe_keyboard(TEXTS[lang]))

    async def unsubscribe(self, update: Update, context: Context) -> None:
        texts = TEXTS[_lang(update)]
        await self._delete_data(update, context, texts.unsubscribed, texts.unsubscribed_nothing)

    async def privacy(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        private = chat is not None and chat.type == ChatType.PRIVATE
        stored = await self.people.subscription(chat.id) if chat is not None and private else None
        publish = self.services.settings.publish
        html = views.privacy_html(
            _lang(update), stored, private=private, tz=publish.tz, privacy_url=publish.privacy_url
        )
        await self._reply(update, context, html)

    async def forget(self, update: Update, context: Context) -> None:
        texts = TEXTS[_lang(update)]
        await self._delete_data(update, context, texts.forgotten, texts.forgotten_nothing)

    async def _delete_data(self, update: Update, context: Context, done: str, nothing: str) -> None:
        """/unsubscribe and /forget: everything stored about the user goes (SPEC)."""
        if not await self._private_only(update, context):
            return
        chat = update.effective_chat
        assert chat is not None
        gone = await self.people.forget(chat.id)
        if update.effective_user is not None:
            self.gate.forget(update.effective_user.id)
        log.info("forgotten", rows=gone)
        await self._reply(update, context, done if gone else nothing)

    async def chose(self, update: Update, context: Context) -> None:
        """A /subscribe button: store the choice, confirm by editing the message."""
        query = update.callback_query
        if query is None or query.data is None:
            return
        lang = client_lang(query.from_user.language_code)
        texts = TEXTS[lang]
        choice = query.data.removeprefix(views.SUBSCRIBE_PREFIX)
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            await _answer_query(query, texts.stale_button)
            return
        chat_id = message.chat.id
        if choice == views.OFF:
            gone = await self.people.forget(chat_id)
            log.info("unsubscribed", via="button", rows=gone)
            html = texts.unsubscribed if gone else texts.unsubscribed_nothing
        elif choice in views.CHOICES:
            news, consultations = views.CHOICES[choice]
            subscriber = await self.people.subscribe(
                chat_id, news=news, consultations=consultations, lang=lang
            )
            log.info("subscribed", news=news, consultations=consultations, lang=lang)
            html = views.subscribed_html(lang, subscriber)
        else:  # a forged or outdated button
            await _answer_query(query, texts.stale_button)
            return
        await _answer_query(query, texts.saved)
        try:
            await query.edit_message_text(
                html, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW
            )
        except BadRequest as exc:
            # a double tap: the first press already edited the message
            if "not modified" not in str(exc).lower():
                raise

    async def not_text(self, update: Update, context: Context) -> None:
        await self._reply(update, context, TEXTS[_lang(update)].text_only)

    async def unknown_command(self, update: Update, context: Context) -> None:
        user = update.effective_user
        if user is None or user.id in self.coordinators:
            return  # a coordinator's commands belong to the coordinator's handlers
        await self._reply(update, context, TEXTS[_lang(update)].unknown_command)


async def _answer_query(query: CallbackQuery, text: str) -> None:
    """Stop the button's spinner; a query too old to answer does not stop the work."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        log.info("callback_not_answered", reason=str(exc))


def _lang(update: Update) -> Lang:
    user = update.effective_user
    return client_lang(user.language_code if user else None)


def _chat_type(update: Update) -> str:
    chat = update.effective_chat
    return chat.type if chat is not None else "none"


def register(
    application: Application,  # type: ignore[type-arg]
    services: BotServices,
    gate: FloodGate | None = None,
) -> None:
    """Add the handlers for everyone to ``application`` (after the coordinator's, group 0);
    ``gate`` is the flood gate shared with the coordinator's refusals."""
    conversation = Conversation(services, gate)
    gated = conversation.gated
    new_messages = filters.UpdateType.MESSAGE  # never edited messages or channel posts
    commands: dict[str, Callback] = {
        "help": conversation.help,
        "ask": conversation.ask,
        "news": conversation.news,
        "consultations": conversation.consultations,
        "search": conversation.search,
        "resources": conversation.resources,
        "subscribe": conversation.subscribe,
        "unsubscribe": conversation.unsubscribe,
        "privacy": conversation.privacy,
        "forget": conversation.forget,
    }
    for name, callback in commands.items():
        application.add_handler(
            CommandHandler(ALIASES[name], gated(callback), filters=new_messages), GROUP
        )
    application.add_handler(
        CallbackQueryHandler(gated(conversation.chose), pattern=f"^{views.SUBSCRIBE_PREFIX}"), GROUP
    )
    application.add_handler(
        CallbackQueryHandler(gated(conversation.picked), pattern=f"^{views.CHOICE_PREFIX}"), GROUP
    )
    private = new_messages & filters.ChatType.PRIVATE
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, gated(conversation.question)),
        GROUP,
    )
    application.add_handler(
        MessageHandler(private & filters.ATTACHMENT, gated(conversation.not_text)), GROUP
    )
    # commands nobody above took, in private chats; in groups they are other bots' business
    application.add_handler(
        MessageHandler(private & filters.COMMAND, gated(conversation.unknown_command)), GROUP
    )
