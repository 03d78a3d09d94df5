"""Live answers: questions about open consultations, deadlines and news, from the stored items.

"Wann endet die Konsultation zum Aktionsplan?" is not a question for the explainer: the answer is
in the store. :func:`intent` tells such questions apart from questions *about* consultations ("Was
ist eine Konsultation?", "How do I take part in one?": the knowledge base answers those) by the
words that ask about now: which, when, open, current, deadline, latest, lately; a question that
names one of the bot's commands ("Was macht /news?") is about the bot. The words left after the
intent's own are what the question is about ("zum Aktionsplan"); the store's full-text search finds
the items that match them, and when none do, the answer says so and lists what there is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Literal, Protocol

from ogbot.knowledge.text import STOPWORDS, fold
from ogbot.models import Lang, Link, long_date

LiveKind = Literal["consultations", "news"]
LIMIT = 5


class LiveItem(Protocol):
    """What a live answer reads of a stored item."""

    @property
    def title(self) -> str: ...
    @property
    def link(self) -> str: ...
    @property
    def shown_source(self) -> str: ...  # the name people see of the source
    @property
    def published(self) -> datetime: ...
    @property
    def deadline(self) -> date | None: ...


class LiveData(Protocol):
    """The stored items, as the store offers them."""

    def open_consultations(self, today: date, limit: int) -> Sequence[LiveItem]: ...
    def latest_items(self, limit: int, kind: str | None = None) -> Sequence[LiveItem]: ...
    def search_items(
        self, query: str, limit: int, kind: str | None = None
    ) -> Sequence[LiveItem]: ...


@dataclass(frozen=True)
class LiveQuestion:
    kind: LiveKind
    topic: str  # the words the question is about, "" when none


_CONSULTATION = re.compile(
    r"\b(konsultation\w*|kommentierung\w*|kommentierungsphase\w*|beteiligungsphase\w*|"
    r"beteiligungsverfahren|beteiligungsmoglichkeit\w*|open calls?|"
    r"bis wann .*kommentier\w*|kommentier\w* .*bis wann|"
    r"stellungnahme\w*|fristen|frist|consultations?|comment(ing)? periods?|public comments?|"
    r"calls? for (input|comments|ideas|proposals)|deadlines?)\b"
)
_NOW = re.compile(
    r"\b(offen|offene\w*|laufen\w*|lauft|aktuell\w*|gerade|grad|derzeit|zurzeit|momentan|jetzt|"
    r"wann|endet|enden|ende|schluss|welche\w*|gibt es|gibts|nachste\w*|kommend\w*|anstehend\w*|"
    r"bald|demnachst|heute|diese woche|diesen monat|vorbei|abgelaufen|open|current\w*|ongoing|"
    r"running|now|when|which|any|upcoming|next|ends?|ended|closes?|closed|closing|due|over|"
    r"expired|today|this (week|month)|still|noch|bis wann)\b"
)
_NEWS = re.compile(
    r"\b(neuigkeit\w*|news|nachricht\w*|neues|aktuelles|meldung\w*|"
    r"(zuletzt|kurzlich|neulich|recently|lately) .*(berichtet|gemeldet|reported|announced)|"
    r"updates?|what'?s new|whats new|latest (posts?|items?|entries|developments|on)|"
    r"anything new|neuigkeiten|was gibt'?s neues|what'?s happening|schlagzeilen|headlines|"
    r"neueste\w* (beitrag\w*|eintrag\w*|entwicklung\w*))\b"
)
# "Was hat sich in letzter Zeit getan?", "What happened recently?": news, though asked with "was
# ist" or "what is" (which otherwise ask for an explanation)
_LATELY = (
    r"(in letzter zeit|zuletzt|kurzlich|neulich|in den letzten (tagen|wochen)|recently|lately)"
)
_HAPPENED = r"(passiert|getan|geschehen|gelaufen|los|happened|happening|going on)"
_RECENT = re.compile(rf"\b{_LATELY}\b.*\b{_HAPPENED}\b|\b{_HAPPENED}\b.*\b{_LATELY}\b")
# "What's the deadline for comments on …?", "Wann ist Einsendeschluss?": the open ones' dates
_DEADLINE = re.compile(
    r"\b(what'?s|what is|when'?s|when is) the (deadline|closing date|end date)\b|"
    r"\b(wann|was) ist (die |der )?(frist|einsendeschluss|stichtag|abgabefrist)\b"
)
# "Wie lange läuft die Konsultation noch?": how long the open one still runs
_HOW_LONG_STILL = re.compile(
    r"\bwie lange\b.*\bnoch\b|\bhow (much )?long(er)?\b.*\b(still|left|open)\b"
)
# the bot's commands ("Was macht /news?"): a question about the bot, for the knowledge base
_COMMAND = re.compile(r"(^|\s)/[a-z]")
# asking how to get news or consultations is a question for the knowledge base (the bot's
# commands, subscriptions), not for the items themselves
_HOW = re.compile(
    r"\b(wie|wo|how|where|abonnier\w*|subscribe\w*|bekomm\w*|erhalt\w*|receive|get notified|"
    r"benachrichtig\w*|was ist|what is|was bedeutet|what does|was macht|erklar\w*|explain|"
    r"warum|why|teilnehmen|mitmachen|take part|participate|comment on)\b"
)
_TAKE_PART = (
    r"(kommentier\w*|mitreden|mitmachen|beteiligen|mitwirken|stellung nehmen|comment\w*|"
    r"participate|take part|have (my|a) say|give feedback|feedback geben)"
)
_RIGHT_NOW = (
    r"(gerade|grad|jetzt|aktuell|derzeit|zurzeit|momentan|right now|currently|at the moment|"
    r"this (week|month))"
)
_TAKE_PART_NOW = re.compile(
    rf"\b{_TAKE_PART}\b.*\b{_RIGHT_NOW}\b|\b{_RIGHT_NOW}\b.*\b{_TAKE_PART}\b|"
    # "Kann ich den Entwurf noch kommentieren?": commenting, still (not "noch mitmachen")
    r"\b(noch|still)\b.*\b(kommentier\w*|comment\w*)\b|\b(kommentier\w*|comment\w*)\b.*"
    r"\b(noch|still)\b"
)
_JOIN = re.compile(r"\b(netzwerk\w*|network|mitglied\w*|members?(hip)?|join\w*)\b")
_WHATS_NEW = re.compile(
    r"\b(was gibt'?s|was gibt es|was ist|was is|gibt es was|gibt es etwas|what'?s|what is|anything)"
    r" (neu|neues|new)\b"
)
_INTENT_WORDS = re.compile(
    rf"{_CONSULTATION.pattern}|{_NOW.pattern}|{_NEWS.pattern}|\b(zum|zur|zu|about|on|for|"
    r"uber|bei|gibt|es|there|is|are|the|die|der|das|den|dem|des|im|in|a|an)\b"
)


def intent(question: str) -> LiveQuestion | None:
    """The live question this is, or None for a question for the knowledge base."""
    text = fold(question).replace("’", "'")
    if _COMMAND.search(text):
        return None
    if _WHATS_NEW.search(text) or _RECENT.search(text):
        return LiveQuestion("news", _topic(question))
    consultation = _CONSULTATION.search(text)
    # "Wo kann ich gerade mitreden?": the open ones; "jetzt beim Netzwerk mitmachen" is joining
    if _TAKE_PART_NOW.search(text) and (consultation or not _JOIN.search(text)):
        return LiveQuestion("consultations", _topic(question))
    if _DEADLINE.search(text) or (consultation and _HOW_LONG_STILL.search(text)):
        return LiveQuestion("consultations", _topic(question))
    if _HOW.search(text):
        return None
    if consultation and _NOW.search(text):
        return LiveQuestion("consultations", _topic(question))
    if _NEWS.search(text):
        return LiveQuestion("news", _topic(question))
    return None


def _topic(question: str) -> str:
    """The words the question is about, as written ("zum Aktionsplan" -> "Aktionsplan")."""
    # "open data", "open government": the names of subjects, not "open" as in "still open"
    text = re.sub(r"\b(open)[ -](data|government|gov)\b", r"\1_\2", question, flags=re.IGNORECASE)
    text = re.sub(r"(?<=\w)['’](s|t|re|ve|ll|d|m)\b", "", text)  # "gibt's", "what's"
    kept = []
    for word in re.findall(r"[^\W]+", text):
        parts = word.split("_")
        folded = fold(parts[0])
        if len(parts) == 1 and (
            _INTENT_WORDS.fullmatch(folded)
            or folded in STOPWORDS["de"]
            or folded in STOPWORDS["en"]
            or folded.isdigit()
        ):
            continue
        kept.extend(parts)
    return " ".join(kept)


@dataclass(frozen=True)
class LiveAnswer:
    text: str
    links: tuple[Link, ...]


_TEXTS = {
    "de": {
        "consultations": "Offene Konsultationen",
        "consultations_topic": "Offene Konsultationen zu „{topic}“",
        "consultations_none": "Zurzeit kenne ich keine offene Konsultation.",
        "consultations_none_topic": "Zu „{topic}“ kenne ich zurzeit keine offene Konsultation.",
        "news": "Das Neueste",
        "news_topic": "Neues zu „{topic}“",
        "news_none": "Ich habe noch keine Meldungen gespeichert.",
        "news_none_topic": "Zu „{topic}“ habe ich nichts gefunden.",
        "deadline": "Frist: {date}",
        "no_deadline": "Frist unbekannt",
        "more": "Alle mit Fristen: /konsultationen · Suche: /suche",
        "more_news": "Mehr: /news · Suche: /suche",
    },
    "en": {
        "consultations": "Open consultations",
        "consultations_topic": "Open consultations on “{topic}”",
        "consultations_none": "I know of no open consultation right now.",
        "consultations_none_topic": "I know of no open consultation on “{topic}” right now.",
        "news": "The latest",
        "news_topic": "News on “{topic}”",
        "news_none": "I have no news stored yet.",
        "news_none_topic": "I found nothing on “{topic}”.",
        "deadline": "deadline: {date}",
        "no_deadline": "deadline unknown",
        "more": "All with deadlines: /consultations · Search: /search",
        "more_news": "More: /news · Search: /search",
    },
}


def answer(
    question: LiveQuestion, data: LiveData, lang: Lang, today: date, tz: tzinfo
) -> LiveAnswer:
    """The items that answer the question, as plain text with their links."""
    texts = _TEXTS[lang]
    key = question.kind  # "consultations" or "news": the texts' keys
    consultations = key == "consultations"
    items: Sequence[LiveItem] = []
    if question.topic:
        items = data.search_items(question.topic, 20, "consultation" if consultations else None)
        if consultations:
            items = [i for i in items if i.deadline is None or i.deadline >= today]
        items = items[:LIMIT]
    lines: list[str] = []
    if question.topic and items:
        lines.append(texts[f"{key}_topic"].format(topic=question.topic) + ":")
    else:
        if question.topic:
            lines.append(texts[f"{key}_none_topic"].format(topic=question.topic))
        items = list(
            data.open_consultations(today, LIMIT) if consultations else data.latest_items(LIMIT)
        )
        if items:
            lines.append(texts[key] + ":")
        elif not question.topic:
            lines.append(texts[f"{key}_none"])
    for item in items:
        if consultations:
            when = (
                texts["deadline"].format(date=long_date(item.deadline, lang))
                if item.deadline
                else texts["no_deadline"]
            )
        else:
            when = long_date(item.published.astimezone(tz).date(), lang)
        lines.append(f"• {item.title} ({item.shown_source}, {when})")
    lines.append(texts["more"] if consultations else texts["more_news"])
    links = tuple(Link(item.title, item.link) for item in items if item.link)
    return LiveAnswer("\n".join(lines), links)
