"""Serving: the aiohttp application, its routes, headers and conditional answers; start and stop.

``GET /feed.rss``, ``/feed.atom``, ``/feed.json``, ``/konsultationen.rss``, ``/konsultationen.atom``
and ``/konsultationen.ics`` (:data:`FEEDS`) serve the files another stage writes into
``$OGBOT_DATA_DIR/public/``, with a strong ETag (a hash of the bytes, so an unchanged rewrite keeps
it) and Last-Modified (the file's mtime), answering 304 to a match. (aiohttp's ``FileResponse``
would do the conditional part, but its ETag is the file's mtime and size: every rewrite of the
same bytes would change it.) ``GET /sources.opml`` lists the configured sources (OPML 2.0,
ETag and 304 likewise). ``GET /`` and ``GET /healthz`` answer what :mod:`ogbot.web.page` and
:mod:`ogbot.web.health` make (/healthz: 200 when ``ok``, 503 when ``degraded``). This is
the only module that imports aiohttp; :func:`start_web` runs it on the caller's event loop.

Two routes exist only when the application layer asks for them: ``GET /metrics`` (with
``web.metrics = true``; the body comes from a :data:`MetricsSource`, the nginx example does not
pass it on) and, in webhook mode, ``POST`` at the path of ``telegram.webhook_url``
(:class:`Webhook`): an update whose ``X-Telegram-Bot-Api-Secret-Token`` header is not the secret
gets 403 and goes nowhere; one that is, goes to the bot (a callable: this stage knows no bot),
answered 200 at once (503 while the bot is not online yet: Telegram sends it again later).

Connections: one that brings no complete request within :data:`IDLE_TIMEOUT` seconds is closed,
whether it sends nothing, half a header (slowloris) or stays open after an answer (aiohttp's
``keepalive_timeout``, which runs from the connection's start and is not reset by partial data).
At most :func:`connection_cap` are open at once (half the process's file limit, at most
:data:`MAX_CONNECTIONS`): at the cap a new connection closes the oldest one that has no request
in a handler, so idle sockets can never lock out ``/healthz``; when every one is busy, the
newcomer gets a 503 and is closed. Either way the process never runs out of file descriptors.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ogbot import logs
from ogbot.config import Settings
from ogbot.models import Clock, ServiceHealth, utc_now
from ogbot.publish.feeds import media_file
from ogbot.publish.opml import render_opml
from ogbot.store import AsyncStore, Store
from ogbot.web.health import HealthSnapshot, health_failure, health_report, health_snapshot
from ogbot.web.page import STYLE_HASH, page_text

log = logs.get_logger(__name__)


MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
FEEDS = {
    "/feed.rss": ("feed.rss", "application/rss+xml"),
    "/feed.atom": ("feed.atom", "application/atom+xml"),
    "/feed.json": ("feed.json", "application/feed+json"),
    "/konsultationen.rss": ("konsultationen.rss", "application/rss+xml"),
    "/konsultationen.atom": ("konsultationen.atom", "application/atom+xml"),
    "/konsultationen.ics": ("konsultationen.ics", "text/calendar"),
}
FEED_CACHE_CONTROL = "public, max-age=300"  # feed readers poll; a cycle is 30 minutes by default
HEALTH_TIMEOUT = 5.0  # seconds /healthz waits for its database write before answering 503
SHUTDOWN_TIMEOUT = 2.0  # seconds open requests get when the server stops
IDLE_TIMEOUT = 15.0  # seconds a connection may go without a complete request (first one too)
MAX_CONNECTIONS = 1024  # open connections at most (fewer under a low file limit)
FULL_LOG_INTERVAL = 60.0  # seconds between two "connections_full" warnings
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # nothing but the page's one inline stylesheet (by its hash): no scripts, images, frames; the
    # search form submits to this site only
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'self';"
        " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


ServiceStatus = Callable[[], ServiceHealth]  # asked at every /healthz
# a scrape: the Accept header in, the body and its content type out
MetricsSource = Callable[[str], Awaitable[tuple[bytes, str]]]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header's name)


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts the bot's updates: the path of ``telegram.webhook_url``, the secret
    it sends along, and ``deliver``, which hands an update (the JSON object) to the bot and
    says False while the bot is not online yet."""

    path: str
    secret: str
    deliver: Callable[[dict[str, Any]], Awaitable[bool]]


class WebError(Exception):
    """The web server cannot start (the address is taken or not ours): a runtime failure."""


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
        charset = None if content_type.startswith("image/") else "utf-8"
        response = web.Response(
            body=body, headers=response_headers, content_type=content_type, charset=charset
        )
    if modified is not None:
        response.last_modified = modified
    return response


# --- the application ------------------------------------------------------------------------


