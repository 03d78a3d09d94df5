"""Watching, as an operator sees it: `run_cycle` against real local websites (tests/fakes)."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from ogbot.app import cycle
from ogbot.bot.coordinator_views import sources_html
from ogbot.config import build_settings
from ogbot.models import NextFetch, SourceState
from ogbot.store import AsyncStore, Store
from ogbot.watch import backoff
from ogbot.watch.fetch import make_client
from ogbot.watch.model import ServerAsk
from ogbot.watch.normalise import link_key
from ogbot.web import start_web
from tests.fakes.web import site_bytes

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def settings_for(tmp_path: Path, sources: list[dict], **fetch) -> object:
    document = {
        "fetch": {"allow_private": True, "timeout": 2, **fetch},
        "sources": sources,
    }
    return build_settings(document, {}, tmp_path)


async def run_cycle(settings, store, now=NOW):
    async with make_client(settings.fetch.timeout, settings.fetch.allow_private) as client:
        return await cycle.run_cycle(settings, client, store, lambda: now, force=True)


@pytest.fixture
def store(tmp_path):
    store = AsyncStore.open(tmp_path / "data")
    yield store
    store.close()


def lines(report):
    return {source.name: source.line() for source in report.sources}


async def test_watch_feeds_and_listing_yield_items_once(fake_web, tmp_path, store):
    settings = settings_for(
        tmp_path,
        [
            {"name": "ogp", "url": fake_web.fixture("/feed/", "ogp.rss", etag='"v1"')},
            {"name": "netzwerk", "url": fake_web.fixture("/de/feed/", "netzwerk.rss")},
            {
                "name": "bund",
                "url": fake_web.fixture("/opengov-de", "bundesregierung.html"),
                "type": "html",
                "select": {
                    "item": "div.teaser",
                    "title": "h3",
                    "link": "h3 a",
                    "date": "time",
                    "summary": "p.teaser-text",
                },
            },
        ],
    )
    report = await run_cycle(settings, store)
    assert lines(report) == {
        "ogp": "ogp: 6 new, 0 updated",
        # one of the network's four items is the OGP story under a tracking link: stored once
        "netzwerk": "netzwerk: 3 new, 0 updated",
        "bund": "bund: 5 new, 0 updated",
    }
    items = store.run(Store.latest_items, 100)
    assert len(items) == 14
    review = next(i for i in items if "For Public Comment" in i.title)
    assert review.source == "ogp" and review.kind == "consultation"
    assert review.deadline == date(2026, 12, 15)
    assert review.published.tzinfo is not None
    # hostile content never survives
    for item in items:
        for bad in ("<script", "onerror", "javascript:", "<iframe", "<style"):
            assert bad not in item.content_html.lower()
        assert item.link.startswith("http")
    bund = [i for i in items if i.source == "bund"]
    assert all(i.link.startswith(fake_web.base_url + "/opengov-de/") for i in bund)
    assert any(i.kind == "consultation" and i.deadline == date(2027, 1, 12) for i in bund)
    news = next(i for i in items if i.title.startswith("Mehr Beteiligung wagen"))
    assert news.kind == "news"
    # first sight is marked, so publishing can honour publish.backlog
    assert all(i.backlog for i in items)

    again = await run_cycle(settings, store)
    assert lines(again)["ogp"] == "ogp: 0 new, 0 updated (not modified)"
    assert fake_web.requests[-1].headers.get("if-none-match") or any(
        r.headers.get("if-none-match") == '"v1"' for r in fake_web.requests
    )
    assert lines(again)["netzwerk"] == "netzwerk: 0 new, 0 updated"


async def test_watch_edited_item_is_updated_not_duplicated(fake_web, tmp_path, store):
    url = fake_web.fixture("/feed/", "ogp.rss")
    settings = settings_for(tmp_path, [{"name": "ogp", "url": url}])
    await run_cycle(settings, store)
    fake_web.fixture("/feed/", "ogp-page2.rss")
    report = await run_cycle(settings, store)
    assert lines(report)["ogp"] == "ogp: 1 new, 1 updated"
    titles = [i.title for i in store.run(Store.latest_items, 100)]
    assert len(titles) == 7
    assert any(t.startswith("Kenya’s Open Contracting Portal") for t in titles)
    new = [i for i in store.run(Store.latest_items, 100) if not i.backlog]
    assert len(new) == 1


async def test_watch_renamed_federal_page_stays_one_item(fake_web, tmp_path, store):
    select = {"item": "div.teaser", "title": "h3", "link": "h3 a"}
    url = fake_web.fixture("/opengov-de", "bundesregierung.html")
    settings = settings_for(
        tmp_path, [{"name": "bund", "url": url, "type": "html", "select": select}]
    )
    await run_cycle(settings, store)
    # the site renames the page's slug; the number at the end stays
    renamed = site_bytes("bundesregierung.html").replace(b"entwurf-5-nap-", b"neuer-slug-")
    fake_web.route("/opengov-de", body=renamed, content_type="text/html; charset=utf-8")
    report = await run_cycle(settings, store)
    assert lines(report)["bund"] == "bund: 0 new, 1 updated"
    assert any("neuer-slug-2294412" in i.link for i in store.run(Store.latest_items, 100))


async def test_watch_does_not_stop_on_failing_sources(fake_web, other_host, tmp_path, store):
    # the slow ones live on a host of their own: waiting for a busy host counts against the
    # deadline, and they would hold its two connection slots for their whole deadline
    good = fake_web.fixture("/good", "ogp.rss")
    sources = [
        {"name": "good", "url": good},
        {"name": "error", "url": fake_web.route("/500", status=500, body=b"oops")},
        {"name": "slow", "url": other_host.fixture("/slow", "ogp.rss", delay=5)},
        {"name": "trickle", "url": other_host.fixture("/trickle", "ogp.rss", trickle=0.2)},
        {"name": "endless", "url": fake_web.fixture("/endless", "ogp.rss", endless=True)},
        {"name": "html", "url": fake_web.fixture("/page", "not-a-feed.html")},
        {"name": "broken", "url": fake_web.fixture("/broken", "broken.xml")},
        {"name": "bomb", "url": fake_web.fixture("/bomb", "bomb-exponential.xml")},
        {"name": "quadratic", "url": fake_web.fixture("/quad", "bomb-quadratic.xml")},
        {"name": "gone", "url": fake_web.url("/missing")},
        {
            "name": "listing",
            "url": fake_web.fixture("/empty", "empty-listing.html"),
            "type": "html",
            "select": {"item": "div.teaser", "title": "h3", "link": "h3 a"},
        },
    ]
    settings = settings_for(tmp_path, sources, max_bytes=200_000)
    started = time.monotonic()
    report = await run_cycle(settings, store)
    elapsed = time.monotonic() - started
    got = lines(report)
    assert got["good"] == "good: 6 new, 0 updated"
    assert got["error"] == "error: error: fetch: HTTP 500 Internal Server Error"
    assert got["slow"] == "slow: error: fetch: timed out after 2 s"
    assert got["trickle"] == "trickle: error: fetch: timed out after 2 s"
    assert got["endless"].startswith("endless: error: fetch: too large")
    assert got["html"] == "html: error: parse: an HTML page, not a feed"[: len(got["html"])] or (
        "not a feed" in got["html"]
    )
    assert "error: parse" in got["broken"]
    assert "entit" in got["bomb"] and "entit" in got["quadratic"]
    assert got["gone"] == "gone: error: fetch: HTTP 404 Not Found"
    assert got["listing"] == "listing: error: scrape: selectors matched no items"
    assert elapsed < 2 + 2.5, f"the cycle took {elapsed:.1f} s"
    states = {s.name: s for s in store.run(Store.sources)}
    assert states["error"].failures == 1 and states["error"].next_due > NOW
    assert states["good"].failures == 0


async def test_watch_backoff_grows_while_failing_and_resets_on_recovery(fake_web, tmp_path, store):
    url = fake_web.route("/feed", status=503)
    settings = settings_for(tmp_path, [{"name": "s", "url": url}], interval=10)
    await run_cycle(settings, store)
    first = store.run(Store.sources)[0]
    await run_cycle(settings, store)
    second = store.run(Store.sources)[0]
    assert (second.next_due - NOW) > (first.next_due - NOW)
    fake_web.fixture("/feed", "ogp.rss")
    await run_cycle(settings, store)
    healed = store.run(Store.sources)[0]
    assert healed.failures == 0 and (healed.next_due - NOW).total_seconds() == 600


async def test_watch_refuses_private_addresses_unless_allowed(fake_web, tmp_path, store):
    url = fake_web.fixture("/feed/", "ogp.rss")
    document = {"fetch": {"timeout": 2}, "sources": [{"name": "local", "url": url}]}
    settings = build_settings(document, {}, tmp_path)
    report = await run_cycle(settings, store)
    assert "private address" in lines(report)["local"]
    assert fake_web.hits("/feed/") == 0


async def test_watch_refuses_a_name_that_resolves_to_a_private_address_at_connect(
    fake_web, tmp_path, store
):
    """A public-looking name whose DNS answer is the loopback, where an internal service
    listens (also what a rebinding turns into): the address connected to is the one checked,
    and nothing is sent to it."""
    fake_web.fixture("/feed/", "ogp.rss")
    url = f"http://feeds.example:{fake_web.port}/feed/"
    document = {"fetch": {"timeout": 2}, "sources": [{"name": "rebound", "url": url}]}
    settings = build_settings(document, {}, tmp_path)

    async def answer(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    async with make_client(2, allow_private=False, resolver=answer) as client:
        report = await cycle.run_cycle(settings, client, store, lambda: NOW)
    assert lines(report)["rebound"] == (
        "rebound: error: fetch: feeds.example is a private address (127.0.0.1); "
        "set fetch.allow_private to allow it"
    )
    assert fake_web.hits("/feed/") == 0


async def test_watch_gzip_charset_redirect_and_formats(fake_web, tmp_path, store):
    moved = fake_web.fixture("/new-feed", "ogp.rss", gzip=True)
    sources = [
        {"name": "moved", "url": fake_web.route("/old-feed", status=301, redirect=moved)},
        {"name": "atom", "url": fake_web.fixture("/atom", "atom-latin1.xml")},
        {"name": "rdf", "url": fake_web.fixture("/rdf", "rss10.rdf")},
        {"name": "old", "url": fake_web.fixture("/091", "rss091.xml")},
        {"name": "json", "url": fake_web.fixture("/json", "feed.json")},
        {"name": "malformed", "url": fake_web.fixture("/malformed", "malformed.rss")},
    ]
    settings = settings_for(tmp_path, sources)
    report = await run_cycle(settings, store)
    got = lines(report)
    assert got["moved"] == "moved: 6 new, 0 updated"
    assert got["rdf"] == "rdf: 2 new, 0 updated"
    assert got["old"] == "old: 2 new, 0 updated"
    assert got["json"] == "json: 2 new, 0 updated"
    assert got["malformed"] == "malformed: 3 new, 0 updated"
    assert got["atom"].startswith("atom: 3 new")
    titles = [i.title for i in store.run(Store.latest_items, 100)]
    assert any("Übersicht über Beteiligungsverfahren" in t for t in titles)
    state = next(s for s in store.run(Store.sources) if s.name == "moved")
    assert state.fetch_url == moved  # the permanent redirect is remembered
    undated = [i for i in store.run(Store.latest_items, 100) if not i.date_known]
    assert undated and all(i.published == NOW for i in undated)


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ("https://www.example.org/a/b/", "http://example.org/a/b?utm_source=x#comments"),
        ("https://EXAMPLE.org/a", "https://example.org/a/"),
        (
            "https://www.open-government-deutschland.de/opengov-de/aktuelles/alt-2294412",
            "https://www.open-government-deutschland.de/opengov-de/aktuelles/neu-2294412",
        ),
    ],
)
def test_watch_link_key_identifies_one_page(one, two):
    assert link_key(one) == link_key(two)


def test_watch_link_key_keeps_different_pages_apart():
    assert link_key("https://example.org/a?id=1") != link_key("https://example.org/a?id=2")
    assert link_key("https://example.org/post-2/") != link_key("https://example.org/post-3/")


async def test_watch_include_and_exclude_keep_only_matching_items(fake_web, tmp_path, store):
    url = fake_web.fixture("/feed/", "ogp.rss")
    settings = settings_for(
        tmp_path,
        [
            {
                "name": "ogp",
                "url": url,
                # a category counts; case does not; one exclude term drops an included item
                "include": ["GERMANY", "open contracting"],
                "exclude": ["kenya"],
            }
        ],
    )
    report = await run_cycle(settings, store)
    titles = sorted(i.title for i in store.run(Store.latest_items, 100))
    assert lines(report)["ogp"] == "ogp: 2 new, 0 updated"
    assert titles[0].startswith("Germany Action Plan Review")
    assert titles[1].startswith("Open Data & Open Contracting")


def test_parse_lazy_loaded_image_in_noscript_is_an_image_not_escaped_markup():
    from ogbot.watch.parse import parse_feed

    image = (
        '<p>Auftakt in Berlin.</p><img data-src="https://netz.example/bild.jpg" class="lazy">'
        '<noscript><img src="https://netz.example/bild.jpg" alt="Podium"></noscript>'
        "<p>Bericht folgt.</p>"
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>n</title>'
        "<link>https://netz.example/</link><description>d</description><item>"
        "<title>Auftakt</title><link>https://netz.example/auftakt/</link>"
        '<guid isPermaLink="false">https://netz.example/?p=7</guid>'
        "<pubDate>Mon, 23 Nov 2026 09:00:00 +0000</pubDate>"
        f"<description><![CDATA[{image}]]></description>"
        f"<content:encoded><![CDATA[{image}]]></content:encoded></item></channel></rss>"
    ).encode()
    [entry] = parse_feed("netzwerk", body, "https://netz.example/feed/", {}).entries
    assert entry.summary == "Auftakt in Berlin. Bericht folgt."
    assert '<img alt="Podium" src="https://netz.example/bild.jpg">' in entry.content_html
    assert "&lt;" not in entry.content_html


def _story_feed(title: str, link: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{title} site</title><link>{link}</link>
<description>x</description>
<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{title}-1</guid>
<pubDate>Mon, 23 Nov 2026 09:00:00 +0000</pubDate><description>Die gleiche Geschichte.</description>
</item></channel></rss>"""


