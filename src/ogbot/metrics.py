"""Metrics for Prometheus: the one module that wraps ``prometheus_client``.

``GET /metrics`` (only with ``web.metrics = true``) answers :func:`render`: the Prometheus text
format (or OpenMetrics, when the scraper asks for it), from a registry of ogbot's own (never
``prometheus_client``'s global one), made anew for each scrape. Two kinds of figures go into it:

- what the store and the running service already know, read at scrape time and handed over as
  :class:`Figures` by the application layer (``ogbot.app.service``): per source the items
  stored, consecutive failures, the last fetch and the last success; the outbox's waiting posts
  and the age of the oldest per destination; when each scheduled job last ran; whether the bot
  is online;
- what happens and is not stored, counted while the process runs (a restart starts them at 0,
  as Prometheus expects of a counter): fetches by result, posts by destination and outcome,
  Telegram's 429 answers, questions answered or refused and how long an answer took. The stages
  count with one call each (:func:`fetched`, :func:`posts`, :func:`rate_limited`,
  :func:`answered`); this module is neutral (it imports no stage), so any stage may.

Plus the process itself (memory, CPU, open file descriptors against their limit), by
``prometheus_client``'s ``ProcessCollector``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from ogbot.models import SourceState, TelegramState

FetchResult = Literal["ok", "not_modified", "failed"]
POST_OUTCOMES = ("sent", "edited", "failed", "unknown")  # what ogbot_posts counts
RateLimited = Literal["outbox", "reply"]  # whose request Telegram answered with 429

# seconds: answers come from an in-memory index (milliseconds) or one visit to the store
ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_FETCHES = Counter(
    "ogbot_fetches",
    "Fetches of a source since ogbot started, by result (ok, not_modified, failed)",
    ["source", "result"],
    registry=None,
)
_POSTS = Counter(
    "ogbot_posts",
    "Posts that left the outbox since ogbot started, by destination (channel, private) and "
    "outcome (sent, edited, failed: refused by Telegram, unknown: may have been delivered)",
    ["destination", "outcome"],
    registry=None,
)
_RATE_LIMITED = Counter(
    "ogbot_telegram_rate_limited",
    "Answers 429 Too Many Requests from Telegram since ogbot started, by whose request "
    "(outbox: posts, reply: the bot's replies)",
    ["by"],
    registry=None,
)
_QUESTIONS = Counter(
    "ogbot_questions",
    "Questions to the bot since ogbot started, by outcome (answered; refused: it said it does "
    "not know)",
    ["outcome"],
    registry=None,
)
_ANSWER_SECONDS = Histogram(
    "ogbot_answer_seconds",
    "How long the bot took to find an answer to a question",
    buckets=ANSWER_BUCKETS,
    registry=None,
)
_PROCESS = ProcessCollector(registry=None)
_KEPT: tuple[Collector, ...] = (
    _FETCHES,
    _POSTS,
    _RATE_LIMITED,
    _QUESTIONS,
    _ANSWER_SECONDS,
    _PROCESS,
)

# every label value known in advance shows from the start, with 0
for _destination in ("channel", "private"):
    for _outcome in POST_OUTCOMES:
        _POSTS.labels(_destination, _outcome)
for _by in ("outbox", "reply"):
    _RATE_LIMITED.labels(_by)
for _answer in ("answered", "refused"):
    _QUESTIONS.labels(_answer)


# --- counting (one call where it happens) ---------------------------------------------------


def sources_known(names: Iterable[str]) -> None:
    """The configured sources: their fetch counters show from the start, with 0."""
    for name in names:
        for result in ("ok", "not_modified", "failed"):
            _FETCHES.labels(name, result)


def fetched(source: str, result: FetchResult) -> None:
    _FETCHES.labels(source, result).inc()


def destination(chat: str) -> str:
    """A post's destination as metrics name it: its chat ("channel", ...), but "private" for
    every subscriber's chat (a number), so people's chat ids never become labels."""
    return "private" if chat.isdigit() else chat


def posts(chat: str, outcome: str) -> None:
    """A post to ``chat`` left the outbox: "sent", "edited", "failed" (refused by Telegram) or
    "unknown" (it may have been delivered); any other outcome (a retry later) is not counted."""
    if outcome in POST_OUTCOMES:
        _POSTS.labels(destination(chat), outcome).inc()


def rate_limited(by: RateLimited) -> None:
    _RATE_LIMITED.labels(by).inc()


def answered(answer_found: bool, seconds: float) -> None:
    """A question: answered (``answer_found``) or refused, and how long it took."""
    _QUESTIONS.labels("answered" if answer_found else "refused").inc()
    _ANSWER_SECONDS.observe(seconds)


# --- what the store and the service know, read at scrape time -------------------------------


@dataclass(frozen=True)
class Waiting:
    """Posts waiting in the outbox for one destination ("channel", "private")."""

    destination: str
    posts: int
    oldest: datetime | None  # when the oldest of them was queued


@dataclass(frozen=True)
class Figures:
    """What a scrape shows besides the counters; gathered by the application layer."""

    now: datetime
    sources: tuple[SourceState, ...]
    waiting: tuple[Waiting, ...]
    jobs: tuple[tuple[str, datetime], ...]  # a scheduled job and when it last ran
    telegram: TelegramState


def _gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def _stamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0


class _Snapshot(Collector):
    """The figures of one scrape as gauges."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        figures = self.figures
        source = ("source",)
        items = _gauge("ogbot_source_items", "Items stored from a source", source)
        failures = _gauge(
            "ogbot_source_failures", "Failed fetches of a source in a row (0: it works)", source
        )
        last_fetch = _gauge(
            "ogbot_source_last_fetch_timestamp_seconds",
            "When a source was last fetched (0: never)",
            source,
        )
        last_success = _gauge(
            "ogbot_source_last_success_timestamp_seconds",
            "When a source was last fetched successfully (0: never)",
            source,
        )
        paused = _gauge("ogbot_source_paused", "1 while a source is paused", source)
        for state in figures.sources:
            items.add_metric([state.name], state.items)
            failures.add_metric([state.name], state.failures)
            last_fetch.add_metric([state.name], _stamp(state.last_fetch))
            last_success.add_metric([state.name], _stamp(state.last_success))
            paused.add_metric([state.name], 1.0 if state.paused else 0.0)
        yield from (items, failures, last_fetch, last_success, paused)

        destination = ("destination",)
        waiting = _gauge(
            "ogbot_outbox_waiting",
            "Posts waiting in the outbox (quiet hours and digests hold some back on purpose)",
            destination,
        )
        oldest = _gauge(
            "ogbot_outbox_oldest_age_seconds",
            "How long the oldest waiting post has waited (0: none waits)",
            destination,
        )
        for entry in figures.waiting:
            waiting.add_metric([entry.destination], entry.posts)
            age = (figures.now - entry.oldest).total_seconds() if entry.oldest else 0.0
            oldest.add_metric([entry.destination], max(age, 0.0))
        yield from (waiting, oldest)

        jobs = _gauge(
            "ogbot_scheduler_last_run_timestamp_seconds",
            "When a scheduled job (watch, announcements, reminders, housekeeping, drain) last ran",
            ("job",),
        )
        for job, moment in figures.jobs:
            jobs.add_metric([job], _stamp(moment))
        yield jobs
        yield GaugeMetricFamily(
            "ogbot_telegram_online",
            "1 while the bot is online (Telegram reached, receiving updates)",
            value=1.0 if figures.telegram == "on" else 0.0,
        )


def render(figures: Figures, accept: str = "") -> tuple[bytes, str]:
    """The scrape: the body and its content type, in the format the scraper's ``Accept``
    header asks for (the Prometheus text format 0.0.4 unless it asks for a later one or for
    OpenMetrics), as ``prometheus_client`` chooses."""
    registry = CollectorRegistry(auto_describe=False)
    for kept in _KEPT:
        registry.register(kept)
    registry.register(_Snapshot(figures))
    encode, content_type = choose_encoder(accept)
    return encode(registry), content_type
