"""Finding a site's feeds, or selectors for its listing (``ogbot sources find URL``).

1. The page is fetched as a source is (:func:`ogbot.watch.fetch.fetch`: its deadline, size cap,
   public addresses only, ogbot's User-Agent). If it is a feed itself, that is the answer.
2. Its autodiscovery links (``<link rel="alternate" type="application/rss+xml" href=…>``, Atom,
   JSON Feed) and the paths where blogs and CMSs put their feeds (:data:`COMMON_PATHS`: WordPress
   ``/feed/`` and ``?feed=rss2``, Hugo ``/index.xml``, Jekyll ``/feed.xml``, Ghost ``/rss/``, …) are
   fetched one after the other, and each counts only if it parses as a feed.
3. Without a feed, the page's repeated teaser blocks are looked for: siblings of the same tag and
   classes (at least :data:`MIN_TEASERS`), each with a link whose text reads like a title, outside
   navigation, header and footer. For the best blocks a ``select`` rule is written (item, title,
   link, date, summary) and tried once with :func:`ogbot.watch.scrape.scrape_listing`, exactly as
   a configured source would be read, so what is shown is what ogbot would get.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import httpx

from ogbot.config import Selectors
from ogbot.dates import parse_listing_date
from ogbot.models import Validators
from ogbot.watch.fetch import FetchPolicy, fetch
from ogbot.watch.model import Entry, Fetched, NotModified, WatchError
from ogbot.watch.normalise import link_key
from ogbot.watch.parse import parse_feed
from ogbot.watch.scrape import Element, html_root, scrape_listing

SOURCE = "find"  # the name in fetch and parse errors
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
    }
)
# where feeds usually are, relative to the site's root (and, for the first ones, to the page)
COMMON_PATHS = (
    "feed/",
    "feed",
    "rss",
    "rss/",
    "rss.xml",
    "atom.xml",
    "index.xml",
    "feed.xml",
    "feed.json",
    "?feed=rss2",
)
MAX_CANDIDATES = 16  # feed addresses tried at most
MIN_TEASERS = 3  # repeated blocks at least, to be a listing
MAX_SUGGESTIONS = 3
MIN_TITLE = 12  # characters a teaser's title has at least (menus have shorter link texts)
_NOT_CONTENT = frozenset({"nav", "header", "footer", "aside", "form", "menu"})
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CLASS_WORD = re.compile(r"^[A-Za-z_][-A-Za-z0-9_]*$")


@dataclass(frozen=True)
class FoundFeed:
    url: str
    title: str  # the feed's own title ("" when it has none)
    entries: int
    how: str  # "the page itself", "autodiscovery", "common path"


@dataclass(frozen=True)
class Suggestion:
    select: Selectors
    teasers: int  # blocks the item selector matches
    entries: tuple[Entry, ...]  # what ogbot reads with it (titles, links, dates)


@dataclass(frozen=True)
class Discovery:
    url: str  # the page, after redirects
    feeds: tuple[FoundFeed, ...]
    suggestions: tuple[Suggestion, ...]
    tried: int  # feed addresses fetched


# --- feeds -------------------------------------------------------------------------------------


def feed_links(root: Element, base: str) -> list[tuple[str, str]]:
    """The autodiscovery links of a page: (absolute URL, title), in document order."""
    found: list[tuple[str, str]] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            absolute = urljoin(base, href)
            if urlsplit(absolute).scheme in ("http", "https"):
                found.append((absolute, " ".join((link.get("title") or "").split())))
    return found


def common_feed_urls(page: str) -> list[str]:
    """The usual feed addresses of the page's site: under the page's folder, then the root."""
    parts = urlsplit(page)
    root = f"{parts.scheme}://{parts.netloc}/"
    folder = urljoin(page, ".")
    bases = [folder, root] if folder != root else [root]
    return [urljoin(base, path) for base in bases for path in COMMON_PATHS]


async def _as_feed(
    client: httpx.AsyncClient, url: str, policy: FetchPolicy
) -> tuple[str, str, int] | None:
    """(final URL, title, entries) when ``url`` answers with a feed; None otherwise."""
    try:
        result = await fetch(client, SOURCE, url, Validators(), policy)
        if isinstance(result, NotModified):  # pragma: no cover - no validators were sent
            return None
        parsed = parse_feed(SOURCE, result.body, result.url, result.headers)
    except WatchError:
        return None
    return result.url, parsed.title, len(parsed.entries)


async def discover(
    client: httpx.AsyncClient, url: str, policy: FetchPolicy, tz: ZoneInfo, today: date
) -> Discovery:
    """The feeds of the page at ``url``, else selector suggestions; raise WatchError when the
    page itself cannot be fetched."""
    page = await fetch(client, SOURCE, url, Validators(), policy)
    assert isinstance(page, Fetched)  # no validators were sent: never a 304
    try:
        parsed = parse_feed(SOURCE, page.body, page.url, page.headers)
    except WatchError:
        pass
    else:
        itself = FoundFeed(page.url, parsed.title, len(parsed.entries), "the page itself")
        return Discovery(page.url, (itself,), (), 0)
    try:
        root = html_root(SOURCE, page.body, page.url, page.headers)
    except WatchError:
        return Discovery(page.url, (), (), 0)
    candidates = [(link, "autodiscovery") for link, _title in feed_links(root, page.url)]
    candidates += [(link, "common path") for link in common_feed_urls(page.url)]
    feeds: list[FoundFeed] = []
    seen: set[str] = set()
    tried = 0
    for link, how in candidates:
        if link_key(link) in seen or tried >= MAX_CANDIDATES:
            continue
        seen.add(link_key(link))
        tried += 1
        found = await _as_feed(client, link, policy)
        if found is not None and link_key(found[0]) not in {link_key(f.url) for f in feeds}:
            feeds.append(FoundFeed(found[0], found[1], found[2], how))
    if feeds:
        return Discovery(page.url, tuple(feeds), (), tried)
    suggestions = suggest(page.body, page.url, page.headers, tz, today)
    return Discovery(page.url, (), tuple(suggestions), tried)


# --- selectors for a listing ---------------------------------------------------------------


def suggest(
    body: bytes, url: str, headers: Mapping[str, str], tz: ZoneInfo, today: date
) -> list[Suggestion]:
    """Select rules for the page's repeated teaser blocks, best first, each tried once."""
    root = html_root(SOURCE, body, url, headers)
    suggestions: list[Suggestion] = []
    for select in _candidates(root, tz, today):
        if any(s.select == select for s in suggestions):
            continue
        try:
            parsed = scrape_listing(SOURCE, body, url, headers, select, tz, today)
        except WatchError:
            continue
        teasers = len(root.cssselect(select.item))
        suggestions.append(Suggestion(select, teasers, parsed.entries))
        if len(suggestions) >= MAX_SUGGESTIONS:
            break
    return suggestions