async def test_the_first_configured_source_wins_a_shared_story_whatever_answers_first(
    fake_web, tmp_path, store
):
    # ogp answers last (slow), broken fails at once, netzwerk answers first: all carry one story
    story = "https://www.opengovpartnership.org/news/germany-action-plan/"
    settings = settings_for(
        tmp_path,
        [
            {
                "name": "ogp",
                "url": fake_web.route("/ogp", body=_story_feed("OGP", story), delay=0.6),
            },
            {"name": "broken", "url": fake_web.route("/broken", body=b"gone", status=404)},
            {
                "name": "netzwerk",
                "url": fake_web.route("/netz", body=_story_feed("Netzwerk", story)),
            },
        ],
    )
    report = await run_cycle(settings, store)
    assert lines(report) == {
        "ogp": "ogp: 1 new, 0 updated",
        "broken": "broken: error: fetch: HTTP 404 Not Found",
        "netzwerk": "netzwerk: 0 new, 0 updated",
    }
    [item] = store.run(Store.latest_items, 10)
    assert (item.source, item.title) == ("ogp", "OGP")


async def test_waiting_for_a_busy_host_counts_against_the_deadline(
    fake_web, other_host, tmp_path, store
):
    # six hanging sources on one host, two connections at a time: the four waiting for a slot
    # time out while they wait (no request of theirs reaches the host), instead of each getting
    # a deadline of its own after the others; the source on another host is stored all the same
    hanging = [
        {"name": f"hang{n}", "url": fake_web.route(f"/hang{n}", body=b"x", delay=5)}
        for n in range(6)
    ]
    quick = other_host.fixture("/feed/", "ogp.rss")
    settings = settings_for(tmp_path, [*hanging, {"name": "ogp", "url": quick}], timeout=1)
    report = await run_cycle(settings, store)
    for n in range(6):
        assert lines(report)[f"hang{n}"] == f"hang{n}: error: fetch: timed out after 1 s"
    assert lines(report)["ogp"] == "ogp: 6 new, 0 updated"
    asked = sum(fake_web.hits(f"/hang{n}") for n in range(6))
    assert asked < 6, "every hanging source got a deadline of its own after waiting"


