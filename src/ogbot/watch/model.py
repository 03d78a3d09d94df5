"""Typed values passed between the watch stages: fetch -> parse/scrape -> classify. What leaves
the stage (Item, Validators, reports) is in :mod:`ogbot.models`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ogbot.models import Validators

# what a server asked about its next request (the server's part of models.DueReason)
ServerReason = Literal["retry-after", "max-age", "expires"]


@dataclass(frozen=True)
class ServerAsk:
    """What a server asked about the next request: not before ``delay`` after its answer.
    Retry-After (seconds or an HTTP date) on a refusal (429, 503, any error) or a redirect;
    Cache-Control max-age, else Expires, on a 200 or 304, less the answer's Age."""

    reason: ServerReason
    delay: timedelta


class WatchError(Exception):
    """A source failed at one stage; the message names the source, the stage and the reason."""

    stage = "watch"

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {self.stage}: {reason}")


class FetchError(WatchError):
    stage = "fetch"

    def __init__(self, source: str, reason: str, asked: ServerAsk | None = None) -> None:
        super().__init__(source, reason)
        self.asked = asked  # a refusal's Retry-After


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
    asked: ServerAsk | None = None  # the earliest next fetch the server asked for


@dataclass(frozen=True)
class NotModified:
    """A 304: nothing to parse."""

    source: str
    validators: Validators
    permanent_url: str | None = None
    asked: ServerAsk | None = None


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
