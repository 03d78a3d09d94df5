"""Parse fetched feed bytes into normalised entries. The only module that imports feedparser.

feedparser never fetches here: it gets the bytes and the response headers, with
``content-location`` set to the final URL so relative links resolve. It is pure Python and slow,
so callers run :func:`parse_feed` in a thread. RSS 0.9x/1.0/2.0 and Atom go through feedparser;
JSON Feed is read with the standard library.

Before feedparser sees a document, :func:`ogbot.watch.document.prepared` makes it fit: the
encoding a byte-order mark says (UTF-8 under another name read as UTF-8), no DOCTYPE internal
subset (entity bombs refused), repaired character references.

An entry is kept when it has something to show: a title, some text, an image (or an inline SVG
drawing), a file (enclosure, media:content or thumbnail, <audio>, <video>), or a link. Its link
is its own, else its guid when that is a permalink, else its first enclosure; never the feed's
address. No kept entry is untitled: without a title, the start of its text names it; without
words, the alt text of its image, the name of its file, else what it is
(:data:`ogbot.watch.media.LABELS`, in German: "Bild", "Audio", "Video", "Datei", "Link"). A
MathML formula counts as its text ("a+b"): the sanitiser keeps no MathML. A title is plain text
unless the feed says it is HTML (feedparser's ``title_detail.type``): "History of the <blink>
tag" keeps its tag. An entry one odd field makes unreadable is left out and noted; it never
fails the others.

feedparser's own pass over embedded HTML (resolve relative URIs, then sanitise: two sgmllib
parses of every title, summary and content) costs about half of its parse time, and nh3 (see
:mod:`ogbot.sanitize`) cleans the result again anyway. So feedparser runs with the pass off and
:func:`_as_feedparser_would` applies it here only where it could change what ``clean_html`` and
``plain_text`` make of the markup. On *simple* markup (common tags, quoted attributes, known
references, links that are already absolute) the pass changes nothing nh3 keeps except the order
of attributes, which is sorted here as feedparser sorts it: the entries come out the same.
"""

from __future__ import annotations

import html.entities
import html.parser
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import feedparser
import feedparser.sanitizer
import feedparser.urls

from ogbot.feed_dates import feed_date
from ogbot.sanitize import clean_html, plain_text
from ogbot.text import shorten, strip_controls
from ogbot.watch.document import prepared, repaired_references
from ogbot.watch.media import Medium, digest, entry_name, formulas_as_text, http_url, kind_of
from ogbot.watch.model import Entry, Parsed, ParseError

SUMMARY_LIMIT = 600
_JSON_TYPES = ("application/feed+json", "application/json")
# what one odd entry may raise, in feedparser's result or a JSON Feed: noted, the entry left out
_ENTRY_ERRORS = (AttributeError, LookupError, TypeError, ValueError)


def parse_feed(source: str, body: bytes, url: str, headers: Mapping[str, str]) -> Parsed:
    """Entries of an RSS, Atom or JSON feed; raise ParseError when the document is no feed."""
    content_type = headers.get("content-type", "").lower()
    if content_type.startswith(_JSON_TYPES) or body.lstrip()[:1] == b"{":
        return _parse_json_feed(source, body, url)
    response_headers = {k.lower(): v for k, v in headers.items()}
    response_headers.setdefault("content-type", "application/xml")
    body, charset = prepared(source, body, response_headers["content-type"])
    if charset:  # a byte-order mark's, or UTF-8 under another name: UTF-8 now
        media = response_headers["content-type"].split(";", 1)[0].strip()
        response_headers["content-type"] = f"{media or 'application/xml'}; charset={charset}"
    response_headers["content-location"] = url
    data = feedparser.parse(
        body,
        response_headers=response_headers,
        resolve_relative_uris=False,  # done by _as_feedparser_would, where it matters
        sanitize_html=False,
    )
    problem = None
    if data.get("bozo"):
        problem = f"{type(data.get('bozo_exception')).__name__}: {data.get('bozo_exception')}"
    raw_entries = data.get("entries") or []
    if not raw_entries:
        if not data.get("version"):
            looks_html = b"<html" in body[:4096].lower()
            what = "an HTML page, not a feed" if looks_html else "not a feed"
            raise ParseError(source, what + (f" ({problem})" if problem else ""))
        return Parsed(entries=(), title=_feed_title(data, url), problem=problem)
    encoding = str(data.get("encoding") or "utf-8")
    entries, left_out = _entries(raw_entries, lambda raw: _entry(raw, url, encoding))
    problem = "; ".join(p for p in (problem, left_out) if p) or None
    return Parsed(entries=entries, title=_feed_title(data, url), problem=problem)


