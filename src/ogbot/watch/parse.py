"""Parse fetched feed bytes into normalised entries. The only module that imports feedparser.

feedparser never fetches here: it gets the bytes and the response headers, with
``content-location`` set to the final URL so relative links resolve. It is pure Python and slow,
so callers run :func:`parse_feed` in a thread. RSS 0.9x/1.0/2.0 and Atom go through feedparser;
JSON Feed is read with the standard library. A document that declares XML entities is refused
before any XML parser sees it: feeds have no use for them, and it makes entity bombs
(exponential and quadratic) cost nothing.

feedparser's own pass over embedded HTML (resolve relative URIs, then sanitise: two sgmllib
parses of every title, summary and content) costs about half of its parse time, and nh3 (see
:mod:`ogbot.sanitize`) cleans the result again anyway. So feedparser runs with the pass off and
:func:`_as_feedparser_would` applies it here only where it could change what ``clean_html`` and
``plain_text`` make of the markup. On *simple* markup (common tags, quoted attributes, known
references, links that are already absolute) the pass changes nothing nh3 keeps except the order
of attributes, which is sorted here as feedparser sorts it: the entries come out the same.
"""

from __future__ import annotations

import hashlib
import html.entities
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import feedparser.sanitizer
import feedparser.urls

from ogbot.feed_dates import feed_date
from ogbot.sanitize import clean_html, plain_text
from ogbot.watch.model import Entry, Parsed, ParseError

SUMMARY_LIMIT = 600
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_JSON_TYPES = ("application/feed+json", "application/json")


def parse_feed(source: str, body: bytes, url: str, headers: Mapping[str, str]) -> Parsed:
    """Entries of an RSS, Atom or JSON feed; raise ParseError when nothing usable is in it."""
    content_type = headers.get("content-type", "").lower()
    if content_type.startswith(_JSON_TYPES) or body.lstrip()[:1] == b"{":
        return _parse_json_feed(source, body, url)
    if _ENTITY_DECLARATION.search(body):
        raise ParseError(source, "the document declares XML entities (refused: entity bombs)")
    response_headers = {k.lower(): v for k, v in headers.items()}
    response_headers["content-location"] = url
    response_headers.setdefault("content-type", "application/xml")
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
    entries = tuple(e for e in (_entry(raw, url, encoding) for raw in raw_entries) if e is not None)
    if not entries:
        raise ParseError(source, "no entry has a title or a link")
    return Parsed(entries=entries, title=_feed_title(data, url), problem=problem)


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
    def markup(value: str, detail: Any) -> str:
        return _as_feedparser_would(value, detail, base, encoding)

    title = plain_text(markup(str(raw.get("title", "")), raw.get("title_detail")))
    link = str(raw.get("link", "")).strip()
    link = urljoin(base, link) if link else ""
    if link and urlsplit(link).scheme not in ("http", "https"):
        link = ""
    if not title and not link:
        return None
    content = ""
    for part in raw.get("content", []) or []:
        value = markup(str(part.get("value") or ""), part)
        if value:
            content = value
            break
    summary_html = markup(str(raw.get("summary", "") or ""), raw.get("summary_detail"))
    content = content or summary_html
    summary = plain_text(summary_html or content, SUMMARY_LIMIT)
    guid = str(raw.get("id", "") or "").strip() or link or _digest(title)
    categories = tuple(
        dict.fromkeys(
            plain_text(str(tag.get("term", "")))
            for tag in raw.get("tags", []) or []
            if tag.get("term")
        )
    )
    author = plain_text(str(raw.get("author", ""))) or None
    return Entry(
        guid=guid,
        link=link or base,
        title=title or link,
        summary=summary,
        content_html=clean_html(content),
        published=_time(raw, "published_parsed", "updated_parsed", "created_parsed"),
        categories=tuple(c for c in categories if c),
        author=author,
    )


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


def _digest(text: str) -> str:
    return "sha1:" + hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _parse_json_feed(source: str, body: bytes, url: str) -> Parsed:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(source, f"not a feed (invalid JSON: {exc})") from exc
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise ParseError(source, "not a feed (JSON without a JSON Feed version)")
    entries = []
    for raw in data.get("items", []) or []:
        if not isinstance(raw, dict):
            continue
        link = urljoin(url, str(raw.get("url") or raw.get("external_url") or ""))
        title = plain_text(str(raw.get("title", "")))
        content = str(raw.get("content_html") or "")
        text = str(raw.get("summary") or raw.get("content_text") or "")
        if not title and not link:
            continue
        published = None
        stamp = raw.get("date_published") or raw.get("date_modified")
        if isinstance(stamp, str):
            try:
                parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
                published = parsed.astimezone(UTC) if parsed.tzinfo else None
            except ValueError:
                published = None
        authors = raw.get("authors") or []
        author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
        entries.append(
            Entry(
                guid=str(raw.get("id") or link or _digest(title)),
                link=link or url,
                title=title or link,
                summary=plain_text(text or content, SUMMARY_LIMIT),
                content_html=clean_html(content) if content else "",
                published=published,
                categories=tuple(str(t) for t in raw.get("tags", []) or [] if str(t).strip()),
                author=str(author) if author else None,
            )
        )
    return Parsed(entries=tuple(entries), title=str(data.get("title", "")))
