"""``GET /healthz``: what an uptime monitor sees. 200 with ``"status": "ok"``, or 503 with
``"status": "degraded"`` and the ``reasons``, one sentence each:

- the database takes no write: /healthz's own write failed, or a job (the watch cycle, the
  outbox, announcements, …) last failed on the database and has not succeeded since. The check's
  own write alone is not enough: it rewrites one small row, which still fits when the disk is
  full (into the space a failed larger write left allocated in SQLite's write-ahead log), while
  every real write fails;
- every source (not paused) is failing past its backoff (:func:`failing_past_backoff`);
- Telegram refuses the token or the channel (until a post goes through again);
- the outbox is stuck: posts are due, Telegram is on, and none has left it for
  :data:`OUTBOX_STUCK`.

The facts only the running service has (Telegram, its jobs) come as a :class:`ServiceHealth`
from the application layer; the rest is read from the store. Nothing here knows HTTP:
:mod:`ogbot.web.server` serves it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from ogbot.config import Settings
from ogbot.models import ServiceHealth, SourceState
from ogbot.store import Store

HEALTH_META_KEY = "web.healthz"  # the row /healthz writes to prove the database is writable
_CHECKS = itertools.count(1)  # numbers the checks' writes
OUTBOX_STATES = ("pending", "sending", "sent", "failed", "unknown", "expired", "merged")
# posts due this long with none leaving the outbox while Telegram is on: stuck. A healthy outbox
# drains every 30 s; five retries after a 5xx (30 s, 1, 2, 4, 8 min) fit into it, and so does
# any 429 wait Telegram asks for in practice
OUTBOX_STUCK = timedelta(minutes=15)


@dataclass(frozen=True)
class HealthSnapshot:
    sources: tuple[SourceState, ...]
    outbox: dict[str, int]
    write_error: str | None = None  # the check's own write failed, and why


def health_snapshot(store: Store, now: datetime) -> HealthSnapshot:
    """On the store's thread: one real write (the proof of writability), then two reads (a full
    disk still lets them show the sources and the outbox). The value written is new every time:
    SQLite skips rewriting a row with the very same bytes, which would prove nothing."""
    try:
        store.set_meta(HEALTH_META_KEY, f"{_iso(now)} #{next(_CHECKS)}")
    except Exception as exc:  # any failure to write is what /healthz reports
        error: str | None = str(exc) or type(exc).__name__
    else:
        error = None
    return HealthSnapshot(tuple(store.sources()), store.outbox_counts(), error)


@overload
def _iso(moment: datetime) -> str: ...
@overload
def _iso(moment: datetime | None) -> str | None: ...
def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def failing_past_backoff(state: SourceState, interval: timedelta, now: datetime) -> bool:
    """The source failed, waited out the backoff, and failed again (``failures`` ≥ 2); or it
    failed and the retry its backoff set (``next_due``) is more than one ``interval`` overdue."""
    if state.paused or state.failures == 0:
        return False
    if state.failures >= 2:
        return True
    return state.next_due is not None and now - state.next_due > interval


def _service_reasons(service: ServiceHealth) -> list[str]:
    reasons = [f"database: the {job} job failed: {error}" for job, error in service.failed_jobs]
    if service.refused:
        reasons.append(f"Telegram refuses: {service.refused}")
    return reasons


def _source_reason(settings: Settings, states: dict[str, SourceState], now: datetime) -> str | None:
    watched = [
        (source, states.get(source.name))
        for source in settings.sources
        if not (source.name in states and states[source.name].paused)
    ]
    failing = []
    for source, state in watched:
        interval = timedelta(minutes=source.interval or settings.fetch.interval)
        if state is None or not failing_past_backoff(state, interval, now):
            return None
        failing.append(f"{source.name} ({state.failures} failures: {state.last_error})")
    if not failing:
        return None
    return "every source is failing past its backoff: " + "; ".join(failing)


def _outbox_reason(service: ServiceHealth, waiting: int, now: datetime) -> str | None:
    moved = service.outbox_moved
    if service.telegram != "on" or not waiting or moved is None or now - moved <= OUTBOX_STUCK:
        return None
    minutes = int((now - moved).total_seconds() // 60)
    return f"outbox stuck: {waiting} posts waiting, none sent for {minutes} minutes"


def health_report(
    settings: Settings,
    snapshot: HealthSnapshot,
    now: datetime,
    service: ServiceHealth | None = None,
) -> dict[str, Any]:
    """The JSON of /healthz: the status and its reasons, every configured source with its
    state, the outbox."""
    service = service or ServiceHealth()
    states = {state.name: state for state in snapshot.sources}
    sources = []
    for source in settings.sources:
        state = states.get(source.name)
        sources.append(
            {
                "name": source.name,
                "last_status": state.last_status if state else None,
                "last_error": state.last_error if state else None,
                "failures": state.failures if state else 0,
                "last_fetch": _iso(state.last_fetch) if state else None,
                "last_success": _iso(state.last_success) if state else None,
                "failing_since": _iso(state.failing_since) if state else None,
                "paused": state.paused if state else False,
                "next_fetch": _iso(state.next_due) if state and not state.paused else None,
                "next_fetch_reason": state.due_why if state and not state.paused else None,
            }
        )
    outbox = {name: snapshot.outbox.get(name, 0) for name in OUTBOX_STATES}
    outbox.update(snapshot.outbox)  # a state added later still shows
    waiting = outbox["pending"] + outbox["sending"]
    reasons = []
    if snapshot.write_error is not None:
        reasons.append(f"database not writable: {snapshot.write_error}")
    reasons += _service_reasons(service)
    found = (_source_reason(settings, states, now), _outbox_reason(service, waiting, now))
    reasons += [reason for reason in found if reason]
    return {
        "status": "degraded" if reasons else "ok",
        "reasons": reasons,
        "database": "not writable" if snapshot.write_error or service.failed_jobs else "writable",
        "telegram": service.telegram,
        "time": _iso(now),
        "sources": sources,
        "outbox": outbox,
        "outbox_length": waiting,
    }


def health_failure(
    reason: str, now: datetime, service: ServiceHealth | None = None
) -> dict[str, Any]:
    """The JSON of /healthz when the database could not even be read (``reason`` says why)."""
    service = service or ServiceHealth()
    return {
        "status": "degraded",
        "reasons": [f"database not writable: {reason}", *_service_reasons(service)],
        "database": "not writable",
        "error": reason,
        "telegram": service.telegram,
        "time": _iso(now),
    }
