"""Decide whether a watched item is a consultation or plain news, and find its deadline.

A consultation *invites comments or input*, by a deadline or through a process. A word
such as "Beteiligung" or "Konsultation" merely mentioned in a news title is not enough.
The rules are data in :mod:`ogbot.watch.rules`, which also says how :func:`classify`
applies them: closed markers first, then strong signals, then weak ones counted by concept,
with or without a deadline. This module is the engine: matching (case- and
umlaut-insensitive, on word stems, one typo in long words), finding deadlines, deciding.
"""

from __future__ import annotations

import datetime
import re
import sys
import zoneinfo
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_
from typing import Literal, NamedTuple

from ogbot.dates import FoundDate, find_dates, is_range_gap, normalise_text
from ogbot.models import Kind
from ogbot.text import fold
from ogbot.watch import rules

__all__ = ["Classification", "Kind", "classify"]


@dataclass(frozen=True)
class Classification:
    kind: Kind
    deadline: datetime.date | None  # a calendar date in publish.timezone
    deadline_guessed: bool
    reasons: tuple[str, ...]  # short human-readable reasons


# =========================================================================== Matching
#
# How matching is made fast (the rules are unchanged by it): every distinct word of
# every list gets one bit. Each token of a text is folded and matched against the whole
# vocabulary once, giving a bit mask that is cached per token string (news texts repeat
# their words). A field keeps the masks of its tokens and their union, so a phrase, pair or
# concept whose words do not all occur in the field is ruled out by one AND, and the rest
# is checked position by position with ANDs. Token positions are only worked out when a
# phrase has to check the gaps between its words or a hit is reported.


@dataclass(frozen=True)
class _Word:
    stem: str
    mode: Literal["exact", "prefix", "infix"]
    fuzzy: bool
    exclude: tuple[str, ...] = ()


def _word(spec: str, *, fuzzy: bool) -> _Word:
    stem = fold(spec.strip("~*"), digraphs=True)
    mode: Literal["exact", "prefix", "infix"]
    if spec.startswith("~"):
        mode = "infix"
    elif spec.endswith("*"):
        mode = "prefix"
    else:
        mode = "exact"
    exclude = tuple(fold(e, digraphs=True) for e in rules.EXCLUDES.get(spec, ()))
    return _Word(stem, mode, fuzzy and len(stem) >= rules.FUZZY_MIN_LENGTH, exclude)


def _phrase(spec: str, *, fuzzy: bool = True) -> tuple[_Word, ...]:
    return tuple(_word(part, fuzzy=fuzzy) for part in spec.split())


def _one_edit_pattern(stem: str) -> str:
    """A regular expression for the strings at most one insertion, deletion or
    substitution away from ``stem``: ``stem`` itself and every variant of it."""
    variants = {re.escape(stem)}
    for i in range(len(stem) + 1):
        variants.add(re.escape(stem[:i]) + "." + re.escape(stem[i:]))  # insertion
        if i < len(stem):
            variants.add(re.escape(stem[:i] + stem[i + 1 :]))  # deletion
            variants.add(re.escape(stem[:i]) + "." + re.escape(stem[i + 1 :]))  # substitution
    return "(?s:" + "|".join(sorted(variants, key=lambda v: (-len(v), v))) + ")"


# --------------------------------------------------------------------------- phrases


@dataclass(frozen=True)
class _Phrase:
    bits: tuple[int, ...]  # the bit of each word
    need: int  # all of them: a field must have every bit for the phrase to occur


@dataclass(frozen=True)
class _PairRule:
    firsts: int  # the bits of the first words
    seconds: int  # the bits of the second words
    window: int


_VOCABULARY: dict[_Word, int] = {}  # every word in the lists, with its bit


def _bit(word: _Word) -> int:
    return _VOCABULARY.setdefault(word, 1 << len(_VOCABULARY))


def _compile_phrase(words: tuple[_Word, ...]) -> _Phrase:
    bits = tuple(_bit(word) for word in words)
    need = 0
    for bit in bits:
        need |= bit
    return _Phrase(bits, need)


@dataclass(frozen=True)
class _Phrases:
    phrases: tuple[_Phrase, ...]
    bits: int  # the bits of the first words: a field without any has none of the phrases


@dataclass(frozen=True)
class _Pairs:
    pairs: tuple[_PairRule, ...]
    firsts: int  # all first words
    seconds: int  # all second words


