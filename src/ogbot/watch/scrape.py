"""Read an HTML listing (a site without a feed) with the source's CSS selectors.

``lxml`` parses (it comes with feedgen anyway, and is fast and forgiving with broken markup) and
``cssselect`` turns the selectors into XPath; this is the only module that imports them.
Selectors are relative to one item: ``item``, ``title`` and ``link`` are required, ``date`` and
``summary`` optional. ``link`` takes the ``href`` of the matched element, or of its first
``<a>``; ``date`` takes the ``datetime`` attribute, else the text read as a German or English
date. A listing whose selectors match nothing is an error, not a quiet empty result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import TypeAlias, cast
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
from cssselect import SelectorError
from lxml import etree

from ogbot.config import Selectors
from ogbot.dates import parse_listing_date
from ogbot.sanitize import plain_text
from ogbot.watch.model import Entry, Parsed, ScrapeError

SUMMARY_LIMIT = 600


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)


def _charset(headers: Mapping[str, str], body: bytes) -> str:
    """The header's charset, else a <meta> one, else UTF-8 when the bytes are UTF-8."""
    for part in headers.get("content-type", "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        return meta[1].decode("ascii")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252"  # what browsers assume for undeclared legacy pages
    return "utf-8"


def _text(element: lxml.html.HtmlElement) -> str:
    return plain_text(etree.tostring(element, encoding="unicode", method="html"))


# an element of a page, for watch/discover.py (lxml has no type hints: Any to mypy)
Element: TypeAlias = lxml.html.HtmlElement


def html_root(source: str, body: bytes, url: str, headers: Mapping[str, str]) -> Element:
    """The page's document without scripts, styles and comments; raise ScrapeError."""
    try:
        parser = lxml.html.HTMLParser(encoding=_charset(headers, body), remove_comments=True)
        root = lxml.html.document_fromstring(body, parser=parser, base_url=url)
    except (etree.ParserError, ValueError, LookupError) as exc:
        raise ScrapeError(source, f"not an HTML page ({exc})") from exc
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    return cast(Element, root)


def scrape_listing(
    source: str,
    body: bytes,
    url: str,
    headers: Mapping[str, str],
    select: Selectors,
    tz: ZoneInfo,
    today: date,
) -> Parsed:
    """Entries of an HTML listing; raise ScrapeError when the selectors match nothing."""
    root = html_root(source, body, url, headers)
    try:
        items = root.cssselect(select.item)
    except SelectorError as exc:
        raise ScrapeError(source, f"select.item is not a CSS selector: {exc}") from exc
    entries: list[Entry] = []
    seen: set[str] = set()
    for item in items:
        entry = _entry(source, item, url, select, tz, today)
        if entry is not None and entry.link not in seen:
            seen.add(entry.link)
            entries.append(entry)
    if not entries:
        what = "selectors matched no items" if not items else "no item had a title and a link"
        raise ScrapeError(source, what)
    return Parsed(entries=tuple(entries))


def _first(source: str, item: lxml.html.HtmlElement, selector: str) -> lxml.html.HtmlElement | None:
    try:
        found = item.cssselect(selector)
    except SelectorError as exc:
        raise ScrapeError(source, f"{selector!r} is not a CSS selector: {exc}") from exc
    return found[0] if found else None


def _entry(
    source: str,
    item: lxml.html.HtmlElement,
    base: str,
    select: Selectors,
    tz: ZoneInfo,
    today: date,
) -> Entry | None:
    title_el = _first(source, item, select.title)
    link_el = _first(source, item, select.link)
    if title_el is None or link_el is None:
        return None
    href = link_el.get("href")
    if href is None:
        anchor = link_el if link_el.tag == "a" else next(iter(link_el.iter("a")), None)
        href = anchor.get("href") if anchor is not None else None
    title = _text(title_el)
    if not href or not title:
        return None
    link = urljoin(base, href.strip())
    if urlsplit(link).scheme not in ("http", "https"):
        return None
    published: datetime | None = None
    if select.date:
        date_el = _first(source, item, select.date)
        if date_el is not None:
            raw = date_el.get("datetime") or _text(date_el)
            published = parse_listing_date(raw, tz, today)
    summary = ""
    if select.summary:
        summary_el = _first(source, item, select.summary)
        if summary_el is not None:
            summary = plain_text(_text(summary_el), SUMMARY_LIMIT)
    return Entry(
        guid=link,
        link=link,
        title=title,
        summary=summary,
        content_html="",
        published=published,
    )
