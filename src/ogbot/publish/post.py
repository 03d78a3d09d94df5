"""Channel posts in Telegram HTML: one item, a digest, an announcement, a deadline reminder.

Pure functions, no I/O. Every builder returns a :class:`Post` that keeps Telegram's rules as
:mod:`ogbot.publish.html` applies them (only Telegram's tags, escaped text, http(s) links, at most
4096 UTF-16 units of HTML and 100 entities), checked by :func:`~ogbot.publish.html.post_problems`
before it is returned. What that costs: a digest with long links fits fewer items per post (the
rest go into the next post, see :func:`digest_post`); hostile text costs a shorter summary, never
a rejected post. Hashtags we add are letters (any script), digits and ``_`` only, 2–30
characters, not only digits, at most four, deduplicated case-insensitively.

Text from sources is cleaned before it is escaped (:func:`ogbot.text.clean_text`: control
characters, lone surrogates, zero-width spaces, byte-order marks and bidi overrides removed;
titles, summaries and source names on one line). Texts are cut on code points, before escaping,
so a cut never lands inside an ``&amp;``, a tag or a surrogate pair; it prefers a word boundary,
avoids splitting an emoji sequence, and ends in "…" (:func:`ogbot.text.shorten`). When a post is
too long the summary is shortened first, then the title; the contact line is never dropped.

Link previews, on purpose (``Post.preview_url`` / ``disable_preview``; the sender maps them to
``LinkPreviewOptions``):

- an item post and a reminder preview the item's own link, *below* the text (Telegram's default):
  the marker, deadline and title come first in the channel and in the notification, the card
  supports them; media small, because these sites' preview images are often the site logo, and a
  large repeated logo adds nothing to a channel;
- a digest shows no preview: Telegram would pick the first link, favouring one item over the rest;
- an announcement previews the first http(s) link the coordinator wrote, else none (without the
  explicit choice Telegram would preview the contact link).

Bursts: the outbox turns more than ``publish.digest_after`` waiting items into digests of up to
``publish.digest_size`` items, the batch split into equal parts by :func:`digest_groups` (11 with
size 10 -> 6 + 5, never 10 + 1); :func:`digest_posts` splits a digest again, the same way, where
its lines do not fit one post.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from ogbot.config import PublishSettings
from ogbot.models import Announcement, Lang, StoredItem, long_date
from ogbot.publish.html import (
    MAX_ENTITIES,
    MAX_UNITS,
    InvalidPost,
    auto_entities,
    escape,
    link_html,
    parse_html,
    post_problems,
    safe_url,
)
from ogbot.publish.rich import first_link
from ogbot.text import (
    ELLIPSIS,
    clean_excerpt,
    clean_text,
    deadline_parts,
    deadline_text,
    shorten,
    utf16_len,
    without_read_more,
)

T = TypeVar("T")

MAX_CONTACT = 64  # characters of the contact handle shown
MAX_SOURCE = 40  # characters of a source name shown
MAX_HASHTAGS = 4
HASHTAG_MIN, HASHTAG_MAX = 2, 30

TITLE_MAX = 250  # visible UTF-16 units of a title in an item post
SUMMARY_MAX = 350  # ... of the summary in an item post
REMINDER_SUMMARY_MAX = 200
DIGEST_TITLE_CAPS = (150, 100, 60)  # tried in order before an item moves to the next digest
DIGEST_TITLE_LAST = 30  # a single item that fits no other way


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
    # an announcement with a picture: ``text`` is the photo's caption; the photo is Telegram's
    # file id, or (not uploaded yet) ``photo_file``, the path of its copy to upload
    photo: str | None = None
    photo_file: str | None = None

    @property
    def has_photo(self) -> bool:
        return bool(self.photo or self.photo_file)


ENTITIES_UNIT = "entities (links, hashtags, mentions)"


class PostTooLong(ValueError):
    """The text does not fit in one post; ``size`` and ``limit`` are in ``unit``: UTF-16 units
    (too long) or :data:`ENTITIES_UNIT` (too many links, hashtags and mentions: Telegram's limit
    on entities, whatever the length)."""

    def __init__(self, size: int, limit: int, unit: str = "UTF-16 units") -> None:
        self.size = size
        self.limit = limit
        self.unit = unit
        if unit == ENTITIES_UNIT:
            message = f"too many {unit} for one post: {size}, at most {limit}"
        else:
            message = f"too long for one post: {size} {unit}, at most {limit}"
        super().__init__(message)

    @property
    def entities(self) -> bool:
        """Whether the limit hit is Telegram's on entities, not the length."""
        return self.unit == ENTITIES_UNIT


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