def _compile_phrases(specs: Iterable[str], *, fuzzy: bool) -> _Phrases:
    phrases = tuple(_compile_phrase(_phrase(spec, fuzzy=fuzzy)) for spec in specs)
    bits = 0
    for phrase in phrases:
        bits |= phrase.bits[0]
    return _Phrases(phrases, bits)


def _compile_pairs(pairs: Sequence[rules.Pair], *, fuzzy: bool) -> _Pairs:
    compiled: list[_PairRule] = []
    all_firsts = all_seconds = 0
    for pair in pairs:
        first_bits = second_bits = 0
        for a in pair.words:
            first_bits |= _bit(_word(a, fuzzy=fuzzy))
        for b in pair.others:
            second_bits |= _bit(_word(b, fuzzy=fuzzy))
        compiled.append(_PairRule(first_bits, second_bits, pair.within))
        all_firsts |= first_bits
        all_seconds |= second_bits
    return _Pairs(tuple(compiled), all_firsts, all_seconds)


_STRONG_PHRASES = _compile_phrases(rules.STRONG_PHRASES, fuzzy=True)
_STRONG_PAIRS = _compile_pairs(rules.STRONG_PAIRS, fuzzy=True)
_WEAK = tuple(
    (concept, _compile_phrases(phrases, fuzzy=True))
    for concept, phrases in rules.WEAK_CONCEPTS.items()
)
_WEAK_BITS = reduce(or_, (phrases.bits for _, phrases in _WEAK), 0)
_CLOSED_TITLE = _compile_phrases(rules.CLOSED_TITLE_WORDS, fuzzy=False)
_CLOSED_SUMMARY = _compile_pairs(rules.CLOSED_SUMMARY_PAIRS, fuzzy=False)
_DEADLINE_PHRASES = _compile_phrases(rules.DEADLINE_PHRASES, fuzzy=False)
_DEADLINE_SPECIFIC = _compile_phrases(rules.DEADLINE_SPECIFIC_WORDS, fuzzy=True)

# --------------------------------------------------------------------------- tokens


class _FuzzyWord(NamedTuple):
    bit: int
    shortest: int  # token lengths that can be one edit away (an infix or prefix stem
    longest: int  # may be followed or preceded by anything)
    first_half: str  # one edit leaves one half of the stem intact
    second_half: str
    test: Callable[[str], object]  # fullmatch, match or search of all one-edit variants


def _fuzzy_word(word: _Word, bit: int) -> _FuzzyWord:
    stem, size = word.stem, len(word.stem)
    pattern = re.compile(_one_edit_pattern(stem))
    test: Callable[[str], object]
    if word.mode == "exact":
        test = pattern.fullmatch
    elif word.mode == "prefix":
        test = pattern.match
    else:
        test = pattern.search
    longest = size + 1 if word.mode == "exact" else sys.maxsize
    half = size // 2
    return _FuzzyWord(bit, size - 1, longest, stem[:half], stem[half:], test)


# lookup tables of the whole vocabulary, for _token_bits
_EXACT: dict[str, int] = {}  # stem -> bits
_PREFIXES: dict[int, dict[str, int]] = {}  # stem length -> stem -> bits
_INFIXES: list[tuple[str, int]] = []
_FUZZY: list[_FuzzyWord] = []
_EXCLUDED: list[tuple[int, tuple[str, ...]]] = []


def _index_vocabulary() -> None:
    for word, bit in _VOCABULARY.items():
        if word.mode == "exact":
            _EXACT[word.stem] = _EXACT.get(word.stem, 0) | bit
        elif word.mode == "prefix":
            table = _PREFIXES.setdefault(len(word.stem), {})
            table[word.stem] = table.get(word.stem, 0) | bit
        else:
            _INFIXES.append((word.stem, bit))
        if word.fuzzy:
            _FUZZY.append(_fuzzy_word(word, bit))
        if word.exclude:
            _EXCLUDED.append((bit, word.exclude))


_index_vocabulary()
_PREFIX_TABLES = tuple(sorted(_PREFIXES.items()))
_ANY_INFIX = re.compile("|".join(re.escape(stem) for stem, _ in _INFIXES))
_FUZZY_SHORTEST = min((f.shortest for f in _FUZZY), default=0)
_ANY_HALF = re.compile(
    "|".join(re.escape(half) for f in _FUZZY for half in (f.first_half, f.second_half))
)


