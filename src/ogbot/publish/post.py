"""Channel posts in Telegram HTML: one item, a digest, an announcement, a deadline reminder.

Pure functions, no I/O. Every builder returns a :class:`Post` that keeps Telegram's rules, checked
by :func:`post_problems` before it is returned:

- only Telegram's tags (we write ``b``, ``i`` and ``a``), balanced; ``<``, ``>``, ``&`` escaped
  in text and ``"`` too inside ``href``; every link http(s);
- **length**: we bound the *whole HTML string* (tags, hrefs and escapes included) at 4096 UTF-16
  units. Telegram counts only the visible text after parsing, which is never longer, so the bound
  holds under both readings of the SPEC. The price: a digest with long links fits fewer items
  per post (the rest go into the next post, see :func:`digest_post`);
- **entities**: at most 100, counting every tag pair *and* what Telegram may detect on its own in
  the visible text (hashtags, mentions, cashtags, commands, URLs, e-mail addresses and long digit
  runs). The detection is over-approximated, so hostile text costs a shorter summary, never a
  rejected post;
- hashtags we add are letters (any script), digits and ``_`` only, 2–30 characters, not only
  digits, at most four, deduplicated case-insensitively.

Text from sources is cleaned before it is escaped: control characters (except the line break),
lone surrogates, zero-width spaces, byte-order marks and the bidi embedding/override/isolate
controls are removed (they can reorder the rest of a line); LRM/RLM, ZWJ and ZWNJ stay (right-to-
left text and emoji sequences need them). Titles, summaries and source names have their
whitespace (NBSP included) collapsed. Texts are cut on code points, before escaping, so a cut
never lands inside an ``&amp;``, a tag or a surrogate pair; it prefers a word boundary, avoids
splitting an emoji sequence, and ends in "…". When a post is too long the summary is shortened
first, then the title; the contact line is never dropped.

Link previews, on purpose (``Post.preview_url`` / ``disable_preview``; the sender maps them to
``LinkPreviewOptions``):

- an item post and a reminder preview the item's own link, *below* the text (Telegram's default):
  the marker, deadline and title come first in the channel and in the notification, the card
  supports them; media small, because these sites' preview images are often the site logo, and a
  large repeated logo adds nothing to a channel;
- a digest shows no preview: Telegram would pick the first link, favouring one item over the rest;
- an announcement previews the first http(s) link the coordinator wrote, else none (without the
  explicit choice Telegram would preview the contact link).

Bursts: :func:`channel_posts` turns what waits for the channel into posts: up to
``publish.digest_after`` items one post each, more become digests of up to ``publish.digest_size``
items, the batch split into equal parts (11 with size 10 -> 6 + 5, never 10 + 1).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from ogbot.config import PublishSettings
from ogbot.models import Announcement, Lang, StoredItem, long_date

MAX_UNITS = 4096  # UTF-16 code units of the whole HTML string (see the module docstring)
MAX_ENTITIES = 100
MAX_URL = 2000  # escaped UTF-16 units of one href; a longer link is shown without a link
MAX_CONTACT = 64  # characters of the contact handle shown
MAX_SOURCE = 40  # characters of a source name shown
MAX_HASHTAGS = 4
HASHTAG_MIN, HASHTAG_MAX = 2, 30

TITLE_MAX = 250  # visible UTF-16 units of a title in an item post
SUMMARY_MAX = 350  # ... of the summary in an item post
REMINDER_SUMMARY_MAX = 200
DIGEST_TITLE_CAPS = (150, 100, 60)  # tried in order before an item moves to the next digest
DIGEST_TITLE_LAST = 30  # a single item that fits no other way

ELLIPSIS = "…"

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


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """One message for the channel: Telegram HTML (parse mode HTML) and the preview decision.

    ``preview_url`` is the link to preview (None when ``disable_preview``); the preview goes below
    the text unless ``show_above_text``. ``item_ids`` are the stored items this post publishes
    (a digest may hold fewer than it was given; see :func:`digest_post`).
    """

    text: str
    preview_url: str | None
    disable_preview: bool
    show_above_text: bool = False
    prefer_small_media: bool = True
    item_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Entity:
    """A formatting entity as Telegram would make it; offset and length in UTF-16 units."""

    type: str
    offset: int
    length: int
    url: str | None = None


@dataclass(frozen=True)
class Parsed:
    """A post as a follower sees it: the visible text, the entities from tags, the problems."""

    text: str
    entities: tuple[Entity, ...]
    problems: tuple[str, ...]


class PostTooLong(ValueError):
    """The text does not fit in one post; ``size`` and ``limit`` are in ``unit``."""

    def __init__(self, size: int, limit: int, unit: str = "UTF-16 units") -> None:
        self.size = size
        self.limit = limit
        self.unit = unit
        super().__init__(f"too long for one post: {size} {unit}, at most {limit}")


class InvalidPost(ValueError):
    """A finished post breaks Telegram's rules (a bug in the builder, or a hand-made text)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


