"""The conversation with everyone: questions, /news, /consultations, subscriptions, privacy.

Thin python-telegram-bot handlers: parse the update, call the domain (the answer engine, the
store), reply in Telegram HTML. Decisions users see:

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
  source, categories; by a word's beginning, case and umlauts folded: :meth:`Store.search_items`),
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
  (:meth:`Store.forget`: the subscription, private posts still queued, the pacing log, open
  drafts); /forget also drops the user from the flood gate's memory. **/privacy**
  (``/datenschutz``) says what is stored, shows what is stored about this user right now, and
  links ``publish.privacy_url`` when configured.
- **Flood control**: :class:`FloodGate`, a per-user sliding window (a small class here; no
  library needed for a dict of deques): more than :data:`FLOOD_LIMIT` updates within
  :data:`FLOOD_WINDOW` seconds get one polite "bitte etwas langsamer", then silence until the
  user's window holds no more than the limit again. Messages sent while blocked count too, so a
  steady flood stays silent; a pause clears it. The clock is ``services.clock`` (tests freeze it).
  Coordinators are not limited.
- **Errors**: a user who blocked the bot before the reply arrived (403) is logged at info and
  skipped; anything else propagates to the one error handler (``wiring.on_error``), which logs it.

Handlers are added to PTB's default group 0, after the coordinator's (``wiring`` registers those
first): within one group the first handler whose filters match wins, so a coordinator's command
or reply never also reaches these handlers. The command menu (``setMyCommands``, German and the
English default) comes from :data:`ogbot.bot.texts.MENU` through :func:`set_commands`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from datetime import date, datetime, tzinfo
from typing import Any, Literal

from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
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
from ogbot.bot.services import BotServices
from ogbot.bot.texts import MENU, TEXTS, Texts, client_lang
from ogbot.knowledge.answer import Answerer, Pending
from ogbot.models import Answer, Lang, Link, StoredItem, Subscriber, long_date
from ogbot.publish.html import escape, link_html, post_problems, safe_url
from ogbot.store import Store, search_words
from ogbot.text import SCAN, clean_text, deadline_parts, shorten

log = logs.get_logger(__name__)

GROUP = 0  # PTB's default handler group, shared with the coordinator's handlers (see above)
NEWS_COUNT = 5
SEARCH_COUNT = 10
CONSULTATIONS_COUNT = 10
TITLE_MAX = 150  # visible characters of an item's title in a list
FLOOD_LIMIT = 8  # updates per user ...
FLOOD_WINDOW = 30.0  # ... in this many seconds; one more and the user is asked to slow down

# callback data of the /subscribe buttons -> (news, consultations); "off" unsubscribes
SUBSCRIBE_PREFIX = "sub:"
CHOICE_PREFIX = "kb:"  # a "did you mean" button: kb:<lang>:<entry id>
CHOICES: dict[str, tuple[bool, bool]] = {
    "news": (True, False),
    "cons": (False, True),
    "both": (True, True),
}
OFF = "off"

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
_BULLET = "•"
_MARK_CONSULTATION = "🗳"

Context = ContextTypes.DEFAULT_TYPE
Callback = Callable[[Update, Context], Coroutine[Any, Any, None]]
Verdict = Literal["pass", "notice", "drop"]


# --- flood control ----------------------------------------------------------------------------


class FloodGate:
    """A sliding window per user: more than ``limit`` updates in ``window`` seconds is a flood.

    :meth:`check` answers "pass" (go on), "notice" (the first update over the limit: say
    something once) or "drop" (stay silent). Memory is bounded: the last ``limit + 1`` times per
    user, and users idle for a whole window are swept out.
    """

    def __init__(self, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._noticed: set[int] = set()
        self._swept = float("-inf")

    def check(self, user: int, now: float) -> Verdict:
        self._sweep(now)
        times = self._seen.setdefault(user, deque(maxlen=self.limit + 1))
        times.append(now)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) <= self.limit:
            self._noticed.discard(user)
            return "pass"
        if user in self._noticed:
            return "drop"
        self._noticed.add(user)
        return "notice"

    def forget(self, user: int) -> None:
        self._seen.pop(user, None)
        self._noticed.discard(user)

    def __len__(self) -> int:
        """How many users it remembers now."""
        return len(self._seen)

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.window:
            return
        self._swept = now
        idle = [
            user
            for user, times in self._seen.items()
            if not times or times[-1] <= now - self.window
        ]
        for user in idle:
            self.forget(user)


# --- building the replies (pure) --------------------------------------------------------------


def link_lines(links: Sequence[Link]) -> str:
    """One bulleted line per link."""
    return "\n".join(f"{_BULLET} {link_html(link.title, link.url)}" for link in links)


def _links_block(label: str, links: Sequence[Link]) -> str:
    return f"<b>{escape(label)}</b>\n{link_lines(links)}" if links else ""


def fitted(head: str, parts: Sequence[str], tail: str = "", sep: str = "\n\n") -> str:
    """``head``, as many of ``parts`` as keep the message valid, and ``tail``."""
    chosen: list[str] = []
    for part in parts:
        candidate = sep.join([head, *chosen, part, *([tail] if tail else [])])
        if post_problems(candidate):
            break
        chosen.append(part)
    return sep.join([head, *chosen, *([tail] if tail else [])])


def _live(store: Store, answerer: Answerer, pending: Pending, now: datetime, tz: tzinfo) -> Answer:
    """Runs in the store's thread: a live answer reads the stored items."""
    return answerer.answer_live(pending, store, now, tz)


