"""Parse fetched feed bytes into normalised entries. The only module that imports feedparser.

feedparser never fetches here: it gets the bytes and the response headers, with
``content-location`` set to the final URL so relative links resolve. It is pure Python and slow,
so callers run :func:`parse_feed` in a thread. RSS 0.9x/1.0/2.0 and Atom go through feedparser;
JSON Feed is read with the standard library. A document that declares XML entities is refused
before any XML parser sees it: feeds have no use for them, and it makes entity bombs
(exponential and quadratic) cost nothing.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

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
        resolve_relative_uris=True,
        sanitize_html=True,
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
        return Parsed(entries=(), title=str(data.feed.get("title", "")), problem=problem)
    entries = tuple(e for e in (_entry(raw, url) for raw in raw_entries) if e is not None)
    if not entries:
        raise ParseError(source, "no entry has a title or a link")
    return Parsed(entries=entries, title=str(data.feed.get("title", "")), problem=problem)


def _time(raw: Any, *keys: str) -> datetime | None:
    for key in keys:
        value = raw.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _entry(raw: Any, base: str) -> Entry | None:
    title = plain_text(str(raw.get("title", "")))
    link = str(raw.get("link", "")).strip()
    link = urljoin(base, link) if link else ""
    if link and urlsplit(link).scheme not in ("http", "https"):
        link = ""
    if not title and not link:
        return None
    content = ""
    for part in raw.get("content", []) or []:
        if part.get("value"):
            content = str(part["value"])
            break
    summary_html = str(raw.get("summary", "") or "")
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
