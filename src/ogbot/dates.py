"""Read German and English dates: in short news texts, and when something is to be published.

Why hand-written rather than ``dateparser``: its ``search_dates`` is slow, heavy to import,
and gives false positives on plain numbers in free text. The watcher does not need general
date parsing; it needs to *extract* the few date expressions a deadline is written in (with
their position, so a caller can see what precedes them) and to fill in a missing year from
the publication date by a rule of its own. That is a handful of regular expressions.

Everything works on :func:`~ogbot.text.normalise_text` output (re-exported here); spans in
:class:`FoundDate` refer to that normalised text (``find_dates`` normalises its input itself,
and normalising twice changes nothing).

:func:`read_when` reads the moment a person gives for publishing ("morgen 9:00",
"01.12.2026 9:00", an ISO date-time): one reader for the bot's coordinators and
``ogbot announce --at``. The date field of a feed entry is read by :mod:`ogbot.feed_dates`,
with this module's month names. This module imports no stage of ogbot.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from ogbot.text import fold, normalise_text

__all__ = [
    "FUTURE_HORIZON_DAYS",
    "MONTH_ABBREVIATIONS",
    "MONTH_NAMES",
    "PAST_TOLERANCE_DAYS",
    "YEAR4",
    "FoundDate",
    "find_dates",
    "is_range_gap",
    "normalise_text",
    "parse_listing_date",
    "read_when",
]


@dataclass(frozen=True)
class FoundDate:
    """One date expression found in a text."""

    day: datetime.date
    year_guessed: bool  # True when the text gave no year and it was taken from context
    start: int  # span in the (normalised) text, for callers that need position
    end: int


# --------------------------------------------------------------------------- month names

MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("januar", "jänner", "jaenner", "january"),
    2: ("februar", "feber", "february"),
    3: ("märz", "maerz", "marz", "march"),
    4: ("april",),
    5: ("mai", "may"),
    6: ("juni", "june"),
    7: ("juli", "july"),
    8: ("august",),
    9: ("september",),
    10: ("oktober", "october"),
    11: ("november",),
    12: ("dezember", "december"),
}
# abbreviations, each optionally followed by a full stop
MONTH_ABBREVIATIONS: dict[int, tuple[str, ...]] = {
    1: ("jan",),
    2: ("febr", "feb"),
    3: ("mär", "mrz", "mar"),
    4: ("apr",),
    6: ("jun",),
    7: ("jul",),
    8: ("aug",),
    9: ("sept", "sep"),
    10: ("okt", "oct"),
    11: ("nov",),
    12: ("dez", "dec"),
}


def _fold_month(name: str) -> str:
    return fold(name.rstrip("."), digraphs=True)  # "März", "Maerz", "Marz": one key


_MONTHS: dict[str, int] = {
    _fold_month(name): number
    for table in (MONTH_NAMES, MONTH_ABBREVIATIONS)
    for number, names in table.items()
    for name in names
}


def _alternation(table: dict[int, tuple[str, ...]]) -> str:
    names = sorted((n for names in table.values() for n in names), key=len, reverse=True)
    return "|".join(re.escape(n) for n in names)


# a month name not glued to further letters ("Mai-Ergebnisse" is not a date)
_MONTH = (
    rf"(?P<mon>(?:{_alternation(MONTH_NAMES)})|(?:{_alternation(MONTH_ABBREVIATIONS)})\.?)"
    r"(?!-?[^\W\d_])"
)
YEAR4 = r"(?:19|20|21)\d{2}"
_END = r"(?!\d|[.,]\d)"  # not followed by more digits ("1.2.3", "2023.5")
_ORDINAL = r"(?:st|nd|rd|th)?"
_RANGE_WORD = r"(?:-|bis(?:\s(?:zum|zur))?|to|until|till|through|and|und)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        # "5. bis 29. März 2024", "5.-29. März", "from 5 to 29 March", "1. und 2. Mai"
        (
            "day_range_named",
            rf"(?<![\w.,:/])(?P<first>(?P<d1>\d{{1,2}}){_ORDINAL}\.?)\s?{_RANGE_WORD}\s?(?:the\s)?"
            rf"(?P<d2>\d{{1,2}}){_ORDINAL}\.?\s?(?:of\s)?{_MONTH}"
            rf"(?:,?\s(?P<y>{YEAR4}){_END})?",
        ),
        # "March 5-29, 2024", "March 5 to 29"
        (
            "month_day_range",
            rf"(?<![\w.]){_MONTH}\s(?P<first>(?P<d1>\d{{1,2}}){_ORDINAL})\s?(?:-|to|until|through)\s?"
            rf"(?P<d2>\d{{1,2}}){_ORDINAL}(?![\d:]|\.\d)(?:,?\s(?P<y>{YEAR4}){_END})?",
        ),
        # "24.-28.4.2023"
        (
            "day_range_numeric",
            rf"(?<![\w.,:/])(?P<first>(?P<d1>\d{{1,2}})\.)\s?(?:-|bis)\s?(?P<d2>\d{{1,2}})\.(?P<m>\d{{1,2}})\."
            rf"(?:\s?(?P<y>{YEAR4})|(?P<yy>\d{{2}}))?{_END}",
        ),
        # "30. August 2023", "30 Aug 2023", "15. Dezember", "7th of November 2026"
        (
            "day_month",
            rf"(?<![\w.,:/])(?P<d>\d{{1,2}}){_ORDINAL}\.?\s?(?:of\s)?{_MONTH}"
            rf"(?:,?\s(?P<y>{YEAR4}){_END})?",
        ),
        # "August 30, 2023", "November 7", "Aug 30 2023"
        (
            "month_day",
            rf"(?<![\w.]){_MONTH}\s(?:the\s)?(?P<d>\d{{1,2}}){_ORDINAL}(?![\d:]|\.\d)"
            rf"(?:,?\s(?P<y>{YEAR4}){_END})?",
        ),
        # "6.8.2023", "22.08.2021", "06.08.23", "24.4." (the second full stop is required)
        (
            "numeric",
            rf"(?<![\w.,:/])(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\."
            rf"(?:\s?(?P<y>{YEAR4})|(?P<yy>\d{{2}}))?{_END}",
        ),
        # "2023-08-06", also the date part of "2023-08-30T10:00:00+02:00"
        (
            "iso",
            rf"(?<![\w.\-/])(?P<y>{YEAR4})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_END}",
        ),
    )
)

# Where a match can start, so that the patterns are tried there only and not at every
# position of the text (which is most of the time of finding dates): every pattern starts
# at the start of a word, after a lookbehind that excludes \w. The day-first and ISO ones
# start with a number; the month-first ones ("March 5", "Aug 30") with a month name that
# stands at most _MONTH_REACH characters before the number.
_NUMBER_START = re.compile(r"(?<!\w)\d")
_WORD_START = re.compile(r"(?<!\w)\w")
_MONTH_FIRST = frozenset(("month_day_range", "month_day"))
assert _MONTH_FIRST.issubset(name for name, _ in _PATTERNS)
_MONTH_REACH = len(". the ") + max(  # "Sept. the 5": the full stop, \s, "the\s"
    len(name)
    for table in (MONTH_NAMES, MONTH_ABBREVIATIONS)
    for names in table.values()
    for name in names
)

# a number right after one of these words is a page, version, section... not a date
_NOT_A_DATE_BEFORE = re.compile(
    r"(?:\b(?:version|v|release|seite|s|nr|no|kapitel|abschnitt|abs|art|artikel|chapter|"
    r"section|page|p|pp|ziffer|punkt|tz|rn|rz|ausgabe|heft|band|bd|vol|volume|tabelle|"
    r"table|abb|abbildung|fig|figure)\.?|§+)\s?$",
    re.IGNORECASE,
)

# the text between the two dates of a range: "24.4.-12.5.2023", "5. März bis 29. April"
_RANGE_GAP = re.compile(
    r"\s?(?:-|bis(?:\s(?:zum|zur|einschließlich|einschliesslich))?|to|until|till|through|"
    r"and|und)\s?(?:(?:dem|den|the)\s)?",
    re.IGNORECASE,
)


def is_range_gap(gap: str) -> bool:
    """True when ``gap``, the text between two found dates, makes them a range."""
    return _RANGE_GAP.fullmatch(gap) is not None


# --------------------------------------------------------------------------- years

PAST_TOLERANCE_DAYS = 61
"""A date without a year may lie this far before the reference (a notice about a period
that has just ended)..."""
FUTURE_HORIZON_DAYS = 305
"""...or this far (about ten months) after it. Within that window the closest candidate
wins; outside it, the closest candidate at all."""


def _guess_year(month: int, day: int, reference: datetime.date) -> datetime.date | None:
    best: tuple[tuple[bool, int, bool], datetime.date] | None = None
    for year in range(reference.year - 4, reference.year + 5):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            continue
        delta = (candidate - reference).days
        in_window = -PAST_TOLERANCE_DAYS <= delta <= FUTURE_HORIZON_DAYS
        key = (not in_window, abs(delta), delta < 0)
        if best is None or key < best[0]:
            best = (key, candidate)
    return None if best is None else best[1]


def _full_year(year: str | None, short_year: str | None, reference: datetime.date) -> int | None:
    if year:
        return int(year)
    if short_year:
        # the century that puts the year within 80 years before and 20 after the reference
        value = reference.year // 100 * 100 + int(short_year)
        if value > reference.year + 20:
            value -= 100
        elif value < reference.year - 80:
            value += 100
        return value
    return None


def _make(
    year: int | None, month: int, day: int, reference: datetime.date
) -> tuple[datetime.date, bool] | None:
    if year is None:
        guessed = _guess_year(month, day, reference)
        return None if guessed is None else (guessed, True)
    try:
        return datetime.date(year, month, day), False
    except ValueError:
        return None


# --------------------------------------------------------------------------- finding


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    dates: tuple[FoundDate, ...]


def _candidate(match: re.Match[str], reference: datetime.date) -> _Candidate | None:
    groups = match.groupdict()
    month = _MONTHS[_fold_month(groups["mon"])] if groups.get("mon") else int(groups["m"])
    if not 1 <= month <= 12:
        return None
    year = _full_year(groups.get("y"), groups.get("yy"), reference)
    if "d" in groups:  # a single date
        made = _make(year, month, int(groups["d"]), reference)
        if made is None:
            return None
        found = FoundDate(made[0], made[1], match.start(), match.end())
        return _Candidate(match.start(), match.end(), (found,))
    # a range of days in one month: the year (given or guessed) is the end's
    end_made = _make(year, month, int(groups["d2"]), reference)
    if end_made is None:
        return None
    end_day, guessed = end_made
    try:
        start_day = end_day.replace(day=int(groups["d1"]))
    except ValueError:
        return None
    if start_day > end_day:
        return None
    # spans: "5." / "29. März 2024", and "March 5" / "29" for the month-first form
    first = FoundDate(start_day, guessed, match.start(), match.end("first"))
    second = FoundDate(end_day, guessed, match.start("d2"), match.end())
    return _Candidate(match.start(), match.end(), (first, second))


def _inherit_range_years(text: str, found: list[FoundDate]) -> list[FoundDate]:
    """In "24.4.-12.5.2023" the year of the second date applies to the first."""
    result = list(found)
    for i in range(len(result) - 1):
        first, second = result[i], result[i + 1]
        if not first.year_guessed or not is_range_gap(text[first.end : second.start]):
            continue
        try:
            day = first.day.replace(year=second.day.year)
            if day > second.day:
                day = day.replace(year=second.day.year - 1)
        except ValueError:  # 29 February
            continue
        result[i] = FoundDate(day, second.year_guessed, first.start, first.end)
    return result


def _find_at(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(text)`` finds, given every position a match can start at
    (in order): the leftmost match, then the leftmost from its end on, and so on."""
    position = 0
    for start in starts:
        if start >= position:
            match = pattern.match(text, start)
            if match is not None:
                yield match
                position = match.end()


