"""Telegram's limits as a model, not a guess: a sliding-window log of every send and edit.

Per channel or group at most 20 messages in any 60 seconds, at most about 30 a second overall,
about one a second per private chat (the SPEC's figures). A leaky bucket (aiolimiter, and so
PTB's ``AIORateLimiter``) lets a burst of 20 through and then one every three seconds, which is
21 or more in some 60-second window; Telegram answers that with 429. A log of the actual send
times keeps the window exact, and it is kept in the store, so a restart or the next
``ogbot poll`` does not start with a clean slate. A 429 blocks the chat until its
``retry_after`` has passed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta


GROUP_LIMIT = Limit(20, timedelta(seconds=60))  # a channel or group (ids below zero)
PRIVATE_LIMIT = Limit(1, timedelta(seconds=1))  # one private chat
GLOBAL_LIMIT = Limit(30, timedelta(seconds=1))  # all chats together
HISTORY = max(GROUP_LIMIT.window, PRIVATE_LIMIT.window, GLOBAL_LIMIT.window)

Sleep = Callable[[float], Awaitable[None]]


def limit_for(chat_id: str) -> Limit:
    """A channel or group (an id below zero, or an ``@name``: only channels have one) or a
    private chat."""
    return GROUP_LIMIT if chat_id.startswith(("-", "@")) else PRIVATE_LIMIT


def _wait(log: deque[datetime], limit: Limit, now: datetime) -> float:
    """Seconds until one more message fits ``limit`` given the send times in ``log`` (oldest
    first). Counts from the newest end, so a long log costs only ``limit.count`` steps."""
    while log and log[0] <= now - HISTORY:
        log.popleft()
    start = now - limit.window
    for seen, moment in enumerate(reversed(log), start=1):
        if moment <= start:
            return 0.0
        if seen == limit.count:
            # the oldest of the last `count` sends must leave the window first
            return max(0.0, (moment + limit.window - now).total_seconds())
    return 0.0


class Pacer:
    """When may the next message to a chat go out? ``history`` is the stored log of sends.

    It holds what the windows need and no more: a chat's log goes once its sends left
    :data:`HISTORY`, a block once it is over, so a fan-out to thousands of chats leaves nothing
    behind."""

    def __init__(self, history: Iterable[tuple[str, datetime]] = ()) -> None:
        self._chats: dict[str, deque[datetime]] = {}
        self._all: deque[datetime] = deque()
        self._blocked: dict[str, datetime] = {}
        self._swept = 0  # how many chats there were at the last sweep ...
        self._swept_at = datetime.min.replace(tzinfo=UTC)  # ... and when
        for chat_id, moment in sorted(history, key=lambda entry: entry[1]):
            self._chats.setdefault(chat_id, deque()).append(moment)
            self._all.append(moment)

    def delay(self, chat_id: str, now: datetime) -> float:
        """Seconds to wait before sending to ``chat_id`` (0 when it may go now)."""
        wait = 0.0
        blocked = self._blocked.get(chat_id)
        if blocked is not None:
            wait = (blocked - now).total_seconds()
            if wait <= 0:
                del self._blocked[chat_id]
        log = self._chats.get(chat_id)
        if log is not None:
            wait = max(wait, _wait(log, limit_for(chat_id), now))
            if not log:
                del self._chats[chat_id]
        return max(0.0, wait, _wait(self._all, GLOBAL_LIMIT, now))

    def record(self, chat_id: str, at: datetime) -> None:
        self._chats.setdefault(chat_id, deque()).append(at)
        self._all.append(at)
        if len(self._chats) > max(64, 2 * self._swept) or at - self._swept_at >= HISTORY:
            self._sweep(at)

    def moved(self, chat_id: str, before: datetime, after: datetime) -> None:
        """A send recorded at ``before`` (when it was let go) counts from ``after`` (when its
        answer came): Telegram received it somewhere in between, so the windows start from the
        later moment and the next send never comes too early by Telegram's clock."""
        for log in (self._chats.get(chat_id), self._all):
            if log is None or before not in log:
                continue
            log.remove(before)
            index = len(log)
            while index and log[index - 1] > after:
                index -= 1
            log.insert(index, after)

    def block(self, chat_id: str, until: datetime) -> None:
        """Telegram said 429: nothing goes to this chat before ``until``."""
        self._blocked[chat_id] = max(until, self._blocked.get(chat_id, until))

    def _sweep(self, now: datetime) -> None:
        """Forget the chats whose sends all left the window (amortised: when the number of
        chats doubled since the last sweep, or a window's length after it)."""
        old = now - HISTORY
        for chat_id in [chat for chat, log in self._chats.items() if log[-1] <= old]:
            del self._chats[chat_id]
        for chat_id in [chat for chat, until in self._blocked.items() if until <= now]:
            del self._blocked[chat_id]
        self._swept, self._swept_at = len(self._chats), now

    def chats(self) -> int:
        """How many chats the pacer remembers (for tests and the bench)."""
        return len(self._chats) + len(self._blocked)
