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
    feeds = library.get("bot-feeds", "de")
    assert "https://f.example/" in feeds.body + " ".join(link.url for link in feeds.links)
    assert "@Example" in library.get("contact", "en").body
    for entry in library:
        assert "{" not in entry.body, entry.path


def test_content_time_bound_facts_carry_their_dates(library):
    for lang in ("de", "en"):
        assert "2016" in library.get("germany-ogp", lang).body
        committee = library.get("germany-steering-committee", lang).body
        assert "2019" in committee and "2022" in committee and "2025" in committee
        plans = library.get("action-plans-germany", lang).body
        for years in ("2017", "2019", "2021", "2023", "2025"):
            assert years in plans
        assert "2011" in library.get("network-history", lang).body
        founding = library.get("ogp-founding", lang).body
        assert "2011" in founding and "20" in founding
    assert "30. August 2023" in library.get("nap4", "de").body
    assert "30 August 2023" in library.get("nap4", "en").body


def test_content_changeable_facts_carry_a_stand(library):
    for topic in ("ogp-members", "nap-status", "germany-government-lead", "network-coordination"):
        assert "Stand" in library.get(topic, "de").body, topic
        assert re.search(r"as of|As of", library.get(topic, "en").body), topic


def test_content_municipal_projects_are_named_as_documented(library):
    for lang in ("de", "en"):
        text = library.get("municipalities", lang).body + library.get("modellkommune", lang).body
        assert "Modellkommune" in text
        labs = library.get("regional-labs", lang).body
        assert "13" in labs and "2022" in labs
    everything = " ".join(entry.body for entry in library)
    assert "Open Government in Kommunen" not in everything


def test_content_is_a_knowledge_base_of_specific_entries(library):
    assert len(library.ids) >= 120
    for entry in library:
        assert len(entry.questions) >= 8, entry.path
        assert entry.sources and entry.checked, entry.path
        assert len(entry.body) <= 600, entry.path


def test_content_general_words_list_is_current():
    """src/ogbot/knowledge/general_words.txt is computed from the content: rerun
    `.venv/bin/python scripts/general_words.py` after editing content/."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "general_words", Path(__file__).parents[1] / "scripts" / "general_words.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.OUTPUT.read_text(encoding="utf-8") == module.compute()


def test_content_names_the_german_term_for_open_government(library):
    assert "Regierungs- und Verwaltungshandeln" in library.get("open-government", "de").body


def test_content_missing_language_is_an_error(tmp_path: Path):
    (tmp_path / "de").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "de" / "only-german.md").write_text(
        "---\nid: only-german\nlang: de\ntitle: T\n"
        "questions: [a, b, c, d, e]\nsources: ['https://e.org']\nchecked: 2026-12\ntags: [x]\n"
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
            "---\nid: entry\nlang: fr\ntitle: T\n"
            "questions: [a, b, c, d, e]\nsources: ['https://e.org']\nchecked: 2026-12\ntags: [t]\n"
            "links: [{title: L, url: 'https://e.org'}]\n---\nBody\n",
            "lang must be",
        ),
        (
            "---\nid: entry\nlang: de\ntitle: T\n"
            "questions: [a, b, c, d, e]\nsources: ['https://e.org']\nchecked: 2026-12\ntags: [t]\n"
            "links: [{title: L, url: 'javascript:alert(1)'}]\n---\nBody\n",
            "not an http",
        ),
        (
            "---\nid: entry\nlang: de\ntitle: T\n"
            "questions: [a, b, c, d, e]\nsources: ['https://e.org']\nchecked: 2026-12\ntags: [t]\n"
            "links: [{title: L, url: 'https://e.org'}]\n---\n\n",
            "body",
        ),
        (
            "---\nid: entry\nlang: de\ntitle: T\n"
            "questions: [a, b, c, d, e]\nsources: ['https://e.org']\nchecked: 2026-12\ntags: [t]\n"
            "links: [{title: L, url: 'https://e.org'}]\n---\nHello {secret}\n",
            "unknown placeholder",
        ),
        (
            "---\nid: entry\nlang: de\ntitle: T\nquestions: [a]\ntags: [t]\n"
            "links: [{title: L, url: 'https://e.org'}]\n---\nBody\n",
            "at least 5",
        ),
    ],
)
def test_content_bad_entry_is_reported_with_its_file(text, problem):
    with pytest.raises(ContentError, match=problem) as info:
        parse_entry(Path("entry.md"), text, {})
    assert "entry.md" in str(info.value)
