"""A local HTTP server that plays the watched websites, over real sockets.

Tests register routes (a body plus the ways it should misbehave) and point ogbot's fetcher at
``FakeWeb.url(path)``::

    with FakeWeb() as web:
        url = web.fixture("/feed/", "ogp.rss", etag='"v1"')
        web.route("/slow", body=b"...", delay=2.0)
        web.route("/old", redirect=url, status=301)
        ...  # fetch with httpx
        assert web.hits("/feed/") == 1

Standard library only: ``ThreadingHTTPServer`` serving from a daemon thread, one daemon thread
per connection. ``stop()`` sets a flag that every pause waits on, stops the accept loop and shuts
down every open connection, so it returns promptly even while a client sits in a trickling or
endless answer.
"""

from __future__ import annotations

import dataclasses
import email.utils
import gzip as gzip_module
import socket
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from tests.fakes.server import LocalServer, Stopped, TrackedHandler

__all__ = [
    "SITES",
    "FakeWeb",
    "Route",
    "Seen",
    "fake_web",
    "site_bytes",
]

SITES = Path(__file__).resolve().parent.parent / "data" / "sites"
"""The fixture files: tests/data/sites/."""

_ENDLESS_FILLER = b"<!-- more -->\n" * 64

_CONTENT_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".rdf": "application/rdf+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    # no charset: an application/*+xml body says its own encoding in the XML declaration
    ".xml": "application/xml",
}


def site_bytes(filename: str) -> bytes:
    """The raw bytes of tests/data/sites/<filename> (for parser tests that need no server)."""
    return (SITES / filename).read_bytes()


