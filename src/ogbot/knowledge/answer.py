"""Question -> answer: small talk, live data, or the best entry; honest when it does not know.

In this order: small talk (a greeting, thanks, "who are you", an injection attempt: a short reply,
never the "not known" text); a question about open consultations or news (answered from the
stored items, :mod:`ogbot.knowledge.live`); a question for the knowledge base, ranked by the
:class:`~ogbot.knowledge.index.Index`. Whether the best entry answers is decided by
:func:`acceptance`, the probability that it is right: from :data:`ACCEPT` it answers, and entries
close behind it are offered as buttons ("or did you mean …"); from :data:`OFFER` the closest
entries are offered instead of guessing ("did you mean …?"); below, the bot says it does not
know and where to look. The answer's language is the question's when it is clear, else the
client's, else German.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ogbot.knowledge import live, smalltalk
from ogbot.knowledge.content import (
    DEFAULT_VALUES,
    Library,
    default_content_dir,
    load_library,
    plain_text,
)
from ogbot.knowledge.index import Index
from ogbot.knowledge.ranking import Match, logistic
from ogbot.models import Answer, Choice, Lang, Link

if TYPE_CHECKING:
    from ogbot.config import Settings

MAX_QUESTION = 500  # characters considered; longer messages are cut, not rejected
ACCEPT = 0.4  # from this probability that the best entry is right, it answers
OFFER = 0.25  # from here up to ACCEPT: "did you mean …?" instead of an answer
OFFER_SPREAD = 0.3  # offered entries score at most this much below the best
CLOSE = 0.1  # beside an answer, entries this close behind the best are offered as buttons
# bias, then the weights of acceptance_inputs; fitted by `bench/evaluate.py --fit`
ACCEPTANCE = (-3.39, 0.22, -0.19, 1.36, 4.69, 0.74, -2.45)
MAX_CHOICES = 3

# For questions the content does not cover: where to look, and whom to ask.
GENERAL_RESOURCES: tuple[Link, ...] = (
    Link("Open Government Netzwerk – Ressourcen", "https://opengovpartnership.de/ressourcen/"),
    Link(
        "Open Government – Bundesregierung", "https://www.open-government-deutschland.de/opengov-de"
    ),
    Link("Open Government in Kommunen (Archiv)", "https://open-government-kommunen.de/"),
    Link("Open Government Partnership", "https://www.opengovpartnership.org/"),
)

_UNKNOWN = {
    "de": (
        "Dazu weiß ich leider nichts. Ich beantworte Fragen zu Open Government, zur Open "
        "Government Partnership (OGP), zu den Nationalen Aktionsplänen und zum Open Government "
        "Netzwerk – zum Beispiel „Was ist Open Government?“ oder „Wie kann ich mich an einem "
        "Aktionsplan beteiligen?“. Weiterlesen kannst du bei den Links unten; das Netzwerk "
        "erreichst du über {contact} ({contact_url})."
    ),
    "en": (
        "Sorry, I don't know about that. I answer questions about Open Government, the Open "
        "Government Partnership (OGP), Germany's national action plans and the Open Government "
        "network – for example “What is Open Government?” or “How can I take part in an action "
        "plan?”. The links below are good places to read on; you can reach the network at "
        "{contact} ({contact_url})."
    ),
}


@dataclass(frozen=True)
class AnswerSettings:
    contact: str = DEFAULT_VALUES["contact"]
    contact_url: str = DEFAULT_VALUES["contact_url"]
    site_url: str = DEFAULT_VALUES["site_url"]

    def values(self) -> Mapping[str, str]:
        return {"contact": self.contact, "contact_url": self.contact_url, "site_url": self.site_url}

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerSettings:
        return cls(
            contact=settings.publish.contact,
            contact_url=settings.publish.contact_url,
            site_url=settings.site_url,
        )


_SMALLTALK = {
    "de": {
        "greeting": "Hallo! Ich beantworte Fragen zu Open Government, zur OGP, zu den "
        "Aktionsplänen und zum Netzwerk – frag einfach, z. B. „Was ist die OGP?“",
        "thanks": "Gern geschehen! Wenn du noch etwas wissen willst, frag einfach.",
        "goodbye": "Tschüss – bis zum nächsten Mal!",
        "who": "Ich bin der Bot des Open Government Netzwerks ({contact}): Ich beantworte Fragen "
        "zu Open Government und melde Neuigkeiten und Konsultationen.",
        "help": "Frag mich etwas zu Open Government, zur OGP, zu den Aktionsplänen oder zum "
        "Netzwerk – oder nutze /news, /konsultationen, /suche und /subscribe.",
        "insult": "Schade, dass ich dir nicht helfen konnte. Sag mir gern genauer, was du suchst.",
        "injection": "Ich bleibe bei meinem Thema: Open Government, die OGP und das Netzwerk. "
        "Was möchtest du darüber wissen?",
    },
    "en": {
        "greeting": "Hello! I answer questions about Open Government, the OGP, Germany's action "
        "plans and the network – just ask, e.g. “What is the OGP?”",
        "thanks": "You're welcome! If there's anything else you'd like to know, just ask.",
        "goodbye": "Bye – see you next time!",
        "who": "I'm the bot of the German Open Government network ({contact}): I answer "
        "questions about Open Government and pass on news and consultations.",
        "help": "Ask me about Open Government, the OGP, Germany's action plans or the network – "
        "or use /news, /consultations, /search and /subscribe.",
        "insult": "Sorry I couldn't help. Tell me a bit more about what you're looking for.",
        "injection": "I'll stick to my subject: Open Government, the OGP and the network. "
        "What would you like to know about them?",
    },
}
_CHOICE_TEXT = {"de": "Meintest du eine dieser Fragen?", "en": "Did you mean one of these?"}


def client_language(client: str | None) -> Lang | None:
    if client:
        code = client.strip().lower()[:2]
        if code in ("de", "en"):
            return "de" if code == "de" else "en"
    return None


def choose_language(votes: Mapping[Lang, int], client: str | None) -> Lang:
    """The question's language when clear, else the client's, else German.

    Clear means: without a client language, more votes for one language than for the other
    (:meth:`Index.language_votes`); with one, a lead of at least 2, one function word
    ("twitter handle?" from an English client stays English, "was is open goverment" from a
    German one German).
    """
    known = client_language(client)
    margin = 1 if known is None else 2
    if votes["de"] - votes["en"] >= margin:
        return "de"
    if votes["en"] - votes["de"] >= margin:
        return "en"
    return known or "de"


def _fingerprint(directory: Path | None, settings: AnswerSettings) -> str:
    """What the index depends on: the content's files, the settings, the engine's own files."""
    digest = hashlib.sha256(repr(sorted(settings.values().items())).encode())
    content = directory or default_content_dir()
    for path in sorted(content.glob("*/*.md")):
        digest.update(path.name.encode() + path.read_bytes())
    package = resources.files("ogbot.knowledge")
    for name in ("index.py", "text.py", "content.py", "general_words.txt"):
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()[:20]


def acceptance_inputs(matches: list[Match]) -> list[float]:
    """What decides whether the best entry answers: its ranking score, its lead over the next,
    the share of the question its text covers, its closest way of asking, the question's domain
    evidence less what no entry knows of it, and that unknown part alone."""
    best = matches[0]
    second = matches[1].score if len(matches) > 1 else 0.0
    return [
        best.score,
        best.score - second,
        best.features[2],
        best.features[0],
        best.evidence - best.unknown,
        best.unknown,
    ]


def acceptance(matches: list[Match]) -> float:
    """The probability that the best entry answers the question right (0 when there is none).

    A logistic model over :func:`acceptance_inputs`, fitted on the development set (the only set
    tuned on) by ``bench/evaluate.py --fit``: it learned when the best entry is not good enough,
    which is also how off-topic questions are refused. It is the answer's ``confidence``.
    """
    return logistic(ACCEPTANCE, acceptance_inputs(matches)) if matches else 0.0


@dataclass(frozen=True)
class Pending:
    """A question the stored items answer (open consultations, news), in the answer's language."""

    question: live.LiveQuestion
    lang: Lang