# --- when a source is fetched again: its interval, the backoff, what the server asks -----------

HOUR = timedelta(hours=1)
HALF_HOUR = timedelta(minutes=30)
BERLIN = ZoneInfo("Europe/Berlin")


def asks(reason: str, delay: timedelta) -> ServerAsk:
    return ServerAsk(reason, delay)  # type: ignore[arg-type]


# interval, failures in a row, what the server asked -> the next fetch after NOW, and why
NEXT_FETCH: list[tuple[timedelta, int, ServerAsk | None, timedelta, str]] = [
    (HALF_HOUR, 0, None, HALF_HOUR, "interval"),
    (HALF_HOUR, 2, None, 2 * HOUR, "backoff"),
    (HALF_HOUR, 1, asks("retry-after", 2 * HOUR), 2 * HOUR, "retry-after"),
    (HALF_HOUR, 1, asks("retry-after", timedelta(minutes=10)), HOUR, "backoff"),
    (HALF_HOUR, 3, asks("retry-after", 2 * HOUR), 4 * HOUR, "backoff"),
    (HALF_HOUR, 1, asks("retry-after", timedelta(days=2)), timedelta(days=1), "retry-after"),
    (HALF_HOUR, 20, asks("retry-after", timedelta(days=2)), timedelta(days=1), "backoff"),
    (HALF_HOUR, 0, asks("max-age", HOUR), HOUR, "max-age"),
    (HALF_HOUR, 0, asks("max-age", timedelta(minutes=10)), HALF_HOUR, "interval"),
    (HALF_HOUR, 0, asks("max-age", HALF_HOUR), HALF_HOUR, "interval"),
    (HALF_HOUR, 0, asks("max-age", timedelta(days=365)), timedelta(days=1), "max-age"),
    (HALF_HOUR, 0, asks("expires", 2 * HOUR), 2 * HOUR, "expires"),
    # never sooner than the interval, also when it is longer than the caps
    (timedelta(days=2), 0, asks("max-age", timedelta(days=3)), timedelta(days=2), "interval"),
    (timedelta(days=2), 1, None, timedelta(days=2), "backoff"),
]