@dataclass
class Route:
    """What the fake answers on one path, and how it misbehaves."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # sent as ETag; an If-None-Match naming it gets 304 with an empty body
    etag: str | None = None
    # an HTTP date sent as Last-Modified; If-Modified-Since equal or later gets 304
    # (only when the request has no If-None-Match, as RFC 9110 says)
    last_modified: str | None = None
    # Content-Encoding: gzip when the client accepts it (Accept-Encoding), identity otherwise
    gzip: bool = False
    # seconds before the status line is sent (a slow server)
    delay: float = 0.0
    # send the body in chunk_size pieces with this pause between them (a slow answer);
    # headers go out at once, Content-Length announces the whole body
    trickle: float | None = None
    chunk_size: int = 16
    # after the body keep sending `filler` forever (Transfer-Encoding: chunked) until the client
    # goes or the server stops; paced by `trickle` when set, else as fast as the client reads
    endless: bool = False
    filler: bytes = _ENDLESS_FILLER
    # Location header; with the default status 200 the answer becomes a 302
    redirect: str | None = None
    # announce the whole body in Content-Length but close the connection after this many bytes
    truncate: int | None = None


@dataclass(frozen=True)
class Seen:
    """One request as it arrived. Header names are lower-cased; repeated headers joined by ", "."""

    path: str  # without the query string
    method: str
    headers: dict[str, str]
    query: str = ""  # the part after "?", without it

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


class _Handler(TrackedHandler):
    server_version = "FakeWeb/1.0"
    timeout = 10  # socket timeout: an idle or stuck connection ends on its own

    @property
    def web(self) -> FakeWeb:
        return cast(FakeWeb, self.server.owner)

    # --- requests ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _pause(self, seconds: float) -> None:
        """Wait (or just look, for 0 s); raise Stopped as soon as the server stops."""
        stopping = self.web._stopping
        if stopping.wait(seconds) if seconds > 0 else stopping.is_set():
            raise Stopped

    def _answer(self, *, head: bool) -> None:
        web = self.web
        path, _, query = self.path.partition("?")
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        web._record(Seen(path=path, method=self.command, headers=headers, query=query))

        route = web._lookup(self.path, path)
        if route is None:
            self._send_simple(404, b"not found\n", head=head)
            return
        self._pause(route.delay)

        status = route.status
        if route.redirect is not None and status == 200:
            status = 302
        out: dict[str, str] = {"Content-Type": route.content_type}
        if route.redirect is not None:
            out["Location"] = route.redirect
        if route.etag is not None:
            out["ETag"] = route.etag
        if route.last_modified is not None:
            out["Last-Modified"] = route.last_modified

        if status == 200 and _not_modified(route, headers):
            self.send_response(304)
            for name in ("ETag", "Last-Modified"):
                if name in out:
                    self.send_header(name, out[name])
            self._send_extra(route.headers, skip={"content-length", "content-type"})
            self.end_headers()
            return

        body = route.body
        compressor = None
        if route.gzip:
            out["Vary"] = "Accept-Encoding"
            if _accepts_gzip(headers.get("accept-encoding", "")):
                out["Content-Encoding"] = "gzip"
                if route.endless:
                    compressor = zlib.compressobj(wbits=31)
                    body = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH)
                else:
                    body = gzip_module.compress(body, mtime=0)
        no_body = status in (204, 304) or 100 <= status < 200
        if route.endless and not no_body:
            out["Transfer-Encoding"] = "chunked"
        elif not no_body:
            out["Content-Length"] = str(len(body))

        self.send_response(status)
        overridden = {name.lower() for name in route.headers}
        for name, value in out.items():
            if name.lower() not in overridden:
                self.send_header(name, value)
        self._send_extra(route.headers)
        self.end_headers()
        if head or no_body:
            return

        if route.endless:
            self.close_connection = True
            self._write_endless(route, body, compressor)
            return
        if route.truncate is not None:
            self.close_connection = True
            body = body[: max(route.truncate, 0)]
        if route.trickle is not None:
            step = max(route.chunk_size, 1)
            for start in range(0, len(body), step):
                if start:
                    self._pause(route.trickle)
                self.wfile.write(body[start : start + step])
        else:
            self.wfile.write(body)
        if route.truncate is not None:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)

    def _write_endless(self, route: Route, body: bytes, compressor: Any) -> None:
        def chunk(data: bytes) -> None:
            if data:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        if route.trickle is not None:
            step = max(route.chunk_size, 1)
            for start in range(0, len(body), step):
                if start:
                    self._pause(route.trickle)
                chunk(body[start : start + step])
        else:
            chunk(body)
        filler = route.filler or _ENDLESS_FILLER
        while True:
            self._pause(route.trickle or 0.0)
            if compressor is not None:
                chunk(compressor.compress(filler) + compressor.flush(zlib.Z_SYNC_FLUSH))
            else:
                chunk(filler)

    def _send_extra(self, extra: dict[str, str], skip: set[str] | None = None) -> None:
        for name, value in extra.items():
            if skip is None or name.lower() not in skip:
                self.send_header(name, value)

    def _send_simple(self, status: int, body: bytes, *, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            return True
    return False


def _weak(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith(("W/", "w/")) else tag


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if "if-none-match" in headers:
        if route.etag is None:
            return False
        wanted = headers["if-none-match"].strip()
        if wanted == "*":
            return True
        return _weak(route.etag) in {_weak(tag) for tag in wanted.split(",")}
    since = headers.get("if-modified-since")
    if since is None or route.last_modified is None:
        return False
    if since.strip() == route.last_modified.strip():
        return True
    try:
        return email.utils.parsedate_to_datetime(
            route.last_modified
        ) <= email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class FakeWeb(LocalServer):
    """A local web server with routes registered by the test. Unknown paths answer 404."""

    handler = _Handler

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._routes: dict[str, Route] = {}
        self._requests: list[Seen] = []
        super().__init__(host)  # bound and listening from here on

    # --- addresses ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    def url(self, path: str) -> str:
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    # --- routes ------------------------------------------------------------------------------

    def route(self, path: str, route: Route | None = None, **kwargs: Any) -> str:
        """Register (or replace) what `path` answers; returns its full URL.

        `path` may carry a query string; a request matches an exact path+query route first,
        then the route of its bare path. Keyword arguments are Route fields (they override the
        fields of `route` when both are given); a str body is encoded as UTF-8.
        """
        if not path.startswith("/"):
            path = "/" + path
        if isinstance(kwargs.get("body"), str):
            kwargs["body"] = kwargs["body"].encode("utf-8")
        if route is None:
            route = Route(**kwargs)
        elif kwargs:
            route = dataclasses.replace(route, **kwargs)
        with self._lock:
            self._routes[path] = route
        return self.url(path)

    def fixture(self, path: str, filename: str, **kwargs: Any) -> str:
        """Serve tests/data/sites/<filename> on `path`; content type from the file's kind unless
        given. Other keyword arguments are Route fields."""
        body = site_bytes(filename)
        if "content_type" not in kwargs:
            suffix = Path(filename).suffix.lower()
            content_type = _CONTENT_TYPES.get(suffix, "application/octet-stream")
            if suffix == ".xml" and b"http://www.w3.org/2005/Atom" in body[:2000]:
                content_type = "application/atom+xml"
            kwargs["content_type"] = content_type
        return self.route(path, body=body, **kwargs)

    def remove(self, path: str) -> None:
        """Forget a route: the path answers 404 again."""
        with self._lock:
            self._routes.pop(path, None)

    def _lookup(self, target: str, path: str) -> Route | None:
        with self._lock:
            return self._routes.get(target) or self._routes.get(path)

    # --- what arrived ------------------------------------------------------------------------

    @property
    def requests(self) -> list[Seen]:
        """Every request so far, in arrival order (a copy, safe to read while serving)."""
        with self._lock:
            return list(self._requests)

    def hits(self, path: str) -> int:
        """How many requests asked for `path` (a bare path counts every query string)."""
        with self._lock:
            return sum(1 for seen in self._requests if path in (seen.path, seen.target))

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self._requests.append(seen)


@pytest.fixture
def fake_web() -> Iterator[FakeWeb]:
    """A started FakeWeb, stopped after the test."""
    web = FakeWeb().start()
    try:
        yield web
    finally:
        web.stop()


@pytest.fixture
def other_host() -> Iterator[FakeWeb]:
    """A second started FakeWeb on another loopback address (127.0.0.2): another host, so it
    has its own connection slots, as a second site has."""
    web = FakeWeb("127.0.0.2").start()
    try:
        yield web
    finally:
        web.stop()