def _token_bits(token: str) -> int:
    """The bits of the words that match ``token`` (folded): whole, as a prefix or anywhere
    inside, or for fuzzy words with one typo (edit distance 1); never a word whose
    exclusion ("fristig" for "~frist") the token contains."""
    bits = _EXACT.get(token, 0)
    size = len(token)
    for length, table in _PREFIX_TABLES:
        if length > size:
            break
        bits |= table.get(token[:length], 0)
    if _ANY_INFIX.search(token) is not None:
        for stem, bit in _INFIXES:
            if stem in token:
                bits |= bit
    if size >= _FUZZY_SHORTEST and _ANY_HALF.search(token) is not None:
        for fuzzy in _FUZZY:
            if (
                not bits & fuzzy.bit
                and fuzzy.shortest <= size <= fuzzy.longest
                and (fuzzy.first_half in token or fuzzy.second_half in token)
                and fuzzy.test(token) is not None
            ):
                bits |= fuzzy.bit
    for bit, exclude in _EXCLUDED:
        if bits & bit and any(e in token for e in exclude):
            bits &= ~bit
    return bits


@lru_cache(maxsize=1 << 16)
def _token(raw: str) -> tuple[str, int]:
    """A token as found in the text: folded, and the bits of the words it matches."""
    folded = fold(raw, digraphs=True)  # ä = ae = a, ß = ss, accents removed
    return folded, _token_bits(folded)


_TOKEN = re.compile(r"[^\W_]+")
_PHRASE_GAP = re.compile(r"[\s\-'\"/]*")
_DEADLINE_GAP = re.compile(r"[\s:,\-('\"]*")


class _Field:
    """One text of an item ("title", "category" or "summary"), normalised and tokenised."""

    __slots__ = ("_ends", "_starts", "bits", "folded", "is_head", "mask", "name", "order", "text")

    def __init__(self, name: str, order: int, text: str) -> None:
        self.name = name
        self.order = order  # title first, then the categories, the summary last
        self.is_head = name != "summary"
        self.text = text = normalise_text(text)
        tokens = list(map(_token, _TOKEN.findall(text)))
        self.folded = [folded for folded, _ in tokens]
        self.bits = [bits for _, bits in tokens]  # per token
        mask = 0
        for bits in set(self.bits):
            mask |= bits
        self.mask = mask  # all words that occur anywhere in the field
        self._starts: list[int] | None = None
        self._ends: list[int] = []

    def __len__(self) -> int:
        return len(self.bits)

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._find_spans()
        assert self._starts is not None
        return self._starts

    @property
    def ends(self) -> list[int]:
        if self._starts is None:
            self._find_spans()
        return self._ends

    def _find_spans(self) -> None:
        spans = [m.span() for m in _TOKEN.finditer(self.text)]
        self._starts = [start for start, _ in spans]
        self._ends = [end for _, end in spans]

    def snippet(self, first: int, last: int) -> str:
        start, end = self.starts[first], self.ends[last - 1]
        if self.text[start - 1 : start] == "[" and self.text[end : end + 1] == "]":
            start, end = start - 1, end + 1
        return self.text[start:end]

    def index_at(self, position: int) -> int:
        """The index of the first token starting at or after ``position``."""
        return bisect_left(self.starts, position)


@dataclass(frozen=True)
class _Hit:
    field: _Field
    first: int  # token index
    last: int  # exclusive
    label: str = ""

    @property
    def snippet(self) -> str:
        return self.field.snippet(self.first, self.last)


def _phrase_at(field: _Field, phrase: _Phrase, i: int) -> bool:
    bits = field.bits
    size = len(phrase.bits)
    if i < 0 or i + size > len(bits):
        return False
    for k, bit in enumerate(phrase.bits):
        if not bits[i + k] & bit:
            return False
    if size > 1:
        starts, ends, text = field.starts, field.ends, field.text
        for k in range(i + 1, i + size):
            if not _PHRASE_GAP.fullmatch(text, ends[k - 1], starts[k]):
                return False
    return True


