"""`ogbot sources find URL` against the fake websites: a WordPress-like site's feeds by
autodiscovery and by its usual paths (each checked to parse as a feed), and for the federal
government's teaser listing, which has no feed, `select` rules tried once on the page."""

# ruff: noqa: E501 - the fixtures keep the long lines real exports and pages have

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ogbot.config import DEFAULT_SOURCES, Selectors
from ogbot.watch.discover import MAX_CANDIDATES, suggest
from tests.fakes.web import FakeWeb, site_bytes
from tests.shell import clean_env, ogbot

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 12, 7)
# the selectors ogbot ships for the two listings without a feed
SHIPPED = {s["name"]: s["select"] for s in DEFAULT_SOURCES if s.get("type") == "html"}

WORDPRESS_HOME = """<!DOCTYPE html>
<html lang="de-DE">
<head>
<meta charset="UTF-8">
<title>Open Government Netzwerk &#8211; Für mehr Offenheit</title>
<link rel='dns-prefetch' href='//s.w.org' />
<link rel="alternate" type="application/rss+xml" title="Open Government Netzwerk &raquo; Feed" href="/feed/" />
<link rel="alternate" type="application/rss+xml" title="Open Government Netzwerk &raquo; Kommentar-Feed" href="/comments/feed/" />
<link rel="alternate" type="application/json+oembed" href="/wp-json/oembed/1.0/embed?url=x" />
<link rel="https://api.w.org/" href="/wp-json/" />
</head>
<body class="home blog">
<main id="main"><article class="post"><h2 class="entry-title"><a href="/treffen/">Netzwerktreffen im Dezember</a></h2></article></main>
</body>
</html>
"""


def comments_feed(host: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Kommentare zu: Open Government Netzwerk</title>"
        f"<link>{host}</link><description>x</description></channel></rss>"
    ).encode()


def find(tmp_path: Path, url: str) -> Any:
    config = tmp_path / "ogbot.toml"
    config.write_text("[fetch]\ntimeout = 3\n", encoding="utf-8")
    env = clean_env(OGBOT_DATA_DIR=str(tmp_path / "data"), OGBOT_FETCH_ALLOW_PRIVATE="true")
    return ogbot(tmp_path, "sources", "find", url, "--config", str(config), env=env)


def pasted(lines: str) -> list[dict[str, Any]]:
    """The TOML the output offers to paste (indented or not), read as ogbot reads it."""
    text = "\n".join(
        line.strip() for line in lines.splitlines() if re.match(r"\s*(\[\[sources|\w+ = )", line)
    )
    sources: list[dict[str, Any]] = tomllib.loads(text).get("sources", [])
    return sources


def test_find_wordpress_feeds_by_autodiscovery(tmp_path: Path, fake_web: FakeWeb) -> None:
    home = fake_web.route("/", body=WORDPRESS_HOME, content_type="text/html; charset=UTF-8")
    fake_web.fixture("/feed/", "netzwerk.rss")
    fake_web.route("/comments/feed/", body=comments_feed(home), content_type="application/rss+xml")
    result = find(tmp_path, home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"feeds of {home}:"
    feeds = [line for line in lines if line.startswith("- ")]
    assert feeds[0].startswith(f"- {fake_web.url('/feed/')} (") and "autodiscovery" in feeds[0]
    assert "entries" in feeds[0]
    assert feeds[1].startswith(f"- {fake_web.url('/comments/feed/')} (")
    assert len(feeds) == 2  # /feed (a 301 in real WordPress) and ?feed=rss2 are 404 here
    # the first feed as a table to paste, named after its title
    expected = {"name": "open-government-netzwerk-deutschland", "url": fake_web.url("/feed/")}
    assert pasted(result.stdout) == [expected]
    # ogbot's User-Agent on every request, and a bounded number of them
    assert all(seen.headers["user-agent"].startswith("ogbot/") for seen in fake_web.requests)
    assert len(fake_web.requests) <= 1 + MAX_CANDIDATES


def test_find_wordpress_feed_by_its_usual_path(tmp_path: Path, fake_web: FakeWeb) -> None:
    # a theme that dropped the <link rel="alternate"> tags: ?feed=rss2 still answers
    page = WORDPRESS_HOME.replace('rel="alternate"', 'rel="stylesheet"')
    home = fake_web.route("/", body=page, content_type="text/html")
    fake_web.route("/?feed=rss2", body=site_bytes("netzwerk.rss"), content_type="text/xml")
    fake_web.route("/rss", body="<html><body>Not a feed</body></html>", content_type="text/html")
    result = find(tmp_path, home)
    assert result.returncode == 0, result.stderr
    feeds = [line for line in result.stdout.splitlines() if line.startswith("- ")]
    assert feeds == [line for line in feeds if "common path" in line]
    assert len(feeds) == 1 and feeds[0].startswith(f"- {fake_web.url('/?feed=rss2')} (")


def test_find_a_feed_url_is_the_answer_itself(tmp_path: Path, fake_web: FakeWeb) -> None:
    url = fake_web.fixture("/feed/", "ogp.rss")
    result = find(tmp_path, url)
    assert result.returncode == 0, result.stderr
    assert "the page itself" in result.stdout
    assert fake_web.hits("/feed/") == 1


def test_find_federal_listing_suggests_select_rules_and_shows_what_they_yield(
    tmp_path: Path, fake_web: FakeWeb
) -> None:
    url = fake_web.fixture("/opengov-de/service/aktuelles", "bundesregierung.html")
    result = find(tmp_path, url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"no feed at {url} (")
    assert "1. 5 teasers; what ogbot would read:" in out
    # titles, links and dates as ogbot reads them, the cookie banner's <h1> not among them
    assert "Ihr Feedback ist gefragt: Entwurf des Fünften Nationalen Aktionsplans" in out
    assert fake_web.url("/opengov-de/service/aktuelles/entwurf-5-nap-2294412") in out
    assert "2026-11-10" in out and "no date" in out
    assert "Datenschutzeinstellungen" not in out
    first = pasted(out)[0]
    assert first["type"] == "html" and first["url"] == url
    assert first["select"] == {
        "item": "div.teaser",
        "title": "h3",
        "link": "h3 a",
        "date": "time",
        "summary": "p.teaser-text",
    }
    # the shipped rules for this listing agree on what matters
    shipped = SHIPPED["bundesregierung"]
    assert {k: first["select"][k] for k in ("item", "title", "link")} == {
        k: shipped[k] for k in ("item", "title", "link")
    }


def test_find_a_page_without_feed_or_teasers_says_so(tmp_path: Path, fake_web: FakeWeb) -> None:
    url = fake_web.fixture("/impressum", "not-a-feed.html")
    result = find(tmp_path, url)
    assert result.returncode == 1
    assert "no repeated teaser blocks found" in result.stdout


def test_find_a_page_that_fails_exits_1_with_the_reason(tmp_path: Path, fake_web: FakeWeb) -> None:
    result = find(tmp_path, fake_web.route("/weg", status=404))
    assert result.returncode == 1 and "HTTP 404" in result.stdout
    bad = find(tmp_path, "ftp://example.org/")
    assert bad.returncode == 2 and "not an http(s) URL" in bad.stderr


def test_suggested_rules_for_the_municipal_archive_are_the_shipped_ones() -> None:
    body = site_bytes("kommunen.html")
    found = suggest(body, "http://open-government-kommunen.de/archiv/", {}, BERLIN, TODAY)
    assert found[0].select == Selectors(**SHIPPED["kommunen"])
    entries = found[0].entries
    assert len(entries) == found[0].teasers == 5
    assert all(entry.published is not None for entry in entries)
