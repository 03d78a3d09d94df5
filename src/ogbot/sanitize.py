"""Untrusted HTML from the sources -> safe HTML for the feeds, or plain text.

``nh3`` (bindings to the Rust ``ammonia`` sanitiser, maintained; ``bleach`` is deprecated) keeps
an allow-list of tags and attributes: scripts, styles, event attributes, iframes and
``javascript:`` URLs never survive. This is the only module that imports ``nh3``.
"""

from __future__ import annotations

import html
import re

import nh3

from ogbot.text import shorten

ALLOWED_TAGS = frozenset(
    """a abbr b blockquote br code em figcaption figure h2 h3 h4 h5 h6 hr i img li ol p pre q s
    small strong sub sup table tbody td th thead tr u ul""".split()
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Lazy-loading plugins put the real <img> in <noscript>, whose content an HTML parser with
# scripting on (ammonia's) reads as raw text: the image would come out as escaped markup.
_NOSCRIPT = re.compile(r"</?noscript\b[^>]*>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|tr|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)


def clean_html(fragment: str) -> str:
    """Sanitised HTML: allowed tags only, links with rel=noopener noreferrer nofollow."""
    return nh3.clean(
        _NOSCRIPT.sub("", fragment),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(fragment: str, limit: int | None = None) -> str:
    """The visible text of an HTML fragment, whitespace collapsed, cut at a word boundary."""
    spaced = _BLOCK_END.sub(r"\g<0> ", _NOSCRIPT.sub("", fragment))
    # str.split() splits at what \s matches in a str pattern (no-break spaces too), in C
    text = " ".join(html.unescape(nh3.clean(spaced, tags=set())).split())
    return text if limit is None else shorten(text, limit)


# What a coordinator's formatting may keep on its way into a channel post: Telegram's own tags
# (publish/html.py checks the result against Telegram's rules), links http(s) only.
TELEGRAM_TAGS = frozenset("a b blockquote code i pre s span u".split())
_LINKLESS = re.compile(r"<a>(.*?)</a>", re.DOTALL)


def clean_telegram_html(fragment: str) -> str:
    """A Telegram message's formatting as HTML (python-telegram-bot's ``Message.text_html``)
    made safe: parsed as a browser would (PTB writes a link's URL into ``href`` unescaped, so a
    ``"`` in it could add attributes), only bold, italic, underline, strikethrough, code, pre,
    quotes, spoilers and http(s) links kept; other tags (custom emoji, mentions by id, dates)
    give way to their text. Character references are the four Telegram reads and numbers."""
    cleaned = nh3.clean(
        fragment,
        tags=set(TELEGRAM_TAGS),
        attributes={"a": {"href"}},
        allowed_classes={"span": {"tg-spoiler"}},
        url_schemes={"http", "https"},
        link_rel=None,
        strip_comments=True,
    )
    cleaned = _LINKLESS.sub(r"\1", cleaned)  # a link to anything but http(s): its text
    return cleaned.replace("&nbsp;", "\u00a0")
