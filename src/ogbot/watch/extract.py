"""From a fetched body to items: parse (or scrape), tell the stories apart, filter, classify.
Pure and CPU-bound (the cycle runs it in a thread); storing is the application layer's
(:mod:`ogbot.app.cycle`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ogbot.config import SourceSettings
from ogbot.models import Item
from ogbot.sanitize import plain_text
from ogbot.text import strip_controls
from ogbot.watch.classify import classify
from ogbot.watch.media import digest
from ogbot.watch.model import Entry, Fetched, Parsed
from ogbot.watch.normalise import Filters, guid_key, link_key
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


@dataclass(frozen=True)
class Identity:
    """What an entry is stored under: its guid within the source, and its key (one story, one
    item, across sources)."""

    guid: str
    key: str


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
    filters = Filters.of(source.include, source.exclude)
    items = tuple(
        to_item(source, entry, identity, tz, now, today)
        for entry, identity in identify(source, parsed.entries)
        if filters.passes((entry.title, entry.summary, *entry.categories))
    )
    return Extracted(items, parsed.problem, plain_text(parsed.title, TITLE_LIMIT))


def identify(source: SourceSettings, entries: Sequence[Entry]) -> list[tuple[Entry, Identity]]:
    """Each entry of one document with its identity; a repeated entry (the same guid, link and
    title) once.

    The guid is the entry's own (an HTML listing has none: its normalised link is one, so a
    renamed slug stays one item, and two teasers of one page are one story); a guid the document
    gives to distinct stories (some WordPress plugins do) is told apart by the link, and in a
    feed, where the links are the same (or missing: the events of one page), by the title. The
    key is the normalised link; an entry without a link, or with a link the document gives to
    entries with other guids (a podcast whose episodes all link to its home page), is keyed by
    its source and guid instead. Both depend on this document alone, so a later poll of it
    finds every item again.
    """
    keyed = []
    stories: dict[str, dict[str, set[str]]] = {}  # guid -> link -> the titles under both
    for entry in entries:
        link = link_key(entry.link) if entry.link else ""
        guid = link if source.type == "html" else entry.guid
        keyed.append((entry, guid, link))
        stories.setdefault(guid, {}).setdefault(link, set()).add(entry.title)
    once: dict[str, tuple[Entry, str]] = {}  # guid told apart -> the entry and its link
    for entry, guid, link in keyed:
        told = f"{guid} {link}" if len(stories[guid]) > 1 else guid
        if len(stories[guid][link]) > 1 and source.type != "html":
            told = f"{told} {digest(entry.title)}"
        once.setdefault(told, (entry, link))
    guids_of_link = Counter(link for _, link in once.values())
    identified = []
    for guid, (entry, link) in once.items():
        alone = link and guids_of_link[link] == 1
        identified.append((entry, Identity(guid, link if alone else guid_key(source.name, guid))))
    return identified


def to_item(
    source: SourceSettings,
    entry: Entry,
    identity: Identity,
    tz: ZoneInfo,
    now: datetime,
    today: date,
) -> Item:
    # the excerpt often stops before the deadline: the full text is read too (bounded)
    text = entry.summary
    if entry.content_html:
        text = plain_text(entry.content_html, CLASSIFY_LIMIT)
    verdict = classify(entry.title, text, entry.categories, entry.published, tz, today=today)
    author = strip_controls(entry.author) if entry.author else None
    return Item(
        source=source.name,
        guid=identity.guid,
        link=entry.link,
        key=identity.key,
        # what is stored holds no control characters, whatever the source sent
        title=strip_controls(entry.title),
        summary=strip_controls(entry.summary),
        content_html=strip_controls(entry.content_html),
        published=entry.published or now,
        date_known=entry.published is not None,
        categories=tuple(c for c in map(strip_controls, entry.categories) if c),
        author=author or None,
        kind=verdict.kind,
        deadline=verdict.deadline,
        deadline_guessed=verdict.deadline_guessed,
    )
