"""From a fetched body to items: parse (or scrape), filter, classify. Pure and CPU-bound (the
cycle runs it in a thread); storing is the application layer's (:mod:`ogbot.app.cycle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ogbot.config import SourceSettings
from ogbot.models import Item
from ogbot.sanitize import plain_text
from ogbot.watch.classify import classify
from ogbot.watch.model import Entry, Fetched, Parsed
from ogbot.watch.normalise import Filters, link_key
from ogbot.watch.parse import parse_feed
from ogbot.watch.scrape import scrape_listing

CLASSIFY_LIMIT = 1500  # characters of an item's text the classifier reads
TITLE_LIMIT = 200  # characters of the feed's own title kept (people see at most 40 of them)


@dataclass(frozen=True)
class Extracted:
    """What one fetched body yields: items to store, a recoverable problem to log, and the
    feed's own title as plain text ("" when it has none: an HTML listing)."""

    items: tuple[Item, ...]
    problem: str | None
    title: str = ""


def extract(source: SourceSettings, fetched: Fetched, tz: ZoneInfo, now: datetime) -> Extracted:
    """Parse (or scrape), filter and classify. CPU-bound: callers run it in a thread."""
    today = now.astimezone(tz).date()
    parsed: Parsed
    if source.type == "html" and source.select is not None:
        parsed = scrape_listing(
            source.name, fetched.body, fetched.url, fetched.headers, source.select, tz, today
        )
    else:
        parsed = parse_feed(source.name, fetched.body, fetched.url, fetched.headers)
    items = []
    filters = Filters.of(source.include, source.exclude)
    for entry in parsed.entries:
        if not filters.passes((entry.title, entry.summary, *entry.categories)):
            continue
        items.append(to_item(source, entry, tz, now, today))
    return Extracted(tuple(items), parsed.problem, plain_text(parsed.title, TITLE_LIMIT))


def to_item(source: SourceSettings, entry: Entry, tz: ZoneInfo, now: datetime, today: date) -> Item:
    # the excerpt often stops before the deadline: the full text is read too (bounded)
    text = entry.summary
    if entry.content_html:
        text = plain_text(entry.content_html, CLASSIFY_LIMIT)
    verdict = classify(entry.title, text, entry.categories, entry.published, tz, today=today)
    key = link_key(entry.link)
    return Item(
        source=source.name,
        # an HTML listing has no guid: its normalised link is one (a renamed slug stays one item)
        guid=key if source.type == "html" else entry.guid,
        link=entry.link,
        key=key,
        title=entry.title,
        summary=entry.summary,
        content_html=entry.content_html,
        published=entry.published or now,
        date_known=entry.published is not None,
        categories=entry.categories,
        author=entry.author,
        kind=verdict.kind,
        deadline=verdict.deadline,
        deadline_guessed=verdict.deadline_guessed,
    )
