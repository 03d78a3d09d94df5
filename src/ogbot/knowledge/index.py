"""A ranked index over the explainer content, for both languages at once.

Every topic is indexed through its German and its English entry: the title and each example
question are *units* a question can resemble closely; tags, title, questions and body together
are the topic's *text*, evidence that the question's words belong to the topic. A question is
read as words (folded, stop words of both languages dropped), each stemmed with the German and
with the English Snowball stemmer, so an English question about "Aktionspläne" meets the German
entry. A word the content does not know is first split as a German compound against the
content's vocabulary ("Bürgerbeteiligungsverfahren" -> bürger + beteiligung + verfahren), then
corrected to the nearest known word when it is a plausible typo (Damerau-Levenshtein through
``rapidfuzz``, the only module that imports it; C++ and fast enough to search the vocabulary per
word well inside a millisecond). Words that stay unknown keep a high weight: they pull a
question away from every topic, which is what makes "What is a neural network?" not match.

Score of a topic = 0.6 x the best cosine between the question and one of its units (IDF-weighted,
binary term frequency) + 0.4 x the share of the question's weight the topic's text covers. The
score is the answer's confidence; below :data:`THRESHOLD` the bot says it does not know.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ogbot.knowledge.content import Entry
from ogbot.knowledge.text import (
    FILLERS,
    LANGS,
    STOPWORDS,
    Lang,
    is_stopword,
    marked_words,
    stem,
    words,
)

THRESHOLD = 0.32
UNIT_WEIGHT = 0.6
NOUN_EXTRA = 1.5  # extra weight of an unknown capitalised word over the rarest known word
FUNCTION_MATCH = 0.6  # confidence of a question of function words only that equals an example
MIN_PART = 4  # shortest word a compound is split into
_LINKING = ("s", "es", "n", "en", "e")  # German Fugenelemente


@dataclass(frozen=True)
class Match:
    topic: str
    score: float


@dataclass(frozen=True)
class _Unit:
    topic: str
    lang: Lang
    terms: frozenset[str]
    norm: float


@dataclass(frozen=True)
class _Term:
    """One query word (or compound part): its stem and weight in each language's index.

    ``weight`` is the language-neutral weight used for coverage; ``weights`` are per language,
    so a cosine against a German unit uses German IDF on both sides and never exceeds 1.
    """

    stems: tuple[tuple[Lang, str], ...]
    weight: float
    weights: tuple[float, ...]


class Index:
    def __init__(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        self.topics = sorted({entry.id for entry in entries})
        # raw folded words of the content: the vocabulary for compounds and typos
        vocabulary: set[str] = set()
        for entry in entries:
            for text in (entry.title, entry.body, *entry.questions, *entry.tags):
                vocabulary.update(w for w in words(text) if not is_stopword(w) and not w.isdigit())
        self._words = frozenset(vocabulary)
        self._word_list = sorted(w for w in vocabulary if len(w) >= MIN_PART)
        self._parts = frozenset(self._word_list)

        topic_terms: dict[Lang, dict[str, set[str]]] = {lang: defaultdict(set) for lang in LANGS}
        raw_units: list[tuple[str, Lang, set[str]]] = []
        # example questions made of function words only ("What do you do?"), by their words
        self._function_questions: dict[frozenset[str], str] = {}
        for entry in entries:
            lang = entry.lang
            everything = topic_terms[lang][entry.id]
            for text in (entry.title, *entry.questions, *entry.tags):
                terms = self._index_terms(text, lang)
                if terms:
                    raw_units.append((entry.id, lang, terms))
                    everything |= terms
                else:
                    key = frozenset(words(text)) - FILLERS
                    if key:
                        self._function_questions.setdefault(key, entry.id)
            everything |= self._index_terms(entry.body, lang)
        self._topic_terms = {
            lang: {topic: frozenset(terms) for topic, terms in by_topic.items()}
            for lang, by_topic in topic_terms.items()
        }
        count = max(len(self.topics), 1)
        self._idf: dict[Lang, dict[str, float]] = {}
        for lang in LANGS:
            df: dict[str, int] = defaultdict(int)
            for known in self._topic_terms[lang].values():
                for term in known:
                    df[term] += 1
            self._idf[lang] = {t: math.log(1 + count / n) for t, n in df.items()}
        # A word the content never uses: a noun or name weighs more than the rarest known word,
        # a lower-case word (mostly verbs and adjectives of everyday language) about as much.
        self._unknown_noun = math.log(1 + count) + NOUN_EXTRA
        self._unknown_word = math.log(1 + count)
        self._vocab = {lang: frozenset(self._idf[lang]) for lang in LANGS}
        self._units = [
            _Unit(topic, lang, frozenset(terms), self._norm(terms, lang))
            for topic, lang, terms in raw_units
            if terms
        ]
        self._units_by_topic: dict[str, list[_Unit]] = defaultdict(list)
        for unit in self._units:
            self._units_by_topic[unit.topic].append(unit)

    # -- building ---------------------------------------------------------------------------

    def _index_terms(self, text: str, lang: Lang) -> set[str]:
        terms: set[str] = set()
        for word in words(text):
            if word in STOPWORDS[lang]:
                continue
            terms.add(stem(word, lang))
            for part in self._split(word):  # compounds are also found by their parts
                terms.add(stem(part, lang))
        return terms

    def _norm(self, terms: Iterable[str], lang: Lang) -> float:
        idf = self._idf[lang]
        return math.sqrt(sum(idf.get(t, self._unknown_noun) ** 2 for t in terms)) or 1.0

    def _split(self, word: str) -> list[str]:
        """Parts of a German compound, each a known word; [] when it does not split."""
        if len(word) < 2 * MIN_PART:
            return []
        return list(_split_compound(word, self._parts))

    # -- querying ---------------------------------------------------------------------------

    def _query_terms(self, question: str) -> list[_Term]:
        seen: set[tuple[tuple[Lang, str], ...]] = set()
        terms: list[_Term] = []
        marked = marked_words(question)
        foreign = self._foreign_names(marked)
        for position, (word, noun) in enumerate(marked):
            if is_stopword(word):
                continue
            for form in [word] if position in foreign else self._resolve(word):
                if position in foreign:  # never matches: a name the content does not know
                    stems = tuple((lang, f"\0{form}") for lang in LANGS)
                else:
                    stems = tuple((lang, stem(form, lang)) for lang in LANGS)
                if stems in seen:
                    continue
                known = [self._idf[lang].get(s) for lang, s in stems]
                found = [w for w in known if w is not None]
                if not found:
                    if len(form) <= 2:  # "ab", "zu", a stray letter: no evidence either way
                        continue
                    unknown = self._unknown_noun if noun else self._unknown_word
                    terms.append(_Term(stems, unknown, (unknown,) * len(stems)))
                else:
                    # known in one language only (an English question about "Aktionspläne"):
                    # the other language weighs it as its own language does
                    average = sum(found) / len(found)
                    per_lang = tuple(w if w is not None else average for w in known)
                    terms.append(_Term(stems, average, per_lang))
                seen.add(stems)
        return terms

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
            if len(run) >= 2 and any(not self._known(marked[i][0]) for i in run):
                foreign.update(run)
            run = []
        return foreign

    def _known(self, word: str) -> bool:
        return word in self._words or any(stem(word, lang) in self._vocab[lang] for lang in LANGS)

    def _resolve(self, word: str) -> list[str]:
        """The known word(s) a query word stands for; the word itself when unknown."""
        if self._known(word) or word.isdigit():
            return [word]
        parts = self._split(word)
        if parts:
            return parts
        corrected = self._correct(word)
        return [corrected] if corrected else [word]

    def _correct(self, word: str) -> str | None:
        if len(word) < 5:
            return None
        limit = 1 if len(word) < 8 else 2
        found = process.extractOne(word, self._word_list, scorer=OSA.distance, score_cutoff=limit)
        return found[0] if found else None

    def search(self, question: str) -> list[Match]:
        """Topics ranked by score (best first); empty when no word of the question is known."""
        terms = self._query_terms(question)
        if not terms:
            topic = self._function_questions.get(frozenset(words(question)) - FILLERS)
            return [Match(topic, FUNCTION_MATCH)] if topic else []
        total = sum(t.weight**2 for t in terms)
        norm_q = [math.sqrt(sum(t.weights[i] ** 2 for t in terms)) for i in range(len(LANGS))]
        matches = []
        for topic in self.topics:
            covered = 0.0
            for term in terms:
                if any(s in self._topic_terms[lang].get(topic, ()) for lang, s in term.stems):
                    covered += term.weight**2
            if not covered:
                continue
            best = 0.0
            for unit in self._units_by_topic[topic]:
                i = LANGS.index(unit.lang)
                dot = sum(term.weights[i] ** 2 for term in terms if term.stems[i][1] in unit.terms)
                if dot:
                    best = max(best, dot / (norm_q[i] * unit.norm))
            if not best:
                # only the body shares a word: supporting evidence, never an answer on its own
                continue
            score = UNIT_WEIGHT * best + (1 - UNIT_WEIGHT) * covered / total
            matches.append(Match(topic, round(score, 4)))
        matches.sort(key=lambda m: (-m.score, m.topic))
        return matches

    def language_votes(self, question: str) -> dict[Lang, int]:
        """How many words of the question only German, or only English, would use."""
        votes: dict[Lang, int] = {"de": 0, "en": 0}
        for word in words(question):
            in_de = word in STOPWORDS["de"] or stem(word, "de") in self._vocab["de"]
            in_en = word in STOPWORDS["en"] or stem(word, "en") in self._vocab["en"]
            if in_de and not in_en:
                votes["de"] += 1
            elif in_en and not in_de:
                votes["en"] += 1
        return votes


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
