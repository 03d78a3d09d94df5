"""Serving: the aiohttp application, its routes, headers and conditional answers; start and stop.

``GET /feed.rss`` and ``GET /feed.atom`` serve the files another stage writes into
``$OGBOT_DATA_DIR/public/``, with a strong ETag (a hash of the bytes, so an unchanged rewrite keeps
it) and Last-Modified (the file's mtime), answering 304 to a match. (aiohttp's ``FileResponse``
would do the conditional part, but its ETag is the file's mtime and size: every rewrite of the
same bytes would change it.) ``GET /`` and ``GET /healthz`` answer what :mod:`ogbot.web.page` and
:mod:`ogbot.web.health` make (/healthz: 200 when ``ok``, 503 when ``degraded``). This is
the only module that imports aiohttp; :func:`start_web` runs it on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable
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
from ogbot.store import AsyncStore
from ogbot.web.health import HealthSnapshot, health_failure, health_report, health_snapshot
from ogbot.web.page import STYLE_HASH, page_text

log = logs.get_logger(__name__)


FEEDS = {
    "/feed.rss": ("feed.rss", "application/rss+xml"),
    "/feed.atom": ("feed.atom", "application/atom+xml"),
}
FEED_CACHE_CONTROL = "public, max-age=300"  # feed readers poll; a cycle is 30 minutes by default
HEALTH_TIMEOUT = 5.0  # seconds /healthz waits for its database write before answering 503
SHUTDOWN_TIMEOUT = 2.0  # seconds open requests get when the server stops
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # nothing but the page's one inline stylesheet (by its hash): no scripts, images, frames; the
    # search form submits to this site only
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'none';"
        " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}


ServiceStatus = Callable[[], ServiceHealth]  # asked at every /healthz


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
        response = web.Response(
            body=body, headers=response_headers, content_type=content_type, charset="utf-8"
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
    ) -> None:
        self.settings = settings
        self.service = service
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

    async def page(self, request: web.Request) -> web.StreamResponse:
        text = await page_text(self.settings, self.store, request.query.get("q", ""), self.clock())
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
    service: ServiceStatus = ServiceHealth,
) -> web.Application:
    """The application: routes, security headers on every answer, errors as one log line.
    ``service`` tells /healthz what only the running service knows (default: Telegram off)."""
    site = _Site(settings, store, clock, health_timeout, service)
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
    service: ServiceStatus = ServiceHealth,
) -> WebServer:
    """Serve on the running event loop (``settings.web`` unless host/port are given; port 0 picks
    a free port). Raises :class:`WebError` when it cannot listen."""
    host = host or settings.web.host
    port = settings.web.port if port is None else port
    app = create_app(settings, store, clock=clock, health_timeout=health_timeout, service=service)
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
