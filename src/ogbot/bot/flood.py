"""Flood control: a sliding window per person, and a waiting room for what comes over it.

A small hand-written module (no library needed for a dict of deques). Nothing here talks to
Telegram: the handlers (:mod:`ogbot.bot.conversation`, :mod:`ogbot.bot.coordinator`) ask the
gate and say what the verdicts mean.

- :class:`FloodGate`: more than :data:`FLOOD_LIMIT` updates within :data:`FLOOD_WINDOW` seconds
  from one person is a flood. Updates that arrive during a flood count too, so a steady flood
  stays a flood; a pause clears it. The coordinator's refusals to strangers use it as it is
  (over the limit a refusal is dropped: it is not a question).
- :class:`WaitingRoom`: over the limit, a person's requests wait instead of being dropped: at most
  :data:`WAITING_MAX` per person, each until the person's window has room again, and never
  longer than :data:`MAX_WAIT` seconds (then it is answered anyway: a few answers per person do
  not hurt). The first one held is "noticed" (the bot says once that it answers shortly); the
  first one that does not fit is "full" (the bot says once that it answers only the first few);
  more are dropped, the person having been told. Waiting requests live in memory only (a
  question is never stored): when ogbot stops they are answered at once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

FLOOD_LIMIT = 8  # updates per person ...
FLOOD_WINDOW = 30.0  # ... in this many seconds; more is a flood
WAITING_MAX = 3  # requests per person that wait over the limit; more are dropped (told once)
MAX_WAIT = 120.0  # seconds a request waits at most, even while the person keeps flooding
RELEASE_TICK = 1.0  # seconds between two looks at the waiting room (real time)

Verdict = Literal["pass", "notice", "drop"]
Held = Literal["noticed", "held", "full", "dropped"]
T = TypeVar("T")


class FloodGate:
    """A sliding window per user: more than ``limit`` updates in ``window`` seconds is a flood.

    :meth:`check` answers "pass" (go on), "notice" (the first update over the limit: say
    something once) or "drop" (stay silent). Memory is bounded: the last ``limit + 1`` times per
    user, and users idle for a whole window are swept out.
    """

    def __init__(self, limit: int = FLOOD_LIMIT, window: float = FLOOD_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._noticed: set[int] = set()
        self._swept = float("-inf")

    def check(self, user: int, now: float) -> Verdict:
        self._sweep(now)
        times = self._seen.setdefault(user, deque(maxlen=self.limit + 1))
        times.append(now)
        self._expire(times, now)
        if len(times) <= self.limit:
            self._noticed.discard(user)
            return "pass"
        if user in self._noticed:
            return "drop"
        self._noticed.add(user)
        return "notice"

    def calm(self, user: int, now: float) -> bool:
        """Whether one more update from ``user`` now would pass (nothing is counted)."""
        times = self._seen.get(user)
        if times is None:
            return True
        self._expire(times, now)
        return len(times) < self.limit

    def forget(self, user: int) -> None:
        self._seen.pop(user, None)
        self._noticed.discard(user)

    def __len__(self) -> int:
        """How many users it remembers now."""
        return len(self._seen)

    def _expire(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.window:
            return
        self._swept = now
        idle = [
            user
            for user, times in self._seen.items()
            if not times or times[-1] <= now - self.window
        ]
        for user in idle:
            self.forget(user)


@dataclass
class _Queue(Generic[T]):
    waiting: deque[tuple[float, T]] = field(default_factory=deque)
    told_full: bool = False


class WaitingRoom(Generic[T]):
    """Requests held over the flood limit, per person, first come first answered."""

    def __init__(
        self, gate: FloodGate, per_person: int = WAITING_MAX, max_wait: float = MAX_WAIT
    ) -> None:
        self.gate = gate
        self.per_person = per_person
        self.max_wait = max_wait
        self._queues: dict[int, _Queue[T]] = {}

    def hold(self, user: int, request: T, now: float) -> Held:
        """Keep ``request`` to answer later; the verdict says what to tell the person."""
        queue = self._queues.get(user)
        if queue is None:
            queue = self._queues[user] = _Queue()
            queue.waiting.append((now, request))
            return "noticed"
        if len(queue.waiting) < self.per_person:
            queue.waiting.append((now, request))
            return "held"
        if queue.told_full:
            return "dropped"
        queue.told_full = True
        return "full"

    def due(self, now: float) -> list[T]:
        """The requests to answer now: every one of a person whose window has room again, and
        those that waited ``max_wait``. A person with nothing left waiting is forgotten here."""
        ready: list[T] = []
        for user, queue in list(self._queues.items()):
            calm = self.gate.calm(user, now)
            while queue.waiting and (calm or queue.waiting[0][0] <= now - self.max_wait):
                ready.append(queue.waiting.popleft()[1])
            if not queue.waiting:
                del self._queues[user]
        return ready

    def has(self, user: int) -> bool:
        """Whether ``user`` has requests waiting (a newer one waits behind them)."""
        return user in self._queues

    def take_all(self) -> list[T]:
        """Every waiting request, the room emptied (ogbot stops: answer them at once)."""
        ready = [request for queue in self._queues.values() for _, request in queue.waiting]
        self._queues.clear()
        return ready

    def __len__(self) -> int:
        """How many requests wait now."""
        return sum(len(queue.waiting) for queue in self._queues.values())