class _NoItems:
    """Live data of an ogbot that has stored nothing (``ogbot ask`` without a database)."""

    def open_consultations(self, today: date, limit: int) -> list[live.LiveItem]:
        return []

    def latest_items(self, limit: int, kind: str | None = None) -> list[live.LiveItem]:
        return []

    def search_items(self, query: str, limit: int, kind: str | None = None) -> list[live.LiveItem]:
        return []


class Answerer:
    """Answers questions from one loaded library. Build once; ``answer`` is cheap and pure."""

    def __init__(
        self, library: Library, settings: AnswerSettings | None = None, index: Index | None = None
    ) -> None:
        self.library = library
        self.settings = settings or AnswerSettings()
        self.index = index or Index(library)
        self._texts: dict[tuple[str, Lang], str] = {}  # each entry's answer, once made plain

    def _text(self, topic: str, lang: Lang) -> str:
        """The entry's body as the answer's plain text."""
        text = self._texts.get((topic, lang))
        if text is None:
            text = self._texts[(topic, lang)] = plain_text(self.library.get(topic, lang).body)
        return text

    @classmethod
    def load(
        cls,
        settings: AnswerSettings | None = None,
        directory: Path | None = None,
        cache: Path | None = None,
    ) -> Answerer:
        """The answerer of the content in ``directory`` (the shipped content by default).

        With ``cache`` (a directory ogbot may write, e.g. ``$OGBOT_DATA_DIR/cache``), the loaded
        content and its index are kept there and reused while the content, the settings and the
        engine's own files are unchanged: building the index is most of ``ogbot ask``'s start.
        """
        settings = settings or AnswerSettings()
        if cache is None:
            return cls(load_library(directory, settings.values()), settings)
        path = cache / f"answers-{_fingerprint(directory, settings)}.pickle"
        try:
            with path.open("rb") as file:
                library, index = pickle.load(file)  # noqa: S301 - ogbot's own file, own data dir
            if isinstance(library, Library) and isinstance(index, Index):
                return cls(library, settings, index)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError, TypeError):
            pass  # absent, unreadable or from another version: build it
        answerer = cls(load_library(directory, settings.values()), settings)
        try:
            cache.mkdir(mode=0o700, parents=True, exist_ok=True)
            for old in cache.glob("answers-*.pickle"):
                old.unlink(missing_ok=True)
            fd, temp = tempfile.mkstemp(dir=cache, suffix=".tmp")
            with os.fdopen(fd, "wb") as file:
                pickle.dump((answerer.library, answerer.index), file, pickle.HIGHEST_PROTOCOL)
            Path(temp).replace(path)
        except OSError:
            pass  # a read-only data directory: no cache, the next start builds again
        return answerer

    def language(self, question: str, client_lang: str | None) -> Lang:
        return choose_language(self.index.language_votes(question), client_lang)

    def prepare(self, question: str, client_lang: str | None = None) -> Answer | Pending:
        """The answer, or, for a question about open consultations or news, what the stored
        items must answer (:meth:`answer_live`, where the store is: its own thread in the bot)."""
        question = question[:MAX_QUESTION]
        talk = smalltalk.recognise(question)
        if talk:
            lang = talk.lang or self.language(question, client_lang)
            text = _SMALLTALK[lang][talk.kind].format(**self.settings.values())
            return Answer(text, f"smalltalk:{talk.kind}", 1.0, (), lang)
        question = smalltalk.strip(question) or question
        lang = self.language(question, client_lang)
        asked = live.intent(question)
        if asked:
            return Pending(asked, lang)
        return self.from_entries(self.index.search(question), lang)

    def answer_live(
        self,
        pending: Pending,
        data: live.LiveData | None,
        now: datetime | None = None,
        tz: tzinfo = UTC,
    ) -> Answer:
        """The stored items (``data``: the store; None when there is none) that answer a
        :class:`Pending` question; deadlines are local days in ``tz``."""
        today = (now or datetime.now(UTC)).astimezone(tz).date()
        found = live.answer(pending.question, data or _NoItems(), pending.lang, today, tz)
        return Answer(found.text, f"live:{pending.question.kind}", 1.0, found.links, pending.lang)

    def answer(
        self,
        question: str,
        client_lang: str | None = None,
        data: live.LiveData | None = None,
        now: datetime | None = None,
        tz: tzinfo = UTC,
    ) -> Answer:
        """The answer to one question. ``data`` (the store) serves questions about open
        consultations and news; ``now`` and ``tz`` date them (deadlines are local days)."""
        prepared = self.prepare(question, client_lang)
        if isinstance(prepared, Pending):
            return self.answer_live(prepared, data, now, tz)
        return prepared

    def from_entries(self, matches: list[Match], lang: Lang) -> Answer:
        if not matches:
            return self.unknown(lang)
        best = matches[0]
        probability = acceptance(matches)
        if probability < OFFER:
            return self.unknown(lang)
        if probability < ACCEPT:
            close = [m for m in matches[:MAX_CHOICES] if m.score >= best.score - OFFER_SPREAD]
            return self.choices(close, lang)
        entry = self.library.get(best.topic, lang)
        others = tuple(
            Choice(m.topic, self.library.get(m.topic, lang).title)
            for m in matches[1:MAX_CHOICES]
            if m.score >= best.score - CLOSE
        )
        return Answer(
            text=self._text(best.topic, lang),
            matched=best.topic,
            confidence=round(probability, 3),
            links=entry.links,
            lang=lang,
            choices=others,
        )

    def choices(self, matches: list[Match], lang: Lang) -> Answer:
        """Not sure: the closest entries as choices, with the general resources."""
        offered = tuple(Choice(m.topic, self.library.get(m.topic, lang).title) for m in matches)
        lines = [_CHOICE_TEXT[lang], *(f"• {choice.title}" for choice in offered)]
        unknown = self.unknown(lang)
        return Answer("\n".join(lines), None, 0.0, unknown.links, lang, offered)

    def entry_answer(self, topic: str, lang: Lang) -> Answer | None:
        """The answer of one entry (a choice the asker picked); None for an unknown id."""
        if (topic, lang) not in self.library.entries:
            return None
        entry = self.library.get(topic, lang)
        return Answer(self._text(topic, lang), topic, 1.0, entry.links, lang)

    def unknown(self, lang: Lang) -> Answer:
        contact = Link(self.settings.contact, self.settings.contact_url)
        return Answer(
            text=_UNKNOWN[lang].format(**self.settings.values()),
            matched=None,
            confidence=0.0,
            links=(*GENERAL_RESOURCES, contact),
            lang=lang,
        )
