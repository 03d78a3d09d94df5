"""Read the date field of a feed entry as the wild writes it: one reader, :func:`feed_date`.

"Di, 23 Jan 2018 00:00:00 +0100", "Sun, 17 Dec 2017 1:55 PM EST", "… America/Los_Angeles",
"1520932969": feeds write dates in many more ways than RFC 822 and ISO 8601, and feedparser's
own reading drops "PM", ignores zone names and misreads timestamps. Here the two standard forms
are read directly (fast: most feeds write them); everything else goes through python-dateutil's
parser (this is the one module that imports it), with the month names of :mod:`ogbot.dates`,
French ones and weekdays in three languages, and this module's table of zone abbreviations and
IANA names (zoneinfo). dateutil's parser fills in what a text lacks and picks an order for
"03/04/2020", so each reading is checked: a missing year, month or day, numbers that read both
ways (unless the weekday tells which), a zone nobody can place, a local time that a clock
change skips or repeats, all leave the date unknown (None), never guessed. Its fuzzy mode,
which picks a date out of any text, is not used. This module imports no stage of ogbot.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

from dateutil import parser as dateutil_parser

from ogbot.dates import MONTH_ABBREVIATIONS, MONTH_NAMES, YEAR4

__all__ = ["feed_date"]

_FRENCH_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("janvier", "janv"),
    2: ("février", "fevrier", "févr", "fevr"),
    3: ("mars",),
    4: ("avril", "avr"),
    5: ("mai",),
    6: ("juin",),
    7: ("juillet", "juil"),
    8: ("août", "aout"),
    9: ("septembre",),
    10: ("octobre",),
    11: ("novembre",),
    12: ("décembre", "decembre", "déc"),
}
# Monday first: English, German, French. "mar" (mardi) is March as well, so it is a weekday
# only where a weekday stands: first, before a comma ("mar., 01 déc. 2020").
_WEEKDAYS: tuple[tuple[str, ...], ...] = (
    ("mon", "monday", "mo", "montag", "lun", "lundi"),
    ("tue", "tues", "tuesday", "di", "dienstag", "mardi"),
    ("wed", "wednesday", "mi", "mittwoch", "mer", "mercredi"),
    ("thu", "thur", "thurs", "thursday", "do", "donnerstag", "jeu", "jeudi"),
    ("fri", "friday", "fr", "freitag", "ven", "vendredi"),
    ("sat", "saturday", "sa", "samstag", "sonnabend", "sam", "samedi"),
    ("sun", "sunday", "so", "sonntag", "dim", "dimanche"),
)
_WEEKDAY_NUMBERS = {name: number for number, names in enumerate(_WEEKDAYS) for name in names}
_FEED_MONTHS: tuple[tuple[str, ...], ...] = tuple(
    tuple(dict.fromkeys((*MONTH_NAMES[m], *MONTH_ABBREVIATIONS.get(m, ()), *_FRENCH_MONTHS[m])))
    for m in range(1, 13)
)
_MONTH_WORDS = frozenset(name for names in _FEED_MONTHS for name in names)


class _FeedDateWords(dateutil_parser.parserinfo):
    """The words dateutil's parser knows in a feed's date: the month names of ogbot.dates and
    French ones, weekdays in three languages, filler words ("Montag, den 1. Dezember um 10 Uhr").
    Not "and" or "ad", which dateutil skips too: "5 and 6 May 2020" is not one date."""

    # class attributes dateutil reads as lists; its stubs say pairs where it takes any tuple
    JUMP = [  # noqa: RUF012
        *(word for word in dateutil_parser.parserinfo.JUMP if word not in ("and", "ad")),
        *("den", "um", "uhr", "le"),
    ]
    WEEKDAYS = list(_WEEKDAYS)  # type: ignore[arg-type]  # noqa: RUF012
    MONTHS = list(_FEED_MONTHS)  # type: ignore[arg-type]  # noqa: RUF012


def _hours(hours: int) -> datetime.timezone:
    return datetime.timezone(datetime.timedelta(hours=hours))


# Zone abbreviations that mean one thing. Left out because they do not: IST (India, Ireland,
# Israel), BST (British summer, Bangladesh), AST/ADT (Atlantic, Arabia), the military letters
# but Z (RFC 1123 §5.2.14: their signs were printed backwards). Those dates stay unknown.
_ZONES: dict[str, datetime.tzinfo] = {
    **dict.fromkeys(("UT", "UTC", "GMT", "Z", "WET", "WEZ"), datetime.UTC),
    # RFC 822
    **{"EST": _hours(-5), "EDT": _hours(-4), "CST": _hours(-6), "CDT": _hours(-5)},
    **{"MST": _hours(-7), "MDT": _hours(-6), "PST": _hours(-8), "PDT": _hours(-7)},
    **{"AKST": _hours(-9), "AKDT": _hours(-8), "HST": _hours(-10)},
    # Europe, in English and German
    **dict.fromkeys(("CET", "MET", "MEZ", "WEST", "WESZ"), _hours(1)),
    **dict.fromkeys(("CEST", "MEST", "MESZ", "EET", "OEZ"), _hours(2)),
    **dict.fromkeys(("EEST", "OESZ"), _hours(3)),
    # North America's times without the season: the zone knows whether it is summer
    "ET": zoneinfo.ZoneInfo("America/New_York"),
    "CT": zoneinfo.ZoneInfo("America/Chicago"),
    "MT": zoneinfo.ZoneInfo("America/Denver"),
    "PT": zoneinfo.ZoneInfo("America/Los_Angeles"),
}


def _zone_named(name: str) -> datetime.tzinfo | None:
    """A zone abbreviation of the table, or an IANA name ("Europe/Brussels"); else None."""
    if name in _ZONES:
        return _ZONES[name]
    if "/" not in name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


class _UnknownZone(Exception):
    """The date names a zone nobody can place: the moment is unknown."""


def _dateutil_zone(name: str | None, offset: int | None) -> datetime.tzinfo | None:
    """dateutil's ``tzinfos``: a numeric offset as written, a name by the table."""
    if offset is not None:
        return datetime.timezone(datetime.timedelta(seconds=offset))  # ValueError past 24 h
    if name is None:
        return None
    zone = _zone_named(name)
    if zone is None:
        raise _UnknownZone(name)
    return zone


