"""``feed.json``: the Atom feed's entries as a JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).

The entries are :func:`ogbot.publish.feeds.feed_entries`, so ``feed.json`` holds exactly what
``feed.atom`` holds (announcements included), in the same order, with the same ids (the
``tag:`` URIs), titles, links, dates and authors. JSON Feed is plain JSON with a handful of
fields; the standard library's :mod:`json` writes it (no maintained Python library for writing
JSON Feed adds anything over a dict). Like the other feeds the bytes depend only on the data
(keys in a fixed order, no "now"), so an unchanged feed keeps its ETag.

Fields: ``version``, ``title``, ``home_page_url`` (the page), ``feed_url``, ``description``,
``language``, ``authors`` (the network); per item ``id``, ``url``, ``title``, ``content_html``
(the full content, else the summary as HTML: the spec asks for one of ``content_html`` and
``content_text``), ``summary`` (the summary as plain text, when there is full content too),
``date_published``, ``date_modified`` (RFC 3339 in UTC), ``authors`` and ``tags`` (the labels of
the Atom categories: "Konsultation", the source's name, "Frist: YYYY-MM-DD", its own ones).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ogbot.models import Announcement, StoredItem
from ogbot.publish.feeds import (
    DEFAULT_SUBTITLE,
    FEED_STEM,
    NETWORK_NAME,
    FeedEntry,
    FeedSite,
    absolute_url,
    feed_entries,
    feed_line,
)

JSON_FILE = f"{FEED_STEM}.json"
VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPE = "application/feed+json"
_TAG = re.compile(r"<[^>]*>")


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # the entries' dates are UTC, whole seconds


def _plain(fragment: str) -> str:
    """The feeds' summary HTML (escaped text in paragraphs) back as one line of text."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def _item(entry: FeedEntry, network: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entry.id, "url": entry.link, "title": entry.title}
    out["content_html"] = entry.content_html or entry.summary_html or html.escape(entry.title)
    if entry.content_html and entry.summary_html:
        out["summary"] = _plain(entry.summary_html)
    out["date_published"] = _date(entry.published)
    out["date_modified"] = _date(entry.updated)
    out["authors"] = [{"name": entry.author} if entry.author else network]
    tags = [category.label for category in entry.categories]
    if tags:
        out["tags"] = tags
    return out


def render_json_feed(
    items: Sequence[StoredItem],
    announcements: Sequence[Announcement] = (),
    *,
    title: str,
    site_url: str,
    window: int = 100,
    subtitle: str = DEFAULT_SUBTITLE,
    author_name: str = NETWORK_NAME,
    author_uri: str = "",
    language: str = "de",
) -> bytes:
    """``feed.json`` for these items and announcements (the arguments of
    :func:`~ogbot.publish.feeds.render_feeds`); pure and deterministic, UTF-8."""
    site = FeedSite(site_url)
    network: dict[str, str] = {"name": feed_line(author_name) or NETWORK_NAME}
    network_uri = absolute_url(author_uri) if author_uri else None
    if network_uri:
        network["url"] = network_uri
    feed_title = feed_line(title) or NETWORK_NAME
    entries = feed_entries(items, announcements, site, window)
    document = {
        "version": VERSION,
        "title": feed_title,
        "home_page_url": site.page,
        "feed_url": site.json,
        "description": feed_line(subtitle) or feed_title,
        "language": language,
        "authors": [network],
        "items": [_item(entry, network) for entry in entries],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