@pytest.mark.parametrize(("interval", "failures", "asked", "delay", "reason"), NEXT_FETCH)
def test_next_fetch_is_the_later_of_the_schedule_and_the_servers_wish_capped_at_a_day(
    interval, failures, asked, delay, reason
):
    assert backoff.next_fetch(NOW, interval, failures, asked) == NextFetch(NOW + delay, reason)


def http_date(delta: timedelta) -> str:
    return email.utils.format_datetime(datetime.now(UTC) + delta, usegmt=True)


async def polled(fake_web, tmp_path, store, **route) -> SourceState:
    """One cycle at NOW over a source polled every 30 minutes that answers with ``route``;
    its stored state."""
    settings = settings_for(
        tmp_path, [{"name": "s", "url": fake_web.fixture("/feed/", "ogp.rss", **route)}]
    )
    assert settings.fetch.interval == 30
    await run_cycle(settings, store)
    [state] = store.run(Store.sources)
    return state


async def test_watch_a_429_with_retry_after_is_fetched_again_when_the_server_says(
    fake_web, tmp_path, store
):
    state = await polled(fake_web, tmp_path, store, status=429, headers={"Retry-After": "7200"})
    assert state.last_error == "HTTP 429 Too Many Requests" and state.failures == 1
    # not after the backoff's hour: after the two hours the server asked for
    assert state.next_due == NOW + 2 * HOUR
    assert (state.due_reason, state.due_why) == ("retry-after", "Retry-After")
    assert not state.due(NOW + HOUR) and state.due(NOW + 2 * HOUR)


