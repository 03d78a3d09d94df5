"""Typed values that cross stages (as reader's ``_types``): what an item is, what the store keeps,
what a cycle reports, the kinds and states of posts, and the one clock. This module imports no
other part of ogbot; each stage's private values live beside the stage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

Lang = Literal["de", "en"]
Kind = Literal["news", "consultation"]
PostKind = Literal["item", "digest", "announcement", "reminder"]
PostState = Literal[
    "pending", "sending", "sent", "merged", "failed", "unknown", "expired", "deleted"
]
AnnouncementState = Literal["scheduled", "published", "cancelled", "missed", "deleted"]
DraftState = Literal["open", "sent", "scheduled", "cancelled"]
# why a source's next fetch is when it is: its interval, the backoff after failures, or the server
DueReason = Literal["interval", "backoff", "retry-after", "max-age", "expires"]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The clock ogbot runs on: aware UTC. Tests inject their own :data:`Clock`."""
    return datetime.now(UTC)


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
class Validators:
    """What a conditional GET sends back: ETag and Last-Modified of the last good answer."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Item:
    """An entry classified and ready to store."""

    source: str
    guid: str
    link: str
    key: str  # the normalised link: one story, one item, across sources
    title: str
    summary: str
    content_html: str
    published: datetime  # aware UTC; the first-seen time when the source gave none
    date_known: bool
    categories: tuple[str, ...]
    author: str | None
    kind: Kind
    deadline: date | None
    deadline_guessed: bool  # the source gave no year: the next such day was assumed


@dataclass(frozen=True)
class SourceReport:
    """What one source did in a cycle: counts, or the error."""

    name: str
    new: int = 0
    updated: int = 0
    error: str | None = None
    not_modified: bool = False
    skipped: bool = False  # not due (interval or backoff) or paused
    new_ids: tuple[int, ...] = ()  # the stored items, for publishing
    updated_ids: tuple[int, ...] = ()

    def line(self) -> str:
        if self.error:
            return f"{self.name}: error: {self.error}"
        if self.skipped:
            return f"{self.name}: skipped (not due)"
        extra = " (not modified)" if self.not_modified else ""
        return f"{self.name}: {self.new} new, {self.updated} updated{extra}"


@dataclass(frozen=True)
class CycleReport:
    started: datetime
    finished: datetime
    sources: tuple[SourceReport, ...] = field(default_factory=tuple)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def updated(self) -> int:
        return sum(s.updated for s in self.sources)

    @property
    def new_ids(self) -> tuple[int, ...]:
        return tuple(i for s in self.sources for i in s.new_ids)

    @property
    def updated_ids(self) -> tuple[int, ...]:
        return tuple(i for s in self.sources for i in s.updated_ids)

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.error]


@dataclass(frozen=True)
class SourceState:
    name: str
    url: str
    fetch_url: str | None
    validators: Validators
    first_success: datetime | None
    last_fetch: datetime | None
    last_success: datetime | None
    last_status: str | None
    last_error: str | None
    failures: int
    failing_since: datetime | None
    next_due: datetime | None
    paused: bool
    items: int = 0
    due_reason: DueReason | None = None  # why next_due is when it is (None: not recorded)

    def due(self, now: datetime) -> bool:
        return not self.paused and (self.next_due is None or self.next_due <= now)

    @property
    def due_why(self) -> str | None:
        """Why the next fetch is at ``next_due``, as ``ogbot sources`` and /healthz say it:
        "interval", "backoff after 2 failures", "Retry-After", "Cache-Control max-age",
        "Expires"."""
        if self.due_reason == "backoff":
            return f"backoff after {self.failures} failure{'' if self.failures == 1 else 's'}"
        return DUE_REASONS[self.due_reason] if self.due_reason else None


DUE_REASONS: dict[DueReason, str] = {
    "interval": "interval",
    "backoff": "backoff",
    "retry-after": "Retry-After",
    "max-age": "Cache-Control max-age",
    "expires": "Expires",
}


@dataclass(frozen=True)
class NextFetch:
    """When a source is fetched again, and why (:func:`ogbot.watch.backoff.next_fetch`)."""

    at: datetime
    reason: DueReason


@dataclass(frozen=True)
class StoredItem:
    id: int
    source: str
    link: str
    title: str
    summary: str
    content_html: str
    published: datetime
    date_known: bool
    categories: tuple[str, ...]
    author: str | None
    kind: Kind
    deadline: date | None
    deadline_guessed: bool
    first_seen: datetime
    updated_at: datetime
    backlog: bool
    # the source's display name: ``[[sources]] title``, else the feed's own title; "" when
    # neither is known
    source_title: str = ""

    @property
    def shown_source(self) -> str:
        """The name people see of the item's source: its display name, else its configured
        name (raw text: clean it to show it)."""
        return self.source_title or self.source


@dataclass(frozen=True)
class StoredAnnouncement:
    id: int
    text: str
    author: str
    created: datetime
    publish_at: datetime
    state: AnnouncementState
    published: datetime | None
    # the coordinator's formatting as Telegram HTML (checked; None: plain text), the photo's
    # Telegram file id and its copy in ``public/media/`` (None: no picture), the last correction
    html: str | None = None
    photo: str | None = None
    image: str | None = None
    edited: datetime | None = None


# the bot as the running service knows it: no token (off), not reached yet (starting), online (on)
TelegramState = Literal["off", "starting", "on"]


@dataclass(frozen=True)
class ServiceHealth:
    """What only the running service knows, for /healthz (the web stage cannot ask the bot).

    ``refused``: why Telegram refuses the token or the channel, until a post goes through again;
    ``failed_jobs``: a job's name and the database error it last failed with, until it succeeds;
    ``outbox_moved``: the last time a post left the outbox or none was due (None: not yet)."""

    telegram: TelegramState = "off"
    refused: str | None = None
    failed_jobs: tuple[tuple[str, str], ...] = ()
    outbox_moved: datetime | None = None


@dataclass(frozen=True)
class OutboxPost:
    id: int
    chat: str  # "channel", or a private chat id
    kind: PostKind
    ref: int | None  # the item or announcement it shows (None for a digest)
    state: PostState
    attempts: int
    chat_id: str | None  # the numeric chat it went to
    message_id: int | None
    text: str | None  # the text as sent
    silent: bool
    error: str | None
    uncertain: bool = False  # sent once already with an unknown outcome
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    news: bool
    consultations: bool
    lang: Lang
    created: datetime

    def wants(self, kind: Kind) -> bool:
        return self.consultations if kind == "consultation" else self.news


@dataclass(frozen=True)
class Draft:
    id: int
    coordinator: int
    text: str
    created: datetime
    state: DraftState
    announcement_id: int | None
    html: str | None = None  # the coordinator's formatting (Telegram HTML), None: plain text
    photo: str | None = None  # the photo's Telegram file id, None: no picture
    image: str | None = None  # the photo's copy in public/media/


@dataclass(frozen=True)
class SaveResult:
    new: int
    updated: int
    new_ids: tuple[int, ...]
    updated_ids: tuple[int, ...]


@dataclass(frozen=True)
class Retention:
    """How long what is stored about people is kept (the README's Datenschutz section says the
    same). The periods belong to the stages that own the data (the private notifications and
    the pacing log: publish; drafts and the audit record: the coordinator's side); the
    application layer passes them to the store's housekeeping."""

    private_posts: timedelta = timedelta(days=2)  # sent notifications, kept to edit corrections
    drafts: timedelta = timedelta(days=30)  # the coordinators' drafts
    audit: timedelta = timedelta(days=365)  # the record of coordinators' actions
    sends: timedelta = timedelta(hours=1)  # the pacing log (chat id and time of each send)


@dataclass(frozen=True)
class Announcement:
    """The coordinator's announcement, published to the channel and the feeds.

    ``published`` is when it went (or goes) out, aware UTC; it dates the feed entry. ``text`` is
    what a reader sees; ``html`` the same with the coordinator's formatting and links (Telegram
    HTML, checked), None for plain text; ``image`` the picture's file name in ``public/media/``.
    """

    id: int
    text: str
    created: datetime
    published: datetime
    author: str  # "shell" for `ogbot announce`, else the coordinator's Telegram name
    html: str | None = None
    image: str | None = None


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


# --- review before posting ([[sources]] review) ---------------------------------------------

ReviewState = Literal["pending", "posted", "skipped"]
ReviewDecision = Literal["post", "skip"]
# a preview sent to one coordinator: as the outbox's posts (sent once; an unknown outcome
# once more), "cancelled" when the item was decided before it went out
PreviewState = Literal["pending", "sending", "sent", "unknown", "failed", "cancelled"]


@dataclass(frozen=True)
class Review:
    """An item of a source under review, waiting for a coordinator's decision or decided.
    ``title``: a coordinator's correction of the item's title (posts, feeds, page show it);
    ``decided_by``: who decided, as people are told (a first name, "shell", "timeout")."""

    item_id: int
    source: str
    state: ReviewState
    created: datetime
    title: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    actor: int | None = None  # the deciding coordinator's user id (None: shell, timeout)


@dataclass(frozen=True)
class ReviewPreview:
    """The preview of one item for one coordinator (its buttons: Posten, Überspringen)."""

    item_id: int
    coordinator: int
    state: PreviewState
    message_id: int | None = None
    uncertain: bool = False