def _find_phrases(field: _Field, phrases: _Phrases, label: str = "") -> list[_Hit]:
    """Every occurrence of the phrases in the field, phrase by phrase, in text order."""
    mask = field.mask
    if not mask & phrases.bits:
        return []
    bits = field.bits
    hits: list[_Hit] = []
    for phrase in phrases.phrases:
        if mask & phrase.need != phrase.need:
            continue
        first, size = phrase.bits[0], len(phrase.bits)
        for i in range(len(bits) - size + 1):
            if bits[i] & first and _phrase_at(field, phrase, i):
                hits.append(_Hit(field, i, i + size, label))
    return hits


def _find_pairs(field: _Field, pairs: _Pairs, *, ordered: bool) -> list[_Hit]:
    mask = field.mask
    if not (mask & pairs.firsts and mask & pairs.seconds):
        return []
    bits = field.bits
    hits: list[_Hit] = []
    for pair in pairs.pairs:
        firsts, seconds, window = pair.firsts, pair.seconds, pair.window
        if not (mask & firsts and mask & seconds):
            continue
        for i, a in enumerate(bits):
            if not a & firsts:
                continue
            low = i + 1 if ordered else max(0, i - window)
            for j in range(low, min(len(bits), i + window + 1)):
                if j != i and bits[j] & seconds:
                    hits.append(_Hit(field, min(i, j), max(i, j) + 1))
                    break
    return hits


def _drop_overlaps(hits: Iterable[_Hit]) -> list[_Hit]:
    """Keep the longest of overlapping hits in one field, in text order."""
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: -(h.last - h.first)):
        if not any(
            k.field is hit.field and k.first < hit.last and hit.first < k.last for k in kept
        ):
            kept.append(hit)
    return sorted(kept, key=lambda h: (h.field.order, h.first))


# =========================================================================== Deadlines


@dataclass(frozen=True)
class _Deadline:
    found: FoundDate
    field: _Field
    snippet: str
    cue_tokens: frozenset[int]  # token indexes of the deadline phrase in field


def _cue_before(field: _Field, position: int) -> tuple[int, int, bool] | None:
    """A deadline phrase ending just before ``position``: (first, last token, specific)."""
    starts, ends, text, folded = field.starts, field.ends, field.text, field.folded
    j = field.index_at(position) - 1
    boundary = position
    fillers = 0
    reach = 0
    while j >= 0 and reach <= rules.SPECIFIC_REACH:
        if not _DEADLINE_GAP.fullmatch(text, ends[j], boundary):
            return None
        for phrase in _DEADLINE_SPECIFIC.phrases:
            start = j - len(phrase.bits) + 1
            if _phrase_at(field, phrase, start):
                return start, j + 1, True
        if reach == fillers:  # only fillers so far: a generic phrase may end here
            for phrase in _DEADLINE_PHRASES.phrases:
                start = j - len(phrase.bits) + 1
                if _phrase_at(field, phrase, start):
                    return start, j + 1, False
            if folded[j] in rules.DEADLINE_FILLERS and fillers < 3:
                fillers += 1
        reach += 1
        boundary = starts[j]
        j -= 1
    return None


def _find_deadlines(
    field: _Field, reference: datetime.date, vocabulary: Sequence[_Hit], head_has_vocabulary: bool
) -> Iterator[_Deadline]:
    if not (
        head_has_vocabulary
        or field.mask & _DEADLINE_SPECIFIC.bits
        or any(hit.field is field for hit in vocabulary)
    ):
        return  # a date here would be neither after a specific phrase nor near vocabulary
    dates = find_dates(field.text, reference)
    for index, found in enumerate(dates):
        following = dates[index + 1] if index + 1 < len(dates) else None
        if following is not None and is_range_gap(field.text[found.end : following.start]):
            continue  # the start of a range is not its deadline
        previous = dates[index - 1] if index else None
        in_range = previous is not None and is_range_gap(field.text[previous.end : found.start])
        begin = previous.start if in_range and previous is not None else found.start
        cue = _cue_before(field, begin)
        if cue is None and not in_range:
            continue
        date_token = field.index_at(found.start)
        if cue is not None:
            first, last, specific = cue
        else:
            first = last = field.index_at(begin)
            if first and field.folded[first - 1] in rules.RANGE_OPENERS:
                first -= 1
            specific = False
        near = head_has_vocabulary or any(
            hit.field is field
            and (
                abs(hit.first - date_token) <= rules.NEAR_WINDOW
                or abs(hit.last - 1 - first) <= rules.NEAR_WINDOW
            )
            for hit in vocabulary
        )
        if not (specific or near):
            continue
        start = field.starts[first] if first < len(field) else begin
        yield _Deadline(
            found, field, field.text[min(start, begin) : found.end], frozenset(range(first, last))
        )