# --- text helpers -----------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts (a code point above U+FFFF counts 2)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def escape(text: str, *, quote: bool = False) -> str:
    """Escape ``&``, ``<``, ``>`` (and ``"`` for an attribute value) for Telegram HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


# removed everywhere: control characters but line break and tab, lone surrogates (they cannot be
# encoded for sending), bidi embeddings, overrides and isolates (they can reorder what follows),
# zero-width space, byte-order mark
_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200b\u202a-\u202e\u2066-\u2069\ufeff]"
)
_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
SCAN = 2000  # code points of a title or summary read at all: far more than a post shows


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Untrusted text made safe to show (see the module docstring); one line unless multiline.

    One line: every run of whitespace (NBSP and line breaks included) becomes one space.
    Multiline: line breaks kept (``\\r\\n`` -> ``\\n``), at most one empty line in a row.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").translate(_LINE_BREAKS))
    kept = _UNWANTED.sub("", text)
    if not multiline:
        return " ".join(kept.split())
    lines = [line.rstrip() for line in kept.replace("\t", "    ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n").strip()


def _escaped_units(char: str) -> int:
    if char == "&":
        return 5
    if char in "<>":
        return 4
    return 2 if ord(char) > 0xFFFF else 1


def _visible_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _joins_previous(char: str) -> bool:
    """True when ``char`` belongs to the grapheme before it (cutting before it would split it)."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or code == 0x200D  # ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
    )


_REGIONAL = "".join(chr(c) for c in range(0x1F1E6, 0x1F200))  # the letters of flag emoji


def shorten(text: str, limit: int, *, escaped: bool = False) -> str:
    """``text`` cut to ``limit`` UTF-16 units, at a word boundary where sensible, ending in "…".

    ``escaped``: measure the text as it will be after :func:`escape` (for a budget of the HTML
    string). Cuts between code points, never inside a surrogate pair or an emoji sequence.
    """
    units = _escaped_units if escaped else _visible_units
    if sum(map(units, text)) <= limit:
        return text
    budget = limit - 1  # the ellipsis
    if budget <= 0:
        return ELLIPSIS if limit >= 1 else ""
    used = end = 0
    for index, char in enumerate(text):
        used += units(char)
        if used > budget:
            break
        end = index + 1
    cut = text[:end]
    space = cut.rfind(" ")
    if space > 0 and space >= len(cut) // 2:
        cut = cut[:space]
    else:
        # no good word boundary: do not split an emoji sequence or a letter from its accent
        while cut and (_joins_previous(text[len(cut)]) or cut[-1] == "\u200d"):
            cut = cut[:-1]
        if (len(cut) - len(cut.rstrip(_REGIONAL))) % 2:
            cut = cut[:-1]  # half a flag
    return cut.rstrip(" ,;:-–—·|/([{") + ELLIPSIS


def safe_url(url: str | None) -> str | None:
    """The link if it may become an ``href``: http(s) with a host, not absurdly long; else None."""
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


# --- hashtags ---------------------------------------------------------------------------------

# categories every WordPress site has and that tell a follower nothing
_USELESS_TAGS = frozenset(
    "uncategorized uncategorised unkategorisiert allgemein general news aktuelles nachrichten "
    "sonstiges misc blog featured home startseite".split()
)
_WORD_SPLIT = re.compile(r"[^\w]+|_+")


def _tag_char(char: str) -> bool:
    return char.isalpha() or char.isdecimal() or char == "_"


