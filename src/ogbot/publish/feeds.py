"""The feed files: stored items and announcements -> ``feed.rss`` (RSS 2.0) and ``feed.atom``.

The same renderer writes the consultations alone (``konsultationen.rss``/``.atom``, ``stem``);
:mod:`ogbot.publish.jsonfeed` writes ``feed.json`` from the same entries (:func:`feed_entries`),
:mod:`ogbot.publish.calendar` the deadlines, and :mod:`ogbot.publish.outputs` says which files
are written from what. This is the only module that imports ``feedgen``. :func:`render_feeds`
is pure: the same input gives the same bytes, because every date comes from the data (never
"now"), so an unchanged feed keeps its ETag. :func:`write_files` replaces a file atomically and
only when its bytes changed.

Decisions, written down here because readers and downstream tools rely on them:

- **Order and size**: newest first by published date (ties: announcements before items, then the
  higher id first); at most ``window`` entries, items and announcements together.
- **Dates**: an entry's ``updated`` is when ogbot last stored a change to it (never before its
  published date); the feed's ``updated`` / ``lastBuildDate`` is the newest entry ``updated``,
  the channel's ``pubDate`` the newest ``published``. An empty feed is dated
  :data:`EMPTY_FEED_DATE` (the Unix epoch). Atom dates are RFC 3339 in UTC with ``Z``, RSS
  dates RFC 822 with ``+0000``; seconds only.
- **Ids**: ``tag:{authority},{YYYY-MM-DD}:item/{id}`` and ``…:announcement/{id}`` (RFC 4151); the
  date is the UTC day the item was first seen (an announcement: created), so an id never changes.
  The authority is the host of ``site_url`` (lower case, IDNA, port dropped). An IP address,
  ``localhost`` or a one-label name is nobody's domain: such a site gets the authority
  ``localhost`` (a valid, local-only id). Changing ``publish.site_url`` changes every id, so set
  it before the feed is announced. RSS ``guid`` is the same URI with ``isPermaLink="false"``;
  the Atom feed id is the feed's own URL.
- **Text**: text from the sources is shown as the channel shows it: cleaned by
  :func:`ogbot.text.clean_text` (control characters, bidi overrides and zero-width spaces
  removed: "RTL", U+202E, "TXT.EXE" reads "RTL TXT.EXE", not "RTL EXE.TXT"), titles
  shortened to the channel's :data:`~ogbot.publish.post.TITLE_MAX` (a 10,000-character title
  ends in "…"), a summary's WordPress "[…]" as one "…" (:func:`ogbot.text.without_read_more`).
  Titles are plain text, escaped once by the XML writer: Atom ``type="text"``, and in
  RSS the way WordPress and the RSS profile write them. (RSS never said whether ``<title>`` is
  text or HTML: a reader that guesses, feedparser among them, takes a title holding a closing
  tag or an entity reference such as ``&amp;`` for HTML. No encoding serves both kinds of
  reader; the Atom feed is exact for every title.) Summaries are plain text turned into
  HTML once (``&``, ``<``, ``>`` escaped, paragraphs): RSS ``description`` is HTML by the spec, and
  the Atom ``summary`` carries the same string with ``type="html"``. Full content (``content
  type="html"``, RSS ``content:encoded``) only when the source gave some, sanitised again here.
  An entry with neither summary nor content gets its title as summary (the validator wants
  some text in every entry).
  Characters XML 1.0 forbids (C0/C1 controls, lone surrogates, U+FFFE/U+FFFF) are dropped.
  An announcement's http(s) URLs are links (as Telegram links them in the channel post), its
  formatting and links are kept (sanitised again), and its picture comes first, an ``<img>``
  of ``{site_url}/media/NAME`` (the copy in ``public/media/`` the web server serves).
- **Consultations** start their summary and content with "Konsultation – Frist: DD.MM.YYYY" so
  every reader shows the deadline, not only readers that display categories.
- **Categories** (Atom ``term``/``label``/``scheme``; RSS shows the label, ``domain`` = scheme):
  kind — ``consultation`` "Konsultation" or ``announcement`` "Ankündigung", scheme
  ``{site_url}/#kind`` (news items get none); source — term its configured name, label the name
  people see (:func:`~ogbot.publish.post.source_name`), scheme ``{site_url}/#source``;
  deadline — term ``YYYY-MM-DD``, label "Frist: YYYY-MM-DD", scheme ``{site_url}/#deadline``;
  then the item's own categories without a scheme, deduplicated ignoring case.
- **Authors**: every Atom entry names one: the item's author, else its source by the name people
  see (``[[sources]] title``, else the feed's own title, else the source's name); the feed
  itself is by the network with ``author_uri``. RSS uses ``dc:creator`` because RSS
  ``<author>`` must be an e-mail address. Announcements are always by the network: a
  coordinator speaks for it, and their Telegram names stay out of a public file.
- **Links**: absolute http(s) only, unsafe characters percent-encoded; an item whose link is not
  http(s) links to the page (``{site_url}/``); an announcement links to
  ``{site_url}/?ankuendigung={id}#announcement-{id}`` (that announcement's own page).
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from feedgen.feed import FeedGenerator

from ogbot import __version__
from ogbot.config import PROJECT_URL
from ogbot.models import Announcement, StoredItem
from ogbot.publish.html import linked_text
from ogbot.publish.post import TITLE_MAX, source_name
from ogbot.publish.rich import announcement_body_html
from ogbot.sanitize import clean_html
from ogbot.text import ELLIPSIS, SCAN, clean_text, drop_unsafe, shorten, without_read_more

if TYPE_CHECKING:
    from ogbot.config import Settings

PUBLIC_DIR = "public"
FEED_STEM = "feed"  # feed.rss, feed.atom (and feed.json)
RSS_FILE = f"{FEED_STEM}.rss"
ATOM_FILE = f"{FEED_STEM}.atom"
NETWORK_NAME = "Open Government Netzwerk Deutschland"
DEFAULT_SUBTITLE = (
    "Neuigkeiten und Konsultationen zu Open Government in Deutschland, gesammelt vom "
    "Open Government Netzwerk Deutschland"
)
EMPTY_FEED_DATE = datetime(1970, 1, 1, tzinfo=UTC)
LOCAL_AUTHORITY = "localhost"
MEDIA_DIR = "media"  # pictures of announcements, in the public directory
MEDIA_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}\.(?:jpg|png|webp|gif)")
TITLE_LIMIT = 120  # characters of an announcement's first line used as its title
_TEMP_PREFIX = ".ogbot-feed-"
_TEMP_SUFFIX = ".tmp"

# Everything XML 1.0 does not allow, plus DEL and the C1 controls (never meant as text; they
# come from mis-decoded cp1252). Lone surrogates are outside every allowed range.
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BLANK_LINES = re.compile(r"\n\s*\n")
_DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
# characters left as they are in a path, query or fragment (RFC 3986 pchar, "/", "?", "%")
_URI_SAFE = ";/?:@&=+$,-_.!~*'()%"
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# feedgen writes UTC as "+00:00"; "Z" is the form the W3C validator prefers for Atom
_ATOM_UTC = re.compile(rb"(<(updated|published)>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\+00:00(</\2>)")

KIND_SCHEME = "#kind"
SOURCE_SCHEME = "#source"
DEADLINE_SCHEME = "#deadline"


@dataclass(frozen=True)
class FeedFiles:
    """The two rendered feed documents, UTF-8 XML."""

    rss: bytes
    atom: bytes


@dataclass(frozen=True)
class FeedCategory:
    term: str
    label: str
    scheme: str | None = None


@dataclass(frozen=True)
class FeedEntry:
    """One feed entry, source-independent and already cleaned (every output format's input)."""

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    summary_html: str
    content_html: str
    author: str | None  # None: the network (an announcement)
    categories: tuple[FeedCategory, ...]
    order: tuple[datetime, int, int]


# --- text and URLs ---------------------------------------------------------------------------


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (lxml refuses them)."""
    return _NOT_XML.sub("", text)


def feed_line(text: str) -> str:
    """One line of XML-safe text, cleaned (:func:`ogbot.text.clean_text`), whitespace collapsed.

    Python counts vertical tab, form feed and the separators U+001C-U+001F as whitespace, so
    they part words; the other forbidden characters just vanish.
    """
    return clean_text(xml_text(" ".join(text.split())))


def _title(text: str) -> str:
    """A title as the channel shows it: one clean line, at most :data:`TITLE_MAX` long (only
    its first :data:`SCAN` code points are read)."""
    line = feed_line(text[:SCAN]) + (ELLIPSIS if len(text) > SCAN else "")
    return shorten(line, TITLE_MAX)


def _paragraphs_html(text: str, *, links: bool = False) -> str:
    """Plain text as HTML, escaped once: blank lines make paragraphs, line breaks ``<br>``;
    with ``links`` its http(s) URLs are links."""
    parts = []
    for block in _BLANK_LINES.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [
            linked_text(feed_line(line), absolute_url)
            if links
            else html.escape(feed_line(line), False)
            for line in block.split("\n")
        ]
        lines = [line for line in lines if line]
        if lines:
            parts.append("<p>" + "<br>".join(lines) + "</p>")
    return "".join(parts)


def _host(hostname: str) -> str | None:
    try:
        return hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def absolute_url(url: str) -> str | None:
    """``url`` as an absolute http(s) URI with unsafe characters percent-encoded, else None."""
    try:
        parts = urlsplit(xml_text(url).strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = _host(parts.hostname)
    if host is None:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    if parts.username is not None:  # credentials have no place in a public feed
        return None

    def encode(component: str) -> str:
        return _BAD_PERCENT.sub("%25", quote(component, safe=_URI_SAFE))

    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            encode(parts.path) or "/",
            encode(parts.query),
            encode(parts.fragment),
        )
    )


def tag_authority(site_url: str) -> str:
    """The RFC 4151 authority of ogbot's ids: the DNS name of ``site_url``, else ``localhost``."""
    try:
        hostname = urlsplit(site_url).hostname or ""
    except ValueError:
        hostname = ""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(hostname)
        return LOCAL_AUTHORITY
    host = _host(hostname.rstrip("."))
    if not host or "." not in host or host.endswith(".localhost"):
        return LOCAL_AUTHORITY
    if not all(_DNS_LABEL.match(label) for label in host.split(".")):
        return LOCAL_AUTHORITY
    return host


def tag_uri(authority: str, minted: datetime, specific: str) -> str:
    return f"tag:{authority},{minted.astimezone(UTC).date().isoformat()}:{specific}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _german_date(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


# --- entries ---------------------------------------------------------------------------------


class FeedSite:
    """URLs and names derived once from ``site_url`` (``stem``: the feed files' name)."""

    def __init__(self, site_url: str, stem: str = FEED_STEM) -> None:
        base = absolute_url(site_url.strip().rstrip("/"))
        if base is None:
            raise ValueError(f"site_url: not an absolute http(s) URL: {site_url!r}")
        self.base = base.rstrip("/")
        self.page = self.base + "/"
        self.rss = f"{self.base}/{stem}.rss"
        self.atom = f"{self.base}/{stem}.atom"
        self.json = f"{self.base}/{stem}.json"
        self.authority = tag_authority(self.base)

    def scheme(self, fragment: str) -> str:
        return self.page + fragment


def _item_entry(item: StoredItem, site: FeedSite) -> FeedEntry:
    published = _utc(item.published)
    summary = without_read_more(item.summary.strip())
    if summary == ELLIPSIS:  # nothing but "[…]"
        summary = ""
    title = _title(item.title) or shorten(feed_line(summary), TITLE_LIMIT) or "(ohne Titel)"
    content = clean_html(xml_text(drop_unsafe(item.content_html))).strip()

    categories: list[FeedCategory] = []
    if item.kind == "consultation":
        categories.append(FeedCategory("consultation", "Konsultation", site.scheme(KIND_SCHEME)))
        marker = "Konsultation"
        if item.deadline is not None:
            marker += f" – Frist: {_german_date(item.deadline)}"
        summary = f"{marker}\n\n{summary}" if summary else marker
        if content:
            content = f"<p><strong>{html.escape(marker, quote=False)}</strong></p>{content}"
    source = feed_line(item.source)
    if source:
        name = feed_line(source_name(item))
        categories.append(FeedCategory(source, name, site.scheme(SOURCE_SCHEME)))
    if item.deadline is not None:
        day = item.deadline.isoformat()
        categories.append(FeedCategory(day, f"Frist: {day}", site.scheme(DEADLINE_SCHEME)))
    seen = {c.label.casefold() for c in categories} | {c.term.casefold() for c in categories}
    for raw in item.categories:
        name = feed_line(raw)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            categories.append(FeedCategory(name, name))

    if not summary and not content:
        summary = title
    return FeedEntry(
        id=tag_uri(site.authority, item.first_seen, f"item/{item.id}"),
        title=title,
        link=absolute_url(item.link) or site.page,
        published=published,
        updated=max(published, _utc(item.updated_at)),
        summary_html=_paragraphs_html(summary),
        content_html=content,
        author=feed_line(item.author or "") or feed_line(source_name(item)),
        categories=tuple(categories),
        order=(published, 0, item.id),
    )


def _announcement_content(announcement: Announcement, site: FeedSite) -> str:
    """The announcement's text as in the channel (its formatting, links and URLs as links),
    in paragraphs, after its picture (``{site_url}/media/{image}``), sanitised as content is."""
    if announcement.html is None:
        body = _paragraphs_html(announcement.text, links=True)
    else:
        rich = announcement_body_html(announcement.text, announcement.html, absolute_url)
        blocks = [block.replace("\n", "<br>") for block in _BLANK_LINES.split(xml_text(rich))]
        body = clean_html("".join(f"<p>{block}</p>" for block in blocks if block.strip()))
    if announcement.image and MEDIA_NAME.fullmatch(announcement.image):
        image = f"{site.page}{MEDIA_DIR}/{announcement.image}"
        body = f'<p><a href="{image}"><img src="{image}" alt="Bild zur Ankündigung"></a></p>{body}'
    return body


def _announcement_entry(announcement: Announcement, site: FeedSite) -> FeedEntry:
    published = _utc(announcement.published)
    first_line = next((line for line in announcement.text.splitlines() if line.strip()), "")
    title = shorten(feed_line(first_line), TITLE_LIMIT) or "Ankündigung"
    return FeedEntry(
        id=tag_uri(site.authority, announcement.created, f"announcement/{announcement.id}"),
        title=title,
        # its own page (?ankuendigung=): the front page's anchor goes once it moves to page 2
        link=f"{site.page}?ankuendigung={announcement.id}#announcement-{announcement.id}",
        published=published,
        updated=published,
        summary_html="",
        content_html=_announcement_content(announcement, site),
        author=None,
        categories=(FeedCategory("announcement", "Ankündigung", site.scheme(KIND_SCHEME)),),
        order=(published, 1, announcement.id),
    )


def feed_entries(
    items: Sequence[StoredItem], announcements: Sequence[Announcement], site: FeedSite, window: int
) -> list[FeedEntry]:
    """The entries of a feed, newest first, at most ``window`` (see the module's decisions)."""
    unique: dict[tuple[int, int], FeedEntry] = {}
    for item in items:
        unique[(0, item.id)] = _item_entry(item, site)
    for announcement in announcements:
        unique[(1, announcement.id)] = _announcement_entry(announcement, site)
    return sorted(unique.values(), key=lambda e: e.order, reverse=True)[: max(window, 0)]


# --- rendering -------------------------------------------------------------------------------


def render_feeds(
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
    stem: str = FEED_STEM,
) -> FeedFiles:
    """Both feed documents for these items and announcements; pure and deterministic.

    ``site_url`` is the public base URL (the feeds are served at ``{site_url}/{stem}.rss`` and
    ``{site_url}/{stem}.atom``, the page at ``{site_url}/``). Pass only announcements that went
    out. Raises ValueError when ``site_url`` is not an absolute http(s) URL.
    """
    site = FeedSite(site_url, stem)
    network = feed_line(author_name) or NETWORK_NAME
    network_uri = absolute_url(author_uri) if author_uri else None
    entries = feed_entries(items, announcements, site, window)

    feed_title = feed_line(title) or NETWORK_NAME
    feed = FeedGenerator()
    # dc:creator in RSS only: Atom has its own author element
    feed.load_extension("dc", atom=False, rss=True)
    feed.id(site.atom)
    feed.title(feed_title)
    feed.subtitle(feed_line(subtitle) or feed_title)
    feed.language(language)
    feed.author(_author(network, network_uri))
    feed.generator("ogbot", version=__version__, uri=PROJECT_URL)
    feed.docs("https://www.rssboard.org/rss-specification")
    feed.updated(max((e.updated for e in entries), default=EMPTY_FEED_DATE))
    feed.pubDate(max((e.published for e in entries), default=EMPTY_FEED_DATE))
    # RSS <link> takes the last link added: self first, the page last
    feed.link(href=site.rss, rel="self", type="application/rss+xml")
    feed.link(href=site.page, rel="alternate", type="text/html")

    for entry in entries:
        _add_entry(feed, entry, network, network_uri)
    rss = feed.rss_str(pretty=True)

    # The same generator, its self link pointing at the Atom file instead.
    feed.link(
        [
            {"href": site.atom, "rel": "self", "type": "application/atom+xml"},
            {"href": site.page, "rel": "alternate", "type": "text/html"},
        ],
        replace=True,
    )
    atom = _ATOM_UTC.sub(rb"\1Z\3", feed.atom_str(pretty=True))
    return FeedFiles(rss=rss, atom=atom)


def _author(name: str, uri: str | None) -> dict[str, str]:
    return {"name": name, "uri": uri} if uri else {"name": name}


def _add_entry(feed: Any, entry: FeedEntry, network: str, network_uri: str | None) -> None:
    out = feed.add_entry(order="append")
    out.id(entry.id)  # also the RSS guid, isPermaLink="false"
    out.title(entry.title)
    out.link(href=entry.link, rel="alternate")
    out.published(entry.published)
    out.updated(entry.updated)
    if entry.author:
        out.author({"name": entry.author})
    else:
        out.author(_author(network, network_uri))
    out.dc.dc_creator(entry.author or network)
    if entry.summary_html:
        out.summary(entry.summary_html, type="html")
    if entry.content_html:
        out.content(entry.content_html, type="html")
    for category in entry.categories:
        fields = {"term": category.term, "label": category.label}
        if category.scheme:
            fields["scheme"] = category.scheme
        out.category(fields)


def render_feeds_for(
    settings: Settings, items: Sequence[StoredItem], announcements: Sequence[Announcement] = ()
) -> FeedFiles:
    """:func:`render_feeds` with the title, URLs, window and contact from the settings."""
    return render_feeds(items, announcements, **feed_options(settings))


def feed_options(settings: Settings) -> dict[str, Any]:
    """The settings every feed file is rendered with: title, site URL, window, contact."""
    return {
        "title": settings.publish.title,
        "site_url": settings.site_url,
        "window": settings.publish.window,
        "author_uri": settings.publish.contact_url,
    }


# --- writing ---------------------------------------------------------------------------------


def public_dir(settings: Settings) -> Path:
    """Where the feed files live: ``$OGBOT_DATA_DIR/public``."""
    return settings.data_dir / PUBLIC_DIR


def media_file(settings: Settings, name: str | None) -> str | None:
    """The path of a picture kept for the feeds and the page (``public/media/NAME``, served
    as ``{site_url}/media/NAME``), or None for no (or no valid) name."""
    if not name or not MEDIA_NAME.fullmatch(name):
        return None
    return str(public_dir(settings) / MEDIA_DIR / name)


def save_media(settings: Settings, name: str, data: bytes) -> Path:
    """Keep a picture in ``public/media/`` (written atomically; the same name, the same
    bytes: Telegram's unique file id or a hash names it)."""
    if not MEDIA_NAME.fullmatch(name):
        raise ValueError(f"not a media file name: {name!r}")
    directory = public_dir(settings) / MEDIA_DIR
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    if not target.exists() or target.read_bytes() != data:
        _replace_atomically(target, data)
    return target


def write_feeds(directory: Path, files: FeedFiles) -> bool:
    """Write ``feed.rss`` and ``feed.atom`` atomically; True when either file changed."""
    return write_files(directory, {RSS_FILE: files.rss, ATOM_FILE: files.atom})


def write_files(directory: Path, files: Mapping[str, bytes]) -> bool:
    """Write each file (name: bytes) atomically; True when any file changed.

    A file whose bytes are already there is not touched (its mtime, and so Last-Modified,
    holds). A new file is written to a temporary file in the same directory, synced, then
    renamed over the old one, so a reader sees the old or the new file, never half of one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)  # from a crash between write and rename
    changed = False
    for name, body in files.items():
        target = directory / name
        with contextlib.suppress(FileNotFoundError):
            if target.read_bytes() == body:
                continue
        _replace_atomically(target, body)
        changed = True
    if changed:
        _sync_directory(directory)
    return changed


def _replace_atomically(target: Path, body: bytes) -> None:
    fd, temp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f"{_TEMP_PREFIX}{target.name}.", suffix=_TEMP_SUFFIX
    )
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        temp.chmod(0o644)  # the feeds are public; mkstemp creates 0600
        temp.replace(target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _sync_directory(directory: Path) -> None:
    """Make the renames durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
