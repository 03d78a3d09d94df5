"""SQLite: sources with their fetch state, items. Schema versioned with migrations from the start.

WAL journal, a busy timeout, ``BEGIN IMMEDIATE`` for writes. :class:`Store` is synchronous and
owns one connection; :class:`AsyncStore` runs every call on one dedicated thread, so SQLite never
blocks the event loop and the connection is only ever used from that thread.

An item is one story: the same guid within a source, or the same normalised link (the *key*)
in two sources, is stored once; the first source wins. ``entries`` maps every (source, guid)
ever seen to its item, so a duplicate is recognised without comparing again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from ogbot.watch.model import Item, Validators

DB_NAME = "ogbot.sqlite3"
MAX_BACKOFF = timedelta(hours=24)

MIGRATIONS: tuple[str, ...] = (
    # 1: sources and items
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        fetch_url TEXT,
        etag TEXT,
        last_modified TEXT,
        first_success TEXT,
        last_fetch TEXT,
        last_success TEXT,
        last_status TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        failing_since TEXT,
        next_due TEXT,
        paused INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        guid TEXT NOT NULL,
        link TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        summary TEXT NOT NULL,
        content_html TEXT NOT NULL,
        published TEXT NOT NULL,
        date_known INTEGER NOT NULL,
        categories TEXT NOT NULL,
        author TEXT,
        kind TEXT NOT NULL,
        deadline TEXT,
        deadline_guessed INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        backlog INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX items_published ON items (published DESC);
    CREATE TABLE entries (
        source TEXT NOT NULL,
        guid TEXT NOT NULL,
        item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        PRIMARY KEY (source, guid)
    );
    """,
)