# --- building blocks --------------------------------------------------------------------------

_LABELS: dict[Lang, dict[str, str]] = {
    "de": {
        "consultation": "Konsultation",
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
    handle = shorten(clean_text(publish.contact), MAX_CONTACT)
    return f"{_LABELS[lang]['contact']}: {link_html(handle, publish.contact_url)}"


def source_name(item: StoredItem) -> str:
    """The item's source as people see it in posts, the bot's lists, the page and the feeds:
    its display name (``[[sources]] title``, else the feed's own title), else its configured
    name; cleaned, at most MAX_SOURCE."""
    return shorten(clean_excerpt(item.shown_source), MAX_SOURCE) or "?"


def item_title(item: StoredItem) -> str:
    """The item's title as shown (cleaned; its link when it has none), before shortening."""
    return clean_excerpt(item.title) or clean_excerpt(item.link) or "?"


def item_summary(item: StoredItem) -> str:
    """The item's summary as shown (cleaned, one line, WordPress' "[…]" as one "…": see
    :func:`ogbot.text.without_read_more`), before shortening; "" when it only repeats the
    title. The posts and the page show it."""
    summary = without_read_more(clean_excerpt(item.summary))
    if summary == ELLIPSIS or summary.casefold().rstrip(" .…") == item_title(item).casefold():
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
    marker = _LABELS[lang]["consultation"]
    deadline, guessed = deadline_parts(item, lang)
    if deadline:
        marker = f"{marker} · {deadline}"
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
    title = shorten(item_title(item), title_max)
    lines.append(f"<b>{link_html(title, item.link if link else None)}</b>")
    meta = source_name(item)
    if item.date_known:
        meta = f"{meta} · {long_date(item.published.astimezone(publish.tz).date(), lang)}"
    lines.append(f"<i>{escape(meta)}</i>")
    blocks = ["\n".join(lines)]
    summary = shorten(item_summary(item), summary_max) if summary_max > 0 else ""
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
    marker += escape(deadline_text(item, lang))
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
    title = link_html(shorten(item_title(item), title_max), item.link if link else None)
    if not _is_consultation(item):
        return f"{_BULLET} {title} · {escape(source_name(item))}"
    line = f"{_BULLET} {_MARK_CONSULTATION} {title} · {escape(source_name(item))}"
    deadline = deadline_text(item, lang)
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
    for part in digest_groups(items, len(first.item_ids)):
        rest = list(part)
        while rest:  # a part that still does not fit is split again
            post = digest_post(rest, publish, lang)
            posts.append(post)
            rest = rest[len(post.item_ids) :]
    return tuple(posts)


def digest_groups(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` in as few consecutive groups of at most ``size`` as possible, their sizes
    differing by at most one: 11 with size 10 -> 6 + 5, not 10 + 1. The outbox forms its
    digests (``publish.digest_size``) with it, and :func:`digest_posts` splits a digest that
    does not fit one post."""
    if not items:
        return []
    count = math.ceil(len(items) / size)
    base, extra = divmod(len(items), count)
    groups: list[list[T]] = []
    start = 0
    for index in range(count):
        end = start + base + (1 if index < extra else 0)
        groups.append(list(items[start:end]))
        start = end
    return groups


# --- announcement -----------------------------------------------------------------------------


# blank characters that are letters or symbols to Unicode: Hangul fillers, the Braille blank
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(char: str) -> bool:
    return not (
        char.isspace() or char in _BLANK_GLYPHS or unicodedata.category(char) in ("Cf", "Cc")
    )


def _announcement_body(text: str) -> str:
    body = clean_text(text, multiline=True)
    if not any(_visible(char) for char in body):  # zero-width spaces and joiners only
        raise ValueError("an announcement needs text")
    return body


CAPTION_UNITS = 1024  # Telegram's limit on a photo's caption (counted as MAX_UNITS is)


ROUNDUP_AUTHOR = "weekly"  # the author of the weekly round-up (publish/roundup.py)
_MARK_ROUNDUP = "🗓"


def _announcement_html(
    body: str, publish: PublishSettings, lang: Lang, markup: str | None, roundup: bool = False
) -> str:
    heading = f"{_MARK_ANNOUNCEMENT} <b>{escape(_LABELS[lang]['announcement'])}</b>"
    shown = markup if markup is not None else escape(body)
    if roundup:  # its own first line ("Wochenrückblick 30.11.–06.12.2026") is the heading
        first, _, rest = body.partition("\n")
        heading = f"{_MARK_ROUNDUP} <b>{escape(first.strip())}</b>"
        shown = escape(rest.strip())
    return f"{heading}\n\n{shown}\n\n{_contact_line(publish, lang)}"


def _announcement_check(html: str, limit: int = MAX_UNITS) -> None:
    size = utf16_len(html)
    if size > limit:
        raise PostTooLong(size, limit)
    parsed = parse_html(html)
    count = len(parsed.entities) + auto_entities(parsed.text)
    if count > MAX_ENTITIES:
        raise PostTooLong(count, MAX_ENTITIES, ENTITIES_UNIT)


def announcement_post(
    announcement: Announcement | str,
    publish: PublishSettings,
    lang: Lang = "de",
    *,
    markup: str | None = None,
    photo: str | None = None,
    photo_file: str | None = None,
    roundup: bool = False,
) -> Post:
    """The coordinator's text as a post: "📣 Ankündigung" (the weekly ``roundup``: "🗓" and its
    own first line in bold instead), the text with its line breaks and
    formatting (``markup``: :func:`ogbot.publish.rich.announcement_markup`), the contact line.
    Never shortened: :class:`PostTooLong` when it does not fit (the whole HTML string counts),
    ValueError for an empty text. Previews the first http(s) link the text has. With a picture
    (``photo``: Telegram's file id, or ``photo_file`` to upload) it is the photo's caption: at
    most :data:`CAPTION_UNITS`, no link preview."""
    text = announcement.text if isinstance(announcement, Announcement) else announcement
    if isinstance(announcement, Announcement):
        markup = announcement.html
    body = _announcement_body(text)
    html = _announcement_html(body, publish, lang, markup, roundup and markup is None)
    pictured = bool(photo or photo_file)
    _announcement_check(html, CAPTION_UNITS if pictured else MAX_UNITS)
    if pictured:
        return Post(_finish(html), None, True, photo=photo, photo_file=photo_file)
    preview = first_link(body, markup)
    return Post(_finish(html), preview, preview is None)


def announcement_problem(
    text: str,
    publish: PublishSettings,
    lang: Lang = "de",
    *,
    markup: str | None = None,
    photo: bool = False,
) -> str | None:
    """Why ``text`` cannot be one announcement post (with a ``photo``: one caption), in words
    for the operator, or None when it fits: empty (nothing visible left once invisible
    characters are dropped), too long, or too many links, hashtags and mentions (``ogbot
    announce`` refuses it with this)."""
    try:
        body = _announcement_body(text)
    except ValueError:
        return "the text is empty (nothing visible is left once invisible characters are dropped)"
    try:
        limit = CAPTION_UNITS if photo else MAX_UNITS
        _announcement_check(_announcement_html(body, publish, lang, markup), limit)
    except PostTooLong as exc:
        if exc.entities:
            return f"the text has {exc} (Telegram's limit, whatever the length); remove some"
        if photo:
            return f"the text is {exc} (a photo's caption); shorten it"
        return f"the text is {exc}; shorten it"
    return None


def announcement_fits(text: str, publish: PublishSettings, lang: Lang = "de") -> bool:
    """Whether ``text`` fits in one announcement post (see :func:`announcement_problem`)."""
    return announcement_problem(text, publish, lang) is None
