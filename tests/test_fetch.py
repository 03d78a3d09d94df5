"""Tests for ogbot.watch.fetch's own transport: the client that refuses private addresses runs on
httpx's public transport interface over httpcore's pool (no private attribute of httpx), and must
fetch exactly as httpx's own transport does. Here it runs with httpcore's plain network backend, so
it can reach the fake website on the loopback, and every outcome is compared with httpx's."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import httpcore
import httpx
import pytest

from ogbot.models import Validators
from ogbot.watch.fetch import LIMITS, FetchPolicy, _client, _PoolTransport, fetch
from ogbot.watch.model import Fetched, FetchError
from tests.fakes.web import FakeWeb

NONE = Validators()
TRANSPORTS: dict[str, Callable[[], httpx.AsyncBaseTransport]] = {
    "httpx": lambda: httpx.AsyncHTTPTransport(limits=LIMITS),
    "pool": lambda: _PoolTransport(LIMITS, httpcore.AnyIOBackend()),
}


async def outcome(
    make: Callable[[], httpx.AsyncBaseTransport],
    url: str,
    *,
    validators: Validators = NONE,
    client_timeout: float = 5,
    deadline: float = 2,
    max_bytes: int = 200_000,
) -> tuple[object, ...]:
    """What a fetch gives, without what changes from one request to the next (Date)."""
    async with _client(make(), client_timeout) as client:
        try:
            got = await fetch(client, "s", url, validators, FetchPolicy(deadline, max_bytes))
        except FetchError as exc:
            return ("error", str(exc))
    if isinstance(got, Fetched):
        headers = {k: v for k, v in got.headers.items() if k != "date"}
        return ("fetched", got.url, got.body, headers, got.validators, got.permanent_url)
    return ("not modified", got.validators, got.permanent_url)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CASES: dict[str, tuple[Callable[[FakeWeb], str], dict[str, Any], str]] = {
    # name: (the URL on the fake website, outcome's options, what the outcome starts with)
    "ok": (lambda web: web.fixture("/feed", "ogp.rss", etag='"v1"'), {}, "('fetched'"),
    "not modified": (
        lambda web: web.fixture("/feed", "ogp.rss", etag='"v1"'),
        {"validators": Validators(etag='"v1"')},
        "('not modified'",
    ),
    "gzip behind redirects": (
        lambda web: web.route(
            "/old",
            status=301,
            redirect=web.route(
                "/moved", status=308, redirect=web.fixture("/new", "ogp.rss", gzip=True)
            ),
        ),
        {},
        "('fetched'",
    ),
    "server error": (
        lambda web: web.route("/500", status=500, body=b"oops"),
        {},
        "('error', 's: fetch: HTTP 500 Internal Server Error')",
    ),
    "slow answer": (
        lambda web: web.fixture("/slow", "ogp.rss", delay=3),
        {"deadline": 0.5},
        "('error', 's: fetch: timed out after 0.5 s')",
    ),
    "read timeout": (
        lambda web: web.fixture("/slow", "ogp.rss", delay=3),
        {"client_timeout": 0.3},
        "('error', 's: fetch: ReadTimeout",
    ),
    "trickle": (
        lambda web: web.fixture("/trickle", "ogp.rss", trickle=0.2),
        {"deadline": 0.5},
        "('error', 's: fetch: timed out after 0.5 s')",
    ),
    "cut short": (
        lambda web: web.fixture("/cut", "ogp.rss", truncate=100),
        {},
        "('error', 's: fetch: RemoteProtocolError",
    ),
    "endless gzip": (
        lambda web: web.fixture("/endless", "ogp.rss", endless=True, gzip=True),
        {"max_bytes": 50_000},
        "('error', 's: fetch: too large: more than 50000 bytes')",
    ),
    "nobody listening": (
        lambda web: f"http://127.0.0.1:{closed_port()}/feed",
        {},
        "('error', 's: fetch: ConnectError",
    ),
}


@pytest.mark.parametrize("case", CASES)
async def test_the_checking_transport_fetches_as_httpx_does(fake_web: FakeWeb, case: str) -> None:
    route, options, start = CASES[case]
    url = route(fake_web)
    got = {name: await outcome(make, url, **options) for name, make in TRANSPORTS.items()}
    assert got["pool"] == got["httpx"]
    assert repr(got["pool"]).startswith(start), got["pool"]