def find_dates(text: str, reference: datetime.date) -> list[FoundDate]:
    """Every date expression in ``text`` (normalised first), in order of position.

    A date without a year gets the year that puts it closest to ``reference`` within the
    window from ``PAST_TOLERANCE_DAYS`` before to ``FUTURE_HORIZON_DAYS`` after it, and is
    flagged ``year_guessed``. Invalid dates (31.02.) are skipped.
    """
    text = normalise_text(text)
    numbers = [m.start() for m in _NUMBER_START.finditer(text)]
    if not numbers:  # every date expression has a number at the start of a word
        return []
    words = [m.start() for m in _WORD_START.finditer(text)]
    months: set[int] = set()  # the words a month name before a number can start at
    for number in numbers:
        months.update(words[bisect_left(words, number - _MONTH_REACH) : bisect_left(words, number)])
    month_starts = sorted(months)
    candidates: list[tuple[int, int, int, _Candidate]] = []
    for priority, (name, pattern) in enumerate(_PATTERNS):
        for match in _find_at(pattern, text, month_starts if name in _MONTH_FIRST else numbers):
            if _NOT_A_DATE_BEFORE.search(text, max(0, match.start() - 12), match.start()):
                continue
            candidate = _candidate(match, reference)
            if candidate is not None:
                candidates.append(
                    (candidate.start, -(candidate.end - candidate.start), priority, candidate)
                )
    candidates.sort(key=lambda item: item[:3])
    found: list[FoundDate] = []
    taken_until = 0
    for start, _, _, candidate in candidates:
        if start < taken_until:
            continue
        found.extend(candidate.dates)
        taken_until = candidate.end
    return _inherit_range_years(text, found)