class StoreError(Exception):
    """The database cannot be opened or written (a runtime failure: exit 1)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class SourceState:
    name: str
    url: str
    fetch_url: str | None
    validators: Validators
    first_success: datetime | None
    last_fetch: datetime | None
    last_success: datetime | None
    last_status: str | None
    last_error: str | None
    failures: int
    failing_since: datetime | None
    next_due: datetime | None
    paused: bool
    items: int = 0

    def due(self, now: datetime) -> bool:
        return not self.paused and (self.next_due is None or self.next_due <= now)


@dataclass(frozen=True)
class StoredItem:
    id: int
    source: str
    link: str
    title: str
    summary: str
    content_html: str
    published: datetime
    date_known: bool
    categories: tuple[str, ...]
    author: str | None
    kind: str
    deadline: date | None
    deadline_guessed: bool
    first_seen: datetime
    updated_at: datetime
    backlog: bool


@dataclass(frozen=True)
class SaveResult:
    new: int
    updated: int
    new_ids: tuple[int, ...]
    updated_ids: tuple[int, ...]


class Store:
    """One SQLite connection. Use from one thread (AsyncStore takes care of that)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=10)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self.migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"database {path}: {exc}") from exc

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(data_dir / DB_NAME)

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @property
    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the schema to the newest version, one migration per transaction."""
        for number, script in enumerate(MIGRATIONS, start=1):
            if self.version >= number:
                continue
            with self.transaction() as db:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    # -- sources -----------------------------------------------------------------------------

    def source_state(self, name: str, url: str) -> SourceState:
        """The stored state of a source; registered on first sight. A new URL resets it."""
        with self.transaction() as db:
            row = db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
            if row is None:
                db.execute("INSERT INTO sources (name, url) VALUES (?, ?)", (name, url))
            elif row["url"] != url:  # the configured URL changed: forget validators and redirect
                db.execute(
                    "UPDATE sources SET url = ?, fetch_url = NULL, etag = NULL,"
                    " last_modified = NULL, failures = 0, next_due = NULL WHERE name = ?",
                    (url, name),
                )
            row = db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
        return self._state(row)

    @staticmethod
    def _state(row: sqlite3.Row, items: int = 0) -> SourceState:
        return SourceState(
            name=row["name"],
            url=row["url"],
            fetch_url=row["fetch_url"],
            validators=Validators(row["etag"], row["last_modified"]),
            first_success=_from_iso(row["first_success"]),
            last_fetch=_from_iso(row["last_fetch"]),
            last_success=_from_iso(row["last_success"]),
            last_status=row["last_status"],
            last_error=row["last_error"],
            failures=row["failures"],
            failing_since=_from_iso(row["failing_since"]),
            next_due=_from_iso(row["next_due"]),
            paused=bool(row["paused"]),
            items=items,
        )

    def sources(self) -> list[SourceState]:
        """Every source with its number of stored items (what `ogbot sources` shows)."""
        counts = dict(self._db.execute("SELECT source, count(*) FROM items GROUP BY source"))
        rows = self._db.execute("SELECT * FROM sources ORDER BY name").fetchall()
        return [self._state(row, counts.get(row["name"], 0)) for row in rows]

    def record_success(
        self,
        name: str,
        now: datetime,
        interval: timedelta,
        validators: Validators,
        status: str,
        permanent_url: str | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE sources SET etag = ?, last_modified = ?, last_fetch = ?, last_success = ?,"
                " first_success = coalesce(first_success, ?), last_status = ?, last_error = NULL,"
                " failures = 0, failing_since = NULL, next_due = ?,"
                " fetch_url = coalesce(?, fetch_url) WHERE name = ?",
                (
                    validators.etag,
                    validators.last_modified,
                    _iso(now),
                    _iso(now),
                    _iso(now),
                    status,
                    _iso(now + interval),
                    permanent_url,
                    name,
                ),
            )

    def record_failure(self, name: str, now: datetime, interval: timedelta, error: str) -> int:
        """Count the failure and poll less often: interval x 2^failures, at most a day."""
        with self.transaction() as db:
            row = db.execute("SELECT failures FROM sources WHERE name = ?", (name,)).fetchone()
            failures = (row["failures"] if row else 0) + 1
            delay = min(interval * (2 ** min(failures, 16)), MAX_BACKOFF)
            db.execute(
                "UPDATE sources SET last_fetch = ?, last_status = 'error', last_error = ?,"
                " failures = ?, failing_since = coalesce(failing_since, ?), next_due = ?"
                " WHERE name = ?",
                (_iso(now), error, failures, _iso(now), _iso(now + delay), name),
            )
        return failures

    def set_paused(self, name: str, paused: bool) -> bool:
        with self.transaction() as db:
            cursor = db.execute("UPDATE sources SET paused = ? WHERE name = ?", (int(paused), name))
        return cursor.rowcount > 0

    # -- items -------------------------------------------------------------------------------

    def save_items(
        self, source: str, items: Sequence[Item], now: datetime, backlog: bool
    ) -> SaveResult:
        """Insert new items, update changed ones, skip duplicates; one transaction."""
        new_ids: list[int] = []
        updated_ids: list[int] = []
        with self.transaction() as db:
            for item in items:
                row = db.execute(
                    "SELECT i.id, i.source, i.title, i.summary, i.link, i.deadline, i.kind"
                    " FROM entries e JOIN items i ON i.id = e.item_id"
                    " WHERE e.source = ? AND e.guid = ?",
                    (source, item.guid),
                ).fetchone()
                if row is None:
                    row = db.execute(
                        "SELECT id, source, title, summary, link, deadline, kind FROM items"
                        " WHERE key = ?",
                        (item.key,),
                    ).fetchone()
                    if row is not None:  # the same story under another guid or source
                        db.execute(
                            "INSERT OR IGNORE INTO entries (source, guid, item_id)"
                            " VALUES (?, ?, ?)",
                            (source, item.guid, row["id"]),
                        )
                if row is None:
                    cursor = db.execute(
                        "INSERT INTO items (source, guid, link, key, title, summary, content_html,"
                        " published, date_known, categories, author, kind, deadline,"
                        " deadline_guessed, first_seen, updated_at, backlog)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            source,
                            item.guid,
                            item.link,
                            item.key,
                            item.title,
                            item.summary,
                            item.content_html,
                            _iso(item.published),
                            int(item.date_known),
                            json.dumps(list(item.categories), ensure_ascii=False),
                            item.author,
                            item.kind,
                            item.deadline.isoformat() if item.deadline else None,
                            int(item.deadline_year_guessed),
                            _iso(now),
                            _iso(now),
                            int(backlog),
                        ),
                    )
                    item_id = int(cursor.lastrowid or 0)
                    db.execute(
                        "INSERT INTO entries (source, guid, item_id) VALUES (?, ?, ?)",
                        (source, item.guid, item_id),
                    )
                    new_ids.append(item_id)
                    continue
                if row["source"] != source:
                    continue  # another source published it first: its version stands
                deadline = item.deadline.isoformat() if item.deadline else None
                changed = (
                    row["title"],
                    row["summary"],
                    row["link"],
                    row["deadline"],
                    row["kind"],
                ) != (
                    item.title,
                    item.summary,
                    item.link,
                    deadline,
                    item.kind,
                )
                if changed:
                    db.execute(
                        "UPDATE items SET title = ?, summary = ?, content_html = ?, link = ?,"
                        " categories = ?, kind = ?, deadline = ?, deadline_guessed = ?,"
                        " updated_at = ? WHERE id = ?",
                        (
                            item.title,
                            item.summary,
                            item.content_html,
                            item.link,
                            json.dumps(list(item.categories), ensure_ascii=False),
                            item.kind,
                            deadline,
                            int(item.deadline_year_guessed),
                            _iso(now),
                            row["id"],
                        ),
                    )
                    updated_ids.append(int(row["id"]))
        return SaveResult(len(new_ids), len(updated_ids), tuple(new_ids), tuple(updated_ids))

    def latest_items(self, limit: int, kind: str | None = None) -> list[StoredItem]:
        query = "SELECT * FROM items"
        args: list[Any] = []
        if kind:
            query += " WHERE kind = ?"
            args.append(kind)
        query += " ORDER BY published DESC, id DESC LIMIT ?"
        args.append(limit)
        return [self._item(row) for row in self._db.execute(query, args)]

    @staticmethod
    def _item(row: sqlite3.Row) -> StoredItem:
        return StoredItem(
            id=row["id"],
            source=row["source"],
            link=row["link"],
            title=row["title"],
            summary=row["summary"],
            content_html=row["content_html"],
            published=datetime.fromisoformat(row["published"]),
            date_known=bool(row["date_known"]),
            categories=tuple(json.loads(row["categories"])),
            author=row["author"],
            kind=row["kind"],
            deadline=date.fromisoformat(row["deadline"]) if row["deadline"] else None,
            deadline_guessed=bool(row["deadline_guessed"]),
            first_seen=datetime.fromisoformat(row["first_seen"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            backlog=bool(row["backlog"]),
        )


T = TypeVar("T")


class AsyncStore:
    """The store for asyncio code: every call runs on the store's own thread."""

    def __init__(self, path: Path) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ogbot-store")
        self._store: Store = self._executor.submit(Store, path).result()

    @classmethod
    def open(cls, data_dir: Path) -> AsyncStore:
        return cls(data_dir / DB_NAME)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: function(self._store, *args))

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """The same from synchronous code (commands that are not async)."""
        return self._executor.submit(function, self._store, *args).result()

    def close(self) -> None:
        self._executor.submit(self._store.close).result()
        self._executor.shutdown(wait=True)
