"""Tests for ogbot.watch.classify: consultation or news, and the deadline."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import NamedTuple

import pytest

from ogbot.watch.classify import Classification, classify

D = datetime.date
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _utc(year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=datetime.UTC)


class Case(NamedTuple):
    title: str
    summary: str
    categories: tuple[str, ...]
    published: datetime.datetime
    deadline: datetime.date | None
    year_guessed: bool = False


AUTUMN_2026 = _utc(2026, 10, 1)

CONSULTATIONS: list[Case] = [
    # --- English, OGP site wording
    Case(
        "Germany Action Plan Review 2023-2025 \u2013 For Public Comment",
        "The IRM\u2019s review of Germany\u2019s action plan is open for public comment "
        "until 7 November 2026.",
        (),
        AUTUMN_2026,
        D(2026, 11, 7),
    ),
    Case(
        "Call for Expressions of Interest: OGP Steering Committee",
        "Deadline: 15 Dec 2026",
        (),
        AUTUMN_2026,
        D(2026, 12, 15),
    ),
    Case("Your Comments? Draft OGP Strategy 2027\u20132030", "", (), AUTUMN_2026, None),
    Case(
        "Request for input: OGP Local expansion",
        "Send us your ideas by 30 November.",
        (),
        _utc(2026, 10, 15),
        D(2026, 11, 30),
        True,
    ),
    Case(
        "Open for comment: draft Articles of Governance",
        "Comments are welcome no later than 1 December 2026.",
        (),
        AUTUMN_2026,
        D(2026, 12, 1),
    ),
    Case(
        "Public consultation on the new national action plan",
        "Deadline: 7 November 2026",
        (),
        AUTUMN_2026,
        D(2026, 11, 7),
    ),
    Case("Call for input: OGP Global Report", "", (), AUTUMN_2026, None),
    Case(
        "Take our survey on open data in your city",
        "The survey is open until 31 October.",
        (),
        AUTUMN_2026,
        D(2026, 10, 31),
        True,
    ),
    Case("Draft action plan: comments welcome", "", (), AUTUMN_2026, None),
    Case(
        "Survey: how should OGP support reformers?",
        "Deadline: 15 Dec 2026",
        (),
        AUTUMN_2026,
        D(2026, 12, 15),
    ),
    Case(
        "Call for comments on the draft IRM guidelines",
        "Comments are due by 12 January.",
        (),
        _utc(2026, 12, 5),
        D(2027, 1, 12),
        True,
    ),
    Case(
        "Open Gov Week: share your ideas",
        "Submit them until Friday, 7 November 2026.",
        (),
        AUTUMN_2026,
        D(2026, 11, 7),
    ),
    Case(
        "Deadline: 7 November 2026 \u2013 Call for proposals for OGP Local",
        "",
        (),
        AUTUMN_2026,
        D(2026, 11, 7),
    ),
    Case(
        "Public consultation: National Action Plan",
        "You can comment on the draft from 1 to 30 November 2026.",
        (),
        AUTUMN_2026,
        D(2026, 11, 30),
    ),
    Case("Consultations open on OGP\u2019s new strategy", "", (), AUTUMN_2026, None),
    Case("Germany Action Plan Review 2023-2025", "", ("Public Comment",), AUTUMN_2026, None),
    # --- German, federal Open Government pages and the network's site
    Case(
        "Konsultation zum Entwurf des 4. Nationalen Aktionsplans",
        "Bis zum 15. Dezember 2026 können Sie den Entwurf kommentieren.",
        (),
        AUTUMN_2026,
        D(2026, 12, 15),
    ),
    Case(
        "Ihr Feedback ist gefragt: Open-Data-Strategie",
        "Frist: 6.8.2023",
        (),
        _utc(2023, 7, 10),
        D(2023, 8, 6),
    ),
    Case(  # a December post, a deadline in January: next year, guessed
        "Konsultation zum Entwurf der Open-Data-Strategie",
        "Stellungnahmen sind bis 12. Januar möglich.",
        (),
        _utc(2025, 12, 10),
        D(2026, 1, 12),
        True,
    ),
    Case(
        "Kommentierungsphase zum Zwischenbericht gestartet",
        "Die Kommentierungsphase läuft vom 24.4.\u201312.5.2023.",
        (),
        _utc(2023, 4, 24),
        D(2023, 5, 12),
    ),
    Case(
        "Online\u2011Konsultation zum Open\u2011Government\u2011Aktionsplan",
        "Machen Sie mit \u2013 bis 30.\u00a0Juni!",
        (),
        _utc(2024, 6, 1),
        D(2024, 6, 30),
        True,
    ),
    Case("Konsulation zum Aktionsplan startet", "", (), AUTUMN_2026, None),  # typo
    Case("Beteilgung am Nationalen Aktionsplan: Umfrage", "", (), AUTUMN_2026, None),  # typo
    Case(
        "Jetzt kommentieren: Entwurf des Open-Data-Gesetzes",
        "Die Frist endet am 30. November 2026.",
        (),
        AUTUMN_2026,
        D(2026, 11, 30),
    ),
    Case(
        "Stellungnahmen bis 5. Mai 2024 erbeten",
        "Entwurf einer Verwaltungsvorschrift zu offenen Daten.",
        (),
        _utc(2024, 4, 2),
        D(2024, 5, 5),
    ),
    Case(
        "Ideenskizzen einreichen für den 4. Aktionsplan",
        "Einsendeschluss ist der 15. März 2024.",
        (),
        _utc(2024, 2, 1),
        D(2024, 3, 15),
    ),
    Case(
        "Beteiligen Sie sich am Dialog zur Verwaltungsmodernisierung",
        "Die Beteiligung läuft 5. bis 29. März 2024.",
        (),
        _utc(2024, 3, 1),
        D(2024, 3, 29),
    ),
    Case("Aktionsplan: Ihre Ideen", "", ("Beteiligung", "Konsultation"), AUTUMN_2026, None),
    Case(
        "Konsultation\u00a0zum Entwurf des Transparenzgesetzes",
        "Kommentare bis zum 15.\u00a0Dezember\u00a02026",
        (),
        AUTUMN_2026,
        D(2026, 12, 15),
    ),
    Case(
        "Konsultation läuft: Entwurf des Transparenzgesetzes",
        "Noch bis 12. Mai können Sie Stellung nehmen.",
        (),
        _utc(2026, 4, 20),
        D(2026, 5, 12),
        True,
    ),
    Case(
        "Entwurf der Open-Data-Strategie: Kommentierung bis 6.8.2023",
        "",
        (),
        _utc(2023, 7, 10),
        D(2023, 8, 6),
    ),
    Case(
        "Umfrage zur Open-Government-Strategie",
        "Die Umfrage läuft bis 12. Mai. Ihr Feedback hilft uns.",
        (),
        _utc(2024, 4, 15),
        D(2024, 5, 12),
        True,
    ),
    Case(
        "Verbändekonsultation zum Referentenentwurf",
        "Frist: 24.4.-12.5.2023",
        (),
        _utc(2023, 4, 20),
        D(2023, 5, 12),
    ),
    Case(
        "Neuer Aktionsplan",  # the title says nothing; the summary does, with a deadline
        "Bis zum 15. Dezember können Sie den Entwurf kommentieren.",
        (),
        AUTUMN_2026,
        D(2026, 12, 15),
        True,
    ),
    Case(  # an inviting word right by the deadline, in the summary only
        "Zwischenbericht zum 3. Nationalen Aktionsplan",
        "Die Bundesregierung legt den Zwischenbericht vor. Er kann bis zum 30. November 2026 "
        "kommentiert werden.",
        (),
        AUTUMN_2026,
        D(2026, 11, 30),
    ),
    Case(
        "KONSULTATIONEN ZUM AKTIONSPLAN",  # upper case, plural
        "Stellungnahmen bis Montag, 12. Oktober 2026",
        (),
        AUTUMN_2026,
        D(2026, 10, 12),
    ),
]

NEWS: list[Case] = [
    Case(
        "Mehr Beteiligung wagen: Rückblick auf den Open Government Tag",
        "Am 12. Mai trafen sich über 200 Menschen aus Verwaltung und Zivilgesellschaft.",
        (),
        _utc(2026, 5, 20),
        None,
    ),
    Case("Bürgerbeteiligung in Kommunen: neue Studie", "", (), AUTUMN_2026, None),
    Case("Ergebnisse der Konsultation veröffentlicht", "", (), AUTUMN_2026, None),
    Case("Konsultation abgeschlossen", "", (), AUTUMN_2026, None),
    Case("OGP Global Summit: civic participation in focus", "", (), AUTUMN_2026, None),
    Case("What we learned from the consultation", "", (), AUTUMN_2026, None),
    Case(  # closed, but the deadline it stated is kept
        "[abgeschlossen] Kommentierungsphase zum Entwurf der Open-Data-Strategie",
        "Die Kommentierungsphase lief vom 24.4.\u201312.5.2023.",
        (),
        _utc(2023, 5, 20),
        D(2023, 5, 12),
    ),
    Case(
        "Open Government Tag am 12. Mai",
        "Anmeldung bis 30. April.",
        (),
        _utc(2026, 4, 1),
        None,
    ),
    Case(
        "Bundesregierung beschließt 3. Nationalen Aktionsplan",
        "Das Kabinett hat den Aktionsplan am 30. August 2023 beschlossen.",
        (),
        _utc(2023, 8, 31),
        None,
    ),
    Case("15.8.2021 | Zwischenbericht", "", (), _utc(2021, 8, 15), None),
    Case("Germany joins the OGP Steering Committee", "", (), AUTUMN_2026, None),
    Case(
        "OGP Global Summit 2025 in Vitoria-Gasteiz",
        "Registration is open until 30 June.",
        (),
        _utc(2025, 5, 2),
        None,
    ),
    Case(  # one weak word in the summary next to a registration deadline
        "OGP Global Summit 2025 in Vitoria-Gasteiz",
        "Registration is open until 30 June; sessions on the draft charter.",
        (),
        _utc(2025, 5, 2),
        None,
    ),
    Case(
        "Neue Studie zu Open Data in Kommunen",
        "Die Studie wertet eine Umfrage unter 300 Kommunen aus.",
        (),
        AUTUMN_2026,
        None,
    ),
    Case("Survey results: trust in open government", "", (), AUTUMN_2026, None),
    Case(
        "Rückblick: Konsultation zum 3. Aktionsplan",
        "Die Konsultation ist abgeschlossen. Vielen Dank für über 200 Kommentare!",
        (),
        AUTUMN_2026,
        None,
    ),
    Case("Konsultation zum Entwurf des Aktionsplans beendet", "", (), AUTUMN_2026, None),
    Case("Recap: OGP Local call for input", "", (), AUTUMN_2026, None),
    Case(
        "Kurzfristige Änderungen im Programm des Open Government Tages", "", (), AUTUMN_2026, None
    ),
    Case(
        "Version 2.0 des Open-Data-Portals veröffentlicht",
        "Ab 10.30 Uhr ist die neue Version online.",
        (),
        AUTUMN_2026,
        None,
    ),
    Case("Ein Kommentar zur Transparenzdebatte", "", (), AUTUMN_2026, None),
    Case(
        "Germany\u2019s action plan 2023\u20132025 published",
        "The plan contains 10 commitments.",
        (),
        AUTUMN_2026,
        None,
    ),
    Case("Public comment period closed: thank you", "", (), AUTUMN_2026, None),
    Case("Results of the public consultation on the draft strategy", "", (), AUTUMN_2026, None),
    Case(  # closed, with the deadline it had
        "Konsultation zum Aktionsplan: die Ergebnisse",
        "Die Konsultation lief bis zum 12. Mai 2024.",
        (),
        _utc(2024, 6, 3),
        D(2024, 5, 12),
    ),
    Case("Webinar: Einführung in Open Data am 5. März", "", (), _utc(2024, 2, 1), None),
    Case(
        "Beteiligungsportal des Landes geht online",
        "Ab dem 1. März 2024 können Kommunen ihre Verfahren einstellen.",
        (),
        _utc(2024, 2, 1),
        None,
    ),
    Case(
        "Neuer Leitfaden für Bürgerbeteiligung",
        "Der Leitfaden steht seit 6.8.2023 zum Download bereit.",
        (),
        _utc(2023, 8, 7),
        None,
    ),
    Case("Consultation closed: OGP Local strategy", "", (), AUTUMN_2026, None),
    Case(  # a past process with its end date: not an invitation
        "Neuer Aktionsplan verabschiedet",
        "Die Konsultation lief bis zum 12. Mai 2024; danach wurde der Plan überarbeitet.",
        (),
        _utc(2024, 8, 1),
        None,
    ),
    Case(  # an inviting word, but far from the (registration) deadline
        "Neuer Aktionsplan",
        "Wir freuen uns über Kommentare. Der Plan wurde in vielen Runden mit Verwaltung und "
        "Zivilgesellschaft abgestimmt, Anmeldung zur Vorstellung bis 30. November.",
        (),
        AUTUMN_2026,
        None,
    ),
    Case(
        "Konsultation zum Aktionsplan",  # a summary that says it is over
        "Die Konsultation wurde am 12. Mai 2024 erfolgreich abgeschlossen.",
        (),
        _utc(2024, 5, 13),
        None,
    ),
    Case(
        "OGP Global Summit: what\u2019s next for open government",
        "The consultation on the new strategy was launched in 2023 and has ended.",
        ("News",),
        AUTUMN_2026,
        None,
    ),
]


def _ids(cases: list[Case]) -> list[str]:
    return [c.title[:40] for c in cases]


@pytest.mark.parametrize("case", CONSULTATIONS, ids=_ids(CONSULTATIONS))
def test_classify_recognises_consultation(case: Case) -> None:
    result = classify(case.title, case.summary, case.categories, case.published, BERLIN)
    assert (result.kind, result.deadline, result.deadline_guessed) == (
        "consultation",
        case.deadline,
        case.year_guessed,
    )
    assert result.reasons


@pytest.mark.parametrize("case", NEWS, ids=_ids(NEWS))
def test_classify_recognises_news(case: Case) -> None:
    result = classify(case.title, case.summary, case.categories, case.published, BERLIN)
    assert (result.kind, result.deadline, result.deadline_guessed) == (
        "news",
        case.deadline,
        case.year_guessed,
    )


def test_classify_case_counts_cover_both_kinds() -> None:
    assert len(CONSULTATIONS) >= 25
    assert len(NEWS) >= 25


# --------------------------------------------------------------------------- reasons


@pytest.mark.parametrize(
    ("title", "summary", "categories", "expected"),
    [
        (
            "Germany Action Plan Review 2023-2025 \u2013 For Public Comment",
            "Comments are accepted bis zum 15. Dezember 2026.",
            (),
            ("title: 'For Public Comment'", "deadline: 'bis zum 15. Dezember 2026'"),
        ),
        (
            "Konsultation zum Entwurf",
            "",
            (),
            ("title (weak): 'Konsultation'", "title (weak): 'Entwurf'"),
        ),
        (
            "[abgeschlossen] Kommentierungsphase",
            "",
            (),
            ("title: 'Kommentierungsphase'", "title (closed): '[abgeschlossen]'"),
        ),
        (
            "Survey on open data",
            "Deadline: 15 Dec 2026",
            ("Consultation",),
            (
                "title (weak): 'Survey'",
                "category (weak): 'Consultation'",
                "deadline: 'Deadline: 15 Dec 2026'",
            ),
        ),
        (
            "Bürgerbeteiligung in Kommunen: neue Studie",
            "",
            (),
            ("title (weak): 'Bürgerbeteiligung'",),
        ),
        ("Germany joins the OGP Steering Committee", "", (), ()),
        (
            "Zwischenbericht",
            "Er kann bis zum 30. November 2026 kommentiert werden.",
            (),
            ("summary: 'kommentiert' by a deadline", "deadline: 'bis zum 30. November 2026'"),
        ),
    ],
)
def test_classify_reasons_name_the_evidence(
    title: str, summary: str, categories: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    result = classify(title, summary, categories, AUTUMN_2026, BERLIN)
    assert result.reasons == expected


def test_classify_returns_full_classification() -> None:
    result = classify(
        "Ihr Feedback ist gefragt",
        "Frist: 6.8.2023",
        ["Beteiligung"],
        _utc(2023, 7, 10),
        BERLIN,
    )
    assert result == Classification(
        kind="consultation",
        deadline=D(2023, 8, 6),
        deadline_guessed=False,
        reasons=("title: 'Ihr Feedback ist gefragt'", "deadline: 'Frist: 6.8.2023'"),
    )


# --------------------------------------------------------------------------- signals in isolation


@pytest.mark.parametrize(
    "title",
    [
        "Konsultationen zum Aktionsplan gestartet",
        "Start der Konsultationsphase",
        "Jetzt kommentieren",
        "Ihr Feedback ist gefragt!",
        "IHRE MEINUNG IST GEFRAGT",
        "Machen Sie mit!",
        "Beteiligen Sie sich",
        "Online-Konsultation",
        "Onlinekonsultation zum Aktionsplan",
        "Kommentierungsphase",
        "Ideenskizze einreichen",
        "Stellungnahmen bis Ende Mai",
        "Open for comments",
        "Call for Proposals",
        "Request for Comments",
        "Your Comments?",
        "Have your say on open data",
    ],
)
def test_classify_strong_signal_alone_is_consultation(title: str) -> None:
    assert classify(title, "", (), AUTUMN_2026, BERLIN).kind == "consultation"


@pytest.mark.parametrize(
    "title",
    [
        "Konsultation",
        "Konsultationen",
        "Beteiligung",
        "Entwurf",
        "Draft",
        "consultation",
        "Stellungnahme",
        "Feedback",
        "Comment",
        "Survey",
        "Umfrage",
        "Frist",
    ],
)
def test_classify_weak_signal_alone_is_news(title: str) -> None:
    assert classify(title, "", (), AUTUMN_2026, BERLIN).kind == "news"


@pytest.mark.parametrize(
    ("title", "summary", "kind"),
    [
        ("Konsultation", "Bis zum 15. Dezember 2026 ist das möglich.", "consultation"),
        ("Beteiligung", "Frist: 6.8.2027", "consultation"),
        ("Survey on open data", "until 7 November 2026", "consultation"),
        ("Konsultation zum Entwurf", "", "consultation"),  # two weak signals in the title
        ("Entwurf", "Umfrage", "news"),  # the second weak signal only in the summary
        ("Neuer Aktionsplan", "Entwurf, Umfrage", "news"),  # summary words alone, no deadline
        ("Neuer Aktionsplan", "Entwurf bis 6.8.2027 kommentieren", "consultation"),
    ],
)
def test_classify_weak_signal_needs_deadline_or_second_signal(
    title: str, summary: str, kind: str
) -> None:
    assert classify(title, summary, (), AUTUMN_2026, BERLIN).kind == kind


@pytest.mark.parametrize(
    ("title", "summary", "kind"),
    [
        ("Konsultation", "Frist: 6.8.2027", "consultation"),
        ("Open Government Tag", "Frist: 6.8.2027", "news"),  # "Frist" is the deadline phrase
        ("Frist: 6.8.2027", "", "news"),
    ],
)
def test_classify_deadline_word_is_not_its_own_second_signal(
    title: str, summary: str, kind: str
) -> None:
    assert classify(title, summary, (), AUTUMN_2026, BERLIN).kind == kind


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("summary", "deadline"),
    [
        ("Kommentare bis zum 15. Dezember 2026.", D(2026, 12, 15)),
        ("Kommentare bis 12. Mai.", D(2027, 5, 12)),
        ("Frist: 6.8.2027", D(2027, 8, 6)),
        ("Deadline: 7 November 2026", D(2026, 11, 7)),
        ("Comments until 7 November 2026.", D(2026, 11, 7)),
        ("Comments by 30 November.", D(2026, 11, 30)),
        ("Comments no later than 30 November 2026.", D(2026, 11, 30)),
        ("Einsendeschluss: 20.11.2026", D(2026, 11, 20)),
        ("Die Kommentierung endet am 20.11.2026.", D(2026, 11, 20)),
        ("Kommentierung vom 24.10.-12.11.2026", D(2026, 11, 12)),
        ("Kommentierung vom 5. bis 29. Oktober 2026", D(2026, 10, 29)),
        ("Comments from 5 to 29 October 2026", D(2026, 10, 29)),
        ("Frist für Stellungnahmen: 2026-11-30", D(2026, 11, 30)),
        ("Kommentare bis spätestens 30.11.2026", D(2026, 11, 30)),
        ("Auftakt am 12. Oktober, Kommentare bis 30. November 2026.", D(2026, 11, 30)),
    ],
)
def test_classify_finds_deadline_phrase(summary: str, deadline: datetime.date) -> None:
    result = classify("Entwurf zur Konsultation", summary, (), AUTUMN_2026, BERLIN)
    assert (result.kind, result.deadline) == ("consultation", deadline)


@pytest.mark.parametrize(
    "summary",
    [
        "Der Entwurf wurde am 30. August 2023 beschlossen.",
        "Open Government Tag am 12. Mai.",
        "Veröffentlicht: 6.8.2023",
        "Seit 1. Oktober 2026 online.",
        "Version 2.0 vom 10.30 Uhr",
    ],
)
def test_classify_ignores_publication_and_event_dates(summary: str) -> None:
    result = classify("Konsultation zum Entwurf", summary, (), AUTUMN_2026, BERLIN)
    assert (result.kind, result.deadline) == ("consultation", None)


def test_classify_generic_deadline_phrase_needs_nearby_vocabulary() -> None:
    summary = (
        "Die Ausstellung im Rathaus ist bis 30. November 2026 zu sehen, der Eintritt ist frei "
        "und Führungen gibt es jeden Samstag um 11 Uhr. Außerdem sprechen wir über Entwürfe "
        "und über Kommentare."
    )
    result = classify("Open Government Tag", summary, (), AUTUMN_2026, BERLIN)
    assert (result.kind, result.deadline) == ("news", None)


# --------------------------------------------------------------------------- reference date


def test_classify_reference_is_published_in_local_time() -> None:
    # 31 December 23:30 UTC is already 1 January in Berlin: "bis 12. Januar" is that January
    published = datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC)
    result = classify("Konsultation", "Kommentare bis 12. Januar", (), published, BERLIN)
    assert (result.deadline, result.deadline_guessed) == (D(2026, 1, 12), True)


@pytest.mark.parametrize(
    ("today", "deadline"),
    [(D(2025, 12, 10), D(2026, 1, 12)), (D(2026, 1, 5), D(2026, 1, 12))],
)
def test_classify_uses_injected_today_without_published(
    today: datetime.date, deadline: datetime.date
) -> None:
    result = classify("Konsultation", "Kommentare bis 12. Januar", (), None, BERLIN, today=today)
    assert (result.kind, result.deadline, result.deadline_guessed) == (
        "consultation",
        deadline,
        True,
    )


def test_classify_published_wins_over_today() -> None:
    result = classify(
        "Konsultation",
        "Kommentare bis 12. Januar",
        (),
        _utc(2023, 12, 1),
        BERLIN,
        today=D(2030, 6, 1),
    )
    assert result.deadline == D(2024, 1, 12)


def test_classify_without_published_or_today_uses_current_date() -> None:
    result = classify("Konsultation", "Kommentare bis 12. Januar", (), None, BERLIN)
    now = datetime.datetime.now(BERLIN).date()
    assert result.deadline is not None and result.deadline.month == 1
    assert abs((result.deadline - now).days) <= 366


# --------------------------------------------------------------------------- tolerance


@pytest.mark.parametrize(
    "title",
    [
        "Konsultationsphase zum Entwurf",
        "KONSULTATION ZUM ENTWURF",
        "Konsulation zum Entwurf",  # typo: missing t
        "Konsultaion zum Entwurf",  # typo: missing t
        "Beteilgung am Entwurf",  # typo: missing i
        "Bürgerbeteiligung zum Entwurf",
        "Buergerbeteiligung zum Entwurf",
        "Burgerbeteiligung zum Entwurf",
        "Konsultation zum Gesetzentwurf",
        "Konsultation zu den Entwürfen",
        "Konsultation zu den Entwuerfen",
        "Stellungnahmen zum Entwurf",
        "consultations on the drafts",
        "commenting on the draft",
        "Drafting commitments: a consultation",
    ],
)
def test_classify_tolerates_inflection_and_typos(title: str) -> None:
    assert classify(title, "", (), AUTUMN_2026, BERLIN).kind == "consultation"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Kurzfristige Entwürfe", "news"),  # "kurzfristig" is not a "Frist"
        ("Fristen für Entwürfe", "consultation"),  # ... but "Fristen" is
        ("Konsumentenschutz und Entwurf", "news"),  # too far from "Konsultation"
        ("Erlebnisse: Konsultation zum Entwurf", "consultation"),  # no typo tolerance for closed
        ("Ergebnisse: Konsultation zum Entwurf", "news"),
        ("Angeschlossen: Konsultation zum Entwurf", "consultation"),
        ("Abgeschlossen: Konsultation zum Entwurf", "news"),
    ],
)
def test_classify_tolerance_has_limits(title: str, kind: str) -> None:
    assert classify(title, "", (), AUTUMN_2026, BERLIN).kind == kind
