"""More feed outputs (SPEC "Additions (December 2026)", Web; issue 17.2): ``/feed.json`` (JSON
Feed 1.1) with the entries of ``/feed.atom``, the consultations alone as
``/konsultationen.atom`` and ``/konsultationen.rss``, autodiscovery links on the page, and the
same conditional GET (ETag, 304) for every feed.

As a follower's feed reader sees it: a cycle against the fake network site (a WordPress feed,
tests/data/sites/netzwerk-fristen.rss) writes the files, ogbot's own web server serves them over
a real socket, and the reader parses what it gets (feedparser, json + jsonschema).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import httpx
import jsonschema
import pytest

from ogbot.app.cycle import run_cycle
from ogbot.app.house import build_publisher
from ogbot.bot.conversation_views import resources_html
from ogbot.config import Settings, build_settings
from ogbot.models import Link
from ogbot.store import AsyncStore, Store
from ogbot.watch.fetch import make_client
from ogbot.web import start_web
from tests.fakes.web import FakeWeb

NOW = datetime(2027, 5, 3, 10, 0, tzinfo=UTC)  # 12:00 in Berlin
SITE = "https://news.example.org/og"
CONTACT = "https://x.com/OpenGovGermany"  # publish.contact_url by default
ANNOUNCEMENT = (
    "Am 20. Mai treffen wir uns in Berlin.\nProgramm: https://opengovpartnership.de/treffen"
)
# the consultations of the fixture, by the start of their titles (the fourth entry is news)
TRANSPARENCY = "Konsultation zum Transparenzgesetz"
OPEN_DATA = "Kommentierungsphase zur Open-Data-Strategie"
INTERIM = "Beteiligung am Zwischenbericht"
MEETING = "Netzwerktreffen im Mai"

# JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): what the spec requires ("version",
# "title", "items"; per item "id" and one of "content_html"/"content_text") and the types and
# formats of the optional fields ogbot writes
JSON_FEED_1_1 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string", "minLength": 1},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "description": {"type": "string"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": {"$ref": "#/$defs/author"}},
        "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
    },
    "$defs": {
        "author": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
            "anyOf": [{"required": ["name"]}, {"required": ["url"]}],
        },
        "item": {
            "type": "object",
            "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "url": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "content_html": {"type": "string", "minLength": 1},
                "summary": {"type": "string"},
                "date_published": {"type": "string", "format": "date-time"},
                "date_modified": {"type": "string", "format": "date-time"},
                "authors": {"type": "array", "items": {"$ref": "#/$defs/author"}},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}


@dataclass
class Network:
    """The network's site (fake), ogbot's data directory and store, and its web server."""

    tmp_path: Path
    web: FakeWeb
    store: AsyncStore
    url: str = ""  # where ogbot's web server listens, once serving

    @property
    def settings(self) -> Settings:
        document = {
            "publish": {"site_url": SITE + "/", "timezone": "Europe/Berlin"},
            "fetch": {"allow_private": True, "timeout": 5},
            "sources": [{"name": "netzwerk", "url": self.web.url("/feed/")}],
        }
        return build_settings(document, {"OGBOT_DATA_DIR": str(self.public.parent)}, self.tmp_path)

    @property
    def public(self) -> Path:
        return self.tmp_path / "data" / "public"

    async def cycle(self, now: datetime = NOW) -> None:
        """What a cycle does: fetch, store, write the public files."""
        settings = self.settings
        async with make_client(5, allow_private=True) as http:
            publisher = build_publisher(settings, self.store, None, clock=lambda: now)
            await run_cycle(settings, http, self.store, lambda: now, publisher=publisher)

    async def announce(self, text: str, now: datetime = NOW) -> None:
        publisher = build_publisher(self.settings, self.store, None, clock=lambda: now)
        await publisher.announce(text, "shell")

    async def write(self, now: datetime) -> None:
        """The files written again on another day (as after an announcement)."""
        await build_publisher(self.settings, self.store, None, clock=lambda: now).write_feeds()


@pytest.fixture
async def network(tmp_path: Path, fake_web: FakeWeb) -> AsyncIterator[Network]:
    fake_web.fixture("/feed/", "netzwerk-fristen.rss")
    store = AsyncStore.open(tmp_path / "data")
    network = Network(tmp_path, fake_web, store)
    await network.cycle()
    server = await start_web(network.settings, store, clock=lambda: NOW, host="127.0.0.1", port=0)
    network.url = server.url
    try:
        yield network
    finally:
        await server.stop()
        store.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def parsed(body: bytes) -> Any:
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def starts(titles: list[str]) -> list[str]:
    """Each title cut to the name this file gives it."""
    names = (TRANSPARENCY, OPEN_DATA, INTERIM, MEETING, "Am 20. Mai treffen wir uns")
    return [next((n for n in names if t.startswith(n)), t) for t in titles]


# --- /feed.json -----------------------------------------------------------------------------


async def test_json_feed_has_the_atom_feeds_entries_and_is_a_valid_json_feed_1_1(
    network: Network, client: httpx.AsyncClient
) -> None:
    await network.announce(ANNOUNCEMENT, NOW + timedelta(minutes=5))
    response = await client.get(network.url + "/feed.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/feed+json; charset=utf-8"
    document = json.loads(response.content)
    schema = jsonschema.Draft202012Validator(
        JSON_FEED_1_1, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    assert not [error.message for error in schema.iter_errors(document)]
    assert document["feed_url"] == f"{SITE}/feed.json"
    assert document["home_page_url"] == f"{SITE}/"

    atom = parsed((await client.get(network.url + "/feed.atom")).content)
    items = document["items"]
    # the same entries, in the same order, with the same ids, titles, links and dates
    assert [i["id"] for i in items] == [e.id for e in atom.entries]
    assert [i["title"] for i in items] == [e.title for e in atom.entries]
    assert [i["url"] for i in items] == [e.link for e in atom.entries]
    assert [i["date_published"] for i in items] == [e.published for e in atom.entries]
    assert starts([i["title"] for i in items]) == [
        "Am 20. Mai treffen wir uns",  # the announcement, newest
        MEETING,
        TRANSPARENCY,
        OPEN_DATA,
        INTERIM,
    ]
    announcement = items[0]
    assert announcement["id"].endswith(":announcement/1")
    # by the network (its contact, publish.contact_url), as in the Atom feed
    network_author = {"name": "Open Government Netzwerk Deutschland", "url": CONTACT}
    assert announcement["authors"] == [network_author] == document["authors"]
    assert atom.entries[0].author_detail.href == CONTACT
    assert (
        '<a href="https://opengovpartnership.de/treffen">https://opengovpartnership.de/treffen</a>'
        in announcement["content_html"]
    )
    consultation = items[2]
    assert consultation["content_html"].startswith(
        "<p><strong>Konsultation – Frist: 12.05.2027</strong></p>"
    )
    assert consultation["summary"].startswith("Konsultation – Frist: 12.05.2027 Das Bundes")
    assert consultation["authors"] == [{"name": "Anna Schmidt"}]
    assert "Frist: 2027-05-12" in consultation["tags"]
    assert "Konsultation" in consultation["tags"]
    assert "Open Government Netzwerk Deutschland" in consultation["tags"]


# --- /konsultationen.atom, /konsultationen.rss ----------------------------------------------


@pytest.mark.parametrize("kind", ["atom", "rss"])
async def test_consultation_feeds_hold_only_the_consultations(
    network: Network, client: httpx.AsyncClient, kind: str
) -> None:
    await network.announce(ANNOUNCEMENT)  # in the main feeds, not in these
    response = await client.get(f"{network.url}/konsultationen.{kind}")
    assert response.status_code == 200
    assert response.headers["content-type"] == f"application/{kind}+xml; charset=utf-8"
    feed = parsed(response.content)
    assert feed.feed.title == "Open Government – Neuigkeiten – Konsultationen"
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == [f"{SITE}/konsultationen.{kind}"]

    # every consultation, newest first, and nothing else: not the news, not the announcement
    assert starts([e.title for e in feed.entries]) == [TRANSPARENCY, OPEN_DATA, INTERIM]
    for entry in feed.entries:
        assert "Konsultation" in {tag.label or tag.term for tag in entry.tags}

    # the same item keeps its id in every feed
    main = parsed((await client.get(f"{network.url}/feed.{kind}")).content)
    ids = {e.title: e.id for e in main.entries}
    assert all(ids[e.title] == e.id for e in feed.entries)
    stored = network.store.run(Store.latest_items, 10, "consultation")
    assert len(stored) == len(feed.entries)


# --- conditional GET --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/feed.rss", "application/rss+xml"),
        ("/feed.atom", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
        ("/konsultationen.rss", "application/rss+xml"),
        ("/konsultationen.atom", "application/atom+xml"),
        ("/konsultationen.ics", "text/calendar"),
    ],
)
async def test_every_feed_answers_304_to_its_etag(
    network: Network, client: httpx.AsyncClient, path: str, content_type: str
) -> None:
    first = await client.get(network.url + path)
    assert first.status_code == 200
    assert first.headers["content-type"] == f"{content_type}; charset=utf-8"
    assert first.content == (network.public / path[1:]).read_bytes()
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert "last-modified" in first.headers

    again = await client.get(network.url + path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    # a cycle that finds nothing new leaves the bytes, so the reader's ETag still holds
    await network.cycle(NOW + timedelta(minutes=30))
    later = await client.get(network.url + path, headers={"If-None-Match": etag})
    assert later.status_code == 304


async def test_a_feed_not_written_yet_is_404(network: Network, client: httpx.AsyncClient) -> None:
    (network.public / "feed.json").unlink()
    response = await client.get(network.url + "/feed.json")
    assert response.status_code == 404
    assert "noch nicht geschrieben" in response.text


async def test_an_upgraded_installation_gets_the_new_files_at_its_next_cycle(
    network: Network, client: httpx.AsyncClient
) -> None:
    # what an older ogbot left behind: only feed.rss and feed.atom; nothing new at the source
    new = ["feed.json", "konsultationen.rss", "konsultationen.atom", "konsultationen.ics"]
    for name in new:
        (network.public / name).unlink()
    await network.cycle(NOW + timedelta(minutes=30))
    for name in new:
        assert (await client.get(f"{network.url}/{name}")).status_code == 200, name


# --- the page and /resources ------------------------------------------------------------------


class Links(HTMLParser):
    """The page's <link rel="alternate"> tags (type, title, href) and its links (type, href)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.alternates: list[tuple[str, str, str]] = []
        self.anchors: list[tuple[str, str]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and values.get("rel") == "alternate":
            self.alternates.append((values["type"], values["title"], values["href"]))
        elif tag == "a":
            self.anchors.append((values.get("type", ""), values["href"]))


async def test_page_offers_every_feed_for_autodiscovery_and_the_calendar(
    network: Network, client: httpx.AsyncClient
) -> None:
    page = Links((await client.get(network.url + "/")).text)
    title = "Open Government – Neuigkeiten"
    assert page.alternates == [
        ("application/rss+xml", f"{title} (RSS)", f"{SITE}/feed.rss"),
        ("application/atom+xml", f"{title} (Atom)", f"{SITE}/feed.atom"),
        ("application/feed+json", f"{title} (JSON Feed)", f"{SITE}/feed.json"),
        ("application/rss+xml", f"{title}: Konsultationen (RSS)", f"{SITE}/konsultationen.rss"),
        ("application/atom+xml", f"{title}: Konsultationen (Atom)", f"{SITE}/konsultationen.atom"),
    ]
    assert ("text/calendar", f"{SITE}/konsultationen.ics") in page.anchors
    # every link the page offers is served
    for _, _, href in page.alternates:
        response = await client.get(network.url + href.removeprefix(SITE))
        assert response.status_code == 200, href


def test_resources_offers_the_calendar_with_the_feeds() -> None:
    links = [
        Link("Open Government Partnership", "https://www.opengovpartnership.org/"),
        Link("@OpenGovGermany", "https://x.com/OpenGovGermany"),
    ]
    german = resources_html("de", links, None, SITE)
    assert f'Fristen als Kalender zum Abonnieren: <a href="{SITE}/konsultationen.ics">' in german
    english = resources_html("en", links, None, SITE)
    assert (
        f'Deadlines as a calendar to subscribe to: <a href="{SITE}/konsultationen.ics">' in english
    )
    # without a public address neither the feeds nor the calendar (the local server is private)
    assert "konsultationen.ics" not in resources_html("de", links, None, "")