# --------------------------------------------------------------------------- listings

_ISO_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"\s?(?P<zone>Z|[+-]\d{2}:?\d{2})?(?![\d:])"
)


def parse_listing_date(
    text: str, tz: zoneinfo.ZoneInfo, reference: datetime.date
) -> datetime.datetime | None:
    """The first date in a short listing text, as an aware datetime in UTC.

    An ISO datetime with an offset is converted; one without an offset is local time in
    ``tz``; a bare date means local midnight in ``tz``. None when there is no date.
    """
    text = normalise_text(text)
    dates = find_dates(text, reference)
    iso = _ISO_DATETIME.search(text)
    if iso is not None and (not dates or iso.start() <= dates[0].start):
        zone = iso["zone"] or ""
        if zone and zone != "Z" and ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        try:
            moment = datetime.datetime.fromisoformat(f"{iso['date']}T{iso['time']}{zone}")
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=tz)
            return moment.astimezone(datetime.UTC)
    if not dates:
        return None
    midnight = datetime.datetime.combine(dates[0].day, datetime.time(), tzinfo=tz)
    return midnight.astimezone(datetime.UTC)


# --------------------------------------------------------------------------- publishing times

_WHEN_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+|t)(?:um\s+)?(\d{1,2})(?:[:.](\d{2}))?")
_WHEN_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})?,?\s*(?:um\s+)?(\d{1,2})(?:[:.](\d{2}))?")
_WHEN_RELATIVE = re.compile(
    r"(heute|morgen|übermorgen|today|tomorrow),?\s*(?:um\s+|at\s+)?(\d{1,2})(?:[:.](\d{2}))?"
)
_DAYS_AHEAD = {"heute": 0, "today": 0, "morgen": 1, "tomorrow": 1, "übermorgen": 2}
_WHEN_SUFFIX = re.compile(r"\s*(uhr|h)?\s*$")


