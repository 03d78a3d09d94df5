"""The coordinator's formatting: Telegram HTML made from a message's entities, sanitised and
checked for the channel (:func:`announcement_markup`), and the same as HTML for the page and
the feeds, where the URLs in the text become links as Telegram makes them
(:func:`announcement_body_html`). Pure functions; the posts are built in
:mod:`ogbot.publish.post`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from ogbot.publish.html import linked_text, parse_html, safe_url
from ogbot.sanitize import clean_telegram_html
from ogbot.text import clean_text, url_spans, utf16_len

_TAG_OR_TEXT = re.compile(r"(<[^<>]+>)")


def announcement_markup(html: str | None) -> str | None:
    """The coordinator's formatting (Telegram HTML from the message's entities: PTB's
    ``Message.text_html``) as ogbot sends it: sanitised (by
    :func:`ogbot.sanitize.clean_telegram_html`: bold, italic, underline, strikethrough, code,
    quotes, spoilers, http(s) links), cleaned like a plain text, and checked against Telegram's
    rules; None when it holds no formatting or breaks a rule (the plain text is sent then)."""
    if not html:
        return None
    markup = clean_text(clean_telegram_html(html), multiline=True)
    parsed = parse_html(markup)
    if parsed.problems or not parsed.entities:
        return None
    return markup


def first_link(body: str, markup: str | None) -> str | None:
    """The first http(s) link the coordinator wrote: a URL in the text or a formatted link
    (the announcement's link preview)."""
    found: list[tuple[int, str]] = []
    visible = body
    if markup is not None:
        parsed = parse_html(markup)
        visible = parsed.text
        found += [(e.offset, e.url) for e in parsed.entities if e.type == "text_link" and e.url]
    for start, end in url_spans(visible):
        url = safe_url(visible[start:end])
        if url:
            found.append((utf16_len(visible[:start]), url))
    return min(found)[1] if found else None


def announcement_body_html(
    text: str, markup: str | None, href: Callable[[str], str | None] = safe_url
) -> str:
    """An announcement's text as HTML for the page and the feeds (line breaks as they are):
    its formatting and links as in the channel, and the URLs in its text links too (each to
    ``href(url)``), as Telegram links them in the post."""
    if markup is None:
        return linked_text(clean_text(text, multiline=True), href)
    parts: list[str] = []
    in_link = False
    for piece in _TAG_OR_TEXT.split(markup):
        if not piece:
            continue
        if piece.startswith("<"):
            name = piece.strip("</>").split()[0].lower()
            if name == "a":
                in_link = not piece.startswith("</")
            parts.append(piece)
        elif in_link:
            parts.append(piece)
        else:
            parts.append(linked_text(unescape(piece), href))
    return "".join(parts)
