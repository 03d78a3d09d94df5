"""The classifier's rules, as data: which words make a watched item a consultation, which make
it news, and what marks a deadline. The matching engine that applies them is ``classify.py``;
``tests/test_classify.py`` holds the real titles and summaries they must keep classifying right
(run it after every change here).

How :func:`~ogbot.watch.classify.classify` uses the lists, in this order:

1. ``CLOSED_TITLE_WORDS`` in the title or a category ("[abgeschlossen]", "Ergebnisse",
   "results", "Rückblick", ...) or ``CLOSED_SUMMARY_PAIRS`` in the summary ("ist
   abgeschlossen", "has closed") make the item news. A stated deadline is kept when the item
   would otherwise have been a consultation.
2. One of the ``STRONG_PHRASES`` or ``STRONG_PAIRS`` anywhere (an explicit invitation: "For
   Public Comment", "Ihr Feedback ist gefragt", "Kommentierungsphase", ...) makes a
   consultation.
3. ``WEAK_CONCEPTS`` ("Konsultation", "Entwurf", "survey", ...) count by concept, so
   "Konsultation" and "consultation" are one. A consultation needs two of them in the title
   and categories, or one there plus a deadline, or two in the summary plus a deadline, or
   one of the ``INVITING_CONCEPTS`` ("kommentiert", "comments", "Stellungnahmen", "feedback")
   within ``INVITATION_WINDOW`` words of the deadline ("kann bis zum 30. November kommentiert
   werden"). Other weak words in the summary never suffice: news summaries talk about
   participation all the time.
4. A deadline is a date right after one of the ``DEADLINE_PHRASES`` ("bis zum", "until", "by",
   "endet am") or ``DEADLINE_SPECIFIC_WORDS`` ("no later than", "Frist:", "Deadline:",
   "Einsendeschluss"), ``DEADLINE_FILLERS`` allowed between, or the end of a range ("vom
   24.4.-12.5.2023"). After a generic phrase ("bis", "until", "by") it counts only near
   consultation vocabulary: within ``NEAR_WINDOW`` words in the same field, or when the title
   or a category has such vocabulary. A date with no such phrase (a publication or event
   date: "am 30. August 2023 beschlossen") is never a deadline. The deadline cue word itself
   ("Frist") is not counted as a weak signal.

How to write a word (matching ignores case and umlauts: "ä", "ae" and "a" are one, "ß" is "ss"):

    "word"    the whole word
    "word*"   a word starting with it: "comment*" finds "comments", "commenting"
    "~word"   a word containing it (German compounds): "~beteiligung" finds "Bürgerbeteiligung"

A phrase is words separated by spaces; they must follow each other in the text (with spaces,
hyphens, quotes or slashes between). Words of ``FUZZY_MIN_LENGTH`` letters or more also match
with one typo ("Konsulation", "Beteilgung"), except in the closed-marker and generic deadline
lists, where a typo is too likely another word ("Erlebnis"/"Ergebnis",
"angeschlossen"/"abgeschlossen").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CLOSED_SUMMARY_PAIRS",
    "CLOSED_TITLE_WORDS",
    "DEADLINE_FILLERS",
    "DEADLINE_PHRASES",
    "DEADLINE_SPECIFIC_WORDS",
    "EXCLUDES",
    "FUZZY_MIN_LENGTH",
    "INVITATION_WINDOW",
    "INVITING_CONCEPTS",
    "NEAR_WINDOW",
    "RANGE_OPENERS",
    "SPECIFIC_REACH",
    "STRONG_PAIRS",
    "STRONG_PHRASES",
    "WEAK_CONCEPTS",
    "Pair",
]


@dataclass(frozen=True)
class Pair:
    """Any of ``words`` and any of ``others``, at most ``within`` words apart (in either order
    for STRONG_PAIRS, ``others`` after ``words`` for CLOSED_SUMMARY_PAIRS)."""

    words: tuple[str, ...]
    others: tuple[str, ...]
    within: int


# --------------------------------------------------------------------------- sizes

FUZZY_MIN_LENGTH = 8
"""Words this long or longer also match with one typo (edit distance 1)."""
NEAR_WINDOW = 12
"""How many words apart a generic deadline phrase and consultation vocabulary may be."""
INVITATION_WINDOW = 8
"""How many words apart an inviting weak word and its deadline's date may be."""
SPECIFIC_REACH = 4
"""How many words may stand between a word of DEADLINE_SPECIFIC_WORDS and the date."""

# --------------------------------------------------------------------------- consultations

STRONG_PHRASES: tuple[str, ...] = (
    # English, as on the OGP site
    "for public comment*",
    "public comment*",
    "open for comment*",
    "open for public comment*",
    "open for input",
    "open for feedback",
    "call* for expression* of interest",
    "call* for input",
    "call* for proposal*",
    "call* for comment*",
    "call* for submission*",
    "call* for contribution*",
    "request* for input",
    "request* for comment*",
    "request* for feedback",
    "your comment*",
    "have your say",
    "share your view*",
    "share your feedback",
    "share your idea*",
    "give us your feedback",
    "submit your comment*",
    "take our survey",
    "take the survey",
    "take this survey",
    "complete the survey",
    "fill out the survey",
    "fill in the survey",
    "open consultation*",
    "consultation* is open",
    "consultation* is now open",
    "consultation* now open",
    "consultation* open*",
    # German, as on the federal government's and the network's pages
    "ihr* feedback ist gefragt",
    "ihr* meinung ist gefragt",
    "ihr* meinung zahlt",
    "ihr* idee* sind gefragt",
    "ihr* expertise ist gefragt",
    "jetzt kommentieren",
    "jetzt mitmachen",
    "jetzt beteiligen",
    "jetzt mitdiskutieren",
    "~kommentierungsphase",
    "~kommentierungsfrist",
    "online ~konsultation",
    "~onlinekonsultation",
    "beteiligen sie sich",
    "machen sie mit",
    "mach mit",
    "~stellungnahme bis",
    "~ideenskizze einreich*",
)
"""Strong signals: one of these phrases anywhere makes a consultation."""

