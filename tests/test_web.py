"""The web server as a reader, a feed reader and a monitor see it: real sockets, a real store,
and the page rendered by a real headless browser (Debian's chromium)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import httpx
import lxml.html
import pytest

from ogbot.app.cycle import run_cycle
from ogbot.app.house import build_publisher
from ogbot.config import DEFAULT_SOURCES, Settings, build_settings
from ogbot.models import Item, ServiceHealth, Validators
from ogbot.publish.html import safe_url as safe_link
from ogbot.store import DB_NAME, AsyncStore, Store
from ogbot.watch.fetch import make_client
from ogbot.web import WebError, WebServer, start_web
from ogbot.web.server import connection_cap
from tests.fakes.telegram import CHANNEL, FakeTelegram
from tests.fakes.web import FakeWeb
from tests.shell import clean_env, ogbot
from tests.test_run import Running, wait_for

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NOW_HTTP = "Mon, 23 Nov 2026 12:00:00 GMT"
HOSTILE = '<script>alert(1)</script> & "quotes"'
REVIEW = "Germany Action Plan Review 2023-2025 – For Public Comment"
DRAFT = "Entwurf des Fünften Nationalen Aktionsplans: Ihr Feedback ist gefragt"
OPEN_DATA = "Konsultation zur Open-Data-Strategie der Länder"
CLOSED = "Kommentierungsphase zum Vierten Aktionsplan [abgeschlossen]"
SUMMIT = "OGP Global Summit 2026: What's next for open government"
MEETING = "Netzwerktreffen im Dezember"
SNEAKY = "Klick mich"
ANNOUNCEMENT = "Am 10. Dezember treffen wir uns online.\nAlle sind eingeladen."
RSS = b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Open Government</title></channel></rss>\n'  # noqa: E501
ATOM = b'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Open Government</title></feed>\n'  # noqa: E501
CHROMIUM = "/usr/bin/chromium"

SOURCES = [
    {"name": "ogp", "url": "https://www.opengovpartnership.org/feed/"},
    {"name": "netzwerk", "url": "https://opengovpartnership.de/feed/"},
    {
        "name": "bund",
        "url": "https://www.open-government-deutschland.de/opengov-de",
        "type": "html",
        "select": {"item": "div.teaser", "title": "h3", "link": "h3 a"},
    },
]


def settings_for(tmp_path: Path, **publish: object) -> Settings:
    document = {"publish": publish, "sources": SOURCES}
    return build_settings(document, {"OGBOT_DATA_DIR": str(tmp_path / "data")}, tmp_path)


def make_item(
    source: str,
    number: int,
    title: str,
    published: datetime,
    *,
    kind: str = "news",
    link: str | None = None,
    summary: str = "",
    deadline: date | None = None,
    guessed: bool = False,
) -> Item:
    link = link or f"https://www.example.org/{source}/{number}"
    return Item(
        source=source,
        guid=f"{source}-{number}",
        link=link,
        key=f"{source}/{number}",
        title=title,
        summary=summary,
        content_html=f"<p>{summary}</p>",
        published=published,
        date_known=True,
        categories=(),
        author=None,
        kind=kind,  # type: ignore[arg-type]
        deadline=deadline,
        deadline_guessed=guessed,
    )


def fill(store: Store) -> None:
    """What a few cycles leave behind: consultations, news, hostile text, an announcement."""
    d = datetime
    ogp = [
        make_item(
            "ogp",
            1,
            REVIEW,
            d(2026, 11, 20, 9, tzinfo=UTC),
            kind="consultation",
            deadline=date(2026, 12, 15),
            summary="Comments are welcome until 15 December 2026.",
        ),
        make_item("ogp", 2, SUMMIT, d(2026, 11, 21, 8, tzinfo=UTC), summary="Highlights."),
        make_item(
            "ogp",
            3,
            HOSTILE,
            d(2026, 11, 19, 8, tzinfo=UTC),
            link='https://www.example.org/x"onmouseover="alert(2)',
            summary="<img src=x onerror=alert(3)>",
        ),
    ]
    netzwerk = [
        make_item(
            "netzwerk",
            1,
            OPEN_DATA,
            d(2026, 11, 23, 7, tzinfo=UTC),
            kind="consultation",
            summary="Beteiligen Sie sich!",
        ),
        make_item(
            "netzwerk",
            2,
            MEETING,
            d(2026, 11, 18, 17, tzinfo=UTC),
            summary="Wir laden alle Interessierten ein.",
        ),
        make_item(
            "netzwerk", 3, SNEAKY, d(2026, 11, 17, 9, tzinfo=UTC), link="javascript:alert(4)"
        ),
    ]
    bund = [
        make_item(
            "bund",
            1,
            DRAFT,
            d(2026, 11, 22, 23, 30, tzinfo=UTC),  # 23 November in Berlin
            kind="consultation",
            deadline=date(2027, 1, 12),
            guessed=True,
            summary="Kommentieren Sie den Entwurf bis zum 12. Januar.",
        ),
        make_item(
            "bund",
            2,
            CLOSED,
            d(2026, 9, 1, 8, tzinfo=UTC),
            kind="consultation",
            deadline=date(2026, 10, 1),
        ),
    ]
    for name, items in (("ogp", ogp), ("netzwerk", netzwerk), ("bund", bund)):
        store.source_state(name, f"https://{name}.example.org/")
        store.save_items(name, items, NOW, False)
    for name in ("ogp", "netzwerk"):
        store.record_success(name, NOW, NOW + timedelta(minutes=30), Validators(), "200")
    store.record_failure("bund", NOW, NOW + timedelta(hours=1), "bund: fetch: HTTP 503")
    announcement = store.add_announcement(ANNOUNCEMENT, "shell", NOW, NOW, "published")
    store.set_announcement_state(announcement, "published", d(2026, 11, 22, 10, tzinfo=UTC))
    ids = [item.id for item in store.latest_items(3)]
    store.enqueue("channel", "item", ids, NOW)


def write_feed(path: Path, body: bytes, mtime: datetime = NOW) -> None:
    """As the publishing stage does: a new file renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(body)
    os.utime(partial, (mtime.timestamp(), mtime.timestamp()))
    partial.replace(path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, site_url="https://news.example.org/og/")


