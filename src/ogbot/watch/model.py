"""Typed values passed between the watch stages: fetch -> parse/scrape -> classify. What leaves
the stage (Item, Validators, reports) is in :mod:`ogbot.models`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ogbot.models import Validators


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

    Absolute http(s) link ("" when the entry has none), aware UTC date (None when the source
    gives none), plain-text summary, sanitised HTML content.
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
