"""Telegram HTML: escaping, links, the tags Telegram knows, and the check every message passes.

The one place that knows Telegram's HTML rules (Bot API "HTML style"); the channel posts
(:mod:`ogbot.publish.post`), the bot's replies and the sender use it. The rules as applied here:

- only Telegram's tags, balanced; ``<``, ``>``, ``&`` escaped in text and ``"`` too inside
  ``href``; every link http(s) with a host (:func:`safe_url`);
- **length**: the *whole HTML string* (tags, hrefs and escapes included) is bounded at 4096
  UTF-16 units. Telegram counts only the visible text after parsing, which is never longer, so
  the bound holds under both readings of the SPEC;
- **entities**: at most 100, counting every tag pair *and* what Telegram may detect on its own in
  the visible text (hashtags, mentions, cashtags, commands, URLs, e-mail addresses and long digit
  runs). The detection is over-approximated, so hostile text costs a shorter text, never a
  rejected message.

:func:`post_problems` lists every rule a text breaks (a builder tries shorter variants until it
lists none); :func:`check_post` is the last guard before a send (see
:mod:`ogbot.publish.sender`). Plain-text helpers (cleaning, measuring, shortening) are in
:mod:`ogbot.text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ogbot.text import clean_text, url_spans, utf16_len

MAX_UNITS = 4096  # UTF-16 code units of the whole HTML string (see the module docstring)
MAX_ENTITIES = 100
MAX_URL = 2000  # escaped UTF-16 units of one href; a longer link is shown without a link

# Telegram's tags (Bot API "HTML style") and the entity each one makes
TELEGRAM_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "span": frozenset({"class"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
}


@dataclass(frozen=True)
class Entity:
    """A formatting entity as Telegram would make it; offset and length in UTF-16 units."""

    type: str
    offset: int
    length: int
    url: str | None = None


@dataclass(frozen=True)
class Parsed:
    """A message as a reader sees it: the visible text, the entities from tags, the problems."""

    text: str
    entities: tuple[Entity, ...]
    problems: tuple[str, ...]


class InvalidPost(ValueError):
    """A finished text breaks Telegram's rules (a bug in a builder, or a hand-made text)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


# --- writing ----------------------------------------------------------------------------------


