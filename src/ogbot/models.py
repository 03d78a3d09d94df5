"""Typed values that cross stages. Each stage's own values live beside the stage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Lang = Literal["de", "en"]


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Choice:
    """An entry the bot offers when a question is close to more than one ("Meintest du …?")."""

    id: str
    title: str


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question.

    ``text`` is plain text without markup or links; ``links`` are where to read on (for an
    unknown question: the general resources and the contact). ``matched`` is the entry id that
    answered, ``"smalltalk:<kind>"`` or ``"live:<kind>"``, None when the bot does not know;
    ``confidence`` is 0-1 (0 when unmatched). ``choices`` are entries the question is also close
    to: with an answer, "or did you mean …"; without one (``matched`` None), "did you mean …?".
    """

    text: str
    matched: str | None
    confidence: float
    links: tuple[Link, ...]
    lang: Lang
    choices: tuple[Choice, ...] = ()

    @property
    def sources(self) -> list[str]:
        return [link.url for link in self.links]

    def plain(self) -> str:
        """The answer as one plain-text message, naming where to read on."""
        if not self.links:
            return self.text
        label = "Mehr dazu" if self.lang == "de" else "Read more"
        return f"{self.text}\n\n{label}: " + " · ".join(link.url for link in self.links)

    def as_json(self) -> dict[str, object]:
        return {
            "answer": self.plain(),
            "matched": self.matched,
            "confidence": round(self.confidence, 3),
            "sources": self.sources,
            "lang": self.lang,
        }


@dataclass(frozen=True)
class Announcement:
    """The coordinator's announcement: plain text, published to the channel and the feeds.

    ``published`` is when it went (or goes) out, aware UTC; it dates the feed entry.
    """

    id: int
    text: str
    created: datetime
    published: datetime
    author: str  # "shell" for `ogbot announce`, else the coordinator's Telegram name


def long_date(day: date, lang: Lang = "de") -> str:
    """A calendar date in long form, as people read it: "15. Dezember 2026" (de), "15 December
    2026" (en). The one spelling of dates in posts, answers, lists and the page."""
    if lang == "de":
        return f"{day.day}. {_MONTHS_DE[day.month - 1]} {day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


_MONTHS_DE = (
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)
_MONTHS_EN = (
    "January February March April May June July August September October November December".split()
)
