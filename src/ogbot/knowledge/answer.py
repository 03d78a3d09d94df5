"""Question -> answer: ranks the topics, picks the language, says honestly when it does not know."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ogbot.knowledge.content import DEFAULT_VALUES, Library, load_library, plain_text
from ogbot.knowledge.index import THRESHOLD, Index
from ogbot.models import Answer, Lang, Link

if TYPE_CHECKING:
    from ogbot.config import Settings

MAX_QUESTION = 500  # characters considered; longer messages are cut, not rejected

# For questions the content does not cover: where to look, and whom to ask.
GENERAL_RESOURCES: tuple[Link, ...] = (
    Link("Open Government Netzwerk – Ressourcen", "https://opengovpartnership.de/ressourcen/"),
    Link(
        "Open Government – Bundesregierung", "https://www.open-government-deutschland.de/opengov-de"
    ),
    Link("Open Government in Kommunen", "http://open-government-kommunen.de/"),
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


def choose_language(votes: Mapping[Lang, int], client: str | None) -> Lang:
    """The question's language when clear, else the client's, else German."""
    if votes["de"] > votes["en"]:
        return "de"
    if votes["en"] > votes["de"]:
        return "en"
    if client:
        code = client.strip().lower()[:2]
        if code in ("de", "en"):
            return "de" if code == "de" else "en"
    return "de"


class Answerer:
    """Answers questions from one loaded library. Build once; ``answer`` is cheap and pure."""

    def __init__(self, library: Library, settings: AnswerSettings | None = None) -> None:
        self.library = library
        self.settings = settings or AnswerSettings()
        self.index = Index(library)

    @classmethod
    def load(
        cls, settings: AnswerSettings | None = None, directory: Path | None = None
    ) -> Answerer:
        settings = settings or AnswerSettings()
        return cls(load_library(directory, settings.values()), settings)

    def answer(self, question: str, client_lang: str | None = None) -> Answer:
        question = question[:MAX_QUESTION]
        lang = choose_language(self.index.language_votes(question), client_lang)
        matches = self.index.search(question)
        if not matches or matches[0].score < THRESHOLD:
            return self.unknown(lang)
        best = matches[0]
        entry = self.library.get(best.topic, lang)
        return Answer(
            text=plain_text(entry.body),
            matched=best.topic,
            confidence=min(best.score, 1.0),
            links=entry.links,
            lang=lang,
        )

    def unknown(self, lang: Lang) -> Answer:
        contact = Link(self.settings.contact, self.settings.contact_url)
        return Answer(
            text=_UNKNOWN[lang].format(**self.settings.values()),
            matched=None,
            confidence=0.0,
            links=(*GENERAL_RESOURCES, contact),
            lang=lang,
        )