def escape(text: str, *, quote: bool = False) -> str:
    """Escape ``&``, ``<``, ``>`` (and ``"`` for an attribute value) for Telegram HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def safe_url(url: str | None) -> str | None:
    """The link if it may become an ``href``: http(s) with a host, not absurdly long; else None.

    The link comes back cleaned (:func:`ogbot.text.clean_text`, spaces as ``%20``). The web page
    uses it too: only what this accepts becomes a link anywhere ogbot writes HTML.
    """
    if not url:
        return None
    url = clean_text(url).replace(" ", "%20")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if utf16_len(escape(url, quote=True)) > MAX_URL:
        return None
    return url


def link_html(text: str, url: str | None) -> str:
    """Escaped ``text`` as a link to ``url`` when that is a safe http(s) URL, else plain text."""
    safe = safe_url(url)
    if safe is None:
        return escape(text)
    return f'<a href="{escape(safe, quote=True)}">{escape(text)}</a>'


def linked_text(text: str, href: Callable[[str], str | None] = safe_url) -> str:
    """Plain ``text`` as HTML: escaped, each http(s) URL in it (:func:`ogbot.text.url_spans`) a
    link to ``href(url)`` (None: left as text). What Telegram does to the URLs in a message, for
    the announcements on the page and in the feeds."""
    parts: list[str] = []
    done = 0
    for start, end in url_spans(text):
        url = text[start:end]
        parts += [escape(text[done:start]), link_html(url, href(url))]
        done = end
    parts.append(escape(text[done:]))
    return "".join(parts)


# --- reading and checking ---------------------------------------------------------------------

_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z][A-Za-z0-9-]*(?:\s*=\s*\"[^\"<>]*\")?)*)\s*>"
)
_ATTRIBUTE = re.compile(r"([A-Za-z][A-Za-z0-9-]*)(?:\s*=\s*\"([^\"<>]*)\")?")
_REFERENCE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# What Telegram may turn into an entity by itself, over-approximated on purpose.
_AUTO_ENTITY = re.compile(
    r"""
      [#$@][^\W_]\w*                                   # hashtag, cashtag, mention
    | (?:^|(?<=\s))/\w+                                # bot command
    | (?:https?://)?(?:[^\W_][\w-]*\.)+[A-Za-z]{2,}\S* # URL or domain (e-mail via the @ above)
    | \+?\d[\d\s().-]{6,}\d                            # phone or card number
    """,
    re.VERBOSE,
)


def _decode(text: str, problems: list[str]) -> str:
    """Resolve Telegram's character references; a bare ``&`` is a problem."""
    out: list[str] = []
    position = 0
    while (amp := text.find("&", position)) >= 0:
        out.append(text[position:amp])
        match = _REFERENCE.match(text, amp)
        if match is None:
            problems.append(f"unescaped '&' at {amp}")
            out.append("&")
            position = amp + 1
            continue
        named, decimal, hexadecimal = match.groups()
        if named:
            out.append(_NAMED[named])
        else:
            code = int(decimal) if decimal else int(hexadecimal, 16)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                out.append(chr(code))
            else:
                problems.append(f"invalid character reference {match.group(0)!r}")
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def parse_html(html: str) -> Parsed:
    """Parse Telegram HTML strictly: the visible text, the entities, and any rule it breaks."""
    problems: list[str] = []
    visible: list[str] = []
    units = 0
    stack: list[tuple[str, int, str | None]] = []  # tag, offset, url
    entities: list[Entity] = []
    position = 0

    def add_text(raw: str) -> None:
        nonlocal units
        text = _decode(raw, problems)
        if ">" in raw:
            problems.append("unescaped '>' in text")
        visible.append(text)
        units += utf16_len(text)

    while (lt := html.find("<", position)) >= 0:
        add_text(html[position:lt])
        match = _TAG.match(html, lt)
        if match is None:
            problems.append(f"unescaped '<' at {lt}")
            visible.append("<")
            units += 1
            position = lt + 1
            continue
        position = match.end()
        closing, name, raw_attributes = match.group(1), match.group(2).lower(), match.group(3)
        if name not in TELEGRAM_TAGS:
            problems.append(f"tag <{name}> is not supported by Telegram")
            continue
        if closing:
            if not stack or stack[-1][0] != name:
                problems.append(f"</{name}> closes nothing open")
                continue
            _, start, url = stack.pop()
            entities.append(Entity(TELEGRAM_TAGS[name], start, units - start, url))
            continue
        attributes: dict[str, str] = {}
        for attribute in _ATTRIBUTE.finditer(raw_attributes):
            key, value = attribute.group(1).lower(), attribute.group(2) or ""
            if key not in _ATTRIBUTES.get(name, frozenset()):
                problems.append(f"attribute {key!r} not allowed on <{name}>")
            attributes[key] = _decode(value, problems)
        url = None
        if name == "a":
            url = attributes.get("href")
            if url is None or safe_url(url) != url:
                problems.append(f"link {url!r} is not an http(s) URL")
        if name == "span" and attributes.get("class") != "tg-spoiler":
            problems.append('<span> needs class="tg-spoiler"')
        open_tags = {tag for tag, _, _ in stack}
        if name in open_tags:
            problems.append(f"<{name}> nested in itself")
        if open_tags & {"code", "pre"} and not (name == "code" and stack[-1][0] == "pre"):
            problems.append(f"<{name}> inside code or pre")
        stack.append((name, units, url))
    add_text(html[position:])
    for name, _, _ in stack:
        problems.append(f"<{name}> is never closed")
    text = "".join(visible)
    return Parsed(text, tuple(sorted(entities, key=lambda e: e.offset)), tuple(problems))


def auto_entities(text: str) -> int:
    """How many entities Telegram might detect in visible text by itself (an upper estimate)."""
    return sum(1 for _ in _AUTO_ENTITY.finditer(text))


def post_problems(html: str) -> list[str]:
    """Every way ``html`` breaks Telegram's rules as this module applies them; empty = valid."""
    parsed = parse_html(html)
    problems = list(parsed.problems)
    size = utf16_len(html)
    if size > MAX_UNITS:
        problems.append(f"{size} UTF-16 units, at most {MAX_UNITS}")
    count = len(parsed.entities) + auto_entities(parsed.text)
    if count > MAX_ENTITIES:
        problems.append(f"{count} entities, at most {MAX_ENTITIES}")
    if not parsed.text.strip():
        problems.append("no visible text")
    return problems


def check_post(html: str) -> None:
    """Raise :class:`InvalidPost` when ``html`` breaks Telegram's rules (the last guard)."""
    problems = post_problems(html)
    if problems:
        raise InvalidPost(problems)