def hashtag(category: str) -> str | None:
    """``category`` as a clean hashtag ("Open Government" -> "#OpenGovernment"), or None.

    Letters of any script, digits and ``_`` only; several words are joined in camel case. None
    for what makes no good hashtag: fewer than 2 or more than 30 characters, only digits, no
    letter, or a catch-all such as "Uncategorized".
    """
    text = unicodedata.normalize("NFC", clean_text(category)).lstrip("#").strip()
    words = [w for w in _WORD_SPLIT.split(text) if w]
    words = ["".join(c for c in w if _tag_char(c)) for w in words]
    words = [w for w in words if w]
    if not words:
        return None
    # several words in camel case; one word as written ("OGP", "Beteiligung")
    tag = words[0] if len(words) == 1 else "".join(w[0].upper() + w[1:] for w in words)
    tag = "".join(c for c in tag if _tag_char(c))  # upper() may add a mark: "ῤ" -> "Ρ̓"
    if not HASHTAG_MIN <= len(tag) <= HASHTAG_MAX or not any(c.isalpha() for c in tag):
        return None
    if tag.casefold() in _USELESS_TAGS:
        return None
    return "#" + tag


def hashtags(categories: Iterable[str], limit: int = MAX_HASHTAGS) -> tuple[str, ...]:
    """Up to ``limit`` clean hashtags from categories, in order, deduplicated ignoring case."""
    seen: set[str] = set()
    tags: list[str] = []
    for category in categories:
        if len(tags) >= limit:
            break
        tag = hashtag(category)
        if tag is not None and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tuple(tags)


# --- checking a finished post -----------------------------------------------------------------

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
    """Raise :class:`InvalidPost` when ``html`` breaks Telegram's rules (a last guard)."""
    problems = post_problems(html)
    if problems:
        raise InvalidPost(problems)


# --- building blocks --------------------------------------------------------------------------

_LABELS: dict[Lang, dict[str, str]] = {
    "de": {
        "consultation": "Konsultation",
        "deadline": "Frist",
        "guessed": "Jahr geschätzt",
        "contact": "Kontakt",
        "announcement": "Ankündigung",
        "tag": "#Konsultation",
        "new_one": "1 neuer Beitrag",
        "new_many": "{n} neue Beiträge",
        "new_consultation_one": "1 neue Konsultation",
        "new_consultation_many": "{n} neue Konsultationen",
        "of_which_one": "davon 1 Konsultation",
        "of_which_many": "davon {n} Konsultationen",
        "left_0": "Letzter Tag",
        "left_1": "Noch 1 Tag",
        "left_n": "Noch {n} Tage",
    },
    "en": {
        "consultation": "Consultation",
        "deadline": "Deadline",
        "guessed": "year estimated",
        "contact": "Contact",
        "announcement": "Announcement",
        "tag": "#Consultation",
        "new_one": "1 new post",
        "new_many": "{n} new posts",
        "new_consultation_one": "1 new consultation",
        "new_consultation_many": "{n} new consultations",
        "of_which_one": "1 of them a consultation",
        "of_which_many": "{n} of them consultations",
        "left_0": "Last day",
        "left_1": "1 day left",
        "left_n": "{n} days left",
    },
}

_MARK_CONSULTATION = "🗳"
_MARK_DIGEST = "📬"
_MARK_ANNOUNCEMENT = "📣"
_MARK_REMINDER = "⏰"
_BULLET = "•"


def _contact_line(publish: PublishSettings, lang: Lang) -> str:
    handle = escape(shorten(clean_text(publish.contact), MAX_CONTACT))
    url = safe_url(publish.contact_url)
    shown = f'<a href="{escape(url, quote=True)}">{handle}</a>' if url else handle
    return f"{_LABELS[lang]['contact']}: {shown}"


def _link(text: str, url: str | None) -> str:
    """Escaped ``text`` as a link to ``url`` when it is a safe http(s) URL, else as plain text."""
    safe = safe_url(url)
    if safe is None:
        return escape(text)
    return f'<a href="{escape(safe, quote=True)}">{escape(text)}</a>'


def _deadline_text(item: StoredItem, lang: Lang) -> str:
    """ "Frist: 15. Dezember 2026 (Jahr geschätzt)", or "" without a deadline."""
    if item.deadline is None:
        return ""
    labels = _LABELS[lang]
    text = f"{labels['deadline']}: {long_date(item.deadline, lang)}"
    return f"{text} ({labels['guessed']})" if item.deadline_guessed else text


def _source_name(item: StoredItem) -> str:
    return shorten(clean_text(item.source), MAX_SOURCE) or "?"


