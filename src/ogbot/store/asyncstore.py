"""The store for asyncio code: every call runs on the store's own thread, so SQLite never
blocks the event loop and the connection is only ever used from that one thread.

``await store.call(Store.method, *args)`` is typed with ParamSpec: mypy checks the arguments
of every call against the method's signature, and the result has the method's return type.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from ogbot.store.base import StoreError
from ogbot.store.core import Store
from ogbot.store.schema import DB_NAME

P = ParamSpec("P")
T = TypeVar("T")


class AsyncStore:
    """The store for asyncio code: every call runs on the store's own thread."""

    def __init__(self, path: Path, *, start_afresh: bool = False) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ogbot-store")
        try:
            self._store: Store = self._executor.submit(
                functools.partial(Store, path, start_afresh=start_afresh)
            ).result()
        except BaseException:
            self._executor.shutdown(wait=False)
            raise

    @classmethod
    def open(cls, data_dir: Path, *, start_afresh: bool = False) -> AsyncStore:
        return cls(data_dir / DB_NAME, start_afresh=start_afresh)

    async def call(
        self, function: Callable[Concatenate[Store, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``function(store, *args, **kwargs)`` on the store's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._bind(function, *args, **kwargs))

    def run(
        self, function: Callable[Concatenate[Store, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """The same from synchronous code (commands that are not async)."""
        return self._executor.submit(self._bind(function, *args, **kwargs)).result()

    def _bind(
        self, function: Callable[Concatenate[Store, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> Callable[[], T]:
        """The call, to run on the store's thread. A database that cannot be read or written
        is a StoreError (a runtime failure)."""

        def guarded() -> T:
            try:
                return function(self._store, *args, **kwargs)
            except sqlite3.Error as exc:
                raise StoreError(f"database {self._store.path}: {exc}") from exc

        return guarded

    def close(self) -> None:
        self._executor.submit(self._store.close).result()
        self._executor.shutdown(wait=True)
