"""Dates from the wild: ogbot.feed_dates.feed_date, and the dates a feed's entries get (issue 13).

MINIFLUX holds the 54 real-world date strings of miniflux's date parser tests
(internal/reader/date/parser_test.go) with the moment each names, checked by hand (and against
miniflux's own expected Unix time where its test gives one); ``bench/dates.py`` reads the same
table. A date that stays ambiguous is unknown (None), never a guess.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ogbot.feed_dates import feed_date
from ogbot.store import AsyncStore, Store
from tests.test_watch import NOW, run_cycle, settings_for

# the moment in UTC, "YYYY-MM-DD HH:MM:SS", or None where the text names none for sure
MINIFLUX: dict[str, str | None] = {
    # the standard forms; miniflux's expected Unix time in the comment
    "2017-12-22T22:09:49+00:00": "2017-12-22 22:09:49",  # 1513980589
    "Fri, 31 Mar 2023 20:19:00 America/Los_Angeles": "2023-04-01 03:19:00",  # 1680319140
    "Tue, 03 Jun 2003 09:39:21 GMT": "2003-06-03 09:39:21",  # 1054633161
    "Wed, 26 Dec 2018 10:00:54 PST": "2018-12-26 18:00:54",  # 1545847254
    "Wed, 10 Feb 2021 22:46:00 EST": "2021-02-11 03:46:00",  # 1613015160
    "Sun, 28 Oct 2018 13:48:00 +0100": "2018-10-28 12:48:00",  # 1540730880
    # the weird formats (miniflux only asks that they parse)
    "Sun, 17 Dec 2017 1:55 PM EST": "2017-12-17 18:55:00",
    "9 Dec 2016 12:00 GMT": "2016-12-09 12:00:00",
    "Friday, December 22, 2017 - 3:09pm": "2017-12-22 15:09:00",
    "Friday, December 8, 2017 - 3:07pm": "2017-12-08 15:07:00",
    "Thu, 25 Feb 2016 00:00:00 Europe/Brussels": "2016-02-24 23:00:00",
    "Mon, 09 Apr 2018, 16:04": "2018-04-09 16:04:00",
    "Di, 23 Jan 2018 00:00:00 +0100": "2018-01-22 23:00:00",
    "Do, 29 Mär 2018 00:00:00 +0200": "2018-03-28 22:00:00",
    "mer, 9 avr 2018 00:00:00 +0200": "2018-04-08 22:00:00",  # the weekday is wrong: ignored
    "1520932969": "2018-03-13 09:22:49",
    "Tue 16 Feb 2016, 23:16:00 EDT": "2016-02-17 03:16:00",
    "Tue, 16 Feb 2016 23:16:00 EDT": "2016-02-17 03:16:00",
    "Tue, Feb 16 2016 23:16:00 EDT": "2016-02-17 03:16:00",
    "March 30 2020 07:02:38 PM": "2020-03-30 19:02:38",
    "Mon, 30 Mar 2020 19:53 +0000": "2020-03-30 19:53:00",
    "Mon, 03/30/2020 - 19:19": "2020-03-30 19:19:00",
    "2018-12-12T12:12": "2018-12-12 12:12:00",
    "2020-11-08T16:20:00-05:00Z": "2020-11-08 21:20:00",  # the offset, then a stray Z
    "Nov. 16, 2020, 10:57 a.m.": "2020-11-16 10:57:00",
    "Friday 06 November 2020": "2020-11-06 00:00:00",
    "Mon, November 16, 2020, 11:12 PM EST": "2020-11-17 04:12:00",
    "Lundi, 16. Novembre 2020 - 15:54": "2020-11-16 15:54:00",
    "Thu Nov 12 2020 17:00:00 GMT+0000 (Coordinated Universal Time)": "2020-11-12 17:00:00",
    "Sat, 11 04 2020 08:51:49 +0100": "2020-04-11 07:51:49",  # 4 Nov 2020 was no Saturday
    "Mon, 16th Nov 2020 13:16:28 GMT": "2020-11-16 13:16:28",
    "Nov. 2020": None,  # which day?
    "ven., 03 juil. 2020 15:09:58 +0000": "2020-07-03 15:09:58",
    "Fri, 26/06/2020": "2020-06-26 00:00:00",
    "Thu, 29 Oct 2020 07:36:03 GMT-07:00": "2020-10-29 14:36:03",
    "jeu., 02 avril 2020 00:00:00 +0200": "2020-04-01 22:00:00",
    "Jan. 4, 2016, 12:37 p.m.": "2016-01-04 12:37:00",
    "2018-10-23 04:07:42 +00:00": "2018-10-23 04:07:42",
    "5 August, 2019": "2019-08-05 00:00:00",
    "mar., 01 déc. 2020 16:11:02 +0000": "2020-12-01 16:11:02",
    "Thurs, 15 Oct 2020 00:00:39 +0000": "2020-10-15 00:00:39",
    "Thur, 19 Nov 2020 00:00:39 +0000": "2020-11-19 00:00:39",
    "26 Sep 2022 GMT": "2022-09-26 00:00:00",
    "Thu, June 22, 2023 at 01:11 PM EDT": "2023-06-22 17:11:00",
    "Apr 16, 2023 08:01 GMT": "2023-04-16 08:01:00",
    "Jun 23, 2023 19:00 GMT": "2023-06-23 19:00:00",
    "09/15/2014 4:20 pm PST": "2014-09-16 00:20:00",
    "Fri, 23rd Jun 2023 09:32:20 GMT": "2023-06-23 09:32:20",
    "Sat, Oct 28 2023 08:28:28 PM": "2023-10-28 20:28:28",
    "Monday, October 6, 2023 - 16:29\n": "2023-10-06 16:29:00",  # a Friday: the weekday is ignored
    "10/30/23 21:55:58": "2023-10-30 21:55:58",
    "30.10.23": "2023-10-30 00:00:00",
    # offsets beyond the world's zones: miniflux keeps the moment and shows it in UTC
    "2023-05-29 00:00:00-13:00": "2023-05-29 13:00:00",
    "2023-05-29 00:00:00+15:00": "2023-05-28 09:00:00",
}

GERMAN = [
    ("Di, 23 Jan 2018 00:00:00 +0100", "2018-01-22 23:00:00"),
    ("23. Januar 2018 10:00", "2018-01-23 10:00:00"),
    ("Mo, 01.12.2025", "2025-12-01 00:00:00"),
    ("Di., 02.12.2025 09:15", "2025-12-02 09:15:00"),
    ("01.12.2025 10:00 MEZ", "2025-12-01 09:00:00"),
    ("1. Juli 2025, 14:30 Uhr MESZ", "2025-07-01 12:30:00"),
    ("Montag, den 1. Dezember 2025 um 10:00 Uhr", "2025-12-01 10:00:00"),
    ("Do, 29 Mär 2018 00:00:00 +0200", "2018-03-28 22:00:00"),
    ("2025-12-01 10:00 Europe/Berlin", "2025-12-01 09:00:00"),
]

# what ogbot read right before (RFC 822, ISO 8601 and their common variants) reads the same
STANDARD = [
    ("Tue, 10 Nov 2026 12:00:00 +0100", "2026-11-10 11:00:00"),
    ("Mon, 02 Nov 2026 08:00:00 GMT", "2026-11-02 08:00:00"),
    ("Tue, 10 Nov 2026 12:00:00 -0000", "2026-11-10 12:00:00"),
    ("Thu,  5 Apr 2012 10:00:00 GMT", "2012-04-05 10:00:00"),
    ("Thu, 01 Jan 04 19:48:21 GMT", "2004-01-01 19:48:21"),
    ("Mon, 13 Feb, 2012 06:28:00 UTC", "2012-02-13 06:28:00"),
    ("Thu, 01 Jan 2004", "2004-01-01 00:00:00"),
    ("Thu Aug 30 2012 17:26:16 +0200", "2012-08-30 15:26:16"),
    ("Sun Jan  4 16:29:06 2004", "2004-01-04 16:29:06"),
    ("Sun Jul 15 01:16:00 +0000 2012", "2012-07-15 01:16:00"),
    ("Thu, 30 Apr 2015 08:57:00 MET", "2015-04-30 07:57:00"),
    ("Wed, 19 Aug 2009 18:28:00 Etc/GMT", "2009-08-19 18:28:00"),
    ("Fri, 2006/09/15 08:19:53 EDT", "2006-09-15 12:19:53"),
    ("2026-10-30T16:00:00+01:00", "2026-10-30 15:00:00"),
    ("2003-12-31T10:14:55.1234Z", "2003-12-31 10:14:55"),  # to the second, as before
    ("2004-07-08 23:56:58 -00:20", "2004-07-09 00:16:58"),
    ("2004-07-08 23:56:58", "2004-07-08 23:56:58"),  # no zone: UTC
    ("2003-12-31", "2003-12-31 00:00:00"),
    ("20201108", "2020-11-08 00:00:00"),
    ("1 Jan 2020 12:00 -0500 EST", "2020-01-01 17:00:00"),  # offset and name agree
    ("1 Jul 2020 12:00 ET", "2020-07-01 16:00:00"),  # Eastern Time in summer is EDT
]

# one order of numbers or the other: the weekday tells which, or nothing does
WEEKDAY_DECIDES = [
    ("Thu, 01/02/2020", "2020-01-02 00:00:00"),
    ("Sat, 01/02/2020", "2020-02-01 00:00:00"),
    ("Mon, 01/02/2020", None),  # neither was a Monday
    ("01/02/2020", None),
    ("03/11/2026 10:00", None),
]

AMBIGUOUS = [
    "Nov. 2020",
    "Mai 2026",
    "2020-11",  # feedparser read 1 November: the day is not given
    "2020",
    "Sun, 17 Dec 2017 13:55 IST",  # India, Ireland or Israel
    "Sun, 17 Dec 2017 13:55 BST",  # British summer or Bangladesh
    "Sun, 17 Dec 2017 1:55 PM XYZ",  # feedparser read it as UTC (and dropped the PM)
    "Sun, 17 Dec 2017 13:55 Mars/Olympus_Mons",
    "Sun, 30 Mar 2025 02:30:00 Europe/Berlin",  # the clocks skip that half hour
    "Sun, 26 Oct 2025 02:30:00 Europe/Berlin",  # ... and pass it twice
    "1 Jan 2020 12:00 +0100 EST",  # which one?
    "Jan 5 2020 2021",
]

# garbage seen in date fields, and near-dates: never a date (dateutil's fuzzy mode would guess)
GARBAGE = [
    "",
    "  ",
    "invalid",
    "0",
    "-1",
    "12",
    "123456789",
    "0999999999",  # ten digits, but 2001 is the earliest feed timestamp
    "9999999999",  # the year 2286
    "12345678901",
    "1 2 3",
    "12 12 12",
    "1.2.3",
    "v1.2.3",
    "Version 12",
    "Today",
    "gestern",
    "vor 3 Stunden",
    "TBD",
    "n/a",
    "null",
    "0000-00-00 00:00:00",
    "Q3 2020",
    "KW 12/2020",
    "Sommer 2020",
    "Posted on January 5, 2020",
    "5 and 6 May 2020",
    "32 Jan 2020",
    "29 Feb 2021",
    "2020-13-01",
    "1 Jan 2020 25:00",
    "1 Jan 2020 12:00 +2500",
    "Sun, 16 Dec 2012 1:2:3:4 GMT",
    "Sun, 16 zzz 2012 11:47:32 GMT",
    "Sun, 31 Dec 9999 23:59:59 -9999",
    "Fri, 31 Mar 202 20:19:00 America/Los_Angeles",
    "x" * 300 + " 1 Jan 2020",
]


def _utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), MINIFLUX.items())
def test_feed_date_reads_the_real_world_dates_right_or_not_at_all(
    text: str, expected: str | None
) -> None:
    assert len(MINIFLUX) == 54
    assert feed_date(text) == _utc(expected)


@pytest.mark.parametrize(("text", "expected"), GERMAN)
def test_feed_date_reads_german_dates(text: str, expected: str) -> None:
    assert feed_date(text) == _utc(expected)


@pytest.mark.parametrize(("text", "expected"), STANDARD)
def test_feed_date_reads_the_standard_forms_as_before(text: str, expected: str) -> None:
    moment = feed_date(text)
    assert moment == _utc(expected)
    assert moment is not None and moment.tzinfo is UTC


@pytest.mark.parametrize(("text", "expected"), WEEKDAY_DECIDES)
def test_feed_date_takes_the_order_of_numbers_only_when_sure(
    text: str, expected: str | None
) -> None:
    assert feed_date(text) == _utc(expected)


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_feed_date_leaves_an_ambiguous_date_unknown(text: str) -> None:
    assert feed_date(text) is None


@pytest.mark.parametrize("text", GARBAGE)
def test_feed_date_never_turns_garbage_into_a_date(text: str) -> None:
    assert feed_date(text) is None


def test_feed_date_reads_unix_timestamps_of_ten_digits() -> None:
    assert feed_date(" 1520932969 ") == _utc("2018-03-13 09:22:49")
    assert feed_date("1000000000") == _utc("2001-09-09 01:46:40")
    assert feed_date("4102444799") == _utc("2099-12-31 23:59:59")
    assert feed_date("4102444800") is None


async def test_the_items_of_a_feed_get_the_dates_their_sources_wrote(fake_web, tmp_path):
    """An aggregator whose items carry each CMS's own date forms: every item gets the moment
    its source wrote, and the one whose date reads two ways is shown as seen, not misdated."""
    url = fake_web.fixture("/feed.rss", "beteiligung-dates.rss")
    settings = settings_for(tmp_path, [{"name": "portale", "url": url}])
    store = AsyncStore.open(tmp_path / "data")
    try:
        report = await run_cycle(settings, store)
        items = {item.title: item for item in store.run(Store.latest_items, 100)}
    finally:
        store.close()
    assert [source.line() for source in report.sources] == ["portale: 9 new, 0 updated"]
    dated = {title: item.published for title, item in items.items() if item.date_known}
    assert dated == {
        "Bürgerhaushalt 2027: Vorschläge bis Ende Januar": _utc("2026-11-16 23:00:00"),
        "Open Government Partnership: Call for Comments on the Co-Creation Toolkit": _utc(
            "2026-11-15 18:55:00"
        ),
        "Digitale Sprechstunde zum Aktionsplan": _utc("2026-11-20 09:00:00"),
        "Civic Tech Meetup: Open Data for Participation": _utc("2026-11-20 16:19:00"),
        "Landesportal: Konsultation zum Transparenzgesetz eröffnet": _utc("2026-11-16 00:00:00"),
        "Participatory Budgeting: Results Published": _utc("2026-11-18 19:02:38"),
        "Netzwerktreffen Open Government im Dezember": _utc("2026-11-19 10:15:00"),
        "Offene Daten im Kreistag: neue Schnittstelle": _utc("2026-11-13 15:45:00"),
    }
    undated = items["Workshop Verwaltungsdigitalisierung: Termin steht"]
    assert not undated.date_known and undated.published == NOW


@pytest.mark.parametrize("text", ["20-04-10T05:00:00+00:00", "10-04-20 05:00", "20-04-10"])
def test_three_two_digit_numbers_with_dashes_are_unknown(text):
    # feedparser reads "20-04-10T05:00:00+00:00" as 2020-04-10, dateutil as 2010-04-20: a guess
    assert feed_date(text) is None
