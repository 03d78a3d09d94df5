"""The fake web itself: every misbehaviour it offers, checked with httpx over real sockets."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.web import SITES, FakeWeb, Route, site_bytes
from tests.fakes.web import fake_web as fake_web  # the fixture, until conftest registers it

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture
def web(fake_web: FakeWeb) -> FakeWeb:
    return fake_web


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as c:
        yield c


@pytest.fixture
def own_web() -> Iterator[FakeWeb]:
    """A FakeWeb the test stops itself (and times); stopped again, harmlessly, afterwards."""
    server = FakeWeb().start()
    yield server
    server.stop()


def test_serves_a_route_with_status_body_and_type(web: FakeWeb, client: httpx.Client) -> None:
    url = web.route("/feed/", body=FEED)
    assert url == f"{web.base_url}/feed/"
    assert web.base_url.startswith("http://127.0.0.1:")

    response = client.get(url)

    assert response.status_code == 200
    assert response.content == FEED
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert response.headers["content-length"] == str(len(FEED))


def test_unknown_path_is_404(web: FakeWeb, client: httpx.Client) -> None:
    web.route("/feed/", body=FEED)
    assert client.get(web.url("/nothing-here")).status_code == 404
    assert client.get(web.url("/")).status_code == 404


def test_head_sends_headers_without_body(web: FakeWeb, client: httpx.Client) -> None:
    url = web.route("/feed/", body=FEED, etag='"v1"')

    response = client.head(url)

    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(FEED))
    assert response.headers["etag"] == '"v1"'
    assert [(seen.method, seen.path) for seen in web.requests] == [("HEAD", "/feed/")]


def test_fixture_serves_the_file_with_a_fitting_type(web: FakeWeb, client: httpx.Client) -> None:
    rss = client.get(web.fixture("/feed/", "ogp.rss"))
    atom = client.get(web.fixture("/atom", "atom-latin1.xml"))
    html = client.get(web.fixture("/opengov-de", "bundesregierung.html"))
    as_feed = client.get(
        web.fixture("/feed2/", "not-a-feed.html", content_type="application/rss+xml")
    )

    assert rss.content == (SITES / "ogp.rss").read_bytes()
    assert rss.headers["content-type"].startswith("application/rss+xml")
    assert atom.content == site_bytes("atom-latin1.xml")
    assert atom.headers["content-type"] == "application/atom+xml"  # no charset: the XML says it
    assert "Übersicht".encode("latin-1") in atom.content
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert as_feed.headers["content-type"] == "application/rss+xml"
    assert as_feed.content.startswith(b"<!DOCTYPE html>")


def test_route_can_be_replaced_and_removed(web: FakeWeb, client: httpx.Client) -> None:
    url = web.route("/feed/", Route(body=b"one"))
    assert client.get(url).content == b"one"

    web.route("/feed/", Route(body=b"two"), status=503, headers={"Retry-After": "120"})
    second = client.get(url)
    assert (second.status_code, second.content) == (503, b"two")
    assert second.headers["retry-after"] == "120"

    web.remove("/feed/")
    assert client.get(url).status_code == 404


def test_a_route_with_a_query_wins_over_the_bare_path(web: FakeWeb, client: httpx.Client) -> None:
    web.route("/listing", body=b"page 1", content_type="text/html")
    web.route("/listing?page=2", body=b"page 2", content_type="text/html")

    assert client.get(web.url("/listing?page=2")).content == b"page 2"
    assert client.get(web.url("/listing?page=3")).content == b"page 1"
    assert web.hits("/listing") == 2
    assert web.hits("/listing?page=2") == 1


def test_etag_gives_304_on_if_none_match(web: FakeWeb, client: httpx.Client) -> None:
    url = web.route("/feed/", body=FEED, etag='"abc123"')

    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    weak = client.get(url, headers={"If-None-Match": 'W/"abc123", "other"'})
    changed = client.get(url, headers={"If-None-Match": '"old"'})

    assert first.status_code == 200
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == '"abc123"'
    assert weak.status_code == 304
    assert (changed.status_code, changed.content) == (200, FEED)
    assert web.requests[1].headers["if-none-match"] == '"abc123"'


def test_last_modified_gives_304_on_if_modified_since(web: FakeWeb, client: httpx.Client) -> None:
    stamp = "Tue, 17 Nov 2026 14:03:11 GMT"
    url = web.route("/feed/", body=FEED, last_modified=stamp)

    first = client.get(url)
    again = client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    older = client.get(url, headers={"If-Modified-Since": "Mon, 16 Nov 2026 08:00:00 GMT"})

    assert first.headers["last-modified"] == stamp
    assert (again.status_code, again.content) == (304, b"")
    assert (older.status_code, older.content) == (200, FEED)


def test_if_none_match_takes_precedence_over_if_modified_since(
    web: FakeWeb, client: httpx.Client
) -> None:
    stamp = "Tue, 17 Nov 2026 14:03:11 GMT"
    url = web.route("/feed/", body=FEED, etag='"new"', last_modified=stamp)

    response = client.get(url, headers={"If-None-Match": '"old"', "If-Modified-Since": stamp})

    assert response.status_code == 200


def test_gzip_is_sent_when_accepted_and_decoded_by_httpx(
    web: FakeWeb, client: httpx.Client
) -> None:
    body = site_bytes("ogp.rss")
    url = web.route("/feed/", body=body, gzip=True)

    with client.stream("GET", url) as response:
        raw = b"".join(response.iter_raw())
    decoded = client.get(url)
    plain = client.get(url, headers={"Accept-Encoding": "identity"})

    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == body
    assert len(raw) < len(body)
    assert decoded.content == body
    assert "content-encoding" not in plain.headers
    assert plain.content == body
    assert web.requests[0].headers["accept-encoding"].startswith("gzip")


def test_redirect_sends_location(web: FakeWeb, client: httpx.Client) -> None:
    target = web.route("/feed/", body=FEED)
    old = web.route("/rss.xml", redirect=target, status=301)
    temp = web.route("/tmp", redirect="/feed/")  # relative, status defaults to 302

    moved = client.get(old)
    followed = client.get(temp, follow_redirects=True)

    assert moved.status_code == 301
    assert moved.headers["location"] == target
    assert followed.status_code == 200
    assert followed.content == FEED
    assert [r.status_code for r in followed.history] == [302]
    assert web.hits("/feed/") == 1


def test_delay_holds_back_the_answer(web: FakeWeb, client: httpx.Client) -> None:
    url = web.route("/slow", body=FEED, delay=0.3)

    started = time.monotonic()
    response = client.get(url)
    elapsed = time.monotonic() - started

    assert response.content == FEED
    assert elapsed >= 0.3


def test_delay_beyond_the_client_timeout_is_a_read_timeout(own_web: FakeWeb) -> None:
    url = own_web.route("/slow", body=FEED, delay=30)

    with pytest.raises(httpx.ReadTimeout), httpx.Client(timeout=0.2) as client:
        client.get(url)
    started = time.monotonic()
    own_web.stop()
    assert time.monotonic() - started < 2


def test_trickle_delivers_the_whole_body_slowly(web: FakeWeb, client: httpx.Client) -> None:
    url = web.route("/trickle", body=FEED, trickle=0.01, chunk_size=16)

    started = time.monotonic()
    response = client.get(url)

    assert response.content == FEED
    assert time.monotonic() - started >= 0.01 * (len(FEED) // 16 - 1)


def test_trickle_is_cut_by_a_client_timeout_and_stop_is_quick(own_web: FakeWeb) -> None:
    url = own_web.route("/trickle", body=site_bytes("ogp.rss"), trickle=0.5)

    with httpx.Client(timeout=0.2) as client, client.stream("GET", url) as response:
        assert response.status_code == 200  # headers come at once
        with pytest.raises(httpx.ReadTimeout):
            b"".join(response.iter_bytes())
    started = time.monotonic()
    own_web.stop()
    assert time.monotonic() - started < 2


def test_endless_keeps_sending_until_the_client_goes(own_web: FakeWeb) -> None:
    url = own_web.route("/endless", body=FEED, endless=True)

    received = 0
    with httpx.Client(timeout=2.0) as client, client.stream("GET", url) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > 1_000_000:
                break
    assert received > 1_000_000
    started = time.monotonic()
    own_web.stop()
    assert time.monotonic() - started < 2


def test_stop_is_quick_while_a_client_holds_an_endless_answer(own_web: FakeWeb) -> None:
    url = own_web.route("/endless", body=FEED, endless=True)

    with httpx.Client(timeout=2.0) as client, client.stream("GET", url) as response:
        first = next(response.iter_raw())  # then stop reading: the server blocks on a full socket
        assert first
        started = time.monotonic()
        own_web.stop()
        assert time.monotonic() - started < 2


def test_slow_endless_is_cut_by_a_client_timeout(own_web: FakeWeb) -> None:
    url = own_web.route("/endless", body=FEED, endless=True, trickle=0.5)

    with (
        httpx.Client(timeout=0.2) as client,
        client.stream("GET", url) as response,
        pytest.raises(httpx.ReadTimeout),
    ):
        for _ in response.iter_bytes():
            pass
    started = time.monotonic()
    own_web.stop()
    assert time.monotonic() - started < 2


def test_endless_gzip_inflates_far_beyond_the_wire_bytes(own_web: FakeWeb) -> None:
    url = own_web.route("/bomb", body=FEED, endless=True, gzip=True)

    decoded = 0
    with httpx.Client(timeout=2.0) as client, client.stream("GET", url) as response:
        assert response.headers["content-encoding"] == "gzip"
        for chunk in response.iter_bytes():
            decoded += len(chunk)
            if decoded > 2_000_000:
                break
        wire = response.num_bytes_downloaded
    assert decoded > 2_000_000
    assert wire * 10 < decoded


def test_truncate_breaks_off_before_the_announced_length(
    web: FakeWeb, client: httpx.Client
) -> None:
    url = web.route("/cut", body=site_bytes("ogp.rss"), truncate=100)

    with pytest.raises(httpx.RemoteProtocolError):
        client.get(url)


def test_requests_and_hits_record_method_path_and_headers(
    web: FakeWeb, client: httpx.Client
) -> None:
    url = web.route("/feed/", body=FEED)

    client.get(url, headers={"User-Agent": "ogbot/0.1 (+https://opengovpartnership.de)"})
    client.get(url + "?utm_source=x", headers={"User-Agent": "other"})
    client.head(url)

    seen = web.requests
    assert [(s.method, s.path, s.query) for s in seen] == [
        ("GET", "/feed/", ""),
        ("GET", "/feed/", "utm_source=x"),
        ("HEAD", "/feed/", ""),
    ]
    assert seen[0].headers["user-agent"] == "ogbot/0.1 (+https://opengovpartnership.de)"
    assert seen[1].target == "/feed/?utm_source=x"
    assert all(name == name.lower() for s in seen for name in s.headers)
    assert web.hits("/feed/") == 3
    assert web.hits("/feed/?utm_source=x") == 1
    assert web.hits("/other") == 0

    web.clear_requests()
    assert web.requests == []


def test_context_manager_starts_and_stops() -> None:
    with FakeWeb() as server:
        url = server.route("/x", body=b"ok", content_type="text/plain")
        assert httpx.get(url, timeout=2).text == "ok"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=1)