def _entries(
    raws: Iterable[Any], read: Callable[[Any], Entry | None]
) -> tuple[tuple[Entry, ...], str | None]:
    """The entries ``read`` makes of ``raws``, and a note on those left out: entries with
    nothing to show, and entries that one odd field made unreadable (the others are kept)."""
    entries: list[Entry] = []
    empty = 0
    failed: list[str] = []
    for raw in raws:
        try:
            entry = read(raw)
        except _ENTRY_ERRORS as exc:
            failed.append(f"{type(exc).__name__}: {exc}")
            continue
        if entry is None:
            empty += 1
        else:
            entries.append(entry)
    notes = []
    if empty:
        notes.append(f"{_count(empty, 'entry')} with nothing to show left out")
    if failed:
        notes.append(f"{_count(len(failed), 'unreadable entry')} left out ({failed[0]})")
    return tuple(entries), "; ".join(notes) or None


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what.removesuffix('y')}ies"


def _feed_title(data: Any, url: str) -> str:
    title = str(data.feed.get("title", ""))
    detail = data.feed.get("title_detail")
    return _as_feedparser_would(title, detail, url, str(data.get("encoding") or "utf-8"), True)


def _time(raw: Any, *keys: str) -> datetime | None:
    """The first date of ``keys`` (feedparser's ``published_parsed``, ...) that names a moment,
    read by :func:`~ogbot.feed_dates.feed_date` from the text feedparser parsed it from (its own
    reading drops "PM" and zone names such as "America/Los_Angeles"); None when none does.
    The fields are read as stored (``dict.get``): feedparser's alias of a missing "updated" to
    "published" would only read the same text again, with a DeprecationWarning."""
    for key in keys:
        text = dict.get(raw, key.removesuffix("_parsed"))
        if isinstance(text, str) and (moment := feed_date(text)) is not None:
            return moment
    return None


def _entry(raw: Any, base: str, encoding: str = "utf-8") -> Entry | None:
    """One feedparser entry, or None when it has nothing to show (no title, text, image,
    media or link)."""

    def markup(value: Any, detail: Any) -> str:
        text = _raw_text(value)
        if detail and detail.get("value") == value and text != value:
            detail = {**detail, "value": text}  # still this value's detail (its xml:base)
        return formulas_as_text(_as_feedparser_would(text, detail, base, encoding))

    detail = raw.get("title_detail")
    kind = str(detail.get("type") or "text/html") if detail else "text/html"
    if kind in _HTML_TYPES:
        title = plain_text(markup(raw.get("title"), detail))
    else:  # plain text: its angle brackets are text ("History of the <blink> tag")
        title = " ".join(_raw_text(raw.get("title")).split())
    content = ""
    for part in raw.get("content", []) or []:
        value = markup(part.get("value"), part)
        if value:
            content = value
            break
    summary_html = markup(raw.get("summary"), raw.get("summary_detail"))
    content = content or summary_html
    # a summary of nothing but an image, or blank, leaves the words to the content
    text = plain_text(summary_html) or plain_text(content)
    content_html = clean_html(content)
    media = _feed_media(raw, base)
    link = _link(raw, base, media)
    guid = _raw_text(raw.get("id")).strip()
    named = entry_name(title, text, guid, content_html, content, media, link, base)
    if named is None:
        return None
    title, guid = named
    categories = tuple(
        dict.fromkeys(
            plain_text(_raw_text(tag.get("term")))
            for tag in raw.get("tags", []) or []
            if tag.get("term")
        )
    )
    author = plain_text(_raw_text(raw.get("author"))) or None
    return Entry(
        guid=guid or link or digest(title),
        link=link,
        title=title,
        summary=shorten(text, SUMMARY_LIMIT),
        content_html=content_html,
        published=_time(raw, "published_parsed", "updated_parsed", "created_parsed"),
        categories=tuple(c for c in categories if c),
        author=author,
    )