async def test_watch_honours_a_retry_after_http_date(fake_web, tmp_path, store):
    state = await polled(
        fake_web, tmp_path, store, status=503, headers={"Retry-After": http_date(3 * HOUR)}
    )
    assert state.due_reason == "retry-after"
    assert NOW + 3 * HOUR - timedelta(seconds=3) <= state.next_due <= NOW + 3 * HOUR


@pytest.mark.parametrize("retry_after", ["172800", http_date(timedelta(days=3))])
async def test_watch_caps_what_a_server_asks_at_a_day(fake_web, tmp_path, store, retry_after):
    state = await polled(
        fake_web, tmp_path, store, status=503, headers={"Retry-After": retry_after}
    )
    assert (state.next_due, state.due_reason) == (NOW + timedelta(days=1), "retry-after")


async def test_watch_a_max_age_longer_than_the_interval_is_the_next_fetch(
    fake_web, tmp_path, store
):
    state = await polled(fake_web, tmp_path, store, headers={"Cache-Control": "max-age=3600"})
    assert state.items == 6 and state.failures == 0
    assert (state.next_due, state.due_reason) == (NOW + HOUR, "max-age")
    assert state.due_why == "Cache-Control max-age"


async def test_watch_expires_is_the_next_fetch(fake_web, tmp_path, store):
    state = await polled(fake_web, tmp_path, store, headers={"Expires": http_date(2 * HOUR)})
    assert (state.due_reason, state.due_why) == ("expires", "Expires")
    assert NOW + 2 * HOUR - timedelta(seconds=3) <= state.next_due <= NOW + 2 * HOUR


