"""What every table of the store shares: one connection, write transactions, the error type,
and how times are written (ISO 8601 in UTC, so text order is time order)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime


class StoreError(Exception):
    """The database cannot be opened or written (a runtime failure: exit 1)."""


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction: ``BEGIN IMMEDIATE`` takes the write lock at once (a second writer
    waits for the busy timeout instead of failing halfway), rolled back on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class Repository:
    """The tables of one kind of thing (sources, items, the outbox, people). :class:`Store`
    combines them over one connection."""

    _db: sqlite3.Connection

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
