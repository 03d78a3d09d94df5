"""The explainer content: every entry valid, both languages complete, facts worded with dates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ogbot.knowledge.content import ContentError, default_content_dir, load_library, parse_entry

CONTENT = default_content_dir()
REQUIRED_TOPICS = {
    "open-government",
    "principles",
    "open-data",
    "digitalisation",
    "ogp",
    "germany-ogp",
    "action-plan",
    "consultation",
    "network",
    "network-coordination",
    "network-values",
    "contact",
    "resources",
    "municipalities",
    "bot",
    "privacy",
}


@pytest.fixture(scope="module")
def library():
    return load_library(CONTENT)


def test_content_covers_every_required_topic_in_both_languages(library):
    assert set(library.ids) >= REQUIRED_TOPICS
    for topic in library.ids:
        assert library.get(topic, "de").lang == "de"
        assert library.get(topic, "en").lang == "en"


def test_content_every_entry_links_where_to_read_on(library):
    for entry in library:
        assert entry.links, entry.path
        for link in entry.links:
            assert link.url.startswith(("https://", "http://")), entry.path
            assert link.title


def test_content_placeholders_are_filled_from_settings():
    library = load_library(
        CONTENT,
        {
            "contact": "@Example",
            "contact_url": "https://example.org/c",
            "site_url": "https://f.example",
        },
    )
    bot = library.get("bot", "de")
    assert "https://f.example/feed.rss" in bot.body
    assert "https://f.example/feed.rss" in [link.url for link in bot.links]
    assert "@Example" in library.get("contact", "en").body
    for entry in library:
        assert "{" not in entry.body, entry.path


def test_content_time_bound_facts_carry_their_dates(library):
    germany_de = library.get("germany-ogp", "de").body
    germany_en = library.get("germany-ogp", "en").body
    assert "2016" in germany_de and "2019" in germany_de
    assert "2016" in germany_en and "2019" in germany_en
    plans = library.get("action-plan", "en").body
    for years in ("2017", "2019", "2021", "2023", "2025"):
        assert years in plans
    assert "30 August 2023" in plans
    assert "30. August 2023" in library.get("action-plan", "de").body
    assert "2011" in library.get("network", "de").body
    assert "2011" in library.get("ogp", "en").body


def test_content_names_the_german_term_for_open_government(library):
    assert "Offenes Regierungs- und Verwaltungshandeln" in library.get("open-government", "de").body
    assert "Offenes Regierungs- und Verwaltungshandeln" in library.get("open-government", "en").body


def test_content_coordination_is_attributed_to_the_project_page(library):
    for lang in ("de", "en"):
        body = library.get("network-coordination", lang).body
        assert "Walter Palmetshofer" in body
        assert re.search(r"Projektseite|project page", body)


def test_content_missing_language_is_an_error(tmp_path: Path):
    (tmp_path / "de").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "de" / "only-german.md").write_text(
        "---\nid: only-german\nlang: de\ntitle: T\nquestions: [a, b, c]\ntags: [x]\n"
        "links:\n  - title: L\n    url: https://example.org/\n---\nText.\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=r"only-german.*no en entry"):
        load_library(tmp_path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter\n", "no front matter"),
        ("---\nid: x\n---\nBody\n", "id 'x' must"),
        (
            "---\nid: entry\nlang: fr\ntitle: T\nquestions: [a, b, c]\ntags: [t]\n"
            "links: [{title: L, url: 'https://e.org'}]\n---\nBody\n",
            "lang must be",
        ),
        (
            "---\nid: entry\nlang: de\ntitle: T\nquestions: [a, b, c]\ntags: [t]\n"
            "links: [{title: L, url: 'javascript:alert(1)'}]\n---\nBody\n",
            "not an http",
        ),
        (
            "---\nid: entry\nlang: de\ntitle: T\nquestions: [a, b, c]\ntags: [t]\n"
            "links: [{title: L, url: 'https://e.org'}]\n---\n\n",
            "body",
        ),
        (
            "---\nid: entry\nlang: de\ntitle: T\nquestions: [a, b, c]\ntags: [t]\n"
            "links: [{title: L, url: 'https://e.org'}]\n---\nHello {secret}\n",
            "unknown placeholder",
        ),
        (
            "---\nid: entry\nlang: de\ntitle: T\nquestions: [a]\ntags: [t]\n"
            "links: [{title: L, url: 'https://e.org'}]\n---\nBody\n",
            "at least 3",
        ),
    ],
)
def test_content_bad_entry_is_reported_with_its_file(text, problem):
    with pytest.raises(ContentError, match=problem) as info:
        parse_entry(Path("entry.md"), text, {})
    assert "entry.md" in str(info.value)
