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

from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


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
    return GROUP_LIMIT if chat_id.startswith("-") else PRIVATE_LIMIT


def _wait(log: deque[datetime], limit: Limit, now: datetime) -> float:
    """Seconds until one more message fits ``limit`` given the send times in ``log``."""
    while log and log[0] <= now - HISTORY:
        log.popleft()
    recent = [moment for moment in log if moment > now - limit.window]
    if len(recent) < limit.count:
        return 0.0
    # the oldest of the last `count` sends must leave the window first
    oldest = recent[-limit.count]
    return max(0.0, (oldest + limit.window - now).total_seconds())


class Pacer:
    """When may the next message to a chat go out? ``history`` is the stored log of sends."""

    def __init__(self, history: Iterable[tuple[str, datetime]] = ()) -> None:
        self._chats: dict[str, deque[datetime]] = defaultdict(deque)
        self._all: deque[datetime] = deque()
        self._blocked: dict[str, datetime] = {}
        for chat_id, moment in sorted(history, key=lambda entry: entry[1]):
            self._chats[chat_id].append(moment)
            self._all.append(moment)

    def delay(self, chat_id: str, now: datetime) -> float:
        """Seconds to wait before sending to ``chat_id`` (0 when it may go now)."""
        blocked = self._blocked.get(chat_id)
        wait = max(0.0, (blocked - now).total_seconds()) if blocked else 0.0
        wait = max(wait, _wait(self._chats[chat_id], limit_for(chat_id), now))
        return max(wait, _wait(self._all, GLOBAL_LIMIT, now))

    def record(self, chat_id: str, at: datetime) -> None:
        self._chats[chat_id].append(at)
        self._all.append(at)

    def block(self, chat_id: str, until: datetime) -> None:
        """Telegram said 429: nothing goes to this chat before ``until``."""
        self._blocked[chat_id] = max(until, self._blocked.get(chat_id, until))