def _choice_buttons(answer: Answer) -> InlineKeyboardMarkup | None:
    """One button per entry the question is also close to ("Meintest du …?")."""
    if not answer.choices:
        return None
    rows = [
        [
            InlineKeyboardButton(
                shorten(c.title, 60), callback_data=f"{CHOICE_PREFIX}{answer.lang}:{c.id}"
            )
        ]
        for c in answer.choices
    ]
    return InlineKeyboardMarkup(rows)


def answer_html(answer: Answer, contact: Link | None = None) -> str:
    """The answer's text, then where to read on (see the module docstring). The network's
    ``contact`` handle in the text links to its profile: "@OpenGovGermany" is not a Telegram
    user, and Telegram would otherwise link it as one."""
    texts = TEXTS[answer.lang]
    label = texts.read_more if answer.matched else texts.read_on
    body = escape(clean_text(answer.text, multiline=True))
    url = safe_url(contact.url) if contact is not None else None
    if contact is not None and url and contact.title.strip():
        handle = escape(contact.title.strip())
        body = body.replace(handle, f'<a href="{escape(url, quote=True)}">{handle}</a>')
    links = _links_block(label, answer.links)
    return fitted(body, [links] if links else [])


def _title(item: StoredItem) -> str:
    title = clean_text(item.title[:SCAN]) or clean_text(item.link[:SCAN]) or "?"
    return shorten(title, TITLE_MAX)


def _source(item: StoredItem) -> str:
    return shorten(clean_text(item.source[:SCAN]), 40) or "?"


def deadline_html(item: StoredItem, lang: Lang) -> str:
    """ "<b>Frist: 15. Dezember 2026</b> (Jahr geschätzt)", or "Frist unbekannt"."""
    if item.deadline is None:
        return escape(TEXTS[lang].no_deadline)
    deadline, guessed = deadline_parts(item, lang)
    return f"<b>{escape(deadline)}</b>{escape(guessed)}"


def item_entries(items: Sequence[StoredItem], lang: Lang, tz: tzinfo) -> list[str]:
    """One entry per item as /news and /suche list them: the title as a link, source and local
    date in italics, a consultation marked with its deadline."""
    texts = TEXTS[lang]
    entries = []
    for item in items:
        meta = _source(item)
        if item.date_known:
            meta += " · " + long_date(item.published.astimezone(tz).date(), lang)
        line = f"{_BULLET} {link_html(_title(item), item.link)}\n<i>{escape(meta)}</i>"
        if item.kind == "consultation":
            line += (
                f"\n{_MARK_CONSULTATION} {escape(texts.consultation)} · {deadline_html(item, lang)}"
            )
        entries.append(line)
    return entries


def news_html(items: Sequence[StoredItem], lang: Lang, tz: tzinfo, fallback: Sequence[Link]) -> str:
    """/news: the latest items (see the module docstring); ``fallback`` when there are none."""
    texts = TEXTS[lang]
    if not items:
        return f"{escape(texts.news_none)}\n{link_lines(fallback)}"
    return fitted(texts.news_heading, item_entries(items, lang, tz), texts.news_footer)


def search_html(items: Sequence[StoredItem], lang: Lang, tz: tzinfo) -> str:
    """/suche: the matching items, newest first (the store's order), or that there are none."""
    texts = TEXTS[lang]
    if not items:
        return escape(texts.search_none)
    return fitted(texts.search_heading, item_entries(items, lang, tz), texts.search_footer)


