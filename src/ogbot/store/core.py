"""The store: one SQLite connection and every table, for one thread."""

from __future__ import annotations

import functools
import inspect
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import FunctionType
from typing import Any

from ogbot.store import schema
from ogbot.store.base import StoreError
from ogbot.store.items import ItemsRepository
from ogbot.store.opening import check_intact, check_not_lost, damaged, is_damage
from ogbot.store.outbox import OutboxRepository
from ogbot.store.people import PeopleRepository
from ogbot.store.review import ReviewRepository
from ogbot.store.schema import BACKUPS_DIR, DB_NAME, MIGRATIONS, online_copy
from ogbot.store.sources import SourcesRepository


class Store(
    SourcesRepository, ItemsRepository, OutboxRepository, PeopleRepository, ReviewRepository
):
    """One SQLite connection. Use from one thread (AsyncStore takes care of that)."""

    def __init__(self, path: Path, *, start_afresh: bool = False) -> None:
        """Open (or, in a new data directory, create) the database ``path``. A damaged file, and
        a missing or empty one where the data directory was in use, raise a :class:`StoreError`
        that says how to restore (see :mod:`ogbot.store.opening`); ``start_afresh``: the
        operator wants an empty database there all the same."""
        self.path = path
        try:
            check_not_lost(path, start_afresh=start_afresh)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # private from the start, whatever the umask: it holds subscribers' chat ids
                # (SQLite gives its -wal and -shm files the database's mode)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(path, isolation_level=None, timeout=10)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA busy_timeout = 10000")
            try:
                found = self.version  # "file is not a database" here
                check_intact(self._db, path)
            except BaseException:
                self._db.close()
                raise
            if found > len(MIGRATIONS):  # refused before anything, even the journal, changes
                self._db.close()
                raise StoreError(
                    f"database {path} has schema {found}, newer than this ogbot knows "
                    f"({len(MIGRATIONS)}): run the newer ogbot again, or restore a backup made "
                    "by this version (ogbot restore PATH)"
                )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA synchronous = NORMAL")
            if 0 < found < len(MIGRATIONS):
                # an upgrade: keep the database as it was, for a downgrade or a failed migration
                online_copy(self._db, self.backups / f"before-schema-{len(MIGRATIONS)}.sqlite3")
            self.migrate()
        except (sqlite3.Error, OSError) as exc:
            if isinstance(exc, sqlite3.Error) and is_damage(exc):
                raise damaged(path, exc) from exc
            raise StoreError(f"database {path}: {exc}") from exc

    @classmethod
    def open(cls, data_dir: Path, *, start_afresh: bool = False) -> Store:
        return cls(data_dir / DB_NAME, start_afresh=start_afresh)

    def close(self) -> None:
        self._db.close()

    @property
    def backups(self) -> Path:
        return self.path.parent / BACKUPS_DIR

    def backup(self, target: Path) -> None:
        """An online copy of this database into ``target`` (see :func:`online_copy`)."""
        online_copy(self._db, target)

    @property
    def version(self) -> int:
        return schema.schema_version(self._db)

    def migrate(self) -> None:
        """Bring the schema to the newest version, one migration per transaction."""
        schema.migrate(self._db)

    # -- small settings ----------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` with SQLite's errors as :class:`StoreError` (damage named with the way to
    restore): a command that reads the store without :class:`AsyncStore` never shows a
    traceback for a database that breaks after it was opened."""

    @functools.wraps(method)
    def call(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            if is_damage(exc):
                raise damaged(self.path, exc) from exc
            raise StoreError(f"database {self.path}: {exc}") from exc

    return call


for _name in dir(Store):
    if not _name.startswith("_") and _name not in ("transaction", "close"):
        _member = inspect.getattr_static(Store, _name)
        if isinstance(_member, FunctionType):
            setattr(Store, _name, _guarded(_member))
