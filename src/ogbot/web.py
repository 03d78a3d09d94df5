"""The web server inside ogbot's process: the feeds, a page of the latest items, a health check.

``GET /feed.rss`` and ``GET /feed.atom`` serve the files another stage writes into
``$OGBOT_DATA_DIR/public/``, with a strong ETag (a hash of the bytes, so an unchanged rewrite keeps
it) and Last-Modified (the file's mtime), answering 304 to a match. ``GET /`` is a German page of
open consultations (soonest deadline first) and the latest items, without JavaScript or external
assets; ``GET /?q=WORDS`` is the same page showing the stored items that match the words
(:meth:`Store.search_items`, the bot's /suche) instead, with the words echoed in the search form.
``GET /healthz`` is JSON for the operator: 200 while the database takes a write, else 503.

Every text from a source goes through :func:`html.escape` (no template engine: the page is small,
and the standard library needs no new dependency); only http(s) links become links. This is the
only module that imports aiohttp; :func:`start_web` runs it on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.typedefs import Handler

from ogbot import logs
from ogbot.config import Settings
from ogbot.models import Clock, SourceState, StoredAnnouncement, StoredItem, long_date, utc_now
from ogbot.publish.html import safe_url
from ogbot.store import AsyncStore, Store
from ogbot.text import deadline_text, shorten

log = logs.get_logger(__name__)


FEEDS = {
    "/feed.rss": ("feed.rss", "application/rss+xml"),
    "/feed.atom": ("feed.atom", "application/atom+xml"),
}
FEED_CACHE_CONTROL = "public, max-age=300"  # feed readers poll; a cycle is 30 minutes by default
PAGE_ITEMS = 50  # at most this many latest items on the page (fewer if publish.window is smaller)
PAGE_CONSULTATIONS = 20
PAGE_ANNOUNCEMENTS = 5
PAGE_SEARCH_RESULTS = 50
QUERY_CHARS = 200  # of ?q= taken (echoed and searched); a search box needs no more
SUMMARY_CHARS = 300
HEALTH_TIMEOUT = 5.0  # seconds /healthz waits for its database write before answering 503
HEALTH_META_KEY = "web.healthz"  # the row /healthz writes to prove the database is writable
OUTBOX_STATES = ("pending", "sending", "sent", "failed", "unknown", "expired", "merged")
SHUTDOWN_TIMEOUT = 2.0  # seconds open requests get when the server stops


CSS = """
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5a5a5a;--accent:#0b5cad;
--line:#ddd;--mark:#fff4d6}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#151515;--muted:#aaa;--accent:#8cc4ff;
--line:#333;--mark:#3a3220}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:44rem;padding:1rem;font:1.0625rem/1.55 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:2px solid var(--line)}
h3{font-size:1.0625rem;margin:0 0 .25rem}
a{color:var(--accent)}
ol{list-style:none;margin:0;padding:0}
li{padding:.75rem 0;border-bottom:1px solid var(--line)}
p{margin:.25rem 0}
.meta,footer,.subscribe{color:var(--muted);font-size:.9375rem}
.deadline{display:inline-block;background:var(--mark);padding:0 .35rem;border-radius:.25rem;
font-weight:600;color:var(--fg)}
.deadline.past{background:none;padding:0;font-weight:400;color:var(--muted)}
.announcement{white-space:pre-line}
form.search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0 0}
form.search input{flex:1 1 12rem;font:inherit;padding:.3rem .5rem;color:var(--fg);
background:var(--bg);border:1px solid var(--muted);border-radius:.25rem}
form.search button{font:inherit;padding:.3rem .8rem}
footer{margin-top:2rem}
""".strip()
_STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # nothing but the one inline stylesheet above (by its hash): no scripts, images, frames; the
    # search form submits to this site only
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'none';"
        " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


class WebError(Exception):
    """The web server cannot start (the address is taken or not ours): a runtime failure."""


# --- the page -------------------------------------------------------------------------------


def _e(text: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(text), quote=True)


def _time(moment: datetime, tz: ZoneInfo, prefix: str = "") -> str:
    local = moment.astimezone(tz)
    return f'<time datetime="{_e(local.isoformat())}">{_e(prefix + long_date(local.date()))}</time>'


def _render_item(item: StoredItem, tz: ZoneInfo, today: date) -> str:
    link = safe_url(item.link)
    title = _e(item.title or "(ohne Titel)")
    heading = f'<a href="{_e(link)}">{title}</a>' if link else title
    meta = [
        f"Quelle: {_e(item.source)}",
        _time(item.published, tz, "" if item.date_known else "gesehen am "),
    ]
    parts = [f'<li class="item {_e(item.kind)}">', f"<h3>{heading}</h3>"]
    if item.kind == "consultation":
        past = item.deadline is not None and item.deadline < today
        deadline = deadline_text(item, today=today) or "Frist: nicht angegeben"
        parts.append(
            f'<p><span class="deadline{" past" if past else ""}">{_e(deadline)}</span></p>'
        )
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if item.summary.strip():
        summary = shorten(" ".join(item.summary.split()), SUMMARY_CHARS)
        parts.append(f'<p class="summary">{_e(summary)}</p>')
    parts.append("</li>")
    return "".join(parts)


def _render_announcement(announcement: StoredAnnouncement, tz: ZoneInfo) -> str:
    when = announcement.published or announcement.publish_at
    return (
        # the feeds link each announcement here (publish/feeds.py)
        f'<li class="item announcement-item" id="announcement-{announcement.id}">'
        "<h3>Ankündigung des Netzwerks</h3>"
        f'<p class="meta">{_time(when, tz)}</p>'
        f'<p class="announcement">{_e(announcement.text.strip())}</p>'
        "</li>"
    )


def _announced_at(announcement: StoredAnnouncement) -> datetime:
    return announcement.published or announcement.publish_at


def _telegram_link(channel: str) -> str | None:
    return f"https://t.me/{channel[1:]}" if channel.startswith("@") else None


@dataclass(frozen=True)
class Search:
    """A search on the page: the words as typed (``?q=``) and the items found, newest first."""

    query: str
    results: Sequence[StoredItem]


def _search_form(query: str) -> str:
    # no action: the form submits to this page wherever it is served (a proxy may add a path)
    return (
        '<form class="search" method="get" role="search">'
        '<label for="q">Suchen in den Meldungen:</label>'
        f'<input type="search" id="q" name="q" value="{_e(query)}" maxlength="{QUERY_CHARS}">'
        '<button type="submit">Suchen</button>'
        "</form>"
    )


def _render_search(search: Search, tz: ZoneInfo, today: date) -> str:
    heading = f"Suchergebnisse für „{_e(search.query)}“"
    if search.results:
        found = (
            f"<p>{len(search.results)} Treffer, neueste zuerst.</p>"
            '<ol class="items">'
            + "".join(_render_item(item, tz, today) for item in search.results)
            + "</ol>"
        )
    else:
        found = (
            "<p>Keine Treffer. Versuchen Sie andere oder weniger Wörter; gefunden werden "
            "Meldungen, die alle Wörter enthalten (auch als Wortanfang).</p>"
        )
    return (
        '<section id="suche" aria-labelledby="suche-titel">'
        f'<h2 id="suche-titel">{heading}</h2>'
        f"{found}"
        '<p><a href="./">Alle Meldungen und offenen Konsultationen</a></p>'
        "</section>"
    )


def render_page(
    settings: Settings,
    consultations: Sequence[StoredItem],
    latest: Sequence[StoredItem],
    announcements: Sequence[StoredAnnouncement],
    now: datetime,
    search: Search | None = None,
) -> str:
    """The whole page. Open consultations first; then items and announcements, newest first.
    With a ``search``, its results instead of both lists."""
    publish = settings.publish
    tz = publish.tz
    today = now.astimezone(tz).date()
    title = _e(publish.title)
    site = settings.site_url
    rss, atom = _e(f"{site}/feed.rss"), _e(f"{site}/feed.atom")

    shown = {item.id for item in consultations}
    entries: list[tuple[datetime, str]] = [
        (item.published, _render_item(item, tz, today)) for item in latest if item.id not in shown
    ]
    entries += [(_announced_at(a), _render_announcement(a, tz)) for a in announcements]
    entries.sort(key=lambda entry: entry[0], reverse=True)

    subscribe = [f'<a href="{rss}">RSS-Feed</a>', f'<a href="{atom}">Atom-Feed</a>']
    channel = _telegram_link(settings.telegram.channel) if settings.telegram.enabled else None
    if channel:
        subscribe.append(f'<a href="{_e(channel)}">Telegram-Kanal</a>')
    footer = [f'Kontakt: <a href="{_e(publish.contact_url)}">{_e(publish.contact)}</a>']
    if publish.imprint_url:
        footer.append(f'<a href="{_e(publish.imprint_url)}">Impressum</a>')
    if publish.privacy_url:
        footer.append(f'<a href="{_e(publish.privacy_url)}">Datenschutz</a>')

    if search is not None:
        main = _render_search(search, tz, today)
    else:
        main = _render_lists(consultations, entries, tz, today)

    return f"""<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="alternate" type="application/rss+xml" title="{title} (RSS)" href="{rss}">