@pytest.fixture
def store(settings: Settings):
    store = AsyncStore.open(settings.data_dir)
    store.run(fill)
    yield store
    store.close()


Serve = Callable[..., Awaitable[WebServer]]


@pytest.fixture
async def serve(store: AsyncStore) -> AsyncIterator[Serve]:
    servers: list[WebServer] = []

    async def start(settings: Settings, **options: object) -> WebServer:
        server = await start_web(
            settings, store, clock=lambda: NOW, host="127.0.0.1", port=0, **options
        )
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


class Page(HTMLParser):
    """What a reader sees: headings per section in order, links by their text, <link> tags."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.section = ""
        self.headings: list[tuple[str, str]] = []  # (section id, h3 text)
        self.anchors: dict[str, str] = {}  # link text -> href
        self.alternates: dict[str, str] = {}  # type -> href of its first link (the main feed)
        self.lang = ""
        self._text: list[str] | None = None
        self._href: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "section":
            self.section = values.get("id", "")
        elif tag == "link" and values.get("rel") == "alternate":
            self.alternates.setdefault(values["type"], values["href"])
        elif tag == "h3":
            self._text = []
        elif tag == "a":
            self._href = values.get("href", "")
            self._anchor: list[str] = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)
        if self._href is not None:
            self._anchor.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self._text is not None:
            self.headings.append((self.section, "".join(self._text)))
            self._text = None
        elif tag == "a" and self._href is not None:
            self.anchors["".join(self._anchor)] = self._href
            self._href = None

    def titles(self, section: str) -> list[str]:
        return [text for where, text in self.headings if where == section]


# --- feeds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/feed.rss", RSS, "application/rss+xml; charset=utf-8"),
        ("/feed.atom", ATOM, "application/atom+xml; charset=utf-8"),
    ],
)
async def test_feed_served_with_content_type_and_validators(
    settings, serve, client, path, body, content_type
):
    write_feed(settings.data_dir / "public" / path[1:], body)
    server = await serve(settings)
    response = await client.get(server.url + path)
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["content-type"] == content_type
    assert response.headers["last-modified"] == NOW_HTTP
    assert response.headers["etag"].startswith('"')
    assert "max-age" in response.headers["cache-control"]


async def test_feed_answers_304_to_its_etag(settings, serve, client):
    write_feed(settings.data_dir / "public" / "feed.rss", RSS)
    server = await serve(settings)
    first = await client.get(f"{server.url}/feed.rss")
    etag = first.headers["etag"]

    again = await client.get(f"{server.url}/feed.rss", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = await client.get(f"{server.url}/feed.rss", headers={"If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    other = await client.get(f"{server.url}/feed.rss", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    assert other.content == RSS


async def test_feed_answers_304_to_if_modified_since(settings, serve, client):
    write_feed(settings.data_dir / "public" / "feed.atom", ATOM)
    server = await serve(settings)
    first = await client.get(f"{server.url}/feed.atom")

    since = {"If-Modified-Since": first.headers["last-modified"]}
    again = await client.get(f"{server.url}/feed.atom", headers=since)
    assert again.status_code == 304
    earlier = {"If-Modified-Since": "Sun, 22 Nov 2026 12:00:00 GMT"}
    older_copy = await client.get(f"{server.url}/feed.atom", headers=earlier)
    assert older_copy.status_code == 200
    assert older_copy.content == ATOM
    # If-None-Match decides when both are sent: an outdated ETag gets the body
    both = {**since, "If-None-Match": '"outdated"'}
    assert (await client.get(f"{server.url}/feed.atom", headers=both)).status_code == 200


async def test_feed_rewritten_gets_a_new_etag_and_an_unchanged_rewrite_keeps_it(
    settings, serve, client
):
    path = settings.data_dir / "public" / "feed.rss"
    write_feed(path, RSS)
    server = await serve(settings)
    old = (await client.get(f"{server.url}/feed.rss")).headers["etag"]

    changed = RSS.replace(b"</channel>", b"<item><title>Neu</title></item></channel>")
    write_feed(path, changed)
    response = await client.get(f"{server.url}/feed.rss", headers={"If-None-Match": old})
    assert response.status_code == 200
    assert response.content == changed
    new = response.headers["etag"]
    assert new != old

    write_feed(path, changed, mtime=datetime(2026, 11, 23, 12, 30, tzinfo=UTC))
    same = await client.get(f"{server.url}/feed.rss", headers={"If-None-Match": new})
    assert same.status_code == 304


async def test_feed_not_written_yet_is_404(settings, serve, client):
    server = await serve(settings)
    response = await client.get(f"{server.url}/feed.atom")
    assert response.status_code == 404
    assert "feed.atom" in response.text


async def test_feed_head_has_the_headers_without_the_body(settings, serve, client):
    write_feed(settings.data_dir / "public" / "feed.rss", RSS)
    server = await serve(settings)
    response = await client.head(f"{server.url}/feed.rss")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(RSS))
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert response.headers["etag"] == (await client.get(f"{server.url}/feed.rss")).headers["etag"]


# --- the page -------------------------------------------------------------------------------


async def test_page_lists_open_consultations_first_soonest_deadline_first(settings, serve, client):
    server = await serve(settings)
    response = await client.get(server.url + "/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = Page(response.text)
    assert page.lang == "de"
    assert page.titles("konsultationen") == [REVIEW, DRAFT, OPEN_DATA]
    news = page.titles("neuigkeiten")
    assert news[:3] == ["Ankündigung des Netzwerks", SUMMIT, HOSTILE]
    assert set(news) >= {MEETING, SNEAKY, CLOSED}
    assert REVIEW not in news  # shown once, among the consultations

    text = response.text
    assert "Frist: 15. Dezember 2026 – noch 22 Tage" in text
    assert "Frist: 12. Januar 2027 (Jahr geschätzt) – noch 50 Tage" in text
    assert "Frist: nicht angegeben" in text
    assert "Frist: 1. Oktober 2026 – abgelaufen" in text
    # dates are local: 23:30 UTC on the 22nd is the 23rd in Berlin
    assert ">23. November 2026</time>" in text
    assert "Am 10. Dezember treffen wir uns online." in text
    # the feeds link an announcement to its place on the page
    assert re.search(r'id="announcement-\d+"', text)
    assert page.anchors[REVIEW] == "https://www.example.org/ogp/1"


async def test_page_escapes_source_text_and_links_only_http(settings, serve, client):
    server = await serve(settings)
    text = (await client.get(server.url + "/")).text

    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in text
    assert "<script" not in text.lower()
    assert "&lt;img src=x onerror=alert(3)&gt;" in text
    assert "<img" not in text.lower()
    assert 'onmouseover="' not in text
    page = Page(text)
    assert page.anchors[HOSTILE] == 'https://www.example.org/x"onmouseover="alert(2)'
    assert SNEAKY in page.titles("neuigkeiten")
    assert SNEAKY not in page.anchors  # a javascript: link stays plain text
    assert "javascript:" not in text


# --- what readers see of the sources and the text (issue 13) --------------------------------


def shown_sources(html: str) -> dict[str, str]:
    """Each item's title on the page -> the source its "Quelle: …" names."""
    root = lxml.html.fromstring(html)
    shown = {}
    for entry in root.xpath('//li[contains(@class, "item")][h3]'):
        meta = entry.xpath('string(p[@class="meta"])')
        if meta.startswith("Quelle: "):
            shown[entry.xpath("string(h3)")] = meta.removeprefix("Quelle: ").split(" · ")[0]
    return shown