_FEED_DATE_LIMIT = 200  # characters; longer is not a date field
_COMMENT = re.compile(r"\([^()]*\)")  # RFC 822 comments: "(Coordinated Universal Time)"
# "GMT-07:00" means seven hours behind (dateutil reads it the POSIX way round)
_NAMED_OFFSET = re.compile(r"\b(?:GMT|UTC|UT)\s?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?\b")
_OFFSET_AND_Z = re.compile(r"(?P<offset>[+-]\d{2}:?\d{2})Z$")  # "16:20:00-05:00Z"
# Unix timestamps of ten digits, 2001-09-09 to 2100: past that, ten digits are not a feed's date
_EARLIEST_TIMESTAMP, _LATEST_TIMESTAMP = 1_000_000_000, 4_102_444_800
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s?)?(?P<d>\d{1,2})\s(?P<mon>[A-Z][a-z]{2})\s"
    r"(?P<y>\d{4})\s(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s(?P<zone>[+-]\d{4}|GMT|UTC?|Z)"
)
_RFC822_MONTHS = {
    name: n for n, name in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)
}
_LEADING_WEEKDAY = re.compile(r"(?P<name>[^\W\d_]+)\.?(?P<comma>\s?,)?\s*")
_TRAILING_WORD = re.compile(r"\s(?P<word>[A-Za-z][\w/+\-]*)$")
_WORD = re.compile(r"[^\W\d_]+")
_YEAR_NUMBER = re.compile(rf"(?<!\d){YEAR4}(?!\d)")
_SHORT_YEAR = re.compile(r"(?<!\d)\d{1,2}\.?\s?[^\W\d_]+\.?,?\s\d{2}(?![\d:])")  # 01 Jan 04
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(?P<first>\d{1,4})(?P<sep>[./-])\d{1,2}(?P=sep)(?:\d{4}|\d{2})(?!\d)"
)
# two defaults that share no field: where the readings differ, the text lacked that field
_DEFAULTS = (datetime.datetime(2001, 1, 1), datetime.datetime(2002, 2, 2))  # noqa: DTZ001
_MONTH_DAY, _DAY_MONTH = _FeedDateWords(dayfirst=False), _FeedDateWords(dayfirst=True)


def _rfc822(text: str) -> datetime.datetime | None:
    """The RFC 822 date most feeds write ("Tue, 10 Nov 2026 12:00:00 +0100"), read fast."""
    match = _RFC822.fullmatch(text)
    if match is None or match["mon"] not in _RFC822_MONTHS:
        return None
    zone = match["zone"]
    offset = (
        0 if zone[0] not in "+-" else int(zone[0] + "1") * (int(zone[1:3]) * 60 + int(zone[3:]))
    )
    return datetime.datetime(
        int(match["y"]),
        _RFC822_MONTHS[match["mon"]],
        int(match["d"]),
        int(match["H"]),
        int(match["M"]),
        int(match["S"] or 0),
        tzinfo=datetime.timezone(datetime.timedelta(minutes=offset)),
    )


def _iso(text: str) -> datetime.datetime | None:
    """ISO 8601 as Python reads it: RFC 3339, "2018-12-12T12:12", "20201108", week dates."""
    if not text[:4].isdigit():
        return None
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def _dateutil_reading(text: str, words: _FeedDateWords) -> datetime.datetime | None:
    """dateutil's reading of ``text``, naive when it names no zone; None when it lacks the
    year, the month or the day, or names a zone nobody can place."""
    try:
        first, second = (
            dateutil_parser.parse(text, default=default, parserinfo=words, tzinfos=_dateutil_zone)
            for default in _DEFAULTS
        )
    except (ValueError, OverflowError, _UnknownZone):
        return None
    return first if first == second else None


