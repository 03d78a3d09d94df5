"""When a source is due again: after a success its interval; after failures in a row, less
often (interval × 2^failures, at most :data:`MAX_BACKOFF`), so a source that is down is not
hammered and one that is back is polled as usual at once."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=24)
MAX_DOUBLINGS = 16  # 2^16 intervals are far beyond MAX_BACKOFF for any sane interval


def next_due(now: datetime, interval: timedelta, failures: int = 0) -> datetime:
    """The next fetch of a source polled every ``interval``, ``failures`` failures in a row
    (0 after a success) as of ``now``."""
    if failures <= 0:
        return now + interval
    factor: int = 2 ** min(failures, MAX_DOUBLINGS)
    return now + min(interval * factor, MAX_BACKOFF)