def _clipped(text: str) -> str:
    """``text`` cleaned, reading only its first :data:`SCAN` code points (a 10 MB title costs
    nothing); a clipped text ends in "…" for :func:`shorten` to cut further."""
    if len(text) <= SCAN:
        return clean_text(text)
    return clean_text(text[:SCAN]) + ELLIPSIS


def _title(item: StoredItem) -> str:
    return _clipped(item.title) or _clipped(item.link) or "?"


_READ_MORE = re.compile(r"\s*(\[(…|\.\.\.)\]|\[mehr\]|\[more\])\s*$", re.IGNORECASE)


def _summary(item: StoredItem) -> str:
    """The item's summary without WordPress' "[…]", or "" when it only repeats the title."""
    summary = _READ_MORE.sub(ELLIPSIS, _clipped(item.summary))
    if summary == ELLIPSIS or summary.casefold().rstrip(" .…") == _title(item).casefold():
        return ""
    return summary


def _is_consultation(item: StoredItem) -> bool:
    return item.kind == "consultation"


def _finish(text: str) -> str:
    problems = post_problems(text)
    if problems:  # unreachable by construction; the guard keeps a bug from reaching followers
        raise InvalidPost(problems)
    return text


def _fits(text: str) -> bool:
    return not post_problems(text)


# --- one item ---------------------------------------------------------------------------------


def _consultation_marker(item: StoredItem, lang: Lang) -> str:
    """ "🗳 <b>Konsultation · Frist: 15. Dezember 2026</b> (Jahr geschätzt)"."""
    labels = _LABELS[lang]
    marker = labels["consultation"]
    if item.deadline is None:
        return f"{_MARK_CONSULTATION} <b>{escape(marker)}</b>"
    marker = f"{marker} · {labels['deadline']}: {long_date(item.deadline, lang)}"
    guessed = f" ({labels['guessed']})" if item.deadline_guessed else ""
    return f"{_MARK_CONSULTATION} <b>{escape(marker)}</b>{escape(guessed)}"


def _render_item(
    item: StoredItem,
    publish: PublishSettings,
    lang: Lang,
    marker: str | None,
    *,
    title_max: int,
    summary_max: int,
    tags: bool,
    link: bool,
) -> str:
    labels = _LABELS[lang]
    lines = [marker] if marker else []
    title = shorten(_title(item), title_max)
    lines.append(f"<b>{_link(title, item.link if link else None)}</b>")
    meta = _source_name(item)
    if item.date_known:
        meta = f"{meta} · {long_date(item.published.astimezone(publish.tz).date(), lang)}"
    lines.append(f"<i>{escape(meta)}</i>")
    blocks = ["\n".join(lines)]
    summary = shorten(_summary(item), summary_max) if summary_max > 0 else ""
    if summary.strip(ELLIPSIS + " "):
        blocks.append(escape(summary))
    footer: list[str] = []
    if tags:
        # #Konsultation lets followers list the channel's consultations with one tap
        wanted = [labels["tag"]] if _is_consultation(item) else []
        tagged = hashtags([*wanted, *item.categories])
        if tagged:
            footer.append(" ".join(tagged))
    footer.append(_contact_line(publish, lang))
    blocks.append("\n".join(footer))
    return "\n\n".join(blocks)


# (title, summary, hashtags, link): from the post we want down to one that always fits
_ITEM_ATTEMPTS: tuple[tuple[int, int, bool, bool], ...] = (
    (TITLE_MAX, SUMMARY_MAX, True, True),
    (TITLE_MAX, 200, True, True),
    (TITLE_MAX, 100, True, True),
    (TITLE_MAX, 0, True, True),
    (150, 0, True, True),
    (80, 0, True, True),
    (40, 0, False, True),
    (40, 0, False, False),
)


def _item_post(
    item: StoredItem, publish: PublishSettings, lang: Lang, marker: str | None, summary_max: int
) -> Post:
    text = ""
    for title_max, summary_cap, tags, link in _ITEM_ATTEMPTS:
        text = _render_item(
            item,
            publish,
            lang,
            marker,
            title_max=title_max,
            summary_max=min(summary_cap, summary_max),
            tags=tags,
            link=link,
        )
        if _fits(text):
            url = safe_url(item.link) if link else None
            return Post(text, url, url is None, item_ids=(item.id,))
    raise InvalidPost(post_problems(text))  # unreachable: the last attempt is small by design