<link rel="alternate" type="application/atom+xml" title="{title} (Atom)" href="{atom}">
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>Neuigkeiten und offene Konsultationen rund um Open Government in Deutschland,
automatisch gesammelt aus den beobachteten Quellen.</p>
<p class="subscribe">Abonnieren: {" · ".join(subscribe)}</p>
{_search_form(search.query if search is not None else "")}
</header>
<main>
{main}
</main>
<footer><p>{" · ".join(footer)}</p></footer>
</body>
</html>
"""


def _render_lists(
    consultations: Sequence[StoredItem],
    entries: Sequence[tuple[datetime, str]],
    tz: ZoneInfo,
    today: date,
) -> str:
    """The page's two lists: open consultations, then the latest items and announcements."""
    if consultations:
        open_list = (
            '<ol class="items">'
            + "".join(_render_item(item, tz, today) for item in consultations)
            + "</ol>"
        )
    else:
        open_list = "<p>Zurzeit sind keine offenen Konsultationen bekannt.</p>"
    if entries:
        news_list = '<ol class="items">' + "".join(body for _, body in entries) + "</ol>"
    else:
        news_list = "<p>Noch keine Meldungen.</p>"
    return f"""<section id="konsultationen" aria-labelledby="konsultationen-titel">
<h2 id="konsultationen-titel">Offene Konsultationen</h2>
{open_list}
</section>
<section id="neuigkeiten" aria-labelledby="neuigkeiten-titel">
<h2 id="neuigkeiten-titel">Neueste Meldungen</h2>
{news_list}
</section>"""