def add(store: AsyncStore, *items: Item) -> None:
    for item in items:
        store.run(Store.save_items, item.source, [item], NOW, False)


async def test_page_and_feeds_name_each_source_as_configured_else_by_its_feeds_title(
    tmp_path: Path, fake_web: FakeWeb, client: httpx.AsyncClient
) -> None:
    federal = next(s for s in DEFAULT_SOURCES if s["name"] == "bundesregierung")
    urls = {
        "netzwerk": fake_web.fixture("/feed/", "netzwerk.rss"),  # titled by its feed
        "ogp": fake_web.fixture("/ogp/feed/", "ogp.rss"),
        "bundesregierung": fake_web.fixture("/opengov-de", "bundesregierung.html"),
    }
    # an item of each source, by the start of its title
    firsts = {
        "netzwerk": "Entwurf des 5. Nationalen Aktionsplans",
        "ogp": "Civic Tech Roundup",
        "bundesregierung": "Ihr Feedback ist gefragt",
    }

    def configured(ogp_title: str | None) -> Settings:
        sources = [
            {"name": "netzwerk", "url": urls["netzwerk"]},
            {"name": "ogp", "url": urls["ogp"]} | ({"title": ogp_title} if ogp_title else {}),
            # an HTML listing has no feed title: the shipped one is titled in the configuration
            {**federal, "url": urls["bundesregierung"], "title": "Open Government Deutschland"},
        ]
        document = {
            "publish": {"site_url": "https://news.example.org/og/"},
            "fetch": {"allow_private": True, "timeout": 5},
            "sources": sources,
        }
        return build_settings(document, {"OGBOT_DATA_DIR": str(tmp_path / "data")}, tmp_path)

    async def cycle(settings: Settings) -> tuple[dict[str, str], feedparser.FeedParserDict]:
        """A cycle (with the feeds written), then the page: source -> the name shown for it."""
        async with make_client(5, allow_private=True) as http:
            publisher = build_publisher(settings, store, None, clock=lambda: NOW)
            await run_cycle(settings, http, store, lambda: NOW, publisher=publisher)
        server = await start_web(settings, store, clock=lambda: NOW, host="127.0.0.1", port=0)
        try:
            shown = shown_sources((await client.get(server.url + "/")).text)
        finally:
            await server.stop()
        named = {
            name: {source for title, source in shown.items() if title.startswith(first)}
            for name, first in firsts.items()
        }
        atom = feedparser.parse((settings.data_dir / "public" / "feed.atom").read_bytes())
        return {name: ", ".join(sorted(names)) for name, names in named.items()}, atom

    def entries_of(atom: feedparser.FeedParserDict, name: str) -> list[Any]:
        return [e for e in atom.entries if name in [tag.term for tag in e.get("tags", [])]]

    store = AsyncStore.open(tmp_path / "data")
    try:
        named, atom = await cycle(configured("Open Government Partnership (weltweit)"))
        assert named == {
            "netzwerk": "Open Government Netzwerk Deutschland",
            "ogp": "Open Government Partnership (weltweit)",
            "bundesregierung": "Open Government Deutschland",
        }
        # the feeds credit the federal site, whose teasers name no author, not the network
        federal_entries = entries_of(atom, "bundesregierung")
        assert federal_entries
        assert {e.author for e in federal_entries} == {"Open Government Deutschland"}
        assert {e.author for e in entries_of(atom, "netzwerk")} <= {"Redaktion", "Anna Schmidt"}

        # the title taken out of the configuration: the feed's own; a source failing now keeps
        # the title of its last successful fetch
        fake_web.route("/feed/", status=503, body=b"busy")
        named, atom = await cycle(configured(None))
        assert named == {
            "netzwerk": "Open Government Netzwerk Deutschland",
            "ogp": "Open Government Partnership",
            "bundesregierung": "Open Government Deutschland",
        }
        # nothing new was stored, yet the feeds were written again with the new name
        ogp_entries = entries_of(atom, "ogp")
        assert ogp_entries
        assert {tag.label for e in ogp_entries for tag in e.tags if tag.term == "ogp"} == {
            "Open Government Partnership"
        }
    finally:
        store.close()