def item_post(item: StoredItem, publish: PublishSettings, lang: Lang = "de") -> Post:
    """One item as a channel post.

    Layout: for a consultation a marker line with the deadline ("🗳 Konsultation · Frist:
    15. Dezember 2026", a guessed year marked), the title as a bold link, the source and the date
    (when known) in italics, a short summary, hashtags, the contact line.
    """
    marker = _consultation_marker(item, lang) if _is_consultation(item) else None
    return _item_post(item, publish, lang, marker, SUMMARY_MAX)


# --- reminder ---------------------------------------------------------------------------------


def reminder_post(
    item: StoredItem, publish: PublishSettings, today: date, lang: Lang = "de"
) -> Post:
    """A reminder that a consultation's deadline is near: "⏰ Noch 3 Tage · Frist: …", then the
    item as in :func:`item_post` with a shorter summary.

    ``today`` is the local date in ``publish.timezone``. Raises ValueError without a deadline or
    when it has passed.
    """
    if item.deadline is None:
        raise ValueError(f"item {item.id} has no deadline")
    days = (item.deadline - today).days
    if days < 0:
        raise ValueError(f"the deadline of item {item.id} has passed")
    labels = _LABELS[lang]
    left = labels["left_0"] if days == 0 else labels["left_1"] if days == 1 else labels["left_n"]
    marker = f"{_MARK_REMINDER} <b>{escape(left.format(n=days))}</b> · "
    marker += escape(_deadline_text(item, lang))
    return _item_post(item, publish, lang, marker, REMINDER_SUMMARY_MAX)


# --- digest -----------------------------------------------------------------------------------


def _digest_heading(items: Sequence[StoredItem], lang: Lang) -> str:
    labels = _LABELS[lang]
    count = len(items)
    consultations = sum(1 for item in items if _is_consultation(item))
    if consultations == count:
        heading = labels["new_consultation_one" if count == 1 else "new_consultation_many"]
        return f"{_MARK_DIGEST} <b>{escape(heading.format(n=count))}</b>"
    heading = labels["new_one" if count == 1 else "new_many"].format(n=count)
    text = f"{_MARK_DIGEST} <b>{escape(heading)}</b>"
    if consultations:
        of_which = labels["of_which_one" if consultations == 1 else "of_which_many"]
        text += f" · {escape(of_which.format(n=consultations))}"
    return text


def _digest_line(item: StoredItem, lang: Lang, title_max: int, link: bool) -> str:
    title = _link(shorten(_title(item), title_max), item.link if link else None)
    if not _is_consultation(item):
        return f"{_BULLET} {title} · {escape(_source_name(item))}"
    line = f"{_BULLET} {_MARK_CONSULTATION} {title} · {escape(_source_name(item))}"
    deadline = _deadline_text(item, lang)
    return f"{line} · {escape(deadline)}" if deadline else line


def _render_digest(
    items: Sequence[StoredItem],
    publish: PublishSettings,
    lang: Lang,
    title_max: int,
    *,
    link: bool = True,
) -> str:
    lines = "\n".join(_digest_line(item, lang, title_max, link) for item in items)
    return f"{_digest_heading(items, lang)}\n\n{lines}\n\n{_contact_line(publish, lang)}"


def _digest_post(items: Sequence[StoredItem], text: str) -> Post:
    return Post(_finish(text), None, True, item_ids=tuple(item.id for item in items))


def digest_post(items: Sequence[StoredItem], publish: PublishSettings, lang: Lang = "de") -> Post:
    """Several items in one post: a heading ("12 neue Beiträge · davon 2 Konsultationen"), one
    linked line per item (title, source, consultation marker and deadline), the contact line.

    Titles are shortened (150, 100, then 60 characters) until everything fits. If even that is
    too long (many long links: the whole HTML string counts), the post holds the first items that
    fit and ``Post.item_ids`` says which: the caller keeps the rest for the next post (see
    :func:`digest_posts`); nothing is dropped and nothing says "… und N weitere". Raises
    ValueError for no items.
    """
    if not items:
        raise ValueError("a digest needs at least one item")
    for cap in DIGEST_TITLE_CAPS:
        text = _render_digest(items, publish, lang, cap)
        if _fits(text):
            return _digest_post(items, text)
    cap = DIGEST_TITLE_CAPS[-1]
    # the largest prefix that fits: adding an item only lengthens the post
    low, high = 1, len(items) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(_render_digest(items[:middle], publish, lang, cap)):
            low = middle
        else:
            high = middle - 1
    text = _render_digest(items[:low], publish, lang, cap)
    if not _fits(text):  # one item with a huge link or title
        text = _render_digest(items[:1], publish, lang, DIGEST_TITLE_LAST)
        if not _fits(text):
            text = _render_digest(items[:1], publish, lang, DIGEST_TITLE_LAST, link=False)
        low = 1
    return _digest_post(items[:low], text)