# --- the feeds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFile:
    """One feed file as served: its bytes, a strong ETag value (unquoted) and its mtime."""

    body: bytes
    etag: str
    modified: datetime
    stamp: tuple[int, int, int]  # inode, mtime_ns, size: a new stamp means read again


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def read_feed(path: Path, cached: FeedFile | None) -> FeedFile | None:
    """The file, or None if it is not there yet; re-read only when its stamp changed.

    Blocking: run it in a thread. The stamp comes from the open file itself, so an atomic
    replace between looking and reading cannot pair new bytes with an old stamp.
    """
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
            if cached is not None and cached.stamp == stamp:
                return cached
            body = handle.read()
    except (FileNotFoundError, IsADirectoryError):
        return None
    modified = datetime.fromtimestamp(info.st_mtime, UTC).replace(microsecond=0)
    return FeedFile(body=body, etag=_etag(body), modified=modified, stamp=stamp)


def _not_modified(request: web.Request, etag: str, modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match decides when present; else If-Modified-Since (second precision)."""
    candidates = request.if_none_match
    if candidates is not None:
        return any(tag.value in (etag, "*") for tag in candidates)
    since = request.if_modified_since
    return modified is not None and since is not None and modified <= since


def _conditional(
    request: web.Request,
    body: bytes,
    etag: str,
    content_type: str,
    headers: dict[str, str],
    modified: datetime | None = None,
) -> web.Response:
    response_headers = {"ETag": f'"{etag}"', **headers}
    if _not_modified(request, etag, modified):
        response = web.Response(status=304, headers=response_headers)
    else:
        response = web.Response(
            body=body, headers=response_headers, content_type=content_type, charset="utf-8"
        )
    if modified is not None:
        response.last_modified = modified
    return response


# --- health ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthSnapshot:
    sources: tuple[SourceState, ...]
    outbox: dict[str, int]


def _health_snapshot(store: Store, now: str) -> HealthSnapshot:
    """On the store's thread: one real write (the proof of writability), then two reads."""
    store.set_meta(HEALTH_META_KEY, now)
    return HealthSnapshot(tuple(store.sources()), store.outbox_counts())


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def health_report(settings: Settings, snapshot: HealthSnapshot, now: datetime) -> dict[str, Any]:
    """The JSON of a healthy /healthz: every configured source with its state, the outbox."""
    states = {state.name: state for state in snapshot.sources}
    sources = []
    for source in settings.sources:
        state = states.get(source.name)
        sources.append(
            {
                "name": source.name,
                "last_status": state.last_status if state else None,
                "last_error": state.last_error if state else None,
                "failures": state.failures if state else 0,
                "last_fetch": _iso(state.last_fetch) if state else None,
                "last_success": _iso(state.last_success) if state else None,
                "failing_since": _iso(state.failing_since) if state else None,
                "paused": state.paused if state else False,
            }
        )
    outbox = {name: snapshot.outbox.get(name, 0) for name in OUTBOX_STATES}
    outbox.update(snapshot.outbox)  # a state added later still shows
    return {
        "status": "ok",
        "database": "writable",
        "time": _iso(now),
        "sources": sources,
        "outbox": outbox,
        "outbox_length": outbox["pending"] + outbox["sending"],
    }


# --- the application ------------------------------------------------------------------------


def _page_data(
    store: Store, today: date, limit: int
) -> tuple[list[StoredItem], list[StoredItem], list[StoredAnnouncement]]:
    return (
        store.open_consultations(today, PAGE_CONSULTATIONS),
        store.latest_items(limit),
        store.announcements("published", PAGE_ANNOUNCEMENTS),
    )


class _Site:
    """The handlers and what they share: settings, store, clock, the feed cache."""

    def __init__(
        self, settings: Settings, store: AsyncStore, clock: Clock, health_timeout: float
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.health_timeout = health_timeout
        self.public = settings.data_dir / "public"
        self.feeds: dict[str, FeedFile] = {}
        # one health check at a time: callers arriving meanwhile share its result, so a client
        # hammering /healthz cannot queue writes
        self.health_task: asyncio.Future[HealthSnapshot] | None = None

    async def feed(self, request: web.Request) -> web.StreamResponse:
        name, content_type = FEEDS[request.path]
        feed = await asyncio.to_thread(read_feed, self.public / name, self.feeds.get(name))
        if feed is None:
            self.feeds.pop(name, None)
            return web.Response(
                status=404, text=f"{name} ist noch nicht geschrieben. Bitte später versuchen.\n"
            )
        self.feeds[name] = feed
        headers = {"Cache-Control": FEED_CACHE_CONTROL, "Access-Control-Allow-Origin": "*"}
        return _conditional(request, feed.body, feed.etag, content_type, headers, feed.modified)

    async def page(self, request: web.Request) -> web.StreamResponse:
        now = self.clock()
        query = " ".join(request.query.get("q", "")[:QUERY_CHARS].split())
        if query:  # a search: its results only (the lists are not read)
            results = await self.store.call(Store.search_items, query, PAGE_SEARCH_RESULTS)
            text = render_page(self.settings, [], [], [], now, Search(query, results))
        else:
            today = now.astimezone(self.settings.publish.tz).date()
            limit = min(self.settings.publish.window, PAGE_ITEMS)
            consultations, latest, announcements = await self.store.call(_page_data, today, limit)
            text = render_page(self.settings, consultations, latest, announcements, now)
        body = text.encode()
        # no-cache: browsers ask every time, and the ETag makes the answer a cheap 304; the ETag
        # is the hash of this very body, so a search (another body) never matches the page's
        return _conditional(request, body, _etag(body), "text/html", {"Cache-Control": "no-cache"})

    async def healthz(self, request: web.Request) -> web.StreamResponse:
        now = self.clock()
        try:
            snapshot = await self._health_snapshot(now)
        except Exception as exc:  # any failure to write (or read) is what /healthz reports
            reason = str(exc) or type(exc).__name__
            log.warning("healthz_database_failed", error=reason)
            data: dict[str, Any] = {
                "status": "error",
                "database": "not writable",
                "error": reason,
                "time": _iso(now),
            }
            return self._json(data, 503)
        return self._json(health_report(self.settings, snapshot, now), 200)

    async def _health_snapshot(self, now: datetime) -> HealthSnapshot:
        task = self.health_task
        if task is None or task.done():
            task = asyncio.ensure_future(self.store.call(_health_snapshot, _iso(now)))
            # a check that finishes after every caller gave up must not warn "never retrieved"
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self.health_task = task
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.health_timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no database write within {self.health_timeout:g} s (locked or stuck)"
            ) from None

    async def cleanup(self, app: web.Application) -> None:
        """On stop: a check still waiting for the store is nobody's business any more."""
        if self.health_task is not None:
            self.health_task.cancel()

    @staticmethod
    def _json(data: dict[str, Any], status: int) -> web.Response:
        return web.json_response(
            data,
            status=status,
            headers={"Cache-Control": "no-store"},
            dumps=partial(json.dumps, ensure_ascii=False),
        )


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An unexpected error is one log line and a short 500, not aiohttp's multi-line trace."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("web_request_failed", method=request.method, path=request.path)
        return web.Response(status=500, text="Interner Fehler.\n")


async def _finish_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers["Server"] = "ogbot"
    log.debug("web_request", method=request.method, path=request.path, status=response.status)


def create_app(
    settings: Settings,
    store: AsyncStore,
    *,
    clock: Clock = utc_now,
    health_timeout: float = HEALTH_TIMEOUT,
) -> web.Application:
    """The application: routes, security headers on every answer, errors as one log line."""
    site = _Site(settings, store, clock, health_timeout)
    app = web.Application(middlewares=[_errors])
    app.on_response_prepare.append(_finish_headers)
    app.router.add_get("/", site.page)
    for path in FEEDS:
        app.router.add_get(path, site.feed)
    app.router.add_get("/healthz", site.healthz)
    app.on_cleanup.append(site.cleanup)
    return app


@dataclass
class WebServer:
    """A started server; ``url`` is where it listens (for tests and the log)."""

    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()
        log.info("web_stopped")


async def start_web(
    settings: Settings,
    store: AsyncStore,
    *,
    clock: Clock = utc_now,
    host: str | None = None,
    port: int | None = None,
    health_timeout: float = HEALTH_TIMEOUT,
) -> WebServer:
    """Serve on the running event loop (``settings.web`` unless host/port are given; port 0 picks
    a free port). Raises :class:`WebError` when it cannot listen."""
    host = host or settings.web.host
    port = settings.web.port if port is None else port
    app = create_app(settings, store, clock=clock, health_timeout=health_timeout)
    # access_log=None: one line per request at info would drown the events that matter;
    # _finish_headers logs each request at debug instead
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise WebError(f"web: cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    addresses = runner.addresses
    bound = int(addresses[0][1]) if addresses else port
    server = WebServer(runner=runner, host=host, port=bound)
    log.info("web_started", url=server.url, site_url=settings.site_url)
    return server


__all__ = [
    "FEEDS",
    "FeedFile",
    "Search",
    "WebError",
    "WebServer",
    "create_app",
    "health_report",
    "read_feed",
    "render_page",
    "start_web",
]