def _at(day: datetime.date, hour: int, minute: int, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def _read_written_when(
    cleaned: str, now: datetime.datetime, tz: zoneinfo.ZoneInfo
) -> datetime.datetime | None:
    local_now = now.astimezone(tz)
    if match := _WHEN_ISO.fullmatch(cleaned):
        year, month, day_of_month, hour, minute = (int(g or 0) for g in match.groups())
        return _at(datetime.date(year, month, day_of_month), hour, minute, tz)
    if match := _WHEN_GERMAN.fullmatch(cleaned):
        day_s, month_s, year_s, hour_s, minute_s = match.groups()
        hour, minute = int(hour_s), int(minute_s or 0)
        year = int(year_s) if year_s else local_now.year
        when = _at(datetime.date(year, int(month_s), int(day_s)), hour, minute, tz)
        if not year_s and when <= local_now:  # "1.12." means the next one
            when = _at(datetime.date(year + 1, int(month_s), int(day_s)), hour, minute, tz)
        return when
    if match := _WHEN_RELATIVE.fullmatch(cleaned):
        word, hour_s, minute_s = match.groups()
        day = local_now.date() + datetime.timedelta(days=_DAYS_AHEAD[word])
        return _at(day, int(hour_s), int(minute_s or 0), tz)
    return None


def read_when(text: str, now: datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.datetime | None:
    """The moment ``text`` names for publishing, read in ``tz`` relative to ``now``; None
    when it names none (or no such day or time: "31.02.", "25:00").

    Accepted, case-insensitive, "Uhr" or "h" after the time is fine:

    - ``2026-12-01 09:00`` (also ``T`` between, ``um``, or the hour alone),
    - ``01.12.2026 9:00``, ``1.12.2026, 9 Uhr``, ``1.12. 9:00`` (the next such day after
      ``now``),
    - ``morgen 9:00``, ``heute um 18.30 Uhr``, ``übermorgen 9``, ``today 18:00``,
      ``tomorrow at 7:15``,
    - any ISO 8601 date-time Python reads (``2026-12-01T09:00:30+01:00``, ``2026-12-01``
      for midnight).

    The result is aware: in ``tz``, or at the offset an ISO date-time gives.
    """
    cleaned = _WHEN_SUFFIX.sub("", " ".join(text.strip().lower().split()))
    try:
        when = _read_written_when(cleaned, now, tz)
    except ValueError:  # no such day or time
        when = None
    if when is not None:
        return when
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)