def digest_posts(
    items: Sequence[StoredItem], publish: PublishSettings, lang: Lang = "de"
) -> tuple[Post, ...]:
    """All ``items`` as digests, as many posts as it takes (usually one), of about equal size."""
    if not items:
        return ()
    first = digest_post(items, publish, lang)
    if len(first.item_ids) == len(items):
        return (first,)
    posts: list[Post] = []
    for part in _even_parts(items, math.ceil(len(items) / len(first.item_ids))):
        rest = list(part)
        while rest:  # a part that still does not fit is split again
            post = digest_post(rest, publish, lang)
            posts.append(post)
            rest = rest[len(post.item_ids) :]
    return tuple(posts)


def _even_parts(items: Sequence[StoredItem], parts: int) -> list[Sequence[StoredItem]]:
    """``items`` in ``parts`` consecutive runs whose sizes differ by at most one."""
    size, extra = divmod(len(items), parts)
    runs: list[Sequence[StoredItem]] = []
    start = 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        runs.append(items[start:end])
        start = end
    return runs


def channel_posts(
    items: Sequence[StoredItem], publish: PublishSettings, lang: Lang = "de"
) -> tuple[Post, ...]:
    """What waits for the channel as posts: one each, or digests when more than
    ``publish.digest_after`` wait, in batches of at most ``publish.digest_size`` of equal size.
    """
    if len(items) <= publish.digest_after:
        return tuple(item_post(item, publish, lang) for item in items)
    batches = math.ceil(len(items) / max(1, publish.digest_size))
    # spread the items evenly: 11 with size 10 -> 6 + 5, not 10 + 1
    return tuple(
        post for part in _even_parts(items, batches) for post in digest_posts(part, publish, lang)
    )


# --- announcement -----------------------------------------------------------------------------

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_URL_TRAILER = ".,;:!?)]}'\"»«“”„’"


def _announcement_body(text: str) -> str:
    body = clean_text(text, multiline=True)
    if not body:
        raise ValueError("an announcement needs text")
    return body


def _announcement_html(body: str, publish: PublishSettings, lang: Lang) -> str:
    heading = f"{_MARK_ANNOUNCEMENT} <b>{escape(_LABELS[lang]['announcement'])}</b>"
    return f"{heading}\n\n{escape(body)}\n\n{_contact_line(publish, lang)}"


def _announcement_check(html: str) -> None:
    size = utf16_len(html)
    if size > MAX_UNITS:
        raise PostTooLong(size, MAX_UNITS)
    parsed = parse_html(html)
    count = len(parsed.entities) + auto_entities(parsed.text)
    if count > MAX_ENTITIES:
        raise PostTooLong(count, MAX_ENTITIES, "entities (links, hashtags, mentions)")


def announcement_post(
    announcement: Announcement | str, publish: PublishSettings, lang: Lang = "de"
) -> Post:
    """The coordinator's plain text as a post: "📣 Ankündigung", the text escaped with its line
    breaks, the contact line. Never shortened: raises :class:`PostTooLong` when it does not fit
    (the size counts the whole HTML string, so each ``&``, ``<`` or ``>`` costs 4–5 units), and
    ValueError for an empty text. Previews the first http(s) link in the text, if any.
    """
    text = announcement.text if isinstance(announcement, Announcement) else announcement
    body = _announcement_body(text)
    html = _announcement_html(body, publish, lang)
    _announcement_check(html)
    urls = (safe_url(m.group(0).rstrip(_URL_TRAILER)) for m in _URL_IN_TEXT.finditer(body))
    preview = next((url for url in urls if url), None)
    return Post(_finish(html), preview, preview is None)


def announcement_fits(text: str, publish: PublishSettings, lang: Lang = "de") -> bool:
    """Whether ``text`` fits in one announcement post (``ogbot announce`` refuses it otherwise)."""
    try:
        _announcement_check(_announcement_html(_announcement_body(text), publish, lang))
    except ValueError:  # PostTooLong is one, and so is an empty text
        return False
    return True
