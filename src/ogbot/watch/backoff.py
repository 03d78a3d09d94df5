"""When a source is due again, and why.

After a success its interval; after failures in a row, less often (interval × 2^failures, at
most :data:`MAX_BACKOFF`, never sooner than the interval), so a source that is down is not
hammered and one that is back is polled as usual at once. What the server asked
(:class:`~ogbot.watch.model.ServerAsk`: Retry-After, Cache-Control max-age, Expires) moves the
next fetch later, never sooner, and by at most :data:`MAX_ASKED` -- as miniflux's
``ScheduleNextCheck``: the later of the source's own schedule and the server's wish."""

from __future__ import annotations

from datetime import datetime, timedelta

from ogbot.models import NextFetch
from ogbot.watch.model import ServerAsk

MAX_BACKOFF = timedelta(hours=24)
MAX_ASKED = timedelta(hours=24)  # a server cannot silence a source for longer than a day
MAX_DOUBLINGS = 16  # 2^16 intervals are far beyond MAX_BACKOFF for any sane interval


def next_due(now: datetime, interval: timedelta, failures: int = 0) -> datetime:
    """The next fetch of a source polled every ``interval``, ``failures`` failures in a row
    (0 after a success) as of ``now``."""
    if failures <= 0:
        return now + interval
    factor: int = 2 ** min(failures, MAX_DOUBLINGS)
    return now + max(interval, min(interval * factor, MAX_BACKOFF))


def next_fetch(
    now: datetime, interval: timedelta, failures: int = 0, asked: ServerAsk | None = None
) -> NextFetch:
    """When and why a source is fetched again: :func:`next_due`, or later when the server
    asked for later (its wish capped at :data:`MAX_ASKED`)."""
    own = NextFetch(next_due(now, interval, failures), "backoff" if failures > 0 else "interval")
    if asked is None:
        return own
    wish = now + min(asked.delay, MAX_ASKED)
    return NextFetch(wish, asked.reason) if wish > own.at else own