class _Site:
    """The handlers and what they share: settings, store, clock, the feed cache."""

    def __init__(
        self,
        settings: Settings,
        store: AsyncStore,
        clock: Clock,
        health_timeout: float,
        service: ServiceStatus,
        metrics: MetricsSource | None = None,
        webhook: Webhook | None = None,
    ) -> None:
        self.settings = settings
        self.service = service
        self.metrics_source = metrics
        self.hook = webhook
        self.refused_warned = float("-inf")  # the last "webhook_refused" warning
        self.degraded = False  # the last answer's status, to log only its changes
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

    async def sources_opml(self, request: web.Request) -> web.StreamResponse:
        """The configured sources as OPML 2.0, named as people see them, for feed readers."""
        titles = await self.store.call(Store.source_titles)
        body = render_opml(self.settings.sources, titles, self.settings.publish.title)
        headers = {"Cache-Control": FEED_CACHE_CONTROL, "Access-Control-Allow-Origin": "*"}
        return _conditional(request, body, _etag(body), "text/x-opml", headers)

    async def media(self, request: web.Request) -> web.StreamResponse:
        """A picture of an announcement, from ``public/media/`` (names as ogbot writes them)."""
        name = request.match_info["name"]
        path = media_file(self.settings, name)
        if path is None:
            raise web.HTTPNotFound
        try:
            body = await asyncio.to_thread(Path(path).read_bytes)
        except OSError:
            raise web.HTTPNotFound from None
        kind = MEDIA_TYPES[name.rsplit(".", 1)[1]]
        headers = {"Cache-Control": "public, max-age=86400"}
        return _conditional(request, body, _etag(body), kind, headers)

    async def page(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        text = await page_text(
            self.settings,
            self.store,
            query.get("q", ""),
            self.clock(),
            query.get("seite", ""),
            query.get("ankuendigung", ""),
        )
        body = text.encode()
        # no-cache: browsers ask every time, and the ETag makes the answer a cheap 304; the ETag
        # is the hash of this very body, so a search (another body) never matches the page's
        return _conditional(request, body, _etag(body), "text/html", {"Cache-Control": "no-cache"})

    async def healthz(self, request: web.Request) -> web.StreamResponse:
        now = self.clock()
        service = self.service()
        try:
            snapshot = await self._health_snapshot(now)
        except Exception as exc:  # any failure to write (or read) is what /healthz reports
            reason = str(exc) or type(exc).__name__
            log.warning("healthz_database_failed", error=reason)
            data = health_failure(reason, now, service)
        else:
            data = health_report(self.settings, snapshot, now, service)
        degraded = data["status"] != "ok"
        if degraded != self.degraded:
            self.degraded = degraded
            if degraded:
                log.warning("health_degraded", reasons="; ".join(data["reasons"]))
            else:
                log.info("health_ok")
        return self._json(data, 503 if degraded else 200)

    async def metrics(self, request: web.Request) -> web.StreamResponse:
        assert self.metrics_source is not None, "routed only with a source"
        body, content_type = await self.metrics_source(request.headers.get("Accept", ""))
        headers = {"Content-Type": content_type, "Cache-Control": "no-store"}
        return web.Response(body=body, headers=headers)

    async def webhook(self, request: web.Request) -> web.StreamResponse:
        """An update from Telegram: 403 without the right secret, else handed to the bot."""
        hook = self.hook
        assert hook is not None, "routed only in webhook mode"
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), hook.secret.encode()):
            now = time.monotonic()
            if now - self.refused_warned >= FULL_LOG_INTERVAL:  # at most once a minute
                self.refused_warned = now
                log.warning("webhook_refused", secret="wrong" if given else "missing")
            return web.Response(status=403, text="Forbidden.\n")
        try:
            update = await request.json()
        except ValueError:
            update = None
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="Not an update.\n")
        if not await hook.deliver(update):
            return web.Response(status=503, text="Not ready.\n", headers={"Retry-After": "5"})
        return web.Response(status=200)

    async def _health_snapshot(self, now: datetime) -> HealthSnapshot:
        task = self.health_task
        if task is None or task.done():
            task = asyncio.ensure_future(self.store.call(health_snapshot, now))
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


# --- connections ------------------------------------------------------------------------------