STRONG_PAIRS: tuple[Pair, ...] = (
    # in either order: "Konsultation zum Aktionsplan gestartet", "Kommentierung des Entwurfs"
    Pair(
        words=("~konsultation",),
        others=(
            *("start", "startet", "starten", "gestartet", "beginnt", "begonnen"),
            *("lauft", "laufen", "laufende*", "eroffnet", "offen"),
        ),
        within=8,
    ),
    Pair(words=("consultation*",), others=("launch*",), within=5),
    Pair(words=("~kommentierung",), others=("~entwurf",), within=8),
    Pair(words=("~ideenskizze",), others=("~reich",), within=6),
)
"""Strong pairs: one word of each list near each other make a consultation."""

WEAK_CONCEPTS: dict[str, tuple[str, ...]] = {
    "consultation": ("~konsultation", "consultation*"),
    "participation": ("~beteiligung",),
    "draft": ("~entwurf", "draft*"),
    "statement": ("~stellungnahme",),
    "feedback": ("~feedback",),
    "comment": ("comment*", "~komment"),
    "survey": ("survey*", "~umfrage"),
    "deadline": ("~frist",),
    "idea sketch": ("~ideenskizze",),
}
"""Weak signals, by concept: each concept counts once however often and in whichever
language it occurs. The deadline cue word itself ("Frist: 6.8.") does not count."""

INVITING_CONCEPTS: frozenset[str] = frozenset(("comment", "feedback", "statement", "idea sketch"))
"""Weak concepts that, right next to a deadline, ask for input ("Kommentare bis 30. November")
rather than report on a process ("Die Konsultation lief bis zum 12. Mai")."""

EXCLUDES: dict[str, tuple[str, ...]] = {
    # "kurzfristig", "langfristig": time spans, not deadlines
    "~frist": ("fristig",),
}
"""Words that contain a listed word but mean something else: never a match for it."""

# --------------------------------------------------------------------------- closed (news)

CLOSED_TITLE_WORDS: tuple[str, ...] = (
    "abgeschlossen*",
    "closed",
    "beendet",
    "ended",
    "~ergebnis",
    "result*",
    "outcome*",
    "~ruckblick",
    "recap*",
    "learned",
    "learnt",
    "~auswertung",
    "~bilanz",
    "~abschlussbericht",
)
"""Closed markers in the title or a category ("[abgeschlossen]", "Ergebnisse der
Konsultation", "What we learned from the consultation")."""

CLOSED_SUMMARY_PAIRS: tuple[Pair, ...] = (
    # one of the words, then one of the others at most this many words later
    Pair(
        words=("ist", "sind", "wurde*", "war", "erfolgreich"),
        others=("abgeschlossen", "beendet"),
        within=3,
    ),
    Pair(words=("ist", "war"), others=("vorbei",), within=2),
    Pair(words=("is", "has", "have", "was", "were", "are"), others=("closed", "ended"), within=3),
)
"""Closing statements in a summary. Single words such as "Ergebnisse" are not used
there: open consultations promise that "die Ergebnisse werden veröffentlicht"."""

# --------------------------------------------------------------------------- deadlines

DEADLINE_PHRASES: tuple[str, ...] = (
    "bis",
    "until",
    "till",
    "by",
    "before",
    "through",
    "due",
    "endet",
    "enden",
    "ends",
    "end",
    "closes",
    "close",
    "closing",
    "lauft",
    "no later than",
    "not later than",
    "spatestens",
)
"""Deadline phrases that must stand right before the date (fillers such as "zum", "am",
"the", weekdays may come between): "bis zum 15. Dezember", "until Friday, 7 November"."""

DEADLINE_SPECIFIC_WORDS: tuple[str, ...] = (
    "~frist",
    "deadline*",
    "~einsendeschluss",
    "~abgabeschluss",
    "~einreichungsschluss",
    "~bewerbungsschluss",
    "~anmeldeschluss",
    "no later than",
    "not later than",
    "spatestens",
)
"""Words that name a deadline themselves: up to four words may stand between them and the
date ("Frist für Stellungnahmen: 6.8.2023"), and no nearby vocabulary is needed."""

DEADLINE_FILLERS: frozenset[str] = frozenset(
    {
        # German and English articles, prepositions, "inclusive"
        *("zum", "zur", "am", "dem", "den", "der", "die", "ist", "einschliesslich", "einschl"),
        *("inklusive", "spatestens", "on", "the", "is", "of", "inclusive"),
        # weekdays: "bis Montag, 15. Dezember", "until Friday, 7 November"
        *("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
        *("mo", "di", "mi", "do", "fr", "sa", "so"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    }
)
"""Words that may stand between a deadline phrase and its date. Here and in RANGE_OPENERS
only whole words, written as matched: lower case, "ä" as "a", "ß" as "ss", no "*" or "~"."""

RANGE_OPENERS: frozenset[str] = frozenset(("vom", "von", "from", "zwischen", "between", "zeitraum"))
"""Words that open a range of dates ("vom 24.4.-12.5.2023"): part of the deadline's snippet."""