def _read_loosely(text: str) -> datetime.datetime | None:
    """Everything but the two standard forms, with dateutil, and no guess."""
    weekday = None
    leading = _LEADING_WEEKDAY.match(text)
    if leading is not None:
        name = leading["name"].lower()
        if name in _WEEKDAY_NUMBERS or (name == "mar" and leading["comma"]):
            weekday = _WEEKDAY_NUMBERS.get(name, 1)
            text = text[leading.end() :]
    zone: datetime.tzinfo | None = None
    trailing = _TRAILING_WORD.search(text)
    if trailing is not None and (trailing["word"] in _ZONES or "/" in trailing["word"]):
        zone = _zone_named(trailing["word"])
        if zone is None:
            return None  # "… Mars/Olympus": a zone nobody can place
        text = text[: trailing.start()]
    has_month = any(w.lower() in _MONTH_WORDS for w in _WORD.findall(text))
    numeric = _NUMERIC_DATE.search(text)
    if not (numeric or _YEAR_NUMBER.search(text) or _SHORT_YEAR.search(text)):
        return None  # "1 2 3", "Mar 202", "12": no year written as years are
    orders: tuple[_FeedDateWords, ...]
    if numeric is not None and len(numeric["first"]) == 4:
        orders = (_MONTH_DAY,)  # 2006/01/02: year, month, day
    elif numeric is not None and numeric["sep"] == ".":
        orders = (_DAY_MONTH,)  # 30.10.23: day first, as German writes it
    elif has_month:
        orders = (_MONTH_DAY,)  # the month is named: the order of numbers does not matter
    else:
        orders = (_MONTH_DAY, _DAY_MONTH)  # 03/04/2020 can be either
    years = {int(year) for year in _YEAR_NUMBER.findall(text)}
    if len(years) > 1:
        return None  # "Jan 5 2020 2021": which is the year, which a time?
    readings = {
        r
        for r in (_dateutil_reading(text, words) for words in orders)
        if r is not None and years <= {r.year}  # "2020" is the year, not 20:20
    }
    if len(readings) > 1 and weekday is not None:  # "Sat, 11 04 2020": the weekday decides
        readings = {r for r in readings if r.weekday() == weekday}
    if len(readings) != 1:
        return None
    moment = readings.pop()
    if zone is not None:
        if (
            moment.tzinfo is not None
            and moment.utcoffset() != moment.replace(tzinfo=zone).utcoffset()
        ):
            return None  # "+0100 EST": which one?
        moment = moment.replace(tzinfo=zone)
    return moment


# three two-digit numbers with dashes ("20-04-10T05:00"): 2020-04-10, 2010-04-20 or 2010-20-04
_TWO_DIGITS_DASHED = re.compile(r"\d{2}-\d{2}-\d{2}(?![\d-])")


def feed_date(text: str) -> datetime.datetime | None:
    """The moment a feed entry's date field names, in UTC, to the second; None when it names
    none, or none for sure.

    Read: RFC 822 and ISO 8601 / RFC 3339 as the standards say; what the wild writes
    (weekdays and months in English, German or French, "1:55 PM", "16th", "a.m.", German
    "30.10.23"); zone abbreviations (EST, PDT, CET, MEZ, MESZ, GMT, UTC, Z, ...), IANA names
    ("America/Los_Angeles"), "GMT-07:00" (seven hours behind); Unix timestamps of ten digits
    up to 2100. A date without a zone is UTC, as feedparser reads it.

    None, rather than a guess: a date without year, month or day ("Nov. 2020"); numbers that
    read both ways ("03/04/2020"), unless the weekday tells which; a zone that is not known
    or means several ("IST"); a local time a clock change skips or repeats; anything else.
    """
    text = " ".join(_COMMENT.sub(" ", text[: _FEED_DATE_LIMIT + 1]).split())
    if not text or len(text) > _FEED_DATE_LIMIT:
        return None
    if text.isascii() and text.isdigit():
        if len(text) == 10 and _EARLIEST_TIMESTAMP <= int(text) < _LATEST_TIMESTAMP:
            return datetime.datetime.fromtimestamp(int(text), datetime.UTC)
        if len(text) != 8:  # 20201108 is ISO 8601's basic form; other numbers are not dates
            return None
    if _TWO_DIGITS_DASHED.match(text):
        return None  # "20-04-10": year first or last, day or month: no one can tell
    text = _NAMED_OFFSET.sub(
        lambda m: f" {m['sign']}{int(m['h']):02d}:{m['m'] or '00'}", text
    ).strip()
    text = _OFFSET_AND_Z.sub(r"\g<offset>", text)
    try:
        moment = _rfc822(text) or _iso(text) or _read_loosely(text)
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        if moment.utcoffset() != moment.replace(fold=1).utcoffset():
            return None  # 02:30 on the night the clocks change: twice, or never
        return moment.astimezone(datetime.UTC).replace(microsecond=0)
    except (ValueError, OverflowError):  # no such day or hour, an offset past a day
        return None
