"""Typed values passed between the watch stages: fetch -> parse/scrape -> classify -> store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Kind = Literal["news", "consultation"]


class WatchError(Exception):
    """A source failed at one stage; the message names the source, the stage and the reason."""

    stage = "watch"

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {self.stage}: {reason}")


class FetchError(WatchError):
    stage = "fetch"


class ParseError(WatchError):
    stage = "parse"


class ScrapeError(WatchError):
    stage = "scrape"


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: ETag and Last-Modified of the last good answer."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A body that changed: the bytes, the final URL after redirects, the response headers."""

    source: str
    url: str
    body: bytes
    headers: Mapping[str, str]
    validators: Validators
    permanent_url: str | None = None  # where a permanent redirect says the source now lives


@dataclass(frozen=True)
class NotModified:
    """A 304: nothing to parse."""

    source: str
    validators: Validators
    permanent_url: str | None = None


@dataclass(frozen=True)
class Entry:
    """One item as a source publishes it, normalised.

    Absolute link, aware UTC date (None when the source gives none), plain-text summary,
    sanitised HTML content.
    """

    guid: str
    link: str
    title: str
    summary: str
    content_html: str
    published: datetime | None
    categories: tuple[str, ...] = ()
    author: str | None = None


@dataclass(frozen=True)
class Parsed:
    entries: tuple[Entry, ...]
    title: str = ""
    problem: str | None = None  # a recoverable problem (malformed but usable), for the log


@dataclass(frozen=True)
class Item:
    """An entry classified and ready to store."""

    source: str
    guid: str
    link: str
    key: str  # the normalised link: one story, one item, across sources
    title: str
    summary: str
    content_html: str
    published: datetime  # aware UTC; the first-seen time when the source gave none
    date_known: bool
    categories: tuple[str, ...]
    author: str | None
    kind: Kind
    deadline: date | None
    deadline_year_guessed: bool


@dataclass(frozen=True)
class SourceReport:
    """What one source did in a cycle: counts, or the error."""

    name: str
    new: int = 0
    updated: int = 0
    error: str | None = None
    not_modified: bool = False
    skipped: bool = False  # not due (interval or backoff) or paused
    new_ids: tuple[int, ...] = ()  # the stored items, for publishing
    updated_ids: tuple[int, ...] = ()

    def line(self) -> str:
        if self.error:
            return f"{self.name}: error: {self.error}"
        if self.skipped:
            return f"{self.name}: skipped (not due)"
        extra = " (not modified)" if self.not_modified else ""
        return f"{self.name}: {self.new} new, {self.updated} updated{extra}"


@dataclass(frozen=True)
class CycleReport:
    started: datetime
    finished: datetime
    sources: tuple[SourceReport, ...] = field(default_factory=tuple)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def updated(self) -> int:
        return sum(s.updated for s in self.sources)

    @property
    def new_ids(self) -> tuple[int, ...]:
        return tuple(i for s in self.sources for i in s.new_ids)

    @property
    def updated_ids(self) -> tuple[int, ...]:
        return tuple(i for s in self.sources for i in s.updated_ids)

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.error]