def _classes(element: Element) -> tuple[str, ...]:
    """The element's classes that name a kind of element (not one element: no digits)."""
    return tuple(
        sorted(
            c
            for c in (element.get("class") or "").split()
            if _CLASS_WORD.match(c) and not any(d.isdigit() for d in c)
        )
    )


def _text(element: Element) -> str:
    return " ".join(str(element.text_content()).split())


def _in_chrome(element: Element) -> bool:
    """Inside navigation, a header, a footer, a form or a cookie banner: no listing."""
    for ancestor in (element, *element.iterancestors()):
        if ancestor.tag in _NOT_CONTENT or ancestor.get("role") in ("navigation", "dialog"):
            return True
    return False


def _title_link(block: Element) -> Element | None:
    """The block's title link: the first with a title's length, a heading's before others."""
    for tag in (*_HEADINGS, None):
        places = block.iter(tag) if tag else [block]
        for place in places:
            for anchor in place.iter("a"):
                if anchor.get("href") and len(_text(anchor)) >= MIN_TITLE:
                    return anchor
    return None


def _relative(element: Element, with_classes: bool = True) -> str:
    """A selector for ``element`` inside its block: its tag and first class, or the tag."""
    classes = _classes(element) if with_classes else ()
    return f"{element.tag}.{classes[0]}" if classes else str(element.tag)


@dataclass(frozen=True)
class _Group:
    parent: Element
    tag: str
    classes: tuple[str, ...]  # those every block has
    blocks: tuple[Element, ...]