async def test_page_shows_announcement_urls_as_links_and_the_rest_as_text(
    settings, store, serve, client
):
    text = (
        "Anmeldung zum Netzwerktreffen: https://opengovpartnership.de/treffen/?tag=10&ort=online."
        "\nBitte <b>nicht</b> weitersagen & (siehe https://example.org/agenda)"
    )
    store.run(Store.add_announcement, text, "shell", NOW, NOW, "published")
    server = await serve(settings)
    root = lxml.html.fromstring((await client.get(server.url + "/")).text)
    [shown] = [
        p for p in root.xpath('//p[@class="announcement"]') if "Anmeldung" in p.text_content()
    ]
    assert [(a.text_content(), a.get("href")) for a in shown.iter("a")] == [
        (
            "https://opengovpartnership.de/treffen/?tag=10&ort=online",
            "https://opengovpartnership.de/treffen/?tag=10&ort=online",
        ),
        ("https://example.org/agenda", "https://example.org/agenda"),
    ]
    assert shown.text_content() == text  # everything else as written, the tags as text
    assert not list(shown.iter("b"))


async def test_page_strips_bidi_overrides_and_zero_width_characters(settings, store, serve, client):
    add(
        store,
        make_item(
            "netzwerk",
            7,
            "RTL \u202eTXT.EXE\u200b",
            NOW - timedelta(hours=1),
            summary="Anhang: \u2066rechnung\u2069 \u202egpj.exe\ufeff",
        ),
    )
    store.run(Store.add_announcement, "Neu: \u202eTXT.EXE", "shell", NOW, NOW, "published")
    server = await serve(settings)
    text = (await client.get(server.url + "/")).text
    assert not re.search("[\u200b\u202a-\u202e\u2066-\u2069\ufeff]", text)
    root = lxml.html.fromstring(text)
    assert "RTL TXT.EXE" in [h.text_content() for h in root.iter("h3")]
    assert "Anhang: rechnung gpj.exe" in [p.text_content() for p in root.iter("p")]
    assert "Neu: TXT.EXE" in [p.text_content() for p in root.xpath('//p[@class="announcement"]')]


async def test_page_shortens_a_10000_character_title_as_the_channel_does(
    settings, store, serve, client
):
    add(store, make_item("ogp", 8, ("Sehr langer Titel " * 556)[:10_000], NOW))
    server = await serve(settings)
    root = lxml.html.fromstring((await client.get(server.url + "/")).text)
    [long] = [h.text_content() for h in root.iter("h3") if h.text_content().startswith("Sehr")]
    assert long.endswith("langer…")
    assert len(long) <= 250


async def test_page_summary_ending_in_read_more_after_a_full_stop_ends_in_one_ellipsis(
    settings, store, serve, client
):
    add(
        store,
        make_item(
            "netzwerk",
            9,
            "Rückblick auf den Open Government Tag",
            NOW,
            summary="Die Ergebnisse werden im November veröffentlicht. […]",
        ),
    )
    server = await serve(settings)
    root = lxml.html.fromstring((await client.get(server.url + "/")).text)
    summaries = [p.text_content() for p in root.xpath('//p[@class="summary"]')]
    assert "Die Ergebnisse werden im November veröffentlicht…" in summaries


async def test_page_has_feed_autodiscovery_links_at_the_site_url(settings, serve, client):
    server = await serve(settings)
    page = Page((await client.get(server.url + "/")).text)
    assert page.alternates == {
        "application/rss+xml": "https://news.example.org/og/feed.rss",
        "application/atom+xml": "https://news.example.org/og/feed.atom",
        "application/feed+json": "https://news.example.org/og/feed.json",
    }
    assert page.anchors["RSS-Feed"] == "https://news.example.org/og/feed.rss"


