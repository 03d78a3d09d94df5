"""Fetch a source: conditional GET, a deadline for the whole fetch, a size cap, safe redirects.

One shared ``httpx.AsyncClient`` (built by :func:`make_client`) serves every source; this is the
only watch module that imports httpx. Redirects are followed here, hop by hop, so a permanent
redirect can be remembered. The body is
streamed and counted after decompression, so a gzip bomb stops at ``fetch.max_bytes`` like any
other oversized body. ``fetch.timeout`` is a deadline for the whole fetch (connect, headers and
every byte), so a server that trickles bytes cannot hold a cycle.

Loopback, private, link-local and reserved addresses are refused (unless
``fetch.allow_private``) by the client's own connection layer, for every hop: it resolves a name
once and connects only to the addresses it checked, so nothing is sent to an internal host, and
a DNS answer that turns private after a check (rebinding) has no second lookup to exploit.
That layer is httpcore's network backend; httpx takes none, so :class:`_PoolTransport` is a
custom transport (httpx's public extension point) over httpcore's connection pool with it.

What the server asks about the next request comes back as a :class:`ServerAsk` (as miniflux's
``response_handler.go``): ``Retry-After`` on an error answer (429, 503, any other) or a redirect
hop, ``Cache-Control: max-age`` (else ``Expires``) on a 200 or 304 (``ogbot.watch.backoff``
weighs it against the interval). HTTP dates are read with the standard library's
``email.utils`` (all three forms of RFC 9110) and counted from the answer's own ``Date``, so a
server's clock that is off does not shift them.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import socket
from collections import defaultdict
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import parse_http_list

import httpcore
import httpx

from ogbot import USER_AGENT
from ogbot.config import FetchSettings, SourceSettings
from ogbot.models import Validators
from ogbot.watch.model import Fetched, FetchError, NotModified, ServerAsk

MAX_REDIRECTS = 5
LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=5)
PER_HOST = 2  # concurrent requests to one host: polite, and enough for a cycle
MAX_ASKED_SECONDS = 10 * 365 * 86400  # what a server may ask, read: beyond any cap, fits timedelta
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class AddressRefused(Exception):
    """No connection: the name does not resolve, or to a private address (raised by the
    connection layer through httpx unchanged; the message is the fetch's error)."""


class _PublicOnly(httpcore.AsyncNetworkBackend):
    """httpcore's connection layer, connecting only to public addresses: the address checked is
    the address connected to, resolved once."""

    def __init__(self, resolver: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = await self._resolver(host, port)
            except OSError as exc:
                raise AddressRefused(f"cannot resolve {host}: {exc}") from exc
        for address in addresses:
            if not _is_public(address):
                raise AddressRefused(
                    f"{host} is a private address ({address}); set fetch.allow_private to allow it"
                )
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused(f"a unix socket ({path}) is not a public address")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# httpcore's errors as httpx raises them (as httpx's own transport maps them), most specific first
_HTTPCORE_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core, mapped in _HTTPCORE_ERRORS:
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise  # not httpcore's (AddressRefused, ...): unchanged


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            await aclose()


class _PoolTransport(httpx.AsyncBaseTransport):
    """What ``httpx.AsyncHTTPTransport(limits=limits)`` does, over httpcore's connection pool
    with the given network backend (``_PublicOnly``: public addresses only)."""

    def __init__(self, limits: httpx.Limits, backend: httpcore.AsyncNetworkBackend) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


def make_client(
    timeout: float, allow_private: bool, resolver: Resolver | None = None
) -> httpx.AsyncClient:
    """The one client of a process. Per-operation timeouts back up the per-fetch deadline.
    Unless ``allow_private``, it connects to public addresses only (see the module docstring;
    tests/test_watch.py proves a rebinding is refused)."""
    if allow_private:
        return _client(httpx.AsyncHTTPTransport(limits=LIMITS), timeout)
    return _client(_PoolTransport(LIMITS, _PublicOnly(resolver or system_resolver)), timeout)


def _client(transport: httpx.AsyncBaseTransport, timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        headers={"Accept-Encoding": "gzip, deflate"},
        trust_env=False,
    )


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float
    max_bytes: int
    user_agent: str = USER_AGENT

    @classmethod
    def for_source(cls, fetch: FetchSettings, source: SourceSettings) -> FetchPolicy:
        return cls(
            timeout=fetch.timeout,
            max_bytes=fetch.max_bytes,
            user_agent=source.user_agent or USER_AGENT,
        )


class HostLimiter:
    """At most PER_HOST requests at a time to one host."""

    def __init__(self, per_host: int = PER_HOST) -> None:
        self._per_host = per_host
        self._locks: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))

    def __call__(self, host: str) -> asyncio.Semaphore:
        return self._locks[host.lower()]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def fetch(
    client: httpx.AsyncClient,
    source: str,
    url: str,
    validators: Validators,
    policy: FetchPolicy,
    limiter: HostLimiter | None = None,
) -> Fetched | NotModified:
    """Fetch ``url`` within ``policy.timeout`` seconds; raise FetchError naming the reason."""
    # Waiting for a slot at a busy host does not count against the deadline; the fetch does.
    slot = limiter(urlsplit(url).hostname or "") if limiter else contextlib.nullcontext()
    try:
        async with slot, asyncio.timeout(policy.timeout):
            return await _fetch(client, source, url, validators, policy)
    except TimeoutError as exc:
        raise FetchError(source, f"timed out after {policy.timeout:g} s") from exc
    except AddressRefused as exc:
        raise FetchError(source, str(exc)) from exc
    except httpx.HTTPError as exc:
        raise FetchError(source, f"{type(exc).__name__}: {exc or 'connection failed'}") from exc


