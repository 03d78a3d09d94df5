"""Searching the stored items (the store's part of /suche and the page's ?q=), through the real
store on a real SQLite file: what a person typing words finds, and what hostile input cannot do.
The bot's and the page's sides are in test_conversation.py and test_web.py; the index of an
older database (the migration) in test_operations.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ogbot.models import Item, StoredItem
from ogbot.store import DB_NAME, SEARCH_WORDS, Store, search_expression, search_words

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

PLAN = "Entwurf des Fünften Nationalen Aktionsplans: Ihr Feedback ist gefragt"
KONSULTATION = "Konsultation zur Open-Data-Strategie der Länder"
BUERGER = "Bürgerbeteiligung in Kommunen: ein Rückblick"
SUMMIT = "OGP Global Summit 2026: What's next for open government"
REVIEW = "Germany Action Plan Review 2023-2025 – For Public Comment"
NEAR = "NEAR and far: OR, AND, NOT in the news"
STAR = 'Stars * and "quotes" – a-b-c'


def item(
    number: int,
    title: str,
    *,
    hours_ago: int,
    kind: str = "news",
    summary: str = "",
    categories: tuple[str, ...] = (),
    source: str = "ogp",
) -> Item:
    link = f"https://www.example.org/{source}/{number}"
    return Item(
        source=source,
        guid=f"{source}-{number}",
        link=link,
        key=link,
        title=title,
        summary=summary,
        content_html=f"<p>{summary}</p>",
        published=NOW - timedelta(hours=hours_ago),
        date_known=True,
        categories=("Open Government", *categories),
        author=None,
        kind=kind,  # type: ignore[arg-type]
        deadline=date(2026, 12, 15) if kind == "consultation" else None,
        deadline_guessed=False,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "data")
    store.save_items(
        "bund",
        [
            item(
                1,
                PLAN,
                hours_ago=5,
                kind="consultation",
                summary="Kommentieren bis Januar.",
                source="bund",
            ),
            item(2, BUERGER, hours_ago=50, summary="Was Städte gelernt haben.", source="bund"),
        ],
        NOW,
        False,
    )
    store.save_items(
        "netzwerk",
        [
            item(
                3,
                KONSULTATION,
                hours_ago=1,
                kind="consultation",
                summary="Beteiligen Sie sich an der Konsultation!",
                source="netzwerk",
            ),
            item(
                4,
                "Netzwerktreffen im Dezember",
                hours_ago=30,
                summary="Wir laden alle ein.",
                categories=("Veranstaltungen", "Beteiligung"),
                source="netzwerk",
            ),
        ],
        NOW,
        False,
    )
    store.save_items(
        "ogp",
        [
            item(5, SUMMIT, hours_ago=20, summary="Highlights of the summit."),
            item(6, REVIEW, hours_ago=80, kind="consultation", summary="Comments welcome."),
            item(7, NEAR, hours_ago=90),
            item(8, STAR, hours_ago=100),
        ],
        NOW,
        False,
    )
    yield store
    store.close()


def titles(items: list[StoredItem]) -> list[str]:
    return [found.title for found in items]


# --- what people find -------------------------------------------------------------------------


def test_a_word_finds_longer_words_that_begin_with_it(store: Store):
    # "Aktionsplan" finds "Aktionsplans"; a compound is found by its beginning
    assert titles(store.search_items("Aktionsplan", 10)) == [PLAN]
    assert titles(store.search_items("Netzwerk", 10)) == [
        KONSULTATION,
        "Netzwerktreffen im Dezember",
    ]
    assert titles(store.search_items("Bürger", 10)) == [BUERGER]


def test_case_and_umlauts_fold(store: Store):
    for query in ("konsultation", "KONSULTATION", "Konsultation"):
        assert KONSULTATION in titles(store.search_items(query, 10)), query
    assert titles(store.search_items("funften", 10)) == [PLAN]  # "Fünften"
    assert titles(store.search_items("laender", 10)) == []  # "ae" is not "ä" ...
    assert titles(store.search_items("lander", 10)) == [KONSULTATION]  # ... but "a" is
    assert titles(store.search_items("BÜRGERBETEILIGUNG", 10)) == [BUERGER]
    # a decomposed umlaut (as some keyboards and pages send it) is the same word
    assert titles(store.search_items("Bu\u0308rger", 10)) == [BUERGER]


def test_every_word_must_match_in_any_field(store: Store):
    # title and summary
    assert titles(store.search_items("Konsultation Beteiligen", 10)) == [KONSULTATION]
    assert titles(store.search_items("Konsultation Dezember", 10)) == []
    # categories and the source's name count too
    assert titles(store.search_items("beteiligung", 10)) == ["Netzwerktreffen im Dezember"]
    assert titles(store.search_items("netzwerk veranstaltungen", 10)) == [
        "Netzwerktreffen im Dezember"
    ]
    assert titles(store.search_items("bund", 10)) == [PLAN, BUERGER]


def test_newest_first_with_a_limit_and_a_kind(store: Store):
    everything = store.search_items("government", 100)  # every item's category
    assert len(everything) == 8
    published = [found.published for found in everything]
    assert published == sorted(published, reverse=True)
    assert titles(everything)[:2] == [KONSULTATION, PLAN]
    assert titles(store.search_items("government", 2)) == [KONSULTATION, PLAN]
    consultations = store.search_items("government", 100, kind="consultation")
    assert titles(consultations) == [KONSULTATION, PLAN, REVIEW]
    news = store.search_items("Global", 10, kind="news")
    assert titles(news) == [SUMMIT]
    assert store.search_items("Global", 10, kind="consultation") == []


def test_items_stored_or_changed_later_are_found_by_their_new_words(store: Store):
    later = NOW + timedelta(hours=1)
    store.save_items("ogp", [item(9, "Zitronenfalter im Rathaus", hours_ago=0)], later, False)
    assert titles(store.search_items("zitronenfalter", 10)) == ["Zitronenfalter im Rathaus"]
    # the source renames the story: the old words find nothing, the new ones find it once
    store.save_items("ogp", [item(9, "Schmetterlinge im Rathaus", hours_ago=0)], later, False)
    assert store.search_items("zitronenfalter", 10) == []
    assert titles(store.search_items("schmetterling rathaus", 10)) == ["Schmetterlinge im Rathaus"]
    # a duplicate from another source is one item, found once
    duplicate = item(9, "Zitronenfalter again", hours_ago=0)
    store.save_items("netzwerk", [duplicate], later, False)
    assert len(store.search_items("rathaus", 10)) == 1


def test_the_index_follows_every_change_to_the_items_table(store: Store, tmp_path: Path):
    """Triggers, not the code paths that exist today: a row changed or deleted any other way
    (a later feature, an operator with sqlite3) keeps the index right."""
    db = sqlite3.connect(tmp_path / "data" / DB_NAME, isolation_level=None)
    try:
        db.execute("UPDATE items SET summary = 'Schwalbenschwanz' WHERE title = ?", (SUMMIT,))
        db.execute("DELETE FROM items WHERE title = ?", (REVIEW,))
        db.execute("INSERT INTO items_search (items_search) VALUES ('integrity-check')")
    finally:
        db.close()
    assert titles(store.search_items("schwalbenschwanz", 10)) == [SUMMIT]
    assert store.search_items("highlights", 10) == []
    assert store.search_items("germany review", 10) == []


# --- what hostile or odd input does -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '""',
        "*",
        "-",
        "()",
        "^",
        ":",
        "🙂🇩🇪",
        "_",
        "' -- ;",
    ],
)
def test_a_query_without_words_finds_nothing_and_raises_nothing(store: Store, query: str):
    assert store.search_items(query, 10) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # FTS5 syntax is only words: nothing breaks, nothing widens
        ('"Aktionsplan', [PLAN]),
        ('Aktionsplan"', [PLAN]),
        ('Aktions"plan', []),  # two words, "plan" begins no word of the item
        ("NEAR(Aktionsplan Feedback)", []),  # "near" must match too
        ("NEAR", [NEAR]),
        ("NEAR(", [NEAR]),
        ("' OR 1=1 --", []),
        ("Aktionsplan*", [PLAN]),
        ("* Aktionsplan", [PLAN]),
        ("Aktionsplan OR Summit", []),  # no OR: all three words must match
        ("or and not", [NEAR]),
        ("Global NOT Summit", []),  # no NOT: "not" is one more word that must match
        ("-Summit", [SUMMIT]),  # no exclusion either
        ("Summit -Global", [SUMMIT]),
        ("title:Summit", []),  # no column filter: "title" is a word that must match
        ("{title summary}: Summit", []),
        ("^Global", [SUMMIT]),
        ("Summit+2026", [SUMMIT]),
        ("a-b-c", [STAR]),
        ('"quotes" *', [STAR]),
        ("Open-Data-Strategie", [KONSULTATION]),
    ],
)
def test_fts_syntax_in_a_query_is_only_words(store: Store, query: str, expected: list[str]):
    assert titles(store.search_items(query, 10)) == expected


def test_the_expression_quotes_every_word_and_drops_everything_else():
    assert search_expression('NEAR("a" b*) OR -c') == '"NEAR"* "a"* "b"* "OR"* "c"*'
    assert search_expression("Bürger_beteiligung") == '"Bürger"* "beteiligung"*'
    assert search_expression(" \t ") is None
    many = " ".join(f"wort{number}" for number in range(100))
    assert len(search_words(many)) == SEARCH_WORDS


def test_a_huge_query_costs_little_and_breaks_nothing(store: Store):
    assert store.search_items("Aktionsplan " + "x" * 100_000, 10) == []
    assert titles(store.search_items(" ".join(["Aktionsplan"] * 5000), 10)) == [PLAN]
    assert store.search_items("Aktionsplan", 0) == []