async def test_watch_a_max_age_shorter_than_the_interval_changes_nothing(fake_web, tmp_path, store):
    state = await polled(fake_web, tmp_path, store, headers={"Cache-Control": "max-age=600"})
    assert (state.next_due, state.due_reason) == (NOW + HALF_HOUR, "interval")
    assert state.due_why == "interval"


async def test_watch_a_not_modified_answer_keeps_its_validators_and_its_max_age(
    fake_web, tmp_path, store
):
    route = {"etag": '"v1"', "headers": {"Cache-Control": "max-age=5400"}}
    settings = settings_for(
        tmp_path, [{"name": "s", "url": fake_web.fixture("/feed/", "ogp.rss", **route)}]
    )
    await run_cycle(settings, store)
    report = await run_cycle(settings, store, NOW + 2 * HOUR)
    assert lines(report)["s"] == "s: 0 new, 0 updated (not modified)"
    assert fake_web.requests[-1].headers["if-none-match"] == '"v1"'
    [state] = store.run(Store.sources)
    assert (state.next_due, state.due_reason) == (NOW + 3.5 * HOUR, "max-age")


async def test_watch_after_the_pause_the_source_is_back_on_its_interval(fake_web, tmp_path, store):
    state = await polled(fake_web, tmp_path, store, status=429, headers={"Retry-After": "7200"})
    assert state.due_reason == "retry-after"
    fake_web.fixture("/feed/", "ogp.rss")  # the server lets us in again
    settings = settings_for(tmp_path, [{"name": "s", "url": fake_web.url("/feed/")}])
    await run_cycle(settings, store, NOW + 2 * HOUR)
    [state] = store.run(Store.sources)
    assert (state.failures, state.next_due) == (0, NOW + 2 * HOUR + HALF_HOUR)
    assert state.due_reason == "interval"


async def test_watch_the_next_fetch_and_why_in_healthz_and_the_bots_sources(
    fake_web, tmp_path, store
):
    settings = settings_for(
        tmp_path,
        [
            {
                "name": "limited",
                "url": fake_web.route("/limited", status=429, headers={"Retry-After": "7200"}),
            },
            {"name": "down", "url": fake_web.route("/down", status=500)},
            {"name": "ok", "url": fake_web.fixture("/ok", "ogp.rss")},
        ],
    )
    await run_cycle(settings, store)

    server = await start_web(settings, store, clock=lambda: NOW, host="127.0.0.1", port=0)
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            health = (await client.get(server.url + "/healthz")).json()
    finally:
        await server.stop()
    sources = {source["name"]: source for source in health["sources"]}
    assert sources["limited"]["next_fetch"] == "2026-11-23T14:00:00+00:00"
    assert sources["limited"]["next_fetch_reason"] == "Retry-After"
    assert sources["down"]["next_fetch"] == "2026-11-23T13:00:00+00:00"
    assert sources["down"]["next_fetch_reason"] == "backoff after 1 failure"
    assert sources["ok"]["next_fetch"] == "2026-11-23T12:30:00+00:00"
    assert sources["ok"]["next_fetch_reason"] == "interval"

    # what a coordinator reads in /sources (Berlin time: UTC+1 in November)
    html = sources_html(settings.sources, store.run(Store.sources), {}, BERLIN)
    [limited, down, ok] = [line for line in html.splitlines() if line.startswith(("⚠️", "✅"))]
    assert "limited" in limited and "(1×): HTTP 429 Too Many Requests" in limited
    assert limited.endswith("nächster Abruf 23.11.2026 15:00 Uhr (Retry-After des Servers)")
    assert down.endswith("nächster Abruf 23.11.2026 14:00 Uhr (Backoff nach 1 Fehler)")
    assert ok.endswith("nächster Abruf 23.11.2026 13:30 Uhr (Intervall)")