def _link(raw: Any, base: str, media: Sequence[Medium]) -> str:
    """The entry's own http(s) link; else its guid when that is a permalink (feedparser makes
    it the link then, unless RSS says ``isPermaLink="false"``); else its first enclosure (or
    media:content)."""
    link = http_url(_raw_text(raw.get("link")), base)
    if link:
        return link
    if raw.get("guidislink") is not False:
        link = http_url(_raw_text(raw.get("id")))
        if link:
            return link
    return next((medium.url for medium in media if medium.attached), "")


def _feed_media(raw: Any, base: str) -> list[Medium]:
    """An entry's enclosures, media:content and media:thumbnail with an http(s) URL."""
    media = []
    for field, attached in (
        ("enclosures", True),
        ("media_content", True),
        ("media_thumbnail", False),
    ):
        for found in raw.get(field) or []:
            if not isinstance(found, dict):
                continue
            url = http_url(_raw_text(found.get("href") or found.get("url")), base)
            if url:
                kind = _raw_text(found.get("medium")) or _raw_text(found.get("type"))
                media.append(Medium(url, kind_of(kind if attached else "image"), attached=attached))
    return media


def _raw_text(value: Any) -> str:
    """A value from a feed as text fit to process: numeric character references repaired,
    control characters and lone surrogates (nh3 and the store cannot take them) removed."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return strip_controls(repaired_references(str(value)))


# What feedparser's pass keeps and nh3 treats alike: tags feedparser accepts that are not raw
# text to an HTML5 parser (script, style, iframe, noscript, ... go the slow way).
_SIMPLE_TAGS = frozenset(
    """a abbr b blockquote br caption cite code dd del div dl dt em figcaption figure h1 h2 h3
    h4 h5 h6 hr i img ins li ol p pre q s small span strong sub sup table tbody td tfoot th
    thead tr u ul""".split()
)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_NAMED = frozenset(html.entities.name2codepoint) | {"apos"}
# attribute values: no markup characters, "&" only as &amp; or &#038; (WordPress's way)
_DOUBLE_QUOTED = r'"[^"<>&\r]*+(?:&(?:amp|\#0*38);[^"<>&\r]*+)*+"'
_SINGLE_QUOTED = _DOUBLE_QUOTED.replace('"', "'")
_VALUE = f"(?:{_DOUBLE_QUOTED}|{_SINGLE_QUOTED})"
_ATTRIBUTE = rf"[ \t\n]+[a-z][a-z0-9-]*+[ \t\n]*=[ \t\n]*{_VALUE}"
_SIMPLE = re.compile(
    rf"""(?:
        [^<&\r]++
        | &(?:\#[0-9]{{1,7}}|\#x[0-9a-fA-F]{{1,6}}|[a-zA-Z][a-zA-Z0-9]*+);
        | &(?![\#a-zA-Z])
        | <[a-z][a-z0-9]*+(?:{_ATTRIBUTE})*+[ \t\n]*/?>
        | </[a-z][a-z0-9]*+>
    )*+""",
    re.VERBOSE,
)
_NAME = re.compile(r"</?([a-z][a-z0-9]*)")
_MEANS_OTHER = re.compile(
    r"""</(?:br|hr|img)>  # </br> is a <br> to an HTML5 parser, feedparser drops it
    | <(?!(?:br|hr|img)[ \t\n/>])[a-z][a-z0-9]*[^>]*/>  # <p/>: feedparser <p></p>, HTML5 <p>
    | <br[ \t\n/]*[^ \t\n/>]  # plain_text breaks lines at a bare <br> only
    | <[^>]*?[ \t\n]([a-z][a-z0-9-]*)[ \t\n]*=[^>]*?[ \t\n]\1[ \t\n]*=  # a repeated attribute:
    # feedparser keeps the last, HTML5 the first""",
    re.VERBOSE,
)
_ENTITY = re.compile(r"&([a-zA-Z][a-zA-Z0-9]*);")
_URL_ATTRIBUTE = re.compile(r"""[ \t\n](href|src)[ \t\n]*=[ \t\n]*(?:"([^"]*)"|'([^']*)')""")
# an absolute http(s) URL that feedparser's urljoin gives back unchanged (no empty query or
# fragment, no ";" params, no whitespace, a plain host): no need to ask it
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[^\s?#;]*)?(?:\?[^\s#]+)?(?:\#[^\s#]+)?"
)
_ATTRIBUTES = re.compile(r"""[ \t\n]+([a-z][a-z0-9-]*)[ \t\n]*=[ \t\n]*("[^"]*"|'[^']*')""")
# the tags on which nh3 keeps two attributes or more: their order is feedparser's (sorted)
_SORTABLE = re.compile(r"<(a|img|td|th)([ \t\n][^>]*)>")


def _as_feedparser_would(
    value: str, detail: Any, base: str, encoding: str, exact: bool = False
) -> str:
    """``value`` after feedparser's HTML pass (resolve relative URIs, sanitise), or ``value``
    with its attributes sorted when that pass cannot change what nh3 makes of it (simple
    markup; not when ``exact``). Text that is not HTML passes as feedparser leaves it."""
    kind = str(detail.get("type") or "text/html") if detail else "text/html"
    if kind not in _HTML_TYPES or not value:
        return value
    if detail and detail.get("value") == value:
        base = str(detail.get("base") or "")
    if not exact and kind == "text/html" and _is_simple(value, base):
        return _SORTABLE.sub(_sort_attributes, value) if "=" in value else value
    resolved = feedparser.urls.resolve_relative_uris(value, base, encoding, kind)
    return str(feedparser.sanitizer._sanitize_html(resolved, encoding, kind))


def _is_simple(value: str, base: str) -> bool:
    """Whether feedparser's HTML pass leaves ``value`` as nh3 would read it anyway."""
    if "\r" in value:
        return False  # feedparser turns CR LF into LF
    if "<" not in value and "&" not in value:
        return True
    if _SIMPLE.fullmatch(value) is None:
        return False
    if not set(_NAME.findall(value)) <= _SIMPLE_TAGS or _MEANS_OTHER.search(value):
        return False
    if "&" in value and not {m.group(1) for m in _ENTITY.finditer(value)} <= _NAMED:
        return False
    for url in _URL_ATTRIBUTE.finditer(value):
        link = url.group(2) if url.group(2) is not None else url.group(3)
        if _PLAIN_URL.fullmatch(link):
            continue
        resolved = feedparser.urls.make_safe_absolute_uri(base, link.strip()) or link
        if resolved != link:
            return False  # relative, or a scheme feedparser refuses
        if url.group(1) == "href" and feedparser.urls.make_safe_absolute_uri(link) != link:
            return False
    return True


def _sort_attributes(tag: re.Match[str]) -> str:
    name, rest = tag.groups()
    if rest.count("=") < 2:
        return tag.group(0)
    attributes = sorted((m.group(1), m.group(2)) for m in _ATTRIBUTES.finditer(rest))
    slash = " /" if rest.rstrip().endswith("/") else ""
    return f"<{name}{''.join(f' {k}={v}' for k, v in attributes)}{slash}>"


def _parse_json_feed(source: str, body: bytes, url: str) -> Parsed:
    """A JSON Feed (1.0 or 1.1). Fields of an unexpected shape count as missing."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(source, f"not a feed (invalid JSON: {exc})") from exc
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise ParseError(source, "not a feed (JSON without a JSON Feed version)")
    raw_items = data.get("items")
    items = [raw_items] if isinstance(raw_items, dict) else raw_items
    if not isinstance(items, list):
        items = []
    author = _json_author(data)  # the items' author when they name none (as JSON Feed says)
    entries, left_out = _entries(
        (raw for raw in items if isinstance(raw, dict)), lambda raw: _json_entry(raw, url, author)
    )
    return Parsed(entries=entries, title=_scalar(data.get("title")), problem=left_out)


def _json_entry(raw: dict[str, Any], url: str, author: str | None = None) -> Entry | None:
    title = " ".join(_scalar(raw.get("title")).split())  # plain text, as JSON Feed says
    guid = _scalar(raw.get("id")).strip()
    media = _json_media(raw, url)
    link = (
        http_url(_scalar(raw.get("url")), url)
        or http_url(_scalar(raw.get("external_url")), url)
        or http_url(guid)
        or next((medium.url for medium in media if medium.attached), "")
    )
    content = formulas_as_text(_scalar(raw.get("content_html")))
    text = (  # the first with words; content_text is plain text (JSON Feed)
        plain_text(_scalar(raw.get("summary")))
        or " ".join(_scalar(raw.get("content_text")).split())
        or plain_text(content)
    )
    content_html = clean_html(content) if content else ""
    named = entry_name(title, text, guid, content_html, content, media, link, url)
    if named is None:
        return None
    title, guid = named
    return Entry(
        guid=guid or link or digest(title),
        link=link,
        title=title,
        summary=shorten(text, SUMMARY_LIMIT),
        content_html=content_html,
        published=_json_time(raw),
        categories=tuple(t for t in map(_scalar, _listed(raw.get("tags"))) if t.strip()),
        author=_json_author(raw) or author,
    )


def _json_media(raw: dict[str, Any], url: str) -> list[Medium]:
    """An item's attachments (named by their title), then its image and banner image."""
    media = [
        Medium(
            found,
            kind_of(_scalar(attachment.get("mime_type"))),
            " ".join(_scalar(attachment.get("title")).split()),
            attached=True,
        )
        for attachment in _objects(raw.get("attachments"))
        if (found := http_url(_scalar(attachment.get("url")), url))
    ]
    for field in ("image", "banner_image"):
        found = http_url(_scalar(raw.get(field)), url)
        if found:
            media.append(Medium(found, "image"))
    return media


def _json_time(raw: dict[str, Any]) -> datetime | None:
    published = None
    stamp = raw.get("date_published") or raw.get("date_modified")
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            published = parsed.astimezone(UTC) if parsed.tzinfo else None
        except ValueError:
            published = None
    return published


def _json_author(raw: dict[str, Any]) -> str | None:
    """The first author's name, of an item or the feed: JSON Feed 1.1's ``authors`` (a list;
    an object is read as one), else 1.0's ``author`` (an object; a string is read as the
    name)."""
    for field in ("authors", "author"):
        for person in _listed(raw.get(field)):
            name = _scalar(person.get("name")) if isinstance(person, dict) else _scalar(person)
            if name.strip():
                return " ".join(name.split())
    return None


def _scalar(value: Any) -> str:
    """A JSON value as text when it is a string or a number, else ""."""
    return _raw_text(value) if isinstance(value, str | int | float) else ""


def _listed(value: Any) -> list[Any]:
    """A JSON value that should be a list: a list as it is, one other value as a list of it."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in _listed(value) if isinstance(item, dict)]
