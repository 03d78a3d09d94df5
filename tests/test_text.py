"""The shared plain-text helpers (ogbot.text): one fold with the callers' options, deadlines as
people read them, shortening as the web page and the feeds use it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ogbot.models import StoredItem
from ogbot.text import deadline_parts, deadline_text, fold, shorten


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Bürgerhaushalt", "burgerhaushalt"),
        ("STRASSE Straße", "strasse strasse"),
        ("Café Søren Æble", "cafe soren aeble"),
        ("ﬁnanzen", "finanzen"),  # compatibility forms
        ("Beteiligung", "beteiligung"),  # ASCII: lower case only
    ],
)
def test_fold_lowers_and_removes_umlauts_and_accents(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_without_accents_folds_only_umlauts_and_sharp_s() -> None:
    # a source's include/exclude terms: "Café" stays "café", umlauts and ß fold
    assert fold("Café Ökologie Straße", accents=False) == "café okologie strasse"
    assert fold("ÄÖÜ", accents=False) == "aou"


def test_fold_with_digraphs_makes_umlaut_spellings_one_word() -> None:
    # the classifier's rules: "März", "Maerz" and "Marz" are one word
    assert {fold(w, digraphs=True) for w in ("März", "Maerz", "Marz", "MAERZ")} == {"marz"}
    assert fold("Stellungnahme Öffentlichkeit", digraphs=True) == "stellungnahme offentlichkeit"
    assert fold("Michael", digraphs=True) == "michal"  # every "ae", "oe", "ue"


def consultation(deadline: date | None, guessed: bool = False) -> StoredItem:
    moment = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    return StoredItem(
        id=1,
        source="ogp",
        link="https://ogp.example/konsultation",
        title="Konsultation",
        summary="",
        content_html="",
        published=moment,
        date_known=True,
        categories=(),
        author=None,
        kind="consultation",
        deadline=deadline,
        deadline_guessed=guessed,
        first_seen=moment,
        updated_at=moment,
        backlog=False,
    )


def test_deadline_text_in_german_and_english() -> None:
    item = consultation(date(2026, 12, 15), guessed=True)
    assert deadline_text(item) == "Frist: 15. Dezember 2026 (Jahr geschätzt)"
    assert deadline_text(item, "en") == "Deadline: 15 December 2026 (year estimated)"
    assert deadline_parts(item) == ("Frist: 15. Dezember 2026", " (Jahr geschätzt)")
    assert deadline_parts(consultation(date(2026, 12, 15))) == ("Frist: 15. Dezember 2026", "")
    assert deadline_text(consultation(None)) == ""
    assert deadline_parts(consultation(None)) == ("", "")


def test_deadline_text_with_today_says_how_long_is_left() -> None:
    item = consultation(date(2026, 12, 15))
    assert (
        deadline_text(item, today=date(2026, 11, 23)) == "Frist: 15. Dezember 2026 – noch 22 Tage"
    )
    assert deadline_text(item, today=date(2026, 12, 14)) == "Frist: 15. Dezember 2026 – noch 1 Tag"
    assert deadline_text(item, today=date(2026, 12, 15)) == "Frist: 15. Dezember 2026 – endet heute"
    assert deadline_text(item, today=date(2026, 12, 16)) == "Frist: 15. Dezember 2026 – abgelaufen"
    assert deadline_text(item, "en", today=date(2026, 12, 13)) == (
        "Deadline: 15 December 2026 – 2 days left"
    )
    assert deadline_text(consultation(None), today=date(2026, 12, 16)) == ""


def test_shorten_keeps_short_text_and_cuts_long_text_at_a_word() -> None:
    assert shorten("Kurzer Text", 20) == "Kurzer Text"
    assert shorten("Ein langer Text über Beteiligung und Transparenz", 20) == "Ein langer Text…"
    # however long the text, only its start is read
    assert shorten("Wort " * 200_000, 30) == "Wort Wort Wort Wort Wort…"