def consultations_html(items: Sequence[StoredItem], lang: Lang, fallback: Sequence[Link]) -> str:
    """/consultations: the open ones, soonest deadline first (the store's order)."""
    texts = TEXTS[lang]
    if not items:
        body = f"{escape(texts.consultations_none)}\n{link_lines(fallback)}"
        return f"{body}\n\n{texts.consultations_footer}"
    entries = [
        f"{_MARK_CONSULTATION} {link_html(_title(item), item.link)}\n"
        f"{deadline_html(item, lang)} · <i>{escape(_source(item))}</i>"
        for item in items
    ]
    return fitted(texts.consultations_heading, entries, texts.consultations_footer)


def _what(news: bool, consultations: bool, texts: Texts) -> str:
    if news and consultations:
        return texts.what_both
    return texts.what_news if news else texts.what_consultations


def _subscription(subscriber: Subscriber, texts: Texts) -> str:
    return _what(subscriber.news, subscriber.consultations, texts)


def subscribe_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    def button(label: str, choice: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=SUBSCRIBE_PREFIX + choice)

    return InlineKeyboardMarkup(
        [
            [button(texts.button_news, "news"), button(texts.button_consultations, "cons")],
            [button(texts.button_both, "both")],
            [button(texts.button_off, OFF)],
        ]
    )


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
        self.gate = gate or FloodGate()
        self.coordinators = frozenset(services.settings.telegram.coordinators)

    # -- plumbing ------------------------------------------------------------------------------

    def gated(self, handler: Callback) -> Callback:
        """``handler`` behind the flood gate."""

        async def run(update: Update, context: Context) -> None:
            if await self._admit(update, context):
                await handler(update, context)

        return run

    async def _admit(self, update: Update, context: Context) -> bool:
        user = update.effective_user
        if user is None or user.id in self.coordinators:
            return True
        verdict = self.gate.check(user.id, self.services.clock().timestamp())
        if verdict == "pass":
            return True
        if verdict == "notice":
            log.info("flood_slowed", chat_type=_chat_type(update))
            await self._reply(update, context, TEXTS[_lang(update)].slow_down)
        return False

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

    def _today(self) -> date:
        return self.services.clock().astimezone(self.services.settings.publish.tz).date()

    def _resources(self, lang: Lang) -> tuple[Link, ...]:
        """The general resources and the network's contact (the answer engine's list)."""
        return self.services.answerer.unknown(lang).links

    def _channel(self) -> str | None:
        channel = self.services.settings.telegram.channel.strip()
        return channel if channel.startswith("@") else None

    # -- commands ------------------------------------------------------------------------------

    async def help(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        texts = TEXTS[lang]
        commands = "\n".join(f"/{name} – {escape(text)}" for name, text in MENU[lang])
        parts = [texts.intro, f"{texts.commands}\n{commands}"]
        channel = self._channel()
        if channel:
            parts.append(texts.channel.format(channel=escape(channel)))
        await self._reply(update, context, "\n\n".join(parts))

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
        answerer = self.services.answerer
        answer = answerer.prepare(question, user.language_code if user else None)
        if isinstance(answer, Pending):  # open consultations, news: from the store
            now, tz = self.services.clock(), self.services.settings.publish.tz
            answer = await self.services.store.call(_live, answerer, answer, now, tz)
        # what was asked stays private: the topic and language only
        log.info(
            "question_answered",
            matched=answer.matched or "none",
            lang=answer.lang,
            chat_type=_chat_type(update),
        )
        publish = self.services.settings.publish
        contact = Link(publish.contact, publish.contact_url)
        await self._reply(update, context, answer_html(answer, contact), _choice_buttons(answer))

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
        publish = self.services.settings.publish
        contact = Link(publish.contact, publish.contact_url)
        await self._reply(update, context, answer_html(answer, contact))

    async def news(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        items = await self.services.store.call(Store.latest_items, NEWS_COUNT)
        tz = self.services.settings.publish.tz
        await self._reply(update, context, news_html(items, lang, tz, self._resources(lang)))

    async def search(self, update: Update, context: Context) -> None:
        message = update.message
        if message is None or message.text is None:
            return
        lang = _lang(update)
        parts = message.text.split(None, 1)
        words = parts[1] if len(parts) > 1 else ""
        if not search_words(words):
            await self._reply(update, context, TEXTS[lang].search_empty)
            return
        items = await self.services.store.call(Store.search_items, words, SEARCH_COUNT)
        # what was searched stays private, like a question: the number of hits only
        log.info("searched", hits=len(items), chat_type=_chat_type(update))
        tz = self.services.settings.publish.tz
        await self._reply(update, context, search_html(items, lang, tz))

    async def consultations(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        items = await self.services.store.call(
            Store.open_consultations, self._today(), CONSULTATIONS_COUNT
        )
        html = consultations_html(items, lang, self._resources(lang))
        await self._reply(update, context, html)

    async def resources(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        texts = TEXTS[lang]
        links = list(self._resources(lang))
        lines = [f"{_BULLET} {link_html(link.title, link.url)}" for link in links[:-1]]
        contact = links[-1]
        lines.append(f"{_BULLET} {escape(texts.contact)}: {link_html(contact.title, contact.url)}")
        parts = [texts.resources_heading + "\n" + "\n".join(lines)]
        channel = self._channel()
        if channel:
            parts.append(texts.channel.format(channel=escape(channel)))
        site = self.services.settings.publish.site_url.rstrip("/")
        if site:  # only a configured public address: the default is the local web server
            rss, atom = link_html("RSS", f"{site}/feed.rss"), link_html("Atom", f"{site}/feed.atom")
            parts.append(texts.feeds.format(rss=rss, atom=atom))
        await self._reply(update, context, "\n\n".join(parts))

    async def subscribe(self, update: Update, context: Context) -> None:
        if not await self._private_only(update, context):
            return
        chat = update.effective_chat
        assert chat is not None  # _private_only checked it
        texts = TEXTS[_lang(update)]
        current = await self.services.store.call(Store.subscriber, chat.id)
        status = (
            texts.subscribed_now.format(what=escape(_subscription(current, texts)))
            if current
            else texts.subscribed_nothing
        )
        html = f"{texts.subscribe_prompt}\n\n{status}"
        await self._reply(update, context, html, subscribe_keyboard(texts))

    async def unsubscribe(self, update: Update, context: Context) -> None:
        texts = TEXTS[_lang(update)]
        await self._delete_data(update, context, texts.unsubscribed, texts.unsubscribed_nothing)

    async def privacy(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        texts = TEXTS[lang]
        parts = [texts.privacy]
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            current = await self.services.store.call(Store.subscriber, chat.id)
            if current is None:
                parts.append(texts.privacy_nothing)
            else:
                since = current.created.astimezone(self.services.settings.publish.tz).date()
                stored = texts.privacy_stored.format(
                    what=escape(_subscription(current, texts)),
                    lang=TEXTS[client_lang(current.lang)].language_name,
                    date=long_date(since, lang),
                )
                parts.append(stored)
        url = self.services.settings.publish.privacy_url
        if safe_url(url):
            parts.append(texts.privacy_link.format(link=link_html(url, url)))
        await self._reply(update, context, "\n\n".join(parts))

    async def forget(self, update: Update, context: Context) -> None:
        texts = TEXTS[_lang(update)]
        await self._delete_data(update, context, texts.forgotten, texts.forgotten_nothing)

    async def _delete_data(self, update: Update, context: Context, done: str, nothing: str) -> None:
        """/unsubscribe and /forget: everything stored about the user goes (SPEC)."""
        if not await self._private_only(update, context):
            return
        chat = update.effective_chat
        assert chat is not None
        gone = await self.services.store.call(Store.forget, chat.id)
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
        choice = query.data.removeprefix(SUBSCRIBE_PREFIX)
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            await _answer_query(query, texts.stale_button)
            return
        chat_id = message.chat.id
        if choice == OFF:
            gone = await self.services.store.call(Store.forget, chat_id)
            log.info("unsubscribed", via="button", rows=gone)
            html = texts.unsubscribed if gone else texts.unsubscribed_nothing
        elif choice in CHOICES:
            news, consultations = CHOICES[choice]
            now = self.services.clock()
            await self.services.store.call(Store.subscribe, chat_id, news, consultations, lang, now)
            log.info("subscribed", news=news, consultations=consultations, lang=lang)
            html = texts.subscribed.format(what=escape(_what(news, consultations, texts)))
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


def register(application: Application, services: BotServices) -> None:  # type: ignore[type-arg]
    """Add the handlers for everyone to ``application`` (after the coordinator's, group 0)."""
    conversation = Conversation(services)
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
        CallbackQueryHandler(gated(conversation.chose), pattern=f"^{SUBSCRIBE_PREFIX}"), GROUP
    )
    application.add_handler(
        CallbackQueryHandler(gated(conversation.picked), pattern=f"^{CHOICE_PREFIX}"), GROUP
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
