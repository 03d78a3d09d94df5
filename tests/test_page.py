"""The page for people (issue 17): "Stand: …" (when the sources were last checked), older items
on further pages (``/?seite=2``, "ältere"/"neuere" links, 50 a page), a polite page past the end,
links that work in announcements on every page. A real store and the real web server over real
sockets, as tests/test_web.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import lxml.html
import pytest

from ogbot.config import Settings
from ogbot.models import Validators
from ogbot.store import AsyncStore, Store
from ogbot.web import WebServer, start_web
from tests.test_web import make_item, settings_for

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TOPICS = [
    "Open-Data-Werkstatt in {n} Kommunen: Ergebnisse",
    "Transparenzgesetz: Anhörung Nr. {n} im Landtag",
    "OGP Local: {n} neue Mitglieder",
    "Beteiligungsportal, Folge {n}: Was Bürger*innen vorschlagen",
]
OPEN = "Entwurf des Fünften Nationalen Aktionsplans: Ihr Feedback ist gefragt"
ANNOUNCEMENT = "Netzwerktreffen am 10. Dezember, Anmeldung: https://opengovpartnership.de/treffen/"
OLD_ANNOUNCEMENT = "Rückblick, Fotos: https://opengovpartnership.de/rueckblick/ (Open Gov Week)"


def news_title(n: int) -> str:
    return TOPICS[n % len(TOPICS)].format(n=n)


def fill(store: Store, count: int) -> None:
    """``count`` news items, an hour apart (item 1 the newest), an open consultation, an
    announcement among the newest and one among the oldest, two sources checked."""
    items = [
        make_item("netzwerk", n, news_title(n), NOW - timedelta(hours=n), summary="Mehr dazu.")
        for n in range(1, count + 1)
    ]
    items.append(
        make_item(
            "netzwerk",
            0,
            OPEN,
            NOW - timedelta(hours=30),
            kind="consultation",
            deadline=date(2027, 1, 12),
        )
    )
    store.source_state("netzwerk", "https://opengovpartnership.de/feed/")
    store.save_items("netzwerk", items, NOW, False)
    store.source_state("ogp", "https://www.opengovpartnership.org/feed/")
    for text, when in (
        (ANNOUNCEMENT, NOW - timedelta(hours=2, minutes=30)),  # between items 2 and 3
        (OLD_ANNOUNCEMENT, NOW - timedelta(hours=count + 5)),  # older than every item
    ):
        made = store.add_announcement(text, "shell", when, when, "published")
        store.set_announcement_state(made, "published", when)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path)


async def serve(settings: Settings, count: int) -> AsyncIterator[WebServer]:
    store = AsyncStore.open(settings.data_dir)
    store.run(fill, count)
    server = await start_web(settings, store, clock=lambda: NOW, host="127.0.0.1", port=0)
    try:
        yield server
    finally:
        await server.stop()
        store.close()


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[WebServer]:
    async for server in serve(settings, 120):
        yield server


async def get(server: WebServer, query: str = "") -> lxml.html.HtmlElement:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{server.url}/{query}")
    assert response.status_code == 200
    return lxml.html.fromstring(response.text)


def news(page: lxml.html.HtmlElement) -> list[str]:
    return [h.text_content() for h in page.cssselect("#neuigkeiten h3")]


def nav(page: lxml.html.HtmlElement) -> dict[str, str]:
    """The page links: their text -> href."""
    return {a.text_content(): a.get("href") for a in page.cssselect("nav.pages a")}


# --- Stand ------------------------------------------------------------------------------------


async def test_stand_is_the_last_successful_check_in_local_time(settings, site):
    store = AsyncStore.open(settings.data_dir)
    try:
        store.run(
            Store.record_success, "netzwerk", NOW, NOW + timedelta(minutes=30), Validators(), "200"
        )
        earlier = NOW - timedelta(hours=3)
        store.run(Store.record_success, "ogp", earlier, NOW, Validators(), "304")
        # a failure later than every success is not a check that succeeded
        later = NOW + timedelta(minutes=5)
        store.run(Store.record_failure, "ogp", later, later, "ogp: fetch: HTTP 503")
    finally:
        store.close()
    for query in ("", "?seite=2", "?q=Kommunen"):
        stand = (await get(site, query)).cssselect("#stand")[0]
        assert stand.text_content() == "Stand: 23. November 2026, 13:00 Uhr"  # 12:00 UTC
        assert stand.cssselect("time")[0].get("datetime") == "2026-11-23T13:00:00+01:00"


async def test_stand_before_any_check_says_so(site):
    stand = (await get(site)).cssselect("#stand")[0].text_content()
    assert stand == "Stand: Die Quellen wurden noch nicht abgerufen."


# --- further pages ----------------------------------------------------------------------------


async def test_older_items_are_on_further_pages_each_once_newest_first(site):
    first, second, third = [await get(site, q) for q in ("", "?seite=2", "?seite=3")]

    assert [h.text_content() for h in first.cssselect("#konsultationen h3")] == [OPEN]
    assert second.cssselect("#konsultationen") == third.cssselect("#konsultationen") == []
    pages = [news(first), news(second), news(third)]
    assert [len(p) for p in pages] == [50, 50, 22]  # 120 items and 2 announcements
    shown = [title for page in pages for title in page]
    expected = [news_title(n) for n in range(1, 121)]
    expected.insert(2, "Ankündigung des Netzwerks")  # between items 2 and 3
    expected.append("Ankündigung des Netzwerks")  # the oldest entry
    assert shown == expected
    assert OPEN not in shown  # shown once, among the open consultations

    assert first.cssselect("#neuigkeiten-titel")[0].text_content() == "Neueste Meldungen"
    assert second.cssselect("#neuigkeiten-titel")[0].text_content() == (
        "Ältere Meldungen – Seite 2"
    )
    assert nav(first) == {"ältere Meldungen →": "?seite=2"}
    assert nav(second) == {"← neuere Meldungen": "./", "ältere Meldungen →": "?seite=3"}
    assert nav(third) == {"← neuere Meldungen": "?seite=2"}


async def test_announcements_keep_their_anchor_and_their_links_on_any_page(site):
    for query, text in (("", ANNOUNCEMENT), ("?seite=3", OLD_ANNOUNCEMENT)):
        page = await get(site, query)
        [shown] = [p for p in page.cssselect("p.announcement") if p.text_content() == text]
        url = re.search(r"https://\S+/", text).group(0)
        assert [(a.text_content(), a.get("href")) for a in shown.iter("a")] == [(url, url)]
        assert re.fullmatch(r"announcement-\d+", shown.getparent().get("id"))


async def test_the_feeds_link_to_an_old_announcement_opens_it_though_it_is_on_page_3(
    settings, site
):
    """A feed reader's click on an announcement that has moved off the front page."""
    import feedparser

    from ogbot.publish.feeds import render_feeds_for
    from ogbot.publish.publisher import as_announcement

    store = Store.open(settings.data_dir)
    try:
        said = [as_announcement(a) for a in store.announcements("published", 10)]
        atom = render_feeds_for(settings, store.latest_items(10), said).atom
    finally:
        store.close()
    [entry] = [e for e in feedparser.parse(atom).entries if e.title == OLD_ANNOUNCEMENT]
    link = entry.link
    assert "?ankuendigung=" in link
    query = link[link.index("?") :]
    page = await get(site, query)
    [shown] = page.cssselect("p.announcement")
    assert shown.text_content() == OLD_ANNOUNCEMENT
    assert shown.getparent().get("id") == link.rsplit("#", 1)[1]  # the anchor is on it
    assert OLD_ANNOUNCEMENT not in (await get(site)).text_content()  # not on the front page
    # an id that is no published announcement: the front page
    assert news(await get(site, "?ankuendigung=999")) == news(await get(site))


