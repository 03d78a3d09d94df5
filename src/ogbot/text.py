"""Plain text, the same way everywhere: folding, normalising, cleaning, measuring, shortening.

A neutral module: every stage may use it (the watcher, the knowledge base, the posts, the bot,
the web page, the feeds) and it imports no stage. What each helper is for:

- :func:`fold` -- text for *matching*: lower case, compatibility forms, umlauts and accents
  folded ("Ä" = "a", "ß" = "ss", "é" = "e"); two clearly named options for the two callers
  that fold differently (see there);
- :func:`normalise_text` -- text for *reading dates and phrases*: typographic dashes and
  quotes made plain, invisible characters dropped, whitespace collapsed; case and letters stay;
- :func:`clean_text` -- untrusted text made safe to *show*: control characters, bidi overrides
  and zero-width spaces removed, whitespace collapsed (:func:`drop_unsafe` removes the same
  characters and leaves whitespace alone, for HTML; :func:`clean_excerpt` reads only the start
  of a huge text); the posts, the page and the feeds all show text through them;
- :func:`url_spans` -- where the http(s) URLs in a plain text are, as Telegram links them;
- :func:`without_read_more` -- a summary's "[…]" (WordPress' "read more") as one "…";
  and zero-width spaces removed, whitespace collapsed;
- :func:`strip_controls` -- text made fit to *store*: control characters (and lone surrogates)
  removed, nothing else touched;
- :func:`utf16_len` and :func:`shorten` -- lengths as Telegram counts them, and cutting a text
  to a length without splitting a word, an emoji or a letter from its accent;
- :func:`deadline_text` -- a consultation's deadline as people read it, in German or English.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from ogbot.models import Lang, StoredItem, long_date

ELLIPSIS = "…"
SCAN = 2000  # code points of a title or summary read at all: far more than anything shows

# --- folding (for matching) -------------------------------------------------------------------

_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
# letters that do not decompose into a base letter and a mark, folded by hand
_LETTERS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "æ": "ae", "ø": "o"})


def fold(text: str, *, accents: bool = True, digraphs: bool = False) -> str:
    """``text`` for matching: NFKC, case-folded, umlauts folded ("ä" -> "a", "ß" -> "ss").

    ``accents`` (the default): every other accent goes too ("é" -> "e", "æ" -> "ae",
    "ø" -> "o"); False folds only the German umlauts and "ß" (a source's include/exclude terms).
    ``digraphs``: the umlauts' two-letter spellings fold as well ("ae" -> "a", "oe" -> "o",
    "ue" -> "u"), so "Maerz", "März" and "Marz" are one word (the classifier's rules). It
    applies to every "ae", "oe" and "ue", so "Michael" becomes "michal": match folded
    against folded only.
    """
    if text.isascii():  # ASCII is NFKC already, its case folding is lower(), nothing to strip
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
        text = text.translate(_LETTERS if accents else _UMLAUTS)
        if accents and not text.isascii():
            decomposed = unicodedata.normalize("NFKD", text)
            text = "".join(c for c in decomposed if not unicodedata.combining(c))
    if digraphs:
        text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return text


# --- normalising (for reading) ----------------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2039\u203a"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_SINGLE_QUOTES, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES, '"'),
        **dict.fromkeys(_INVISIBLE, None),
    }
)
_TYPOGRAPHIC = re.compile(
    "[" + re.escape("".join(_DASHES + _SINGLE_QUOTES + _DOUBLE_QUOTES + _INVISIBLE)) + "]"
)


def normalise_text(text: str) -> str:
    """NFKC, odd spaces to " ", typographic dashes to "-", typographic quotes to plain
    ones, soft hyphens and zero-width characters dropped, whitespace collapsed."""
    if not text.isascii():  # ASCII text is NFKC already and has nothing to translate
        text = unicodedata.normalize("NFKC", text)
        if _TYPOGRAPHIC.search(text) is not None:
            text = text.translate(_TYPOGRAPHY)
    # str.split() splits on exactly the characters that re's \s matches (str.isspace)
    return " ".join(text.split())


# --- cleaning (for showing) -------------------------------------------------------------------

# C0 and C1 control characters but tab, line feed and carriage return (whitespace), DEL, and lone
# surrogates (they cannot be encoded, for storing or sending): never part of any text
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_CONTROL = re.compile(f"[{_CONTROLS}]")
# removed everywhere: the controls above (clean_text turns carriage returns into line breaks
# first), bidi embeddings, overrides and isolates (they can reorder what follows), zero-width
# space, byte-order mark. LRM/RLM, ZWJ and ZWNJ stay (right-to-left text and emoji sequences
# need them).
_UNWANTED = re.compile(f"[{_CONTROLS}\u200b\u202a-\u202e\u2066-\u2069\ufeff]")
_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"})


def drop_unsafe(text: str) -> str:
    """``text`` without the characters :func:`clean_text` removes (control characters but line
    break and tab, lone surrogates, bidi overrides, zero-width space, byte-order mark); its
    whitespace and everything else as it was (for HTML, where whitespace may matter)."""
    return _UNWANTED.sub("", text)


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Untrusted text made safe to show (NFC, the characters above removed); one line unless
    multiline.

    One line: every run of whitespace (NBSP and line breaks included) becomes one space.
    Multiline: line breaks kept (``\\r\\n`` -> ``\\n``), at most one empty line in a row.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").translate(_LINE_BREAKS))
    kept = drop_unsafe(text)
    if not multiline:
        return " ".join(kept.split())
    lines = [line.rstrip() for line in kept.replace("\t", "    ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n").strip()


def clean_excerpt(text: str) -> str:
    """``text`` cleaned as by :func:`clean_text` (one line), reading only its first
    :data:`SCAN` code points (a 10 MB title costs nothing); a clipped text ends in "…" for
    :func:`shorten` to cut further."""
    if len(text) <= SCAN:
        return clean_text(text)
    return clean_text(text[:SCAN]) + ELLIPSIS


# --- links and summaries ----------------------------------------------------------------------

_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
# left out at a URL's end, as Telegram does when it links a URL in a message: "siehe
# https://example.org/plan." links https://example.org/plan
_URL_TRAILER = ".,;:!?)]}'\"»«“”„’"


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every http(s) URL in a plain ``text``, in order; a URL ends before
    whitespace, ``<``, ``>`` or ``"``, and before the punctuation that closes a sentence or a
    bracket around it."""
    spans = []
    for match in _URL_IN_TEXT.finditer(text):
        url = match.group(0).rstrip(_URL_TRAILER)
        if len(url) > url.index("://") + 3:  # something after the scheme
            spans.append((match.start(), match.start() + len(url)))
    return spans


# WordPress ends an excerpt in "[…]" ("[&hellip;]"), some themes in "[...]", "[mehr]", "[more]"
_READ_MORE = re.compile(r"\[(?:…|\.\.\.|mehr|more)\]\s*$", re.IGNORECASE)


def without_read_more(text: str) -> str:
    """``text`` with a "read more" marker at its end ("[…]", "[...]", "[mehr]", "[more]") as one
    "…", which also takes the place of a full stop or an ellipsis before it: "Die Ergebnisse
    werden veröffentlicht. […]" -> "Die Ergebnisse werden veröffentlicht…", never ".…". A text
    that is only the marker becomes "…". The posts, the page and the feeds show summaries so."""
    match = _READ_MORE.search(text)
    if match is None:
        return text
    return text[: match.start()].rstrip().rstrip(".…").rstrip() + ELLIPSIS


def strip_controls(text: str) -> str:
    """``text`` without C0/C1 control characters (tab, line feed and carriage return stay: they
    are whitespace, and text that keeps its lines needs them), DEL and lone surrogates; nothing
    else changes. For text as it is stored (titles, summaries, content): mojibake carries C1
    controls, and a page with them is not valid HTML."""
    return _CONTROL.sub("", text)


# --- measuring and shortening -----------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts (a code point above U+FFFF counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _escaped_units(char: str) -> int:
    if char == "&":
        return 5
    if char in "<>":
        return 4
    return 2 if ord(char) > 0xFFFF else 1


def _visible_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _joins_previous(char: str) -> bool:
    """True when ``char`` belongs to the grapheme before it (cutting before it would split it)."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or code == 0x200D  # ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
    )


_REGIONAL = "".join(chr(c) for c in range(0x1F1E6, 0x1F200))  # the letters of flag emoji


def shorten(text: str, limit: int, *, escaped: bool = False) -> str:
    """``text`` cut to ``limit`` UTF-16 units, at a word boundary where sensible, ending in "…".

    ``escaped``: measure the text as it will be once ``&``, ``<`` and ``>`` are escaped for HTML
    (for a budget of an HTML string). Cuts between code points, never inside a surrogate pair
    or an emoji sequence, and never between a letter and its accent.
    """
    size = utf16_len(text)
    if escaped:
        size += 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))
    if size <= limit:
        return text
    budget = limit - 1  # the ellipsis
    if budget <= 0:
        return ELLIPSIS if limit >= 1 else ""
    units = _escaped_units if escaped else _visible_units
    used = end = 0
    for index, char in enumerate(text):  # at most budget + 1 characters are read
        used += units(char)
        if used > budget:
            break
        end = index + 1
    cut = text[:end]
    space = cut.rfind(" ")
    if space > 0 and space >= len(cut) // 2:
        cut = cut[:space]
    else:
        # no good word boundary: do not split an emoji sequence or a letter from its accent
        while cut and (_joins_previous(text[len(cut)]) or cut[-1] == "\u200d"):
            cut = cut[:-1]
        if (len(cut) - len(cut.rstrip(_REGIONAL))) % 2:
            cut = cut[:-1]  # half a flag
    return cut.rstrip(" ,;:-–—·|/([{") + ELLIPSIS


# --- deadlines --------------------------------------------------------------------------------

_DEADLINE: dict[Lang, dict[str, str]] = {
    "de": {
        "deadline": "Frist: {date}",
        "guessed": "Jahr geschätzt",
        "passed": "abgelaufen",
        "today": "endet heute",
        "left_1": "noch 1 Tag",
        "left_n": "noch {n} Tage",
    },
    "en": {
        "deadline": "Deadline: {date}",
        "guessed": "year estimated",
        "passed": "expired",
        "today": "ends today",
        "left_1": "1 day left",
        "left_n": "{n} days left",
    },
}


def deadline_parts(item: StoredItem, lang: Lang = "de") -> tuple[str, str]:
    """The deadline and the note on a guessed year, apart so a caller can set the first in
    bold: ("Frist: 15. Dezember 2026", " (Jahr geschätzt)"). The note is "" when the source gave
    the year; both are "" without a deadline."""
    if item.deadline is None:
        return "", ""
    labels = _DEADLINE[lang]
    shown = labels["deadline"].format(date=long_date(item.deadline, lang))
    return shown, f" ({labels['guessed']})" if item.deadline_guessed else ""


def deadline_text(item: StoredItem, lang: Lang = "de", *, today: date | None = None) -> str:
    """ "Frist: 15. Dezember 2026 (Jahr geschätzt)", or "" without a deadline.

    With ``today`` the time left follows: " – noch 22 Tage", " – noch 1 Tag", " – endet heute",
    " – abgelaufen".
    """
    if item.deadline is None:
        return ""
    text = "".join(deadline_parts(item, lang))
    if today is None:
        return text
    labels = _DEADLINE[lang]
    days = (item.deadline - today).days
    if days < 0:
        left = labels["passed"]
    elif days == 0:
        left = labels["today"]
    else:
        left = labels["left_1"] if days == 1 else labels["left_n"].format(n=days)
    return f"{text} – {left}"
