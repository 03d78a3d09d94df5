"""A ranked index over the knowledge base's entries, for both languages at once.

Every entry is indexed through its German and its English file: the title and each way of asking
(``questions``) are *units* a question can resemble closely; tags, title, questions and body
together are the entry's *text*, evidence that the question's words belong to it. A question is
read as words (folded, stop words of both languages dropped), each stemmed with the German and
the English Snowball stemmer, so an English question about "Aktionspläne" meets the German entry;
adjacent words also form *pairs* ("open government", "action plan"), so a phrase weighs more
than its words. A word the content does not know is first mapped through the domain's synonyms
("leitet" -> "koordiniert"), then split as a German compound against the content's vocabulary
("Bürgerbeteiligungsverfahren" -> bürger + beteiligung + verfahren), then corrected to the
nearest known word when it is a plausible typo (Damerau-Levenshtein through ``rapidfuzz``, the
only module that imports it).

Weights: a term weighs its IDF over the entries; a word of everyday language that the domain
also uses ("Deutschland", "Regierung", "Plan", "Kanal", "Partnerschaft", see
:data:`~ogbot.knowledge.text.GENERAL`) weighs a third of that and never carries a match on its
own: an entry needs at least one matched domain term. A word that stays unknown weighs against
every entry (a capitalised one, a noun or a name, more), but does not veto: a question with strong
domain evidence ("…open government in a nutshell?") is still answered.

Scoring: BM25 over the entries that hold a domain term picks the best :data:`CANDIDATES`; those
are measured in full (:meth:`Index.search`) and ranked by :mod:`~ogbot.knowledge.ranking`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ogbot.knowledge.content import Entry
from ogbot.knowledge.ranking import Match, ranked
from ogbot.knowledge.text import (
    GENERAL,
    LANGS,
    STOPWORDS,
    SYNONYMS,
    Lang,
    is_stopword,
    marked_words,
    plain_words,
    question_kind,
    stem,
    words,
)

K1, B = 1.2, 0.75  # BM25's usual saturation and length normalisation
TITLE_COUNT = 2  # a word of the title counts as often as this
GENERAL_FACTOR = 0.8  # weight of an everyday word relative to its IDF
UNKNOWN_NOUN = 1.0  # how much an unknown capitalised word counts against an answer
UNKNOWN_WORD = 0.8  # the same for an unknown lower-case word
UNKNOWN_SCORE = 0.05  # weight of an unknown word in the score, x the rarest term's IDF squared
PAIR_FACTOR = 0.75  # weight of a known pair of adjacent words relative to its IDF
CLOSE_UNIT = 0.75  # a cosine this high: the question is nearly one of the entry's own
# "my", "our": an unknown word after them is the asker's own affair ("my marathon training")
POSSESSIVE = frozenset(
    "my our mein meine meinen meinem meiner meines unser unsere unseren unserem unserer".split()
)
# the words that address the bot in a private chat
ADDRESS = frozenset("you your yours du dich dir dein deine deinen deiner deinem".split())
CANDIDATES = 24  # entries scored in full per question (the rest cannot come close)
MAX_WORD = 30  # longer "words" are junk ("ääää…"), not evidence either way
MIN_PART = 4  # shortest word a compound is split into
MEMO = 16384  # entries kept of what questions' words and terms were found to be
_LINKING = ("s", "es", "n", "en", "e")  # German Fugenelemente


@dataclass(frozen=True)
class _Term:
    """One query term (a word's stems, or a pair of words): its key per language and weight."""

    keys: tuple[str, ...]  # one per language in LANGS order
    weight: float  # language-neutral: the lower of its weights (coverage, evidence)
    weights: tuple[float, ...]  # per language, for a cosine against that language's units
    general: bool


@dataclass(frozen=True)
class _File:
    """What scoring an entry in full reads of one of its files (see Index.search)."""

    title: frozenset[str]  # the title's terms
    units: dict[str, int]  # term -> the units that hold it, a bit each (smallest norm lowest)
    norms: tuple[float, ...]  # the units' norms, smallest first


class Index:
    def __init__(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        self.topics = sorted({entry.id for entry in entries})
        titles: dict[tuple[str, Lang], frozenset[str]] = {}
        # the share of an entry's ways of asking that ask "when", "who", "how many", …
        question_kinds: dict[tuple[str, Lang], dict[str, float]] = defaultdict(dict)
        vocabulary: set[str] = set()
        for entry in entries:
            for text in (entry.title, entry.body, *entry.questions, *entry.tags):
                vocabulary.update(w for w in words(text) if not is_stopword(w) and not w.isdigit())
        self._words = frozenset(vocabulary)
        self._parts = frozenset(w for w in vocabulary if len(w) >= MIN_PART)
        # the words typos are corrected to, by length (an edit changes it by one at most)
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for word in self._parts:
            self._by_length[len(word)].append(word)
        self._by_length = dict(self._by_length)
        self._corrections: dict[str, str | None] = {}
        self._near_length: dict[int, list[str]] = {}  # word length -> the known words near it
        # what questions' words and terms were found to be, once each (see _forms, _add)
        self._word_forms: dict[str, tuple[tuple[str, ...], ...] | None] = {}
        self._known_terms: dict[tuple[str, ...], _Term | None] = {}

        # the terms of each entry's text, and each unit's terms, per language
        topic_terms: dict[Lang, dict[str, set[str]]] = {lang: defaultdict(set) for lang in LANGS}
        raw_units: list[tuple[str, Lang, frozenset[str]]] = []
        seen_units: set[tuple[str, Lang, frozenset[str]]] = set()
        # each file's terms counted over its fields, for BM25 (a title counts twice)
        counts: dict[tuple[str, Lang], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for entry in entries:
            everything = topic_terms[entry.lang][entry.id]
            tf = counts[(entry.id, entry.lang)]
            kinds = question_kinds[(entry.id, entry.lang)]
            for number, text in enumerate((entry.title, *entry.questions)):
                kind = question_kind(text)
                if kind:
                    kinds[kind] = kinds.get(kind, 0.0) + 1 / (1 + len(entry.questions))
                terms = self._index_terms(text, entry.lang)
                if number == 0:
                    titles[(entry.id, entry.lang)] = frozenset(terms)
                if terms:
                    unit = (entry.id, entry.lang, frozenset(terms))
                    if unit not in seen_units:  # ways of asking that differ in stop words only
                        seen_units.add(unit)
                        raw_units.append(unit)
                    everything |= terms
                    for term in terms:
                        tf[term] += TITLE_COUNT if number == 0 else 1
            for text in (*entry.tags, entry.body):
                terms = self._index_terms(text, entry.lang)
                everything |= terms
                for term in terms:
                    tf[term] += 1
        # IDF over entries: an id counts once whichever of its files holds the term
        count = max(len(self.topics), 1)
        self._idf: dict[Lang, dict[str, float]] = {}
        for lang in LANGS:
            df: dict[str, int] = defaultdict(int)
            for known in topic_terms[lang].values():
                for term in known:
                    df[term] += 1
            self._idf[lang] = {t: math.log(1 + count / n) for t, n in df.items()}
        self._rarest = math.log(1 + count)
        self._vocab = {lang: frozenset(self._idf[lang]) for lang in LANGS}
        # inverted index: term -> entries whose text holds it
        self._holders: dict[Lang, dict[str, frozenset[str]]] = {}
        for lang in LANGS:
            holders: dict[str, set[str]] = defaultdict(set)
            for topic, terms in topic_terms[lang].items():
                for term in terms:
                    holders[term].add(topic)
            self._holders[lang] = {t: frozenset(s) for t, s in holders.items()}
        # per entry file: its units' norms, smallest first, and term -> the units that hold it
        # (a bit per unit: see _closest)
        unit_norms: dict[tuple[str, Lang], list[tuple[float, int]]] = defaultdict(list)
        for number, (topic, lang, unit_terms) in enumerate(raw_units):
            norm = math.sqrt(sum(self._term_weight(t, lang) ** 2 for t in unit_terms)) or 1.0
            unit_norms[(topic, lang)].append((norm, number))
        self._files: dict[Lang, dict[str, _File]] = {lang: {} for lang in LANGS}
        for topic, lang in counts:
            norms = sorted(unit_norms.get((topic, lang), []))
            bits: dict[str, int] = defaultdict(int)
            for bit, (_, number) in enumerate(norms):
                for term in raw_units[number][2]:
                    bits[term] |= 1 << bit
            self._files[lang][topic] = _File(
                title=titles.get((topic, lang), frozenset()),
                units=dict(bits),
                norms=tuple(norm for norm, _ in norms),
            )
        # question word -> entry -> the share of its ways of asking that use it (its better file)
        self._asked: dict[str, dict[str, float]] = defaultdict(dict)
        for (topic, _), shares in sorted(question_kinds.items()):
            for kind, share in shares.items():
                self._asked[kind][topic] = max(self._asked[kind].get(topic, 0.0), share)
        self._asked = dict(self._asked)
        # BM25 over each file's fields (the counts above), term by term: the files that hold a
        # term, how often, and the count's saturating denominator (the count plus the file's
        # length normalisation); and the IDF
        self._postings: dict[Lang, dict[str, dict[str, tuple[int, float]]]] = {}
        self._bm25_idf: dict[Lang, dict[str, float]] = {lang: {} for lang in LANGS}
        for lang in LANGS:
            files = {topic: tf for (topic, file_lang), tf in counts.items() if file_lang == lang}
            postings: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)
            if files:
                average = sum(sum(tf.values()) for tf in files.values()) / len(files)
                for topic, tf in files.items():
                    length = sum(tf.values()) / average
                    normalised = K1 * (1 - B + B * length)
                    shared: dict[int, tuple[int, float]] = {}  # a pair per count: smaller pickle
                    for term, n in tf.items():
                        postings[term][topic] = shared.setdefault(n, (n, n + normalised))
                count = len(files)  # Lucene's IDF: never negative, however common the word
                self._bm25_idf[lang] = {
                    t: math.log(1 + (count - len(held) + 0.5) / (len(held) + 0.5))
                    for t, held in postings.items()
                }
            self._postings[lang] = dict(postings)

    # -- building ---------------------------------------------------------------------------

    def _index_terms(self, text: str, lang: Lang) -> set[str]:
        terms: set[str] = set()
        previous: str | None = None
        for word in words(text):
            if word in STOPWORDS[lang] or (word.isdigit() and len(word) < 4):
                previous = None
                continue
            word = SYNONYMS.get(word, word)
            key = stem(word, lang)
            terms.add(key)
            for part in self._split(word):  # compounds are also found by their parts
                terms.add(stem(part, lang))
            if previous is not None:
                terms.add(f"{previous}_{key}")
            previous = key
        return terms

    def _term_weight(self, term: str, lang: Lang) -> float:
        idf = self._idf[lang].get(term, self._rarest)
        if "_" in term:
            return idf * PAIR_FACTOR
        return idf * GENERAL_FACTOR if term in _GENERAL_KEYS[lang] else idf

    def _split(self, word: str) -> list[str]:
        """Parts of a German compound, each a known word; [] when it does not split."""
        if len(word) < 2 * MIN_PART:
            return []
        return list(_split_compound(word, self._parts))

    # -- querying ---------------------------------------------------------------------------

    def _query(self, question: str) -> tuple[list[_Term], float]:
        """The question's known terms, and how much of it is unknown (see :class:`Match`)."""
        terms: dict[tuple[str, ...], _Term] = {}
        unknown = 0.0
        previous: tuple[str, ...] | None = None
        marked = marked_words(question)
        foreign = self._foreign_names(marked)
        for position, (word, noun) in enumerate(marked):
            if is_stopword(word) or word in POSSESSIVE:
                previous = None
                continue
            if position in foreign:  # a name the content does not know ("United States")
                unknown += UNKNOWN_NOUN
                previous = None
                continue
            forms = self._forms(word)
            if forms is None:
                if 2 < len(word) <= MAX_WORD and not word.isdigit():  # not junk, not a number
                    factor = UNKNOWN_NOUN if noun else UNKNOWN_WORD
                    if position and marked[position - 1][0] in POSSESSIVE:
                        factor *= 2  # "my diet", "meiner Küche": the asker's own affairs
                    unknown += factor
                previous = None
                continue
            for keys in forms:
                self._add(terms, keys)
                if previous is not None and len(forms) == 1:
                    pair = tuple(f"{a}_{b}" for a, b in zip(previous, keys, strict=True))
                    self._add(terms, pair)
            previous = keys  # the last form's
        if any(word in ADDRESS for word, _ in marked):
            # in a private chat "you" is the bot: "Which languages do you speak?"
            self._add(terms, tuple(stem("bot", lang) for lang in LANGS))
        return list(terms.values()), unknown

    def _add(self, terms: dict[tuple[str, ...], _Term], keys: tuple[str, ...]) -> None:
        if keys in terms:
            return
        if keys in self._known_terms:
            term = self._known_terms[keys]
        else:
            term = self._term(keys)
            if len(self._known_terms) < MEMO:
                self._known_terms[keys] = term
        if term is not None:
            terms[keys] = term

    def _term(self, keys: tuple[str, ...]) -> _Term | None:
        """The query term of these keys (a stem per language); None when no language knows it."""
        known = [
            self._term_weight(key, lang) if key in self._vocab[lang] else None
            for key, lang in zip(keys, LANGS, strict=True)
        ]
        found = [w for w in known if w is not None]
        if not found:
            return None
        # known in one language only (an English question about "Aktionspläne"): the other
        # language weighs it as the one that knows it
        weights = tuple(w if w is not None else min(found) for w in known)
        general = any(k in _GENERAL_KEYS[lang] for k, lang in zip(keys, LANGS, strict=True))
        return _Term(keys, min(found), weights, general and "_" not in keys[0])

    def _foreign_names(self, marked: list[tuple[str, bool]]) -> set[int]:
        """Positions of words in a run of capitalised words that holds an unknown word.

        "the United States", "der Deutschen Bahn": a name the content does not know. Its other
        words ("States" ~ "state action") must not make the question look on topic.
        """
        foreign: set[int] = set()
        run: list[int] = []
        for position, (word, noun) in enumerate([*marked, ("", False)]):
            if noun and not is_stopword(word):
                run.append(position)
                continue
            if len(run) >= 2 and any(self._forms(marked[i][0]) is None for i in run):
                foreign.update(run)
            run = []
        return foreign

    def _known(self, word: str) -> bool:
        return word in self._words or any(stem(word, lang) in self._vocab[lang] for lang in LANGS)

    def _forms(self, word: str) -> tuple[tuple[str, ...], ...] | None:
        """The keys (a stem per language) of the known word(s) a query word stands for; None
        when it stays unknown."""
        if word not in self._word_forms:
            resolved = self._resolve(word)
            forms = None
            if resolved is not None:
                forms = tuple(tuple(stem(form, lang) for lang in LANGS) for form in resolved)
            if len(self._word_forms) < MEMO:  # people repeat their words
                self._word_forms[word] = forms
            return forms
        return self._word_forms[word]

    def _resolve(self, word: str) -> list[str] | None:
        """The known word(s) a query word stands for; None when it stays unknown."""
        word = SYNONYMS.get(word, word)
        if self._known(word):
            return [word]
        if word.isdigit():
            return None
        parts = self._split(word)
        if parts:
            return parts
        corrected = self._correct(word)
        return [corrected] if corrected else None

    def _correct(self, word: str) -> str | None:
        if len(word) < 5:
            return None
        if word in self._corrections:
            return self._corrections[word]
        size, limit = len(word), 1 if len(word) < 8 else 2
        if size not in self._near_length:  # the known words as long give or take the limit
            lengths = range(size - limit, size + limit + 1)
            known = chain.from_iterable(self._by_length.get(n, ()) for n in lengths)
            self._near_length[size] = sorted(known)  # in order: of equally close ones the first
        near = self._near_length[size]
        found = process.extractOne(word, near, scorer=OSA.distance, score_cutoff=limit)
        if len(self._corrections) < 65536:  # a bounded cache: people repeat their typos
            self._corrections[word] = found[0] if found else None
        return found[0] if found else None

    def search(self, question: str) -> list[Match]:
        """Entries ranked by score (best first); empty when no domain term of it is known.

        Entries that hold one of the question's domain terms (any of its terms when it has only
        everyday words) are found; BM25 over their fields picks the best :data:`CANDIDATES`,
        and only those are scored in full (everyday words have long posting lists).
        """
        terms, unknown = self._query(question)
        if not terms:
            return []
        kind = question_kind(question)
        against = unknown * UNKNOWN_SCORE * self._rarest**2
        squares = [t.weight**2 for t in terms]
        total = sum(squares) + against
        specific = [t for t in terms if not t.general]
        found: set[str] = set()
        for term in specific or terms:
            for key, lang in zip(term.keys, LANGS, strict=True):
                found |= self._holders[lang].get(key, frozenset())
        # BM25 for every entry found (cheap); the best few are scored in full
        bm25s = self._bm25(terms, unknown, found)
        candidates = sorted(bm25s, key=lambda topic: (-bm25s[topic], topic))[:CANDIDATES]
        held = self._held(terms, squares, candidates)
        # per language, the question's norm
        norms = [math.sqrt(sum(t.weights[i] ** 2 for t in terms) + against) for i in (0, 1)]
        files = [self._files[lang] for lang in LANGS]
        scored: list[tuple[str, float, tuple[float, ...]]] = []
        for topic in candidates:
            # each feature from the better of the entry's two files
            cover = evidence = best = titled = 0.0
            for i in range(len(LANGS)):
                terms_held = held[i].get(topic)
                if not terms_held:
                    continue
                file = files[i][topic]
                title, units_of = file.title, file.units
                covered = in_title = domain = 0.0
                holdings: list[tuple[int, float]] = []  # the file's units that hold each term
                for key, square, lang_square, specific_term in terms_held:
                    covered += square
                    if key in title:
                        in_title += square
                    if specific_term:
                        domain += 1.0
                    units = units_of.get(key)
                    if units:
                        holdings.append((units, lang_square))
                if covered > cover:
                    cover = covered
                if in_title > titled:
                    titled = in_title
                if domain > evidence:
                    evidence = domain
                if not holdings:
                    continue
                if len(holdings) == 1:  # most often: the units' closest is the smallest one
                    units, lang_square = holdings[0]
                    closest = lang_square / file.norms[_lowest(units)]
                else:
                    closest = _closest(file.norms, holdings)
                if closest:
                    closest /= norms[i]
                    if closest > best:
                        best = closest
            if not best:
                continue  # only the body shares words: never an answer on its own
            if not evidence and (unknown or best < CLOSE_UNIT):
                # everyday words only: an answer only when the question is one of the entry's
                # ways of asking, nearly word for word ("What data do you store about me?")
                continue
            asks = self._asked.get(kind, {}).get(topic, 0.0) if kind else 0
            features = (best, bm25s[topic], cover / total, titled / total, asks)
            scored.append((topic, evidence, features))
        return ranked(scored, unknown)

    def _bm25(self, terms: list[_Term], unknown: float, found: set[str]) -> dict[str, float]:
        """BM25 of each found entry's fields, as a share of the question's ceiling (every term
        at saturation); of the entry's two files the better one."""
        bm25s = dict.fromkeys(found, 0.0)
        saturation = K1 + 1
        for i, lang in enumerate(LANGS):
            idf, other_idf = self._bm25_idf[lang], self._bm25_idf[LANGS[1 - i]]
            weights, ceiling = [], 0.0
            for term in terms:
                weight = idf.get(term.keys[i], 0.0)
                factor = GENERAL_FACTOR if term.general else 1.0
                weights.append(weight * factor)
                # a term only the other language knows still counts in this file's ceiling: an
                # English question must not make a German file look complete for "ogp" alone
                ceiling += (weight or other_idf.get(term.keys[1 - i], 0.0)) * factor
            ceiling = (ceiling + unknown * UNKNOWN_SCORE * self._rarest) * saturation
            if not ceiling:
                continue
            values = dict.fromkeys(found, 0.0)
            postings, holders = self._postings[lang], self._holders[lang]
            for term, weight in zip(terms, weights, strict=True):
                if not weight:
                    continue  # adds nothing
                posting = postings[term.keys[i]]
                for topic in found.intersection(holders[term.keys[i]]):
                    count, saturating = posting[topic]
                    values[topic] += weight * count * saturation / saturating
            for topic, value in values.items():
                if value:
                    value /= ceiling
                    if value > bm25s[topic]:
                        bm25s[topic] = value
        return bm25s

    def _held(
        self, terms: list[_Term], squares: list[float], candidates: list[str]
    ) -> list[dict[str, list[_Held]]]:
        """Per language: the question's terms each candidate's file holds, in their order."""
        chosen = frozenset(candidates)
        held: list[dict[str, list[_Held]]] = []
        for i, lang in enumerate(LANGS):
            holders = self._holders[lang]
            by_topic: dict[str, list[_Held]] = {}
            for term, square in zip(terms, squares, strict=True):
                key = term.keys[i]
                holding = chosen.intersection(holders.get(key, ()))
                if holding:
                    item = (key, square, term.weights[i] ** 2, not term.general)
                    for topic in holding:
                        by_topic.setdefault(topic, []).append(item)
            held.append(by_topic)
        return held

    def language_votes(self, question: str) -> dict[Lang, int]:
        """Votes for each language: 2 for a function word only it uses ("what", "wie": they
        tell the sentence's language), 1 for a content word only its entries use ("founded",
        "Aktionsplan": an English question may name a German thing)."""
        votes: dict[Lang, int] = {"de": 0, "en": 0}
        for word in plain_words(question):
            stop_de, stop_en = word in STOPWORDS["de"], word in STOPWORDS["en"]
            if stop_de != stop_en:
                votes["de" if stop_de else "en"] += 2
                continue
            if stop_de:
                continue
            in_de = stem(word, "de") in self._vocab["de"]
            in_en = stem(word, "en") in self._vocab["en"]
            if in_de != in_en:
                votes["de" if in_de else "en"] += 1
        return votes


# one of the question's terms a file holds: its key, its weight squared, its weight in the file's
# language squared, and whether it is a domain term (see Index._held)
_Held = tuple[str, float, float, bool]


def _closest(norms: tuple[float, ...], holdings: list[tuple[int, float]]) -> float:
    """The largest dot product over norm between the question and one of a file's units (its
    title and ways of asking), given the units that hold each of the question's terms (a bit
    per unit, the smallest norm the lowest) and the term's weight squared.

    A unit's dot product with the question is the sum of the squared weights of the terms it
    holds. Units that hold the same of the question's terms have the same one, and of those the
    unit with the smallest norm is the closest: so rather than summing unit by unit, the units
    are split term by term into groups, each with its sum.
    """
    groups: list[tuple[int, float]] = []  # units, and the sum over the terms they hold
    touched = 0
    for holding, square in holdings:
        split: list[tuple[int, float]] = []
        for units, dot in groups:
            inside = units & holding
            if inside:
                split.append((inside, dot + square))
                if inside != units:
                    split.append((units ^ inside, dot))
            else:
                split.append((units, dot))
        fresh = holding & ~touched
        if fresh:
            split.append((fresh, 0.0 + square))
        touched |= holding
        groups = split
    return max(dot / norms[_lowest(units)] for units, dot in groups)


def _lowest(bits: int) -> int:
    """The position of the lowest bit set."""
    return (bits & -bits).bit_length() - 1


_GENERAL_KEYS: dict[Lang, frozenset[str]] = {
    lang: frozenset(stem(word, lang) for word in GENERAL) for lang in LANGS
}


@lru_cache(maxsize=4096)
def _split_compound(word: str, parts: frozenset[str]) -> tuple[str, ...]:
    """Longest known head first, then the rest recursively; a linking s/es/n may join them."""
    for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        head, tail = word[:cut], word[cut:]
        if head not in parts:
            continue
        if tail in parts:
            return (head, tail)
        for link in _LINKING:
            if tail.startswith(link) and tail[len(link) :] in parts:
                return (head, tail[len(link) :])
        rest = _split_compound(tail, parts) if len(tail) >= 2 * MIN_PART else ()
        if rest:
            return (head, *rest)
        for link in _LINKING:
            stripped = tail[len(link) :]
            if tail.startswith(link) and len(stripped) >= 2 * MIN_PART:
                rest = _split_compound(stripped, parts)
                if rest:
                    return (head, *rest)
    return ()