def connection_cap(limit: int | None = None, open_now: int | None = None) -> int:
    """How many connections may be open: half of what the file limit (``RLIMIT_NOFILE``, soft)
    leaves beside the descriptors already open (``open_now``: counted in /proc/self/fd), so the
    database, the fetches, the extract pool's pipes and Telegram keep theirs, and never more
    than :data:`MAX_CONNECTIONS`."""
    if limit is None:
        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit == resource.RLIM_INFINITY or limit <= 0:
        return MAX_CONNECTIONS
    if open_now is None:
        open_now = _open_descriptors()
    return max(1, min(MAX_CONNECTIONS, (limit - open_now) // 2))


def _open_descriptors() -> int:
    try:
        return sum(1 for _ in Path("/proc/self/fd").iterdir())
    except OSError:  # not Linux: the limit alone
        return 0


def accept_backlog(cap: int) -> int:
    """The listen backlog, which is also how many connections asyncio accepts in one go before
    the guard's closes take effect: a quarter of the cap (16..128), so a burst stays within the
    file limit's other half."""
    return max(16, min(128, cap // 4))


_BUSY_ANSWER = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 5\r\nContent-Length: 19\r\nConnection: close\r\n\r\n"
    b"Zu viele Anfragen.\n"
)


class _Refused(asyncio.Protocol):
    """A connection over the cap while every open one is busy: a 503, then closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.WriteTransport):
            transport.write(_BUSY_ANSWER)
        transport.close()


class _Guard:
    """The protocol factory in front of aiohttp's: keeps at most ``cap`` connections open.

    ``busy`` counts each connection's requests inside a handler (the middleware keeps it); any
    other open connection is idle (waiting for a request, or sending one slowly) and may be
    closed to make room for a new one, oldest first."""

    def __init__(self, cap: int) -> None:
        self.server: web.Server | None = None  # the runner's, once it is set up
        self.cap = cap
        self.busy: dict[object, int] = {}
        self.closed = 0  # idle ones closed and newcomers refused since the last warning
        self.warned = float("-inf")

    def __call__(self) -> asyncio.BaseProtocol:
        assert self.server is not None, "the guard serves once the runner is set up"
        # a connection closed just now still counts until its connection_lost: skip those
        open_now = [h for h in self.server.connections if h.transport is not None]
        if len(open_now) < self.cap:
            return self.server()
        idle = next((h for h in open_now if h not in self.busy), None)
        self._full(evicted=idle is not None)
        if idle is None:
            return _Refused()
        idle.force_close()
        return self.server()

    def _full(self, *, evicted: bool) -> None:
        self.closed += 1
        now = time.monotonic()
        if now - self.warned >= FULL_LOG_INTERVAL:
            # once a minute, however many connections press in
            log.warning("web_connections_full", cap=self.cap, closed=self.closed, idle=evicted)
            self.warned, self.closed = now, 0

    @web.middleware
    async def track(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        protocol = request.protocol
        self.busy[protocol] = self.busy.get(protocol, 0) + 1
        try:
            return await handler(request)
        finally:
            left = self.busy.pop(protocol) - 1
            if left:
                self.busy[protocol] = left


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
    guard: _Guard | None = None,
    service: ServiceStatus = ServiceHealth,
    metrics: MetricsSource | None = None,
    webhook: Webhook | None = None,
) -> web.Application:
    """The application: routes, security headers on every answer, errors as one log line.
    ``service`` tells /healthz what only the running service knows (default: Telegram off);
    ``metrics`` (only with ``web.metrics = true``) answers /metrics, ``webhook`` takes
    Telegram's updates (see the module's docstring)."""
    site = _Site(settings, store, clock, health_timeout, service, metrics, webhook)
    middlewares = [_errors] if guard is None else [guard.track, _errors]
    app = web.Application(middlewares=middlewares)
    app.on_response_prepare.append(_finish_headers)
    app.router.add_get("/", site.page)
    for path in FEEDS:
        app.router.add_get(path, site.feed)
    app.router.add_get("/healthz", site.healthz)
    app.router.add_get("/sources.opml", site.sources_opml)
    if metrics is not None and settings.web.metrics:
        app.router.add_get("/metrics", site.metrics)
    if webhook is not None:
        app.router.add_post(webhook.path, site.webhook)
    app.router.add_get("/media/{name}", site.media)
    app.on_cleanup.append(site.cleanup)
    return app


@dataclass
class WebServer:
    """A started server; ``url`` is where it listens (for tests and the log)."""

    runner: web.AppRunner
    listener: asyncio.Server
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        self.listener.close()  # no new connections; the runner then ends the open ones
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
    idle_timeout: float = IDLE_TIMEOUT,
    max_connections: int | None = None,
    service: ServiceStatus = ServiceHealth,
    metrics: MetricsSource | None = None,
    webhook: Webhook | None = None,
) -> WebServer:
    """Serve on the running event loop (``settings.web`` unless host/port are given; port 0 picks
    a free port). Raises :class:`WebError` when it cannot listen. ``idle_timeout`` and
    ``max_connections`` (default :func:`connection_cap`) bound the connections (see above)."""
    host = host or settings.web.host
    port = settings.web.port if port is None else port
    cap = connection_cap() if max_connections is None else max_connections
    guard = _Guard(cap)
    app = create_app(
        settings,
        store,
        clock=clock,
        health_timeout=health_timeout,
        guard=guard,
        service=service,
        metrics=metrics,
        webhook=webhook,
    )
    # access_log=None: one line per request at info would drown the events that matter;
    # _finish_headers logs each request at debug instead. keepalive_timeout starts with the
    # connection and is not reset by partial data: the idle and the slowloris bound in one.
    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        keepalive_timeout=idle_timeout,
    )
    await runner.setup()
    guard.server = runner.server
    try:
        # the runner's server behind the guard, on a listener of our own (aiohttp's TCPSite
        # cannot take another protocol factory); stop() closes it before the runner's cleanup
        listener = await asyncio.get_running_loop().create_server(
            guard, host, port, backlog=accept_backlog(cap)
        )
    except OSError as exc:
        await runner.cleanup()
        raise WebError(f"web: cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sockets = listener.sockets
    bound = int(sockets[0].getsockname()[1]) if sockets else port
    server = WebServer(runner=runner, listener=listener, host=host, port=bound)
    log.info("web_started", url=server.url, site_url=settings.site_url, max_connections=cap)
    return server
