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