async def _fetch(
    client: httpx.AsyncClient,
    source: str,
    url: str,
    validators: Validators,
    policy: FetchPolicy,
) -> Fetched | NotModified:
    headers = {"User-Agent": policy.user_agent, "Accept": ACCEPT}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    permanent: str | None = None
    all_permanent = True
    asked: ServerAsk | None = None  # a redirect hop's Retry-After
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        async with client.stream("GET", current, headers=headers) as response:
            if response.status_code == 304:
                asked = later(asked, freshness(response.headers))
                return NotModified(source, validators, permanent, asked)
            if response.status_code in (301, 302, 303, 307, 308):
                asked = later(asked, retry_after(response.headers))
                location = response.headers.get("location")
                if not location:
                    raise FetchError(
                        source, f"HTTP {response.status_code} without a Location", asked
                    )
                target = urljoin(current, location)
                if urlsplit(target).scheme not in ("http", "https"):
                    raise FetchError(source, f"redirect to a non-http URL: {target}", asked)
                all_permanent = all_permanent and response.status_code in (301, 308)
                if all_permanent:
                    permanent = target
                current = target
                continue
            if response.status_code >= 400:
                reason = response.reason_phrase or ""
                asked = later(asked, retry_after(response.headers))
                raise FetchError(source, f"HTTP {response.status_code} {reason}".strip(), asked)
            body = await _read_capped(response, source, policy.max_bytes)
            return Fetched(
                source=source,
                url=str(response.url),
                body=body,
                headers={k.lower(): v for k, v in response.headers.items()},
                validators=Validators(
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                ),
                permanent_url=permanent,
                asked=later(asked, freshness(response.headers)),
            )
    raise FetchError(source, f"more than {MAX_REDIRECTS} redirects", asked)


async def _read_capped(response: httpx.Response, source: str, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if (
        declared
        and declared.isdigit()
        and int(declared) > max_bytes
        and not response.headers.get("content-encoding")
    ):
        raise FetchError(source, f"too large: {declared} bytes, the limit is {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(source, f"too large: more than {max_bytes} bytes")
            chunks.append(chunk)
    except httpx.DecodingError as exc:
        raise FetchError(source, f"the body cannot be decoded: {exc}") from exc
    return b"".join(chunks)


# --- what the server asks -----------------------------------------------------------------------


def retry_after(headers: httpx.Headers) -> ServerAsk | None:
    """``Retry-After``: delay-seconds or an HTTP date (RFC 9110 §10.2.3); None when absent,
    unreadable or not in the future."""
    value = headers.get("retry-after", "")
    delay = _seconds(value)
    if delay is None:
        moment = _http_date(value)
        if moment is None:
            return None
        delay = moment - _answered(headers)
    return ServerAsk("retry-after", delay) if delay > timedelta(0) else None


def freshness(headers: httpx.Headers) -> ServerAsk | None:
    """How long a 200 or 304 stays fresh (RFC 9111 §4.2): ``Cache-Control: max-age``, else
    ``Expires`` less the answer's ``Date``; less its ``Age``. None when the server gives no
    lifetime, forbids keeping the answer (``no-store``, ``no-cache``) or it is stale already."""
    directives: dict[str, str] = {}
    for part in parse_http_list(headers.get("cache-control", "")):
        name, _, value = part.partition("=")
        directives.setdefault(name.strip().lower(), value)
    if "no-store" in directives or "no-cache" in directives:
        return None
    if "max-age" in directives:  # max-age wins over Expires, also when it is unreadable
        max_age = _seconds(directives["max-age"])
        if max_age is None:
            return None
        ask = ServerAsk("max-age", max_age)
    else:
        expires = _http_date(headers.get("expires", ""))  # "0" and junk: expired already
        if expires is None:
            return None
        ask = ServerAsk("expires", expires - _answered(headers))
    age = _seconds(headers.get("age", ""))
    if age is not None:
        ask = ServerAsk(ask.reason, ask.delay - age)
    return ask if ask.delay > timedelta(0) else None


def later(first: ServerAsk | None, second: ServerAsk | None) -> ServerAsk | None:
    """The later of two wishes (a redirect hop's and the final answer's)."""
    if first is None or second is None:
        return first or second
    return second if second.delay > first.delay else first


def _seconds(value: str) -> timedelta | None:
    """A delta-seconds value (digits, quoted or not), at most :data:`MAX_ASKED_SECONDS`; None
    when it is not one."""
    value = value.strip().strip('"')
    if not (value.isascii() and value.isdigit()):
        return None
    return timedelta(seconds=min(int(value), MAX_ASKED_SECONDS))


def _http_date(value: str) -> datetime | None:
    """An HTTP date (IMF-fixdate, RFC 850 or asctime), aware UTC; None when unreadable."""
    try:
        moment = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _answered(headers: httpx.Headers) -> datetime:
    """When the server answered, by its own clock (``Date``), else by ours."""
    return _http_date(headers.get("date", "")) or datetime.now(UTC)