async def test_page_links_imprint_and_privacy_only_when_configured(tmp_path, serve, client):
    plain = await serve(settings_for(tmp_path))
    text = (await client.get(plain.url + "/")).text
    assert "Impressum" not in text
    assert "Datenschutz" not in text

    configured = settings_for(
        tmp_path,
        imprint_url="https://opengovpartnership.de/impressum/",
        privacy_url="https://opengovpartnership.de/datenschutz/",
    )
    page = Page((await client.get((await serve(configured)).url + "/")).text)
    assert page.anchors["Impressum"] == "https://opengovpartnership.de/impressum/"
    assert page.anchors["Datenschutz"] == "https://opengovpartnership.de/datenschutz/"


async def test_page_links_the_telegram_channel_when_telegram_is_on(tmp_path, serve, client):
    document = {
        "telegram": {"token": "123456:" + "A" * 35, "channel": "@OpenGovDE"},
        "sources": SOURCES,
    }
    settings = build_settings(document, {"OGBOT_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    page = Page((await client.get((await serve(settings)).url + "/")).text)
    assert page.anchors["Telegram-Kanal"] == "https://t.me/OpenGovDE"


async def test_page_answers_304_to_its_etag(settings, serve, client):
    server = await serve(settings)
    first = await client.get(server.url + "/")
    again = await client.get(server.url + "/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


# --- searching on the page -------------------------------------------------------------------


class Form(HTMLParser):
    """The page's search form: its attributes and the value of its search field."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.form: dict[str, str] | None = None
        self.value: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form = values
        elif tag == "input" and values.get("name") == "q":
            self.value = values.get("value", "")


async def test_page_has_a_search_form_without_javascript(settings, serve, client):
    server = await serve(settings)
    response = await client.get(server.url + "/")
    form = Form(response.text)
    assert form.form is not None
    assert form.form.get("method") == "get"
    assert "action" not in form.form  # the page's own address, wherever a proxy serves it
    assert form.value == ""
    # the form may submit to this site only; still no scripts at all
    csp = response.headers["content-security-policy"]
    assert "form-action 'self'" in csp
    assert "script-src" not in csp


async def test_page_search_shows_matching_items_newest_first(settings, serve, client):
    server = await serve(settings)
    response = await client.get(server.url + "/", params={"q": "aktionsplan"})
    assert response.status_code == 200
    page = Page(response.text)
    # the words' beginnings, case folded: "Aktionsplans", "Aktionsplan"; newest first
    assert page.titles("suche") == [DRAFT, CLOSED]
    assert page.titles("konsultationen") == page.titles("neuigkeiten") == []
    assert "Suchergebnisse für „aktionsplan“" in response.text
    assert Form(response.text).value == "aktionsplan"
    assert "Frist: 12. Januar 2027 (Jahr geschätzt) – noch 50 Tage" in response.text
    assert page.anchors["Alle Meldungen und offenen Konsultationen"] == "./"
    # umlauts fold, every word must match, the summary counts
    umlaut = Page((await client.get(server.url + "/", params={"q": "LANDER beteiligen"})).text)
    assert umlaut.titles("suche") == [OPEN_DATA]
    # an empty search is the ordinary page
    plain = Page((await client.get(server.url + "/", params={"q": "  "})).text)
    assert plain.titles("konsultationen") == [REVIEW, DRAFT, OPEN_DATA]


async def test_page_search_without_results_says_so(settings, serve, client):
    server = await serve(settings)
    for query in ("Zitronenfalter", '"*', "OR"):
        response = await client.get(server.url + "/", params={"q": query})
        assert response.status_code == 200
        page = Page(response.text)
        assert page.titles("suche") == []
        assert "Keine Treffer." in response.text
        assert Form(response.text).value == query


async def test_page_search_escapes_the_query_and_the_results(settings, serve, client):
    server = await serve(settings)
    attack = '"><script>alert(1)</script> quotes'
    response = await client.get(server.url + "/", params={"q": attack})
    text = response.text
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; quotes"' in text
    assert Form(text).value == attack  # echoed as typed, as text
    # the words found the hostile item: its title is text too, its link stays an attribute
    page = Page(text)
    assert page.titles("suche") == [HOSTILE]
    assert page.anchors[HOSTILE] == 'https://www.example.org/x"onmouseover="alert(2)'
    assert 'onmouseover="' not in text


async def test_page_etag_never_answers_a_search_with_the_page(settings, serve, client):
    server = await serve(settings)
    page = await client.get(server.url + "/")
    etag = page.headers["etag"]
    search = await client.get(
        server.url + "/", params={"q": "aktionsplan"}, headers={"If-None-Match": etag}
    )
    assert search.status_code == 200
    assert Page(search.text).titles("suche") == [DRAFT, CLOSED]
    assert search.headers["etag"] != etag
    other = await client.get(
        server.url + "/", params={"q": "summit"}, headers={"If-None-Match": search.headers["etag"]}
    )
    assert other.status_code == 200
    assert Page(other.text).titles("suche") == [SUMMIT]
    # the same search again is a cheap 304
    again = await client.get(
        server.url + "/", params={"q": "summit"}, headers={"If-None-Match": other.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"


async def test_responses_carry_security_headers(settings, serve, client):
    server = await serve(settings)
    for path in ("/", "/healthz", "/feed.rss", "/nowhere"):
        headers = (await client.get(server.url + path)).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "script-src" not in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://www.opengovpartnership.org/news/", True),
        ("http://open-government-kommunen.de/", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//evil.example/", False),
        ("mailto:info@example.org", False),
        ("https://", False),
    ],
)
def test_safe_link_keeps_only_http_links(url, kept):
    assert (safe_link(url) is not None) == kept


# --- health ---------------------------------------------------------------------------------


async def test_healthz_is_ok_with_a_failing_source_and_names_its_error(settings, serve, client):
    server = await serve(settings)
    response = await client.get(server.url + "/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == "writable"
    sources = {source["name"]: source for source in data["sources"]}
    assert set(sources) == {"ogp", "netzwerk", "bund"}
    assert sources["ogp"]["last_status"] == "200"
    assert sources["ogp"]["last_error"] is None
    assert sources["bund"]["last_status"] == "error"
    assert sources["bund"]["last_error"] == "bund: fetch: HTTP 503"
    assert sources["bund"]["failures"] == 1
    assert data["outbox"]["pending"] == 3
    assert data["outbox_length"] == 3
    assert data["reasons"] == []
    assert data["telegram"] == "off"


async def test_healthz_is_503_while_the_database_cannot_be_written(settings, store, serve, client):
    server = await serve(settings, health_timeout=1.0)
    # another process holds the write lock (longer than the health check waits)
    other = sqlite3.connect(settings.data_dir / DB_NAME, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        response = await client.get(server.url + "/healthz")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503
    assert response.json()["database"] == "not writable"

    await store.call(Store.meta, "web.healthz")  # the store's thread got through
    assert (await client.get(server.url + "/healthz")).status_code == 200


async def test_healthz_is_503_when_the_store_is_closed(tmp_path, client):
    settings = settings_for(tmp_path)
    store = AsyncStore.open(settings.data_dir)
    server = await start_web(settings, store, host="127.0.0.1", port=0)
    try:
        store.close()
        response = await client.get(server.url + "/healthz")
    finally:
        await server.stop()
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "degraded"  # was "error" before issue 14: one word for every 503
    assert data["reasons"][0].startswith("database not writable: ")


def failing(store: Store, name: str, times: int, last: datetime = NOW) -> None:
    """``times`` fetches of a source failed in a row, the last at ``last``, each backed off."""
    for _ in range(times):
        store.record_failure(name, last, last + timedelta(hours=1), f"{name}: fetch: HTTP 503")


async def healthz(client: httpx.AsyncClient, server: WebServer) -> tuple[int, dict[str, Any]]:
    response = await client.get(server.url + "/healthz")
    assert response.headers["cache-control"] == "no-store"
    return response.status_code, response.json()


async def test_healthz_is_degraded_when_every_source_fails_past_its_backoff(
    settings, store, serve, client
):
    server = await serve(settings)
    # two of three sources failed again after their backoff: still ok (bund failed only once)
    await store.call(failing, "ogp", 2)
    await store.call(failing, "netzwerk", 3)
    status, data = await healthz(client, server)
    assert (status, data["status"], data["reasons"]) == (200, "ok", [])

    # bund fails again after its backoff: every source is down
    await store.call(failing, "bund", 1)
    status, data = await healthz(client, server)
    assert status == 503
    assert data["status"] == "degraded"
    assert data["reasons"] == [
        "every source is failing past its backoff: ogp (2 failures: ogp: fetch: HTTP 503);"
        " netzwerk (3 failures: netzwerk: fetch: HTTP 503);"
        " bund (2 failures: bund: fetch: HTTP 503)"
    ]
    assert data["database"] == "writable"
    assert [source["failures"] for source in data["sources"]] == [2, 3, 2]

    # one comes back: ok again
    await store.call(
        Store.record_success, "netzwerk", NOW, NOW + timedelta(minutes=30), Validators(), "200"
    )
    assert (await healthz(client, server))[0] == 200


async def test_healthz_is_degraded_when_a_failed_sources_retry_is_long_overdue(
    settings, store, serve, client
):
    # each source failed once; the retries its backoff set passed more than an interval ago
    # (30 minutes by default) without a new fetch
    early = NOW - timedelta(hours=3)
    await store.call(failing, "ogp", 1, early)
    await store.call(failing, "netzwerk", 1, early)
    await store.call(failing, "bund", 1, NOW - timedelta(hours=2))
    server = await serve(settings)
    status, data = await healthz(client, server)
    assert status == 503
    assert data["reasons"][0].startswith(
        "every source is failing past its backoff: ogp (1 failures"
    )

    # a retry due 20 minutes ago (less than an interval) is not overdue yet
    await store.call(
        Store.record_failure, "bund", NOW, NOW - timedelta(minutes=20), "bund: fetch: HTTP 503"
    )
    await store.call(  # bund's failures count is 2 now: reset it by a success, then one failure
        Store.record_success, "bund", NOW, NOW, Validators(), "200"
    )
    await store.call(
        Store.record_failure, "bund", NOW, NOW - timedelta(minutes=20), "bund: fetch: HTTP 503"
    )
    assert (await healthz(client, server))[0] == 200


async def test_healthz_is_degraded_while_telegram_refuses_the_token_or_the_channel(
    settings, store, serve, client
):
    refused = "Forbidden: bot is not a member of the channel chat"
    server = await serve(settings, service=lambda: ServiceHealth(telegram="on", refused=refused))
    status, data = await healthz(client, server)
    assert status == 503
    assert data["status"] == "degraded"
    assert data["reasons"] == [f"Telegram refuses: {refused}"]
    assert data["telegram"] == "on"

    token = await serve(
        settings, service=lambda: ServiceHealth("on", refused="Telegram refused the token")
    )
    assert (await healthz(client, token))[1]["reasons"] == [
        "Telegram refuses: Telegram refused the token"
    ]


async def test_healthz_is_degraded_when_the_outbox_is_stuck(settings, store, serve, client):
    # three posts are pending (fill); none has left the outbox for 16 minutes while Telegram is on
    stuck = ServiceHealth(telegram="on", outbox_moved=NOW - timedelta(minutes=16))
    server = await serve(settings, service=lambda: stuck)
    status, data = await healthz(client, server)
    assert status == 503
    assert data["reasons"] == ["outbox stuck: 3 posts waiting, none sent for 16 minutes"]
    assert data["outbox_length"] == 3

    # 14 minutes is a slow outbox, not a stuck one; with Telegram not reached yet, posts wait
    for service in (
        ServiceHealth(telegram="on", outbox_moved=NOW - timedelta(minutes=14)),
        ServiceHealth(telegram="starting", outbox_moved=NOW - timedelta(hours=3)),
    ):
        other = await serve(settings, service=lambda service=service: service)
        assert (await healthz(client, other))[:1] == (200,)

    # nothing waiting: nothing stuck, however long ago the last post went
    await store.call(
        lambda s: [
            s.mark_done(post.id, "expired", None) for post in s.pending_posts("channel", NOW)
        ]
    )
    assert (await healthz(client, server))[0] == 200


async def test_healthz_is_degraded_while_a_job_fails_on_the_database(
    settings, store, serve, client
):
    # the check's own small write still goes through; the cycle's writes fail (a full disk)
    error = f"database {settings.data_dir / DB_NAME}: database or disk is full"
    server = await serve(settings, service=lambda: ServiceHealth(failed_jobs=(("watch", error),)))
    status, data = await healthz(client, server)
    assert status == 503
    assert data["reasons"] == [f"database: the watch job failed: {error}"]
    assert data["database"] == "not writable"


@contextlib.contextmanager
def tmpfs(mount: Path, kib: int) -> Iterator[Path]:
    """A filesystem of ``kib`` KiB at ``mount`` (tmpfs; mounting needs root, else a skip)."""
    mount.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 600 KiB filesystem, as in issue 14."""
    with tmpfs(tmp_path / "disk", 600) as mount:
        yield mount


def fill_disk(path: Path) -> None:
    """Write zeros into ``path`` until the filesystem is full."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(descriptor, b"\0" * 4096):
            pass
    except OSError:
        pass  # ENOSPC: full
    finally:
        os.close(descriptor)


async def test_healthz_is_degraded_on_a_full_disk_and_still_lists_the_sources(small_disk, client):
    settings = settings_for(small_disk)
    store = AsyncStore.open(settings.data_dir)
    server = await start_web(settings, store, clock=lambda: NOW, host="127.0.0.1", port=0)
    try:
        store.run(fill)
        assert (await healthz(client, server))[0] == 200
        fill_disk(small_disk / "filler")
        status, data = await healthz(client, server)
    finally:
        await server.stop()
        store.close()
    assert status == 503
    assert data["status"] == "degraded"
    assert data["database"] == "not writable"
    # the store names the database file: "database not writable: database <path>: database or
    # disk is full"
    [reason] = data["reasons"]
    assert reason.startswith("database not writable: database ")
    assert reason.endswith("ogbot.sqlite3: database or disk is full")
    assert [source["name"] for source in data["sources"]] == ["ogp", "netzwerk", "bund"]


async def test_start_web_on_a_taken_port_is_a_web_error(settings, store, serve):
    server = await serve(settings)
    with pytest.raises(WebError, match="cannot listen"):
        await start_web(settings, store, host="127.0.0.1", port=server.port)


# --- idle and slow connections --------------------------------------------------------------


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Whether the server closes the connection within ``seconds`` (reading all it sends)."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


async def test_a_connection_that_sends_nothing_is_closed_after_the_idle_timeout(settings, serve):
    server = await serve(settings, idle_timeout=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        assert await _closed_within(reader, 5.0)
    finally:
        writer.close()


async def test_a_half_sent_header_dripping_a_byte_at_a_time_is_closed(settings, serve):
    # slowloris: a request line and part of a header, then one byte every 0.1 s, forever
    server = await serve(settings, idle_timeout=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    closed = False
    try:
        for _ in range(50):  # 5 s at most
            try:
                writer.write(b"a")
                await writer.drain()
            except ConnectionError:
                closed = True
                break
            if await _closed_within(reader, 0.1):
                closed = True
                break
    finally:
        writer.close()
    assert closed


async def test_a_kept_alive_connection_is_closed_when_idle_after_its_answer(settings, serve):
    server = await serve(settings, idle_timeout=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status = await asyncio.wait_for(reader.readline(), 5.0)
        assert status.startswith(b"HTTP/1.1 200")
        assert await _closed_within(reader, 5.0)
    finally:
        writer.close()


async def test_many_idle_connections_do_not_lock_out_healthz(settings, serve, client):
    # 40 idle sockets against a cap of 8 (a low file limit), with a timeout far away: the
    # oldest idle ones make room, and /healthz answers at once
    server = await serve(settings, idle_timeout=60.0, max_connections=8)
    idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(40)]
    try:
        for _ in range(3):
            response = await asyncio.wait_for(client.get(server.url + "/healthz"), 5.0)
            assert response.status_code == 200
        still_open = [reader for reader, _ in idle if not await _closed_within(reader, 0.05)]
        assert len(still_open) <= 8
    finally:
        for _, writer in idle:
            writer.close()


def test_the_connection_cap_is_half_the_file_limit_at_most_1024():
    assert connection_cap(1024, 0) == 512  # systemd's default soft limit
    assert connection_cap(64, 0) == 32
    assert connection_cap(65536, 0) == 1024
    # what is open already (the database, the log, pipes) is not there for connections
    assert connection_cap(128, 30) == 49
    assert connection_cap(128) <= 64


# --- a real browser -------------------------------------------------------------------------


def chromium() -> str:
    """Debian's chromium; missing is a failure (the page must be checked in a real browser)."""
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        pytest.fail("chromium is not installed: apt-get install chromium (scripts/test does it)")
    return found


async def dump_dom(url: str, tmp_path: Path) -> str:
    """The DOM as headless chromium built it from ``url``."""
    executable = chromium()
    # asyncio's subprocess: the server answers on this same loop while the browser loads
    browser = await asyncio.create_subprocess_exec(
        executable,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(browser.communicate(), 120)
    except TimeoutError:
        os.killpg(browser.pid, signal.SIGKILL)
        await browser.wait()
        pytest.fail("chromium did not finish within 120 s")
    assert browser.returncode == 0, err.decode()[-2000:]
    return out.decode()


async def test_page_renders_in_headless_chromium(settings, serve, tmp_path):
    server = await serve(settings)
    dom = await dump_dom(server.url + "/", tmp_path)
    assert '<html lang="de">' in dom
    for title in (REVIEW, DRAFT, OPEN_DATA, SUMMIT, MEETING, SNEAKY):
        assert title in dom
    assert dom.index(REVIEW) < dom.index(DRAFT) < dom.index(OPEN_DATA) < dom.index(SUMMIT)
    assert "Frist: 15. Dezember 2026" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text, not run
    assert "<script" not in dom


async def test_search_page_renders_in_headless_chromium(settings, serve, tmp_path):
    server = await serve(settings)
    dom = await dump_dom(f"{server.url}/?q=Aktionsplan", tmp_path)
    assert dom.index("Suchergebnisse") < dom.index(DRAFT) < dom.index(CLOSED)
    assert SUMMIT not in dom
    attack = httpx.QueryParams({"q": '"><script>document.title="pwned"</script>'})
    dom = await dump_dom(f"{server.url}/?{attack}", tmp_path)
    assert "<script" not in dom
    assert "pwned</title>" not in dom
    assert "Keine Treffer." in dom


# --- /healthz of a real `ogbot run` ---------------------------------------------------------


class Started(Running):
    """`ogbot run`, started once /healthz answers at all (200 or 503)."""

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code > 0
        except httpx.HTTPError:
            return False


FULL_DISK_FEEDS = ("ogp", "netzwerk", "ogp-page2")


def test_run_on_a_full_disk_answers_503_from_the_first_failed_write(
    tmp_path: Path, fake_web: FakeWeb
):
    """Issue 14: the check's own small write still fits on a full disk (into space a failed
    larger write left in SQLite's write-ahead log) while the cycle's writes fail: /healthz
    answered 200 throughout. The failed job is what tells."""
    # the answer engine's index is built beforehand (it alone is bigger than the free space)
    prepared = tmp_path / "prepared"
    asked = ogbot(
        tmp_path, "ask", "Was ist Open Government?", env=clean_env(OGBOT_DATA_DIR=str(prepared))
    )
    assert asked.returncode == 0, asked.stderr
    cache = prepared / "cache"
    cache_kib = sum(path.stat().st_size for path in cache.iterdir()) // 1024
    with tmpfs(tmp_path / "disk", cache_kib + 600) as disk:
        shutil.copytree(cache, disk / "data" / "cache")
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(b"\0" * (free - 300 * 1024))  # 300 KiB left
        run = Started(tmp_path, fake_web, None, OGBOT_DATA_DIR=str(disk / "data"))
        urls = {name: fake_web.fixture(f"/{name}/", f"{name}.rss") for name in FULL_DISK_FEEDS}
        (tmp_path / "ogbot.toml").write_text(
            "".join(f'[[sources]]\nname = "{name}"\nurl = "{url}"\n' for name, url in urls.items()),
            encoding="utf-8",
        )
        run.start()
        try:
            answers = []
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and len(answers) < 20:
                failed = "job_failed" in run.logged()
                response = httpx.get(f"{run.url}/healthz", timeout=5)
                answers.append((failed, response.status_code, response.json()))
                time.sleep(0.2)
        finally:
            code, _seconds = run.stop()
    assert code == 0
    after = [(status, data) for failed, status, data in answers if failed]
    assert after, "no write failed: the disk was not full enough"
    assert {status for status, _data in after} == {503}
    reasons = after[-1][1]["reasons"]
    assert "database or disk is full" in " ".join(reasons)
    assert any(reason.startswith("database: the watch job failed: ") for reason in reasons)
    assert after[-1][1]["status"] == "degraded"


def test_run_answers_503_while_the_channel_refuses_posts(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    fake_telegram.remove_bot(CHANNEL)  # the bot lost its rights in the channel
    run = Started(tmp_path, fake_web, fake_telegram).start()
    try:
        data = wait_for(
            lambda: (answer := run.health())["reasons"] and answer, what="a degraded /healthz"
        )
        status = httpx.get(f"{run.url}/healthz", timeout=5).status_code
    finally:
        code, _seconds = run.stop()
    assert code == 0
    assert status == 503
    assert data["status"] == "degraded"
    assert data["telegram"] == "on"
    assert len(data["reasons"]) == 1
    assert data["reasons"][0].startswith("Telegram refuses: ")
    assert "not a member" in data["reasons"][0]