def _invitations(weak: Iterable[_Hit], deadline: _Deadline) -> list[_Hit]:
    """Inviting weak words next to the deadline's date ("bis zum 30. November kommentiert")."""
    date_token = deadline.field.index_at(deadline.found.start)
    return [
        hit
        for hit in weak
        if hit.label in rules.INVITING_CONCEPTS
        and hit.field is deadline.field
        and min(abs(hit.first - date_token), abs(hit.last - 1 - date_token))
        <= rules.INVITATION_WINDOW
    ]


# =========================================================================== Deciding


def _reference_date(
    published: datetime.datetime | None, tz: zoneinfo.ZoneInfo, today: datetime.date | None
) -> datetime.date:
    if published is not None:
        return published.astimezone(tz).date()
    if today is not None:
        return today
    return datetime.datetime.now(tz).date()


def classify(
    title: str,
    summary: str,
    categories: Sequence[str],
    published: datetime.datetime | None,
    tz: zoneinfo.ZoneInfo,
    *,
    today: datetime.date | None = None,
) -> Classification:
    """Classify one watched item; see the module docstring for the rules.

    The reference date for dates without a year is ``published`` in ``tz``, else
    ``today``, else the current date in ``tz``.
    """
    reference = _reference_date(published, tz, today)
    names = ["title", *(["category"] * len(categories)), "summary"]
    texts = [title, *categories, summary]
    fields = [
        _Field(name, order, text)
        for order, (name, text) in enumerate(zip(names, texts, strict=True))
    ]
    heads = [f for f in fields if f.is_head]
    body = fields[-1]

    strong = _drop_overlaps(
        hit
        for f in fields
        for hit in [
            *_find_phrases(f, _STRONG_PHRASES),
            *_find_pairs(f, _STRONG_PAIRS, ordered=False),
        ]
    )
    weak = [
        hit
        for f in fields
        if f.mask & _WEAK_BITS
        for concept, phrases in _WEAK
        for hit in _find_phrases(f, phrases, concept)
    ]
    closed = _drop_overlaps(
        [hit for f in heads for hit in _find_phrases(f, _CLOSED_TITLE)]
        + _find_pairs(body, _CLOSED_SUMMARY, ordered=True)
    )

    vocabulary = [*strong, *weak]
    head_has_vocabulary = any(hit.field.is_head for hit in vocabulary)
    deadline: _Deadline | None = None
    for f in fields:
        deadline = next(_find_deadlines(f, reference, vocabulary, head_has_vocabulary), None)
        if deadline is not None:
            break

    def counts(hit: _Hit) -> bool:
        return not (
            deadline is not None
            and hit.field is deadline.field
            and hit.first in deadline.cue_tokens
        )

    weak_counted = [hit for hit in weak if counts(hit)]
    weak_head = {hit.label for hit in weak_counted if hit.field.is_head}
    weak_body = {hit.label for hit in weak_counted if not hit.field.is_head}
    invitations = [] if deadline is None else _invitations(weak_counted, deadline)
    would_be = bool(
        strong
        or invitations
        or len(weak_head) >= 2
        or (deadline is not None and (weak_head or len(weak_body) >= 2))
    )

    reasons: list[str] = [f"{hit.field.name}: '{hit.snippet}'" for hit in strong]
    if not strong and invitations:
        hit = invitations[0]
        reasons.append(f"{hit.field.name}: '{hit.snippet}' by a deadline")
    elif not strong:  # weak words are worth naming only when nothing stronger decided
        seen: set[str] = set()
        for hit in sorted(weak_counted, key=lambda h: (h.field.order, h.first)):
            if hit.label not in seen:
                seen.add(hit.label)
                reasons.append(f"{hit.field.name} (weak): '{hit.snippet}'")
    if deadline is not None and would_be:
        reasons.append(f"deadline: '{deadline.snippet}'")
    reasons.extend(f"{hit.field.name} (closed): '{hit.snippet}'" for hit in closed)

    kind: Kind = "consultation" if would_be and not closed else "news"
    if not would_be or deadline is None:
        return Classification(kind, None, False, tuple(reasons))
    return Classification(kind, deadline.found.day, deadline.found.year_guessed, tuple(reasons))
