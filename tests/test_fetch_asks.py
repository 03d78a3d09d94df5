"""What a server asks about the next request, as the fetch reads it from real answers of the
fake website: Retry-After (seconds, or an HTTP date in any of its three forms) on a refusal or a
redirect, Cache-Control max-age or Expires on a 200 or a 304. How the cycle weighs it against
the interval and the backoff is tests/test_watch.py's."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ogbot.models import Validators
from ogbot.watch.fetch import FetchPolicy, fetch, make_client
from ogbot.watch.model import Fetched, FetchError, NotModified, ServerAsk
from tests.fakes.web import FakeWeb

NONE = Validators()
HOUR = timedelta(hours=1)
SLACK = timedelta(seconds=3)  # HTTP dates count whole seconds; the answer's Date is a bit later


def imf(moment: datetime) -> str:
    """An HTTP date as servers send it: ``Sun, 06 Nov 1994 08:49:37 GMT``."""
    return email.utils.format_datetime(moment.astimezone(UTC), usegmt=True)


def rfc850(moment: datetime) -> str:
    """The obsolete form: ``Sunday, 06-Nov-94 08:49:37 GMT``."""
    return moment.astimezone(UTC).strftime("%A, %d-%b-%y %H:%M:%S GMT")


def asctime(moment: datetime) -> str:
    """C's asctime form: ``Sun Nov  6 08:49:37 1994``."""
    return moment.astimezone(UTC).strftime("%a %b %e %H:%M:%S %Y")


async def fetched(
    web: FakeWeb, validators: Validators = NONE, **route: Any
) -> Fetched | NotModified | FetchError:
    """Fetch what the fake website answers on /feed with ``route``."""
    url = route.pop("url", None) or web.fixture("/feed", "ogp.rss", **route)
    async with make_client(5, allow_private=True) as client:
        try:
            return await fetch(client, "s", url, validators, FetchPolicy(5, 200_000))
        except FetchError as exc:
            return exc


def later(delta: timedelta) -> datetime:
    return datetime.now(UTC) + delta


# name: (the answer on /feed, made as the test runs so its dates count from then; its class;
#        the reason and the delay asked for, None for no wish)
CASES: dict[str, tuple[Callable[[], dict[str, Any]], type, str | None, timedelta | None]] = {
    "429, Retry-After in seconds": (
        lambda: {"status": 429, "headers": {"Retry-After": "7200"}},
        FetchError,
        "retry-after",
        2 * HOUR,
    ),
    "503, Retry-After as an HTTP date": (
        lambda: {"status": 503, "headers": {"Retry-After": imf(later(3 * HOUR))}},
        FetchError,
        "retry-after",
        3 * HOUR,
    ),
    "503, Retry-After in RFC 850's form": (
        lambda: {"status": 503, "headers": {"Retry-After": rfc850(later(3 * HOUR))}},
        FetchError,
        "retry-after",
        3 * HOUR,
    ),
    "503, Retry-After in asctime's form": (
        lambda: {"status": 503, "headers": {"Retry-After": asctime(later(3 * HOUR))}},
        FetchError,
        "retry-after",
        3 * HOUR,
    ),
    "a 500 with Retry-After is heard too": (
        lambda: {"status": 500, "headers": {"Retry-After": "600"}},
        FetchError,
        "retry-after",
        timedelta(minutes=10),
    ),
    "429 without Retry-After": (lambda: {"status": 429}, FetchError, None, None),
    "Retry-After unreadable": (
        lambda: {"status": 503, "headers": {"Retry-After": "soon"}},
        FetchError,
        None,
        None,
    ),
    "Retry-After in the past": (
        lambda: {"status": 503, "headers": {"Retry-After": imf(later(-HOUR))}},
        FetchError,
        None,
        None,
    ),
    "a 200's Retry-After means nothing": (
        lambda: {"headers": {"Retry-After": "7200"}},
        Fetched,
        None,
        None,
    ),
    "200, max-age": (
        lambda: {"headers": {"Cache-Control": "public, max-age=3600"}},
        Fetched,
        "max-age",
        HOUR,
    ),
    "200, max-age less what a proxy kept it (Age)": (
        lambda: {"headers": {"Cache-Control": "max-age=3600", "Age": "600"}},
        Fetched,
        "max-age",
        timedelta(minutes=50),
    ),
    "200, Expires": (
        lambda: {"headers": {"Expires": imf(later(2 * HOUR))}},
        Fetched,
        "expires",
        2 * HOUR,
    ),
    "200, a quoted max-age": (
        lambda: {"headers": {"Cache-Control": 'max-age="3600"'}},
        Fetched,
        "max-age",
        HOUR,
    ),
    "an unreadable max-age still wins over Expires": (
        lambda: {"headers": {"Cache-Control": "max-age=soon", "Expires": imf(later(2 * HOUR))}},
        Fetched,
        None,
        None,
    ),
    "max-age wins over Expires": (
        lambda: {"headers": {"Cache-Control": "max-age=600", "Expires": imf(later(2 * HOUR))}},
        Fetched,
        "max-age",
        timedelta(minutes=10),
    ),
    "Expires: 0 is expired already": (lambda: {"headers": {"Expires": "0"}}, Fetched, None, None),
    "no-cache": (
        lambda: {"headers": {"Cache-Control": "no-cache, max-age=3600"}},
        Fetched,
        None,
        None,
    ),
    "no-store": (lambda: {"headers": {"Cache-Control": "no-store"}}, Fetched, None, None),
    "a plain 200": (lambda: {}, Fetched, None, None),
}


@pytest.mark.parametrize("case", CASES)
async def test_the_fetch_reads_what_the_server_asks(fake_web: FakeWeb, case: str) -> None:
    answer, kind, reason, delay = CASES[case]
    got = await fetched(fake_web, **answer())
    assert isinstance(got, kind), got
    asked = got.asked
    if reason is None:
        assert asked is None
        return
    assert asked is not None and asked.reason == reason
    assert delay is not None and delay - SLACK <= asked.delay <= delay


async def test_a_refusal_names_its_status_and_carries_retry_after(fake_web: FakeWeb) -> None:
    got = await fetched(fake_web, status=429, headers={"Retry-After": "7200"})
    assert isinstance(got, FetchError)
    assert str(got) == "s: fetch: HTTP 429 Too Many Requests"
    assert got.asked == ServerAsk("retry-after", 2 * HOUR)


async def test_a_304_carries_its_max_age_and_the_conditional_get_still_works(
    fake_web: FakeWeb,
) -> None:
    got = await fetched(
        fake_web,
        Validators(etag='"v1"'),
        etag='"v1"',
        headers={"Cache-Control": "max-age=7200"},
    )
    assert isinstance(got, NotModified)
    assert got.validators == Validators(etag='"v1"')
    assert got.asked == ServerAsk("max-age", 2 * HOUR)
    assert fake_web.requests[-1].headers["if-none-match"] == '"v1"'


async def test_a_redirect_hops_retry_after_counts_for_the_next_fetch(fake_web: FakeWeb) -> None:
    feed = fake_web.fixture("/new", "ogp.rss", headers={"Cache-Control": "max-age=60"})
    old = fake_web.route("/old", status=301, redirect=feed, headers={"Retry-After": "1800"})
    got = await fetched(fake_web, url=old)
    assert isinstance(got, Fetched)
    assert got.permanent_url == feed
    assert got.asked == ServerAsk("retry-after", timedelta(minutes=30))  # the later wish
