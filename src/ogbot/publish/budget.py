"""One send budget for the whole process: every message the Bot sends, in one queue.

Replies, edits when a button is pressed, notices to the coordinators, channel posts and private
fan-out all go through the one ``Bot`` of the process, and so through this python-telegram-bot
rate limiter (``ExtBot(rate_limiter=...)``, :class:`telegram.ext.BaseRateLimiter`: its
``process_request`` sees every request with its endpoint and ``chat_id``). It keeps Telegram's
limits with ogbot's own :class:`~ogbot.publish.pacing.Pacer`: at most 30 messages in any second
overall, one a second per private chat, 20 in any 60 seconds per channel or group, edits
included. Who goes first when they compete for the overall limit:

1. ``reply``: people waiting for an answer (every request the handlers make; the default);
2. ``channel``: the outbox's posts and edits in the channel;
3. ``private``: the fan-out to subscribers.

Why not PTB's ``AIORateLimiter`` (read in its source, PTB 22.8): it is a leaky bucket
(aiolimiter's ``AsyncLimiter(20, 60)`` lets a burst of 20 through and then one every three
seconds, so 21 or more in some 60-second window, which Telegram answers with 429); it has no
limit per private chat (only ids below zero or ``@names`` get a group limiter, private chats only
the overall one); it has no priorities; and a 429 halts every request of the bot. The pacer's
exact windows are what the outbox already relies on.

What is and is not a message: ``send*`` (not ``sendChatAction``), ``edit*``, ``copy*`` and
``forward*`` with a ``chat_id`` are counted and paced; ``answerCallbackQuery``, ``getChat``,
``deleteMessage``, ``setMyCommands`` and the rest go at once (``getUpdates`` never reaches a
rate limiter).

A 429 (``RetryAfter``) blocks its chat until ``retry_after`` has passed. A reply is then sent
again (it provably did not reach Telegram, so it cannot be doubled); one that cannot go out
within :data:`REPLY_PATIENCE` is given up and logged (``reply_not_sent``: the endpoint and the
kind of chat, never the text), and the handler's error is logged as well. The outbox's own
requests are admitted first (:meth:`SendBudget.admit`, outside the send's deadline, see
``sender.py``: a request waiting for its turn has provably not been sent, so the wait can never
make its outcome "unknown") and then passed straight through: a 429 goes back to the outbox,
which records the post for a retry after ``retry_after`` (its rule for exactly-once and unknown
outcomes stays its own). So a post is never retried by both, and its wait for ``retry_after``
is a record in the store, not a request held open across a restart.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from ogbot import logs, metrics
from ogbot.models import Clock, utc_now
from ogbot.publish.pacing import Pacer

log = logs.get_logger(__name__)

Lane = Literal["reply", "channel", "private"]
LANES: tuple[Lane, ...] = ("reply", "channel", "private")  # first to last
REPLY_PATIENCE = (
    60.0  # seconds a reply may wait (for its turn and after 429s) before it is given up
)
TURN = 0.01  # seconds a request ready to go waits while an earlier one of a higher lane goes first

Sleep = Callable[[float], Awaitable[None]]
Result = bool | dict[str, Any] | list[dict[str, Any]]

_NOT_MESSAGES = frozenset({"sendChatAction"})


def is_message(endpoint: str) -> bool:
    """Whether a Bot API method sends or changes a message (what Telegram's limits count)."""
    return endpoint.startswith(("send", "edit", "copy", "forward")) and (
        endpoint not in _NOT_MESSAGES
    )


def lane_of(chat_id: str) -> Lane:
    """The outbox's lane for a chat: the channel (or a group), else a private subscriber."""
    return "channel" if chat_id.startswith(("-", "@")) else "private"


@dataclass(frozen=True)
class Grant:
    """A request the budget has already admitted (:meth:`SendBudget.admit`): passed as
    ``rate_limit_args`` it goes straight through, and a 429 comes back to the caller."""

    chat_id: str
    lane: Lane
    at: datetime  # when it was let go (and recorded)


@dataclass(eq=False)
class _Waiter:
    rank: int
    order: int
    chat_id: str


class SendBudget(BaseRateLimiter[Grant]):
    """The process's one budget of Telegram messages (see the module docstring).

    ``clock`` and ``sleep`` are the process's (tests pass a manual clock with a sleep that
    advances it, as they do to the outbox); ``history`` is the stored log of recent sends."""

    def __init__(
        self,
        *,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        history: Iterable[tuple[str, datetime]] = (),
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.pacer = Pacer(history)
        self._waiting: list[_Waiter] = []
        self._flying: dict[str, asyncio.Event] = {}  # chats with a request on its way
        self._order = itertools.count()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    @property
    def waiting(self) -> int:
        """Requests waiting for their turn now."""
        return len(self._waiting)

    @property
    def idle(self) -> bool:
        """Nothing waits for its turn and nothing is on its way."""
        return not self._waiting and not self._flying

    async def admit(self, chat_id: str, lane: Lane) -> Grant:
        """Wait until a message to ``chat_id`` may go, in ``lane``'s turn; it is counted from
        now on (so send it right away)."""
        me = _Waiter(LANES.index(lane), next(self._order), chat_id)
        self._waiting.append(me)
        try:
            while True:
                flying = self._flying.get(chat_id)
                if flying is not None:  # its answer moves the window (see _send)
                    await flying.wait()
                    continue
                now = self.clock()
                wait = self.pacer.delay(chat_id, now)
                if wait <= 0:
                    if not self._ahead(me, now):
                        self.pacer.record(chat_id, now)
                        return Grant(chat_id, lane, now)
                    wait = TURN
                await self.sleep(wait)
        finally:
            self._waiting.remove(me)

    def _ahead(self, me: _Waiter, now: datetime) -> bool:
        """Whether a request of a higher lane (or an earlier one of the same) may go now: it
        goes first."""
        return any(
            (other.rank, other.order) < (me.rank, me.order)
            and self.pacer.delay(other.chat_id, now) <= 0
            for other in self._waiting
        )

    async def _send(
        self,
        grant: Grant,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Result:
        """Make the request; the send counts from its answer on (:meth:`Pacer.moved`), and
        nothing else goes to the chat while it is on its way."""
        flying = self._flying[grant.chat_id] = asyncio.Event()
        try:
            return await callback(*args, **kwargs)
        finally:
            self.pacer.moved(grant.chat_id, grant.at, max(grant.at, self.clock()))
            if self._flying.get(grant.chat_id) is flying:
                del self._flying[grant.chat_id]
            flying.set()

    def _blocked(self, chat_id: str, exc: RetryAfter, by: metrics.RateLimited) -> float:
        """Telegram refused with 429: the chat waits ``retry_after`` (counted for /metrics)."""
        metrics.rate_limited(by)
        retry_after = exc.retry_after
        seconds = (
            retry_after.total_seconds()
            if isinstance(retry_after, timedelta)
            else float(retry_after)
        )
        self.pacer.block(chat_id, self.clock() + timedelta(seconds=seconds))
        return seconds

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Grant | None,
    ) -> Result:
        chat = data.get("chat_id")
        if chat is None or not is_message(endpoint):
            return await callback(*args, **kwargs)
        chat_id = str(chat)
        if rate_limit_args is not None:  # the outbox's: admitted already, its 429 its own
            try:
                return await self._send(rate_limit_args, callback, args, kwargs)
            except RetryAfter as exc:
                self._blocked(chat_id, exc, "outbox")
                raise
        started = self.clock()
        chat_kind = "channel" if lane_of(chat_id) == "channel" else "private"
        while True:
            grant = await self.admit(chat_id, "reply")
            waited = (self.clock() - started).total_seconds()
            if waited > REPLY_PATIENCE:
                log.warning(
                    "reply_late", endpoint=endpoint, chat=chat_kind, waited=round(waited, 1)
                )
            try:
                return await self._send(grant, callback, args, kwargs)
            except RetryAfter as exc:
                seconds = self._blocked(chat_id, exc, "reply")
                waited = (self.clock() - started).total_seconds()
                if waited + seconds > REPLY_PATIENCE:
                    log.warning(
                        "reply_not_sent",
                        endpoint=endpoint,
                        chat=chat_kind,
                        waited=round(waited, 1),
                        retry_after=seconds,
                    )
                    raise
                log.info("reply_retry", endpoint=endpoint, chat=chat_kind, retry_after=seconds)
