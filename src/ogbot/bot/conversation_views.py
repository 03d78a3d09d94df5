"""What everyone reads: the conversation's replies and buttons, built as Telegram HTML (pure).

The rules they follow (languages, lists that fit one message, links) are in
:mod:`ogbot.bot.conversation`'s docstring; the texts themselves are :data:`ogbot.bot.texts.TEXTS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from ogbot.bot.texts import MENU, TEXTS, Texts, client_lang
from ogbot.models import Answer, Lang, Link, StoredItem, Subscriber, long_date
from ogbot.publish.html import escape, link_html, post_problems, safe_url
from ogbot.publish.post import item_title, source_name
from ogbot.text import clean_text, deadline_parts, shorten

TITLE_MAX = 150  # visible characters of an item's title in a list

# callback data of the /subscribe buttons -> (news, consultations); "off" unsubscribes
SUBSCRIBE_PREFIX = "sub:"
CHOICE_PREFIX = "kb:"  # a "did you mean" button: kb:<lang>:<entry id>
CHOICES: dict[str, tuple[bool, bool]] = {
    "news": (True, False),
    "cons": (False, True),
    "both": (True, True),
}
OFF = "off"

_BULLET = "•"
_MARK_CONSULTATION = "🗳"


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


def choice_buttons(answer: Answer) -> InlineKeyboardMarkup | None:
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
    return shorten(item_title(item), TITLE_MAX)


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
        meta = source_name(item)
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
        f"{deadline_html(item, lang)} · <i>{escape(source_name(item))}</i>"
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


def help_html(lang: Lang, channel: str | None) -> str:
    """/start, /help: what the bot does, its commands (the menu), the channel when public."""
    texts = TEXTS[lang]
    commands = "\n".join(f"/{name} – {escape(text)}" for name, text in MENU[lang])
    parts = [texts.intro, f"{texts.commands}\n{commands}"]
    if channel:
        parts.append(texts.channel.format(channel=escape(channel)))
    return "\n\n".join(parts)


def resources_html(lang: Lang, links: Sequence[Link], channel: str | None, site: str) -> str:
    """/resources: the general resources, the last of ``links`` being the network's contact;
    the channel when public; the feeds when ``site`` (the public address) is configured."""
    texts = TEXTS[lang]
    lines = [f"{_BULLET} {link_html(link.title, link.url)}" for link in links[:-1]]
    contact = links[-1]
    lines.append(f"{_BULLET} {escape(texts.contact)}: {link_html(contact.title, contact.url)}")
    parts = [texts.resources_heading + "\n" + "\n".join(lines)]
    if channel:
        parts.append(texts.channel.format(channel=escape(channel)))
    if site:  # only a configured public address: the default is the local web server
        rss, atom = link_html("RSS", f"{site}/feed.rss"), link_html("Atom", f"{site}/feed.atom")
        ics = link_html("iCal", f"{site}/konsultationen.ics")
        parts.append(texts.feeds.format(rss=rss, atom=atom, ics=ics))
    return "\n\n".join(parts)


def subscribe_html(lang: Lang, current: Subscriber | None) -> str:
    """/subscribe: the question (the buttons are :func:`subscribe_keyboard`) and what is
    subscribed now."""
    texts = TEXTS[lang]
    status = (
        texts.subscribed_now.format(what=escape(_subscription(current, texts)))
        if current
        else texts.subscribed_nothing
    )
    return f"{texts.subscribe_prompt}\n\n{status}"


def subscribed_html(lang: Lang, subscriber: Subscriber) -> str:
    """The confirmation a /subscribe button leaves in place of the question."""
    texts = TEXTS[lang]
    return texts.subscribed.format(what=escape(_subscription(subscriber, texts)))


def privacy_html(
    lang: Lang, stored: Subscriber | None, *, private: bool, tz: tzinfo, privacy_url: str
) -> str:
    """/privacy: what is stored; in a private chat also what is stored about this user now
    (``stored``); the privacy policy when its URL is safe."""
    texts = TEXTS[lang]
    parts = [texts.privacy]
    if private:
        if stored is None:
            parts.append(texts.privacy_nothing)
        else:
            since = stored.created.astimezone(tz).date()
            parts.append(
                texts.privacy_stored.format(
                    what=escape(_subscription(stored, texts)),
                    lang=TEXTS[client_lang(stored.lang)].language_name,
                    date=long_date(since, lang),
                )
            )
    if safe_url(privacy_url):
        parts.append(texts.privacy_link.format(link=link_html(privacy_url, privacy_url)))
    return "\n\n".join(parts)
