"""Tests for ogbot.dates: normalising text, finding dates, listing dates."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from ogbot.dates import (
    FoundDate,
    find_dates,
    is_range_gap,
    normalise_text,
    parse_listing_date,
)

D = datetime.date
REF = D(2023, 8, 20)  # a reference in late summer
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _found(text: str, reference: datetime.date = REF) -> list[tuple[str, bool]]:
    return [(f.day.isoformat(), f.year_guessed) for f in find_dates(text, reference)]


# --------------------------------------------------------------------------- normalise_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bis\u00a0zum 15.\u00a0Dezember", "bis zum 15. Dezember"),
        ("15.\u202fAugust\u2009 2023", "15. August 2023"),
        ("24.4.\u201312.5.2023", "24.4.-12.5.2023"),
        (
            "Review 2023\u20132025 \u2014 For Public Comment",
            "Review 2023-2025 - For Public Comment",
        ),
        ("Online\u2011Konsultation", "Online-Konsultation"),
        ("\u201eIhr Feedback ist gefragt\u201c", '"Ihr Feedback ist gefragt"'),
        ("\u201cYour Comments?\u201d \u2018now\u2019", "\"Your Comments?\" 'now'"),
        ("  Beteili\u00adgung \n\t am\u200b  Plan  ", "Beteiligung am Plan"),
        ("\uff11\uff15. Mai", "15. Mai"),  # full-width digits (NFKC)
        ("Deadline: \u2026", "Deadline: ..."),
    ],
)
def test_normalise_text_replaces_typography(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


def test_normalise_text_is_idempotent() -> None:
    raw = "\u00a0Konsultation\u2013bis\u00a015.\u2009Dezember \u201ejetzt\u201c "
    once = normalise_text(raw)
    assert normalise_text(once) == once


# --------------------------------------------------------------------------- find_dates: formats


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("am 30. August 2023 beschlossen", [("2023-08-30", False)]),
        ("30 August 2023", [("2023-08-30", False)]),
        ("30.August 2023", [("2023-08-30", False)]),
        ("August 30, 2023", [("2023-08-30", False)]),
        ("Aug 30, 2023", [("2023-08-30", False)]),
        ("30 Aug 2023", [("2023-08-30", False)]),
        ("30 Aug. 2023", [("2023-08-30", False)]),
        ("the 7th of November 2026", [("2026-11-07", False)]),
        ("7 November 2026", [("2026-11-07", False)]),
        ("November 7, 2026", [("2026-11-07", False)]),
        ("6.8.2023", [("2023-08-06", False)]),
        ("22.08.2021", [("2021-08-22", False)]),
        ("06.08.23", [("2023-08-06", False)]),
        ("6.8. 2023", [("2023-08-06", False)]),
        ("2023-08-06", [("2023-08-06", False)]),
        ("15. Dezember 2026", [("2026-12-15", False)]),
        ("3. Dez. 2023", [("2023-12-03", False)]),
        ("5 Sept 2023", [("2023-09-05", False)]),
        ("5. Sept. 2023", [("2023-09-05", False)]),
        ("1. Mrz 2024", [("2024-03-01", False)]),
        ("1. März 2024", [("2024-03-01", False)]),
        ("1. Maerz 2024", [("2024-03-01", False)]),
        ("1. Marz 2024", [("2024-03-01", False)]),
        ("1. MÄRZ 2024", [("2024-03-01", False)]),
        ("2. Jänner 2024", [("2024-01-02", False)]),
        ("12. Okt. 2023", [("2023-10-12", False)]),
        ("12 October 2023", [("2023-10-12", False)]),
        ("Dec 15 2026", [("2026-12-15", False)]),
        ("29.02.2024", [("2024-02-29", False)]),
    ],
)
def test_find_dates_reads_format(text: str, expected: list[tuple[str, bool]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        # no year: the closest year, preferring the future up to about ten months
        ("15. Dezember", D(2023, 8, 20), [("2023-12-15", True)]),
        ("November 7", D(2023, 8, 20), [("2023-11-07", True)]),
        ("12. Mai", D(2023, 8, 20), [("2024-05-12", True)]),
        ("12. Mai", D(2023, 5, 2), [("2023-05-12", True)]),
        ("12. Mai", D(2023, 6, 20), [("2023-05-12", True)]),  # just ended: still this year
        ("bis 12. Januar", D(2025, 12, 10), [("2026-01-12", True)]),
        ("until 12 Jan", D(2025, 12, 28), [("2026-01-12", True)]),
        ("15. Dezember", D(2026, 1, 5), [("2025-12-15", True)]),
        ("24.4.", D(2023, 4, 1), [("2023-04-24", True)]),
        ("29.2.", D(2023, 8, 20), [("2024-02-29", True)]),
        ("by 30 November", D(2026, 10, 15), [("2026-11-30", True)]),
    ],
)
def test_find_dates_guesses_year_from_reference(
    text: str, reference: datetime.date, expected: list[tuple[str, bool]]
) -> None:
    assert _found(text, reference) == expected


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("vom 24.4.-12.5.2023", REF, [("2023-04-24", False), ("2023-05-12", False)]),
        ("24.4. - 12.5.2023", REF, [("2023-04-24", False), ("2023-05-12", False)]),
        ("vom 24.4. bis zum 12.5.2023", REF, [("2023-04-24", False), ("2023-05-12", False)]),
        ("15.12.-12.1.2024", REF, [("2023-12-15", False), ("2024-01-12", False)]),
        ("5. bis 29. März 2024", REF, [("2024-03-05", False), ("2024-03-29", False)]),
        ("5.-29. März 2024", REF, [("2024-03-05", False), ("2024-03-29", False)]),
        ("5.-29. März", D(2024, 2, 1), [("2024-03-05", True), ("2024-03-29", True)]),
        ("from 5 to 29 March", D(2024, 2, 1), [("2024-03-05", True), ("2024-03-29", True)]),
        ("March 5-29, 2024", REF, [("2024-03-05", False), ("2024-03-29", False)]),
        ("24.-28.4.2023", REF, [("2023-04-24", False), ("2023-04-28", False)]),
        ("5. März bis 29. April 2024", REF, [("2024-03-05", False), ("2024-04-29", False)]),
        ("am 4. und 5. Mai 2024", REF, [("2024-05-04", False), ("2024-05-05", False)]),
        (
            "vom 20.12. bis 10.1.",
            D(2023, 12, 1),
            [("2023-12-20", True), ("2024-01-10", True)],
        ),
    ],
)
def test_find_dates_reads_ranges(
    text: str, reference: datetime.date, expected: list[tuple[str, bool]]
) -> None:
    assert _found(text, reference) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Version 2.0 des Portals",
        "Release 1.2.3",
        "Schritte 1.2.3 und 4.5.6.7",
        "Nummer 6.8.20235",
        "Kennziffer 12.5.2023.4",
        "v1.2. ist da",
        "Version 2.10. ist da",
        "Seite 3.5",
        "siehe Seite 3.5.",
        "Beginn um 10.30 Uhr",
        "10:30 Uhr",
        "Aktionsplan 2023-2025",
        "2023",
        "im Jahr 2023",
        "31.02.2023",
        "30.2.",
        "32.1.2023",
        "12.13.2023",
        "2023-13-01",
        "12,50 € und 12.50 €",
        "1.000.000 Euro",
        "3 Teilnehmende und 42 Kommunen",
        "Mai-Ergebnisse 2023",
        "August 2023",
        "§ 12.3. BGB",
        "IP 192.168.1.1",
    ],
)
def test_find_dates_ignores_non_dates(text: str) -> None:
    assert find_dates(text, REF) == []


def test_find_dates_keeps_order_of_several_dates() -> None:
    text = "Am 30. August 2023 beschlossen, Kommentare bis 15. Dezember, Frist: 6.8.2023"
    assert _found(text) == [
        ("2023-08-30", False),
        ("2023-12-15", True),
        ("2023-08-06", False),
    ]


def test_find_dates_gives_spans_in_normalised_text() -> None:
    raw = "Kommentare\u00a0bis zum 15.\u00a0Dezember\u00a02026 \u2013 vom 24.4.\u201312.5.2023"
    text = normalise_text(raw)
    found = find_dates(raw, REF)
    assert [text[f.start : f.end] for f in found] == [
        "15. Dezember 2026",
        "24.4.",
        "12.5.2023",
    ]
    assert found[0] == FoundDate(D(2026, 12, 15), False, 19, 36)


def test_find_dates_spans_of_range_start() -> None:
    text = "vom 5. bis 29. März 2024"
    assert [text[f.start : f.end] for f in find_dates(text, REF)] == ["5.", "29. März 2024"]


@pytest.mark.parametrize(
    ("gap", "expected"),
    [("-", True), (" - ", True), (" bis ", True), (" bis zum ", True), (" to ", True)],
)
def test_is_range_gap_accepts_connectors(gap: str, expected: bool) -> None:
    assert is_range_gap(gap) is expected


@pytest.mark.parametrize("gap", [", ", " und dann ", " Frist: ", ""])
def test_is_range_gap_rejects_other_text(gap: str) -> None:
    assert is_range_gap(gap) is False


# --------------------------------------------------------------------------- parse_listing_date


def _utc(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("15.8.2021 | Zwischenbericht", BERLIN, _utc(2021, 8, 14, 22)),
        ("15.1.2021 | Zwischenbericht", BERLIN, _utc(2021, 1, 14, 23)),
        ("30. August 2023", BERLIN, _utc(2023, 8, 29, 22)),
        ("Aug 30, 2023", BERLIN, _utc(2023, 8, 29, 22)),
        ("Aug 30, 2023", zoneinfo.ZoneInfo("UTC"), _utc(2023, 8, 30)),
        ("2023-08-30T10:00:00+02:00", BERLIN, _utc(2023, 8, 30, 8)),
        ("2023-08-30T10:00:00Z", BERLIN, _utc(2023, 8, 30, 10)),
        ("2023-08-30T10:00:00+0530", BERLIN, _utc(2023, 8, 30, 4, 30)),
        ("2023-08-30T10:00:00", BERLIN, _utc(2023, 8, 30, 8)),  # no offset: local time
        ("2023-08-30", BERLIN, _utc(2023, 8, 29, 22)),
        ("Veröffentlicht am 22.08.2021, aktualisiert am 1.9.2021", BERLIN, _utc(2021, 8, 21, 22)),
        ("12. Mai | Open Government Tag", BERLIN, _utc(2024, 5, 11, 22)),  # year from reference
    ],
)
def test_parse_listing_date_returns_utc(
    text: str, tz: zoneinfo.ZoneInfo, expected: datetime.datetime
) -> None:
    result = parse_listing_date(text, tz, REF)
    assert result == expected
    assert result is not None and result.utcoffset() == datetime.timedelta(0)


@pytest.mark.parametrize("text", ["Zwischenbericht", "", "Version 2.0 | 10.30 Uhr", "31.02.2023"])
def test_parse_listing_date_returns_none_without_date(text: str) -> None:
    assert parse_listing_date(text, BERLIN, REF) is None