async def test_a_page_past_the_end_says_so_and_links_back(site):
    for query in ("?seite=4", "?seite=99999999999999999999"):
        page = await get(site, query)
        assert news(page) == []
        text = page.cssselect("#neuigkeiten")[0].text_content()
        assert "gibt es nicht" in text
        links = {a.text_content(): a.get("href") for a in page.cssselect("#neuigkeiten a")}
        assert links["Zur ersten Seite: neueste Meldungen und offene Konsultationen"] == "./"
    past = (await get(site, "?seite=4")).cssselect("#neuigkeiten")[0]
    assert "Die Meldungen reichen bis Seite 3." in past.text_content()
    assert {a.text_content(): a.get("href") for a in past.cssselect("a")}["Seite 3"] == "?seite=3"


@pytest.mark.parametrize(
    "value", ["", "0", "-2", "abc", "2.5", "1e3", "٢", "²", " ", "2%00", "<script>"]
)
async def test_a_value_that_is_not_a_page_number_is_page_1(site, value):
    page = await get(site, "?" + str(httpx.QueryParams({"seite": value})))
    first = await get(site)
    assert news(page) == news(first)
    assert page.cssselect("#konsultationen h3")


async def test_one_page_has_no_page_links_and_page_2_says_all_is_on_the_first(settings):
    async for server in serve(settings, 10):
        page = await get(server)
        assert len(news(page)) == 12
        assert nav(page) == {}
        past = (await get(server, "?seite=2")).cssselect("#neuigkeiten")[0].text_content()
        assert "Alle Meldungen stehen auf der ersten Seite." in past


async def test_a_smaller_feed_window_makes_smaller_pages(tmp_path):
    settings = settings_for(tmp_path, window=20)
    async for server in serve(settings, 45):
        sizes = [len(news(await get(server, f"?seite={n}"))) for n in (1, 2, 3)]
        assert sizes == [20, 20, 7]