def _item_selector(group: _Group, root: Element) -> str:
    """The shortest selector that matches exactly the group's blocks in the page."""
    wanted = len(group.blocks)
    options = [group.tag, *(f"{group.tag}.{c}" for c in group.classes)]
    if group.classes:
        options.append(group.tag + "".join(f".{c}" for c in group.classes))
    for option in options:
        if len(root.cssselect(option)) == wanted:
            return option
    own = options[-1]
    pid, pclasses = group.parent.get("id"), _classes(group.parent)
    if pid and _CLASS_WORD.match(pid):
        return f"#{pid} > {own}"
    if pclasses:
        return f"{group.parent.tag}.{pclasses[0]} > {own}"
    return own


def _teaser_groups(root: Element) -> list[_Group]:
    """Sibling blocks of one tag (and their shared classes), each with a title link, outside
    navigation and the like; those with headings first, then the larger."""
    groups: list[_Group] = []
    for parent in root.iter():
        if not isinstance(parent.tag, str) or _in_chrome(parent):
            continue
        children = [c for c in parent if isinstance(c.tag, str) and c.tag not in _NOT_CONTENT]
        for tag, count in Counter(str(c.tag) for c in children).items():
            if count < MIN_TEASERS or tag in ("a", "p", "span", "br", "img", "option"):
                continue
            blocks = [c for c in children if c.tag == tag]
            # a kind of block: the classes most of them share (a lone odd one is left out)
            common = Counter(k for b in blocks for k in set(_classes(b)))
            shared = tuple(sorted(k for k, n in common.items() if n == len(blocks)))
            titled = tuple(b for b in blocks if _title_link(b) is not None)
            if len(titled) >= max(MIN_TEASERS, len(blocks) * 2 // 3):
                groups.append(_Group(parent, tag, shared, titled))

    def score(group: _Group) -> tuple[bool, int]:
        headed = sum(1 for b in group.blocks if any(True for t in _HEADINGS for _ in b.iter(t)))
        return (headed * 2 >= len(group.blocks), len(group.blocks))

    return sorted(groups, key=score, reverse=True)


def _candidates(root: Element, tz: ZoneInfo, today: date) -> list[Selectors]:
    candidates = []
    for group in _teaser_groups(root):
        first = group.blocks[0]
        anchor = _title_link(first)
        if anchor is None:
            continue
        heading = next((a for a in anchor.iterancestors() if a.tag in _HEADINGS), None)
        if heading is not None:
            title = _relative(heading, with_classes=False)
            link = f"{title} a"
        else:
            title = link = _relative(anchor)
        candidates.append(
            Selectors(
                item=_item_selector(group, root),
                title=title,
                link=link,
                date=_date_selector(group.blocks, tz, today),
                summary=_summary_selector(first, anchor),
            )
        )
    return candidates


def _date_selector(group: Sequence[Element], tz: ZoneInfo, today: date) -> str | None:
    """The selector whose first match gives a date in the most blocks: ``time``, or an element
    with a class whose text is a date ("p.meta" for "15.8.2021 | Zwischenbericht")."""
    options: list[str] = ["time"]
    for block in group:
        for element in block.iter():
            classes = _classes(element)
            if isinstance(element.tag, str) and element.tag != "a" and classes:
                text = _text(element)
                if 0 < len(text) <= 80 and parse_listing_date(text, tz, today):
                    options.append(f"{element.tag}.{classes[0]}")

    def dated(option: str) -> int:
        count = 0
        for block in group:
            found = block.cssselect(option)
            if found:
                raw = found[0].get("datetime") or _text(found[0])
                count += parse_listing_date(raw, tz, today) is not None
        return count

    best = max(dict.fromkeys(options), key=dated)  # the first of the best: "time" on a tie
    return best if dated(best) else None


def _summary_selector(block: Element, anchor: Element) -> str | None:
    """The first paragraph of some length after the title (a kicker above it is no summary)."""
    title = _text(anchor)
    after = False
    paragraphs = []
    for element in block.iter():
        if element is anchor:
            after = True
        elif element.tag == "p":
            paragraphs.append((not after, element))
    for _before, paragraph in sorted(paragraphs, key=lambda pair: pair[0]):
        text = _text(paragraph)
        if len(text) >= 40 and title not in text:
            classes = _classes(paragraph)
            if classes:
                return f"p.{classes[0]}"
            parent = paragraph.getparent()
            if parent is not None and parent is not block and _classes(parent):
                return f"{parent.tag}.{_classes(parent)[0]} p"
            return "p"
    return None
