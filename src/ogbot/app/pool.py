"""The process's pool of worker processes that extract large documents, one per core, so that
parsing runs on every core and off the event loop (feedparser and the sanitiser are pure
Python: in threads they share one core and hold the event loop back).

Made once per process by the application layer (:func:`ogbot.app.house.extract_pool`, used by
``ogbot run`` and ``ogbot poll``) and shut down when it stops; its workers start when the first
large document comes. A document under :data:`POOL_THRESHOLD` bytes is extracted in a thread
(sending it to a process costs more than it saves). A worker that cannot start or dies (the OOM
killer, a crash in a C parser) costs no source: the pool is made anew and that document is
extracted in a thread.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ogbot import logs
from ogbot.config import SourceSettings
from ogbot.watch.extract import Extracted, extract
from ogbot.watch.model import Fetched, WatchError

log = logs.get_logger(__name__)
POOL_THRESHOLD = 32 * 1024  # bytes: a smaller document is extracted in a thread


@dataclass(frozen=True)
class _Failed:
    """A source's document that failed to extract in a worker, as it crosses back (a
    ``WatchError`` does not survive pickling: its arguments are not its ``args``)."""

    kind: type[WatchError]
    source: str
    reason: str


def _extract(
    source: SourceSettings, fetched: Fetched, tz: ZoneInfo, now: datetime
) -> Extracted | _Failed:
    """What a worker runs."""
    try:
        return extract(source, fetched, tz, now)
    except WatchError as exc:
        return _Failed(type(exc), exc.source, exc.reason)


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) or 1


class ExtractPool:
    """Worker processes (``workers``, default one per core) that extract documents of at least
    ``threshold`` bytes; smaller ones are extracted in a thread."""

    def __init__(self, workers: int | None = None, threshold: int = POOL_THRESHOLD) -> None:
        self.workers = workers or cores()
        self.threshold = threshold
        self._executor = self._make()

    def _make(self) -> ProcessPoolExecutor:
        # forkserver: a worker starts from a clean process, not from a copy of this one with its
        # threads (the store's, the HTTP client's) and its memory
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["ogbot.watch.extract"])
        return ProcessPoolExecutor(self.workers, mp_context=context)

    async def extract(
        self, source: SourceSettings, fetched: Fetched, tz: ZoneInfo, now: datetime
    ) -> Extracted:
        """``extract(source, fetched, tz, now)`` in a worker, or in a thread when the document
        is small or the pool broke."""
        if len(fetched.body) < self.threshold:
            return await asyncio.to_thread(extract, source, fetched, tz, now)
        executor = self._executor
        try:
            future = executor.submit(_extract, source, fetched, tz, now)
        except Exception as exc:
            # a worker that cannot start (no memory, no processes left, a main module that
            # starts the program when imported) is the pool's fault, not the source's
            return await self._in_thread(executor, exc, source, fetched, tz, now)
        try:
            done = await asyncio.wrap_future(future)
        except BrokenProcessPool as exc:  # a worker died (the OOM killer, a crash in C)
            return await self._in_thread(executor, exc, source, fetched, tz, now)
        if isinstance(done, _Failed):
            raise done.kind(done.source, done.reason)
        return done  # (a bug in extracting this document raised here, as in a thread)

    async def _in_thread(
        self,
        executor: ProcessPoolExecutor,
        exc: Exception,
        source: SourceSettings,
        fetched: Fetched,
        tz: ZoneInfo,
        now: datetime,
    ) -> Extracted:
        """The pool broke: made anew (once, whichever document noticed first), and this
        document extracted in a thread."""
        log.warning("extract_pool_broken", source=source.name, error=repr(exc))
        if self._executor is executor:
            executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._make()
        return await asyncio.to_thread(extract, source, fetched, tz, now)

    def close(self) -> None:
        """Shut the workers down (a document being extracted is let finish)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
