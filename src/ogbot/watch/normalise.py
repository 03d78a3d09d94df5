"""Normalised links (one story, one key), the key of an item without a link, and the per-source
include/exclude filters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from ogbot.text import fold

# A page id at the end of the path ("…/entwurf-5-nap-2294412"): the slug before it may change
# (the federal site renames pages), the number stays. Five digits or more, so WordPress's
# "-2" for a repeated slug is not taken for an id.
_PAGE_ID = re.compile(r"^(?P<slug>.*?)-(?P<id>\d{5,})(?P<ext>\.html?)?$")
_TRACKING = ("utm_", "mc_", "fbclid", "gclid", "_hsenc", "_hsmi")


def link_key(url: str) -> str:
    """The identity of a page: scheme, host case, ``www.``, trailing slash, tracking, fragment."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/").rstrip("/")
    segments = path.split("/")
    page = _PAGE_ID.match(segments[-1]) if segments else None
    if page:
        segments[-1] = "#" + page["id"]  # the id alone identifies the page
        path = "/".join(segments)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    ]
    key = f"{host}{path}"
    if query:
        key += "?" + urlencode(sorted(query))
    return key


def guid_key(source: str, guid: str) -> str:
    """The identity of an item without a link of its own: its source and guid. Never a
    :func:`link_key` (whose host holds no ":" but before a port, and a port's digits are
    followed by "/", "?" or nothing), so it never merges with another source's story."""
    return f"guid:{source}:{guid}"


@dataclass(frozen=True)
class Filters:
    """A source's include/exclude terms, folded once per source."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, include: Iterable[str], exclude: Iterable[str]) -> Filters:
        return cls(
            tuple(fold(t, accents=False) for t in include),
            tuple(fold(t, accents=False) for t in exclude),
        )

    def passes(self, texts: Iterable[str]) -> bool:
        """Keep when some include term occurs (or there are none) and no exclude term does.

        Terms match case- and umlaut-insensitively anywhere in the title, summary or categories.
        """
        if not self.include and not self.exclude:
            return True
        haystack = " ".join(fold(t, accents=False) for t in texts)
        if self.include and not any(term in haystack for term in self.include):
            return False
        return not any(term in haystack for term in self.exclude)
