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
import os
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from ogbot.models import (
    Draft,
    Item,
    OutboxPost,
    SaveResult,
    SourceState,
    StoredAnnouncement,
    StoredItem,
    Subscriber,
    Validators,
)

DB_NAME = "ogbot.sqlite3"
BACKUPS_DIR = "backups"  # inside the data directory: copies made before a migration or restore
MAX_BACKOFF = timedelta(hours=24)

# How long what is stored about people is kept (the README's Datenschutz section says the same).
KEEP_PRIVATE_POSTS = timedelta(days=2)  # sent notifications, kept only to edit corrections in
KEEP_DRAFTS = timedelta(days=30)  # the coordinators' drafts
KEEP_AUDIT = timedelta(days=365)  # the record of coordinators' actions
KEEP_SENDS = timedelta(hours=1)  # the pacing log (chat id and time of each send)

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
    # 2: announcements, the outbox, the log of sends (pacing across restarts), small settings
    """
    CREATE TABLE announcements (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        author TEXT NOT NULL,
        created TEXT NOT NULL,
        publish_at TEXT NOT NULL,
        state TEXT NOT NULL,
        published TEXT
    );
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        chat TEXT NOT NULL,
        kind TEXT NOT NULL,
        ref INTEGER,
        digest_id INTEGER REFERENCES posts (id),
        state TEXT NOT NULL,
        created TEXT NOT NULL,
        not_before TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        chat_id TEXT,
        message_id INTEGER,
        sent_at TEXT,
        text TEXT,
        silent INTEGER NOT NULL DEFAULT 0,
        edit_pending INTEGER NOT NULL DEFAULT 0,
        uncertain INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE UNIQUE INDEX posts_once ON posts (chat, kind, ref) WHERE ref IS NOT NULL;
    CREATE INDEX posts_state ON posts (state, chat);
    CREATE TABLE sends (
        chat_id TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX sends_at ON sends (at);
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: subscribers, the coordinator's drafts, the record of coordinator actions, notices
    """
    CREATE TABLE subscribers (
        chat_id INTEGER PRIMARY KEY,
        news INTEGER NOT NULL,
        consultations INTEGER NOT NULL,
        lang TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        coordinator INTEGER NOT NULL,
        text TEXT NOT NULL,
        created TEXT NOT NULL,
        state TEXT NOT NULL,
        announcement_id INTEGER
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor INTEGER,
        action TEXT NOT NULL,
        detail TEXT
    );
    CREATE TABLE notices (
        problem TEXT PRIMARY KEY,
        last_sent TEXT NOT NULL
    );
    """,
    # 4: full-text search over the items (/suche, the page's ?q=): an FTS5 index of title,
    # summary, source name and categories (the JSON list; its brackets and quotes are
    # separators to the tokenizer) kept in step with the items by triggers, filled at once
    # with what an older database holds
    """
    CREATE VIRTUAL TABLE items_search USING fts5 (
        title, summary, source, categories,
        content = 'items', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO items_search (items_search) VALUES ('rebuild');
    CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_search (rowid, title, summary, source, categories)
        VALUES (new.id, new.title, new.summary, new.source, new.categories);
    END;
    CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_search (items_search, rowid, title, summary, source, categories)
        VALUES ('delete', old.id, old.title, old.summary, old.source, old.categories);
    END;
    CREATE TRIGGER items_search_update
    AFTER UPDATE OF title, summary, source, categories ON items BEGIN
        INSERT INTO items_search (items_search, rowid, title, summary, source, categories)
        VALUES ('delete', old.id, old.title, old.summary, old.source, old.categories);
        INSERT INTO items_search (rowid, title, summary, source, categories)
        VALUES (new.id, new.title, new.summary, new.source, new.categories);
    END;
    """,
)

SEARCH_WORDS = 16  # words of a search query that count; more are left off


def search_words(query: str) -> list[str]:
    """The words of a search query: runs of letters and digits (NFC, so a decomposed umlaut
    stays in its word). Everything else (quotes, ``*``, ``-``, ``:``, brackets) separates words
    and never reaches FTS5 as syntax; at most :data:`SEARCH_WORDS`."""
    return re.findall(r"[^\W_]+", unicodedata.normalize("NFC", query))[:SEARCH_WORDS]


def search_expression(query: str) -> str | None:
    """The FTS5 expression for a query of the user's words, or None when it holds no word.

    Every word becomes a quoted string with a prefix star (``"aktionsplan"*``) and the strings
    are joined by spaces (FTS5's implicit AND): all words must match, each by a word's
    beginning ("Aktionsplan" finds "Aktionsplans", "Beteiligung" finds
    "Beteiligungsverfahren"). Inside quotes ``AND``, ``OR``, ``NOT`` and ``NEAR`` are plain
    words, and the words hold no quote to break out with. Case and diacritics fold in the
    tokenizer (``unicode61 remove_diacritics 2``), for the index and the query alike."""
    words = search_words(query)
    return " ".join(f'"{word}"*' for word in words) if words else None


def _statements(script: str) -> Iterator[str]:
    """A migration's statements one by one: split at semicolons, but a trigger's body (which
    holds semicolons of its own) stays whole (:func:`sqlite3.complete_statement` decides)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                yield pending
            pending = ""


class StoreError(Exception):
    """The database cannot be opened or written (a runtime failure: exit 1)."""


@dataclass(frozen=True)
class Housekept:
    """Rows deleted by :meth:`Store.housekeep`, per kind."""

    private_posts: int
    drafts: int
    audit: int
    sends: int

    @property
    def total(self) -> int:
        return self.private_posts + self.drafts + self.audit + self.sends


def online_copy(source: sqlite3.Connection, target: Path) -> None:
    """SQLite's online backup of ``source`` into ``target``: consistent while other processes
    write (WAL readers see one snapshot), written beside the target and renamed into place, so
    ``target`` is never half a copy. The copy is one self-contained file (rollback journal, not
    WAL), private (0600: it holds what the database holds), and passes ``integrity_check``."""
    if not target.parent.exists():
        target.parent.mkdir(mode=0o700, parents=True)  # a new backups directory is private
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        copy = sqlite3.connect(temp, isolation_level=None)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            problems = [str(row[0]) for row in copy.execute("PRAGMA integrity_check")]
        finally:
            copy.close()
        if problems != ["ok"]:
            raise StoreError(f"copy {target}: damaged: {'; '.join(problems[:3])}")
        with temp.open("rb") as written:
            os.fsync(written.fileno())
        temp.replace(target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Store:
    """One SQLite connection. Use from one thread (AsyncStore takes care of that)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # private from the start, whatever the umask: it holds subscribers' chat ids
                # (SQLite gives its -wal and -shm files the database's mode)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(path, isolation_level=None, timeout=10)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA busy_timeout = 10000")
            found = self.version
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
            raise StoreError(f"database {path}: {exc}") from exc

    @classmethod
    def open(cls, data_dir: Path) -> Store:
        return cls(data_dir / DB_NAME)

    def close(self) -> None:
        self._db.close()

    @property
    def backups(self) -> Path:
        return self.path.parent / BACKUPS_DIR

    def backup(self, target: Path) -> None:
        """An online copy of this database into ``target`` (see :func:`online_copy`)."""
        online_copy(self._db, target)

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
                for statement in _statements(script):
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
                            int(item.deadline_guessed),
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
                            int(item.deadline_guessed),
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

    def search_items(self, query: str, limit: int, kind: str | None = None) -> list[StoredItem]:
        """Items matching every word of ``query`` (in the title, summary, source name or
        categories; by a word's beginning, case and diacritics folded), newest first; ``kind``
        keeps news or consultations only. A query without words finds nothing."""
        expression = search_expression(query)
        if expression is None or limit <= 0:
            return []
        sql = (
            "SELECT items.* FROM items_search JOIN items ON items.id = items_search.rowid"
            " WHERE items_search MATCH ?"
        )
        args: list[Any] = [expression]
        if kind:
            sql += " AND items.kind = ?"
            args.append(kind)
        sql += " ORDER BY items.published DESC, items.id DESC LIMIT ?"
        args.append(limit)
        return [self._item(row) for row in self._db.execute(sql, args)]

    def items_by_id(self, ids: Sequence[int]) -> list[StoredItem]:
        """The items with these ids, in the order given (missing ones left out)."""
        if not ids:
            return []
        rows = self._db.execute(
            "SELECT * FROM items WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        found = {row["id"]: self._item(row) for row in rows}
        return [found[i] for i in ids if i in found]

    def open_consultations(self, today: date, limit: int) -> list[StoredItem]:
        """Consultations whose deadline has not passed, soonest first; unknown deadlines last."""
        rows = self._db.execute(
            "SELECT * FROM items WHERE kind = 'consultation'"
            " AND (deadline IS NULL OR deadline >= ?)"
            " ORDER BY deadline IS NULL, deadline, published DESC LIMIT ?",
            (today.isoformat(), limit),
        )
        return [self._item(row) for row in rows]

    # -- announcements -----------------------------------------------------------------------

    def add_announcement(
        self, text: str, author: str, now: datetime, publish_at: datetime, state: str
    ) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO announcements (text, author, created, publish_at, state)"
                " VALUES (?, ?, ?, ?, ?)",
                (text, author, _iso(now), _iso(publish_at), state),
            )
        return int(cursor.lastrowid or 0)

    def announcement(self, announcement_id: int) -> StoredAnnouncement | None:
        row = self._db.execute(
            "SELECT * FROM announcements WHERE id = ?", (announcement_id,)
        ).fetchone()
        return self._announcement(row) if row else None

    def announcements(self, state: str, limit: int = 100) -> list[StoredAnnouncement]:
        """Announcements in one state; published ones newest first, others by due time."""
        order = "published DESC, id DESC" if state == "published" else "publish_at, id"
        rows = self._db.execute(
            f"SELECT * FROM announcements WHERE state = ? ORDER BY {order} LIMIT ?",  # noqa: S608
            (state, limit),
        )
        return [self._announcement(row) for row in rows]

    def set_announcement_state(
        self,
        announcement_id: int,
        state: str,
        published: datetime | None = None,
        only_from: str | None = None,
    ) -> bool:
        """False when there is no such announcement, or it is no longer in state ``only_from``
        (a cancel and the publishing of a due announcement race: exactly one of them wins)."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE announcements SET state = ?, published = coalesce(?, published)"
                " WHERE id = ? AND (? IS NULL OR state = ?)",
                (
                    state,
                    _iso(published) if published else None,
                    announcement_id,
                    only_from,
                    only_from,
                ),
            )
        return cursor.rowcount > 0

    @staticmethod
    def _announcement(row: sqlite3.Row) -> StoredAnnouncement:
        return StoredAnnouncement(
            id=row["id"],
            text=row["text"],
            author=row["author"],
            created=datetime.fromisoformat(row["created"]),
            publish_at=datetime.fromisoformat(row["publish_at"]),
            state=row["state"],
            published=_from_iso(row["published"]),
        )

    # -- the outbox --------------------------------------------------------------------------
    # A post is one message to one chat ("channel" or a private chat id). States: pending ->
    # sending -> sent; or failed (Telegram refused it), unknown (the outcome of the send is not
    # known: never sent again), expired (too old when its turn came), merged (into a digest).

    def enqueue(self, chat: str, kind: str, refs: Sequence[int], now: datetime) -> int:
        """Queue one post per ref; a ref already queued for this chat and kind is skipped."""
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO posts (chat, kind, ref, state, created)"
                " VALUES (?, ?, ?, 'pending', ?)",
                [(chat, kind, ref, _iso(now)) for ref in refs],
            )
            return db.total_changes - before

    def pending_posts(self, chat: str, now: datetime) -> list[OutboxPost]:
        rows = self._db.execute(
            "SELECT * FROM posts WHERE chat = ? AND state = 'pending'"
            " AND (not_before IS NULL OR not_before <= ?) ORDER BY id",
            (chat, _iso(now)),
        )
        return [self._post(row) for row in rows]

    def pending_count(self, chat: str) -> int:
        row = self._db.execute(
            "SELECT count(*) FROM posts WHERE chat = ? AND state = 'pending'", (chat,)
        ).fetchone()
        return int(row[0])

    def next_not_before(self, chat: str | None) -> datetime | None:
        """When the next deferred post (of one chat, or of any) may go."""
        row = self._db.execute(
            "SELECT min(not_before) FROM posts WHERE state = 'pending' AND (? IS NULL OR chat = ?)",
            (chat, chat),
        ).fetchone()
        return _from_iso(row[0])

    def chats_with_work(self, now: datetime) -> list[str]:
        """Chats with a post that may go now or an edit to make; the channel first."""
        rows = self._db.execute(
            "SELECT DISTINCT chat FROM posts WHERE (state = 'pending'"
            " AND (not_before IS NULL OR not_before <= ?)) OR (state = 'sent' AND edit_pending = 1)"
            " ORDER BY chat != 'channel', chat",
            (_iso(now),),
        )
        return [str(row[0]) for row in rows]

    def defer_chat(self, chat: str, until: datetime) -> None:
        """Nothing goes to this chat before ``until`` (it refused the bot)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE posts SET not_before = ? WHERE chat = ? AND state = 'pending'"
                " AND (not_before IS NULL OR not_before < ?)",
                (_iso(until), chat, _iso(until)),
            )

    def post(self, post_id: int) -> OutboxPost | None:
        row = self._db.execute("SELECT * FROM posts WHERE id = ?", (post_id,)).fetchone()
        return self._post(row) if row else None

    def make_digests(self, chat: str, groups: Sequence[Sequence[int]], now: datetime) -> None:
        """Merge groups of pending item posts into digest posts (one transaction)."""
        with self.transaction() as db:
            for group in groups:
                cursor = db.execute(
                    "INSERT INTO posts (chat, kind, state, created) VALUES (?, 'digest',"
                    " 'pending', ?)",
                    (chat, _iso(now)),
                )
                digest_id = cursor.lastrowid
                db.executemany(
                    "UPDATE posts SET state = 'merged', digest_id = ? WHERE id = ?"
                    " AND state = 'pending'",
                    [(digest_id, post_id) for post_id in group],
                )

    def digest_refs(self, digest_id: int) -> list[int]:
        rows = self._db.execute(
            "SELECT ref FROM posts WHERE digest_id = ? ORDER BY id", (digest_id,)
        )
        return [int(row[0]) for row in rows]

    def claim(self, post_id: int, now: datetime) -> bool:
        """pending -> sending, before the request goes out (a crash leaves it 'sending')."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE posts SET state = 'sending', attempts = attempts + 1, sent_at = ?"
                " WHERE id = ? AND state = 'pending'",
                (_iso(now), post_id),
            )
        return cursor.rowcount == 1

    def mark_sent(
        self, post_id: int, chat_id: str, message_id: int, text: str, silent: bool, now: datetime
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE posts SET state = 'sent', chat_id = ?, message_id = ?, text = ?,"
                " silent = ?, sent_at = ?, error = NULL, edit_pending = 0 WHERE id = ?",
                (chat_id, message_id, text, int(silent), _iso(now), post_id),
            )

    def mark_retry(self, post_id: int, not_before: datetime, error: str) -> None:
        """The send provably did not reach Telegram: pending again, not before the given time."""
        with self.transaction() as db:
            db.execute(
                "UPDATE posts SET state = 'pending', not_before = ?, error = ? WHERE id = ?",
                (_iso(not_before), error, post_id),
            )

    def mark_done(self, post_id: int, state: str, error: str | None) -> None:
        """A final state other than sent: failed, unknown, expired."""
        with self.transaction() as db:
            db.execute(
                "UPDATE posts SET state = ?, error = ? WHERE id = ?", (state, error, post_id)
            )

    def recover_sending(self) -> list[tuple[int, bool]]:
        """Posts a crash left 'sending' (the lock holder calls this before draining): each goes
        back to pending once (True); one whose repeat was cut off too becomes 'unknown'."""
        with self.transaction() as db:
            rows = db.execute("SELECT id, uncertain FROM posts WHERE state = 'sending'").fetchall()
            for row in rows:
                self._uncertain(db, int(row["id"]), int(row["uncertain"]), None, "cut off")
        return [(int(row["id"]), not row["uncertain"]) for row in rows]

    def mark_uncertain(self, post_id: int, not_before: datetime, error: str) -> bool:
        """The send's outcome is unknown: pending again once (True), else 'unknown' for good."""
        with self.transaction() as db:
            row = db.execute("SELECT uncertain FROM posts WHERE id = ?", (post_id,)).fetchone()
            self._uncertain(db, post_id, int(row["uncertain"]), not_before, error)
        return not row["uncertain"]

    @staticmethod
    def _uncertain(
        db: sqlite3.Connection, post_id: int, before: int, not_before: datetime | None, error: str
    ) -> None:
        if before:
            db.execute(
                "UPDATE posts SET state = 'unknown', error = ? WHERE id = ?", (error, post_id)
            )
        else:
            db.execute(
                "UPDATE posts SET state = 'pending', uncertain = 1, error = ?, not_before = ?"
                " WHERE id = ?",
                (error, _iso(not_before) if not_before else None, post_id),
            )

    def request_edits(self, item_ids: Sequence[int]) -> int:
        """Sent posts that show one of these items are to be edited (their text re-rendered)."""
        if not item_ids:
            return 0
        ids = json.dumps(list(item_ids))
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE posts SET edit_pending = 1 WHERE state = 'sent' AND message_id IS NOT NULL"
                " AND ((kind = 'item' AND ref IN (SELECT value FROM json_each(?)))"
                " OR id IN (SELECT digest_id FROM posts WHERE state = 'merged'"
                " AND ref IN (SELECT value FROM json_each(?))))",
                (ids, ids),
            )
        return cursor.rowcount

    def posts_to_edit(self, chat: str) -> list[OutboxPost]:
        rows = self._db.execute(
            "SELECT * FROM posts WHERE chat = ? AND state = 'sent' AND edit_pending = 1"
            " ORDER BY id",
            (chat,),
        )
        return [self._post(row) for row in rows]

    def mark_edited(self, post_id: int, text: str | None) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE posts SET edit_pending = 0, text = coalesce(?, text) WHERE id = ?",
                (text, post_id),
            )

    def sent_post_for_message(self, chat_id: str, message_id: int) -> OutboxPost | None:
        row = self._db.execute(
            "SELECT * FROM posts WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        ).fetchone()
        return self._post(row) if row else None

    def outbox_counts(self) -> dict[str, int]:
        """Posts by state (what /healthz and /sources show of the outbox)."""
        rows = self._db.execute("SELECT state, count(*) FROM posts GROUP BY state")
        return {row[0]: int(row[1]) for row in rows}

    @staticmethod
    def _post(row: sqlite3.Row) -> OutboxPost:
        return OutboxPost(
            id=row["id"],
            chat=row["chat"],
            kind=row["kind"],
            ref=row["ref"],
            state=row["state"],
            attempts=row["attempts"],
            chat_id=row["chat_id"],
            message_id=row["message_id"],
            text=row["text"],
            silent=bool(row["silent"]),
            error=row["error"],
            uncertain=bool(row["uncertain"]),
        )

    # -- subscribers ---------------------------------------------------------------------------

    def subscribe(
        self, chat_id: int, news: bool, consultations: bool, lang: str, now: datetime
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO subscribers (chat_id, news, consultations, lang, created)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET"
                " news = excluded.news, consultations = excluded.consultations,"
                " lang = excluded.lang",
                (chat_id, int(news), int(consultations), lang, _iso(now)),
            )

    def subscriber(self, chat_id: int) -> Subscriber | None:
        row = self._db.execute("SELECT * FROM subscribers WHERE chat_id = ?", (chat_id,)).fetchone()
        return self._subscriber(row) if row else None

    def subscribers(self) -> list[Subscriber]:
        rows = self._db.execute("SELECT * FROM subscribers ORDER BY chat_id")
        return [self._subscriber(row) for row in rows]

    def forget(self, chat_id: int) -> int:
        """Delete everything stored about a user: subscription, queued private posts, drafts.
        Returns how many rows went."""
        chat = str(chat_id)
        with self.transaction() as db:
            gone = db.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,)).rowcount
            gone += db.execute("DELETE FROM posts WHERE chat = ?", (chat,)).rowcount
            gone += db.execute("DELETE FROM sends WHERE chat_id = ?", (chat,)).rowcount
            gone += db.execute(
                "DELETE FROM drafts WHERE coordinator = ? AND state = 'open'", (chat_id,)
            ).rowcount
        return gone

    @staticmethod
    def _subscriber(row: sqlite3.Row) -> Subscriber:
        return Subscriber(
            chat_id=row["chat_id"],
            news=bool(row["news"]),
            consultations=bool(row["consultations"]),
            lang=row["lang"],
            created=datetime.fromisoformat(row["created"]),
        )

    # -- the coordinator: drafts, the record of actions, notices -----------------------------

    def add_draft(self, coordinator: int, text: str, now: datetime) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO drafts (coordinator, text, created, state) VALUES (?, ?, ?, 'open')",
                (coordinator, text, _iso(now)),
            )
        return int(cursor.lastrowid or 0)

    def draft(self, draft_id: int) -> Draft | None:
        row = self._db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            return None
        return Draft(
            id=row["id"],
            coordinator=row["coordinator"],
            text=row["text"],
            created=datetime.fromisoformat(row["created"]),
            state=row["state"],
            announcement_id=row["announcement_id"],
        )

    def close_draft(self, draft_id: int, state: str, announcement_id: int | None = None) -> bool:
        """open -> sent, scheduled or cancelled; False when it was no longer open (a second
        press of the same button does nothing)."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE drafts SET state = ?, announcement_id = ? WHERE id = ? AND state = 'open'",
                (state, announcement_id, draft_id),
            )
        return cursor.rowcount == 1

    def link_draft(self, draft_id: int, announcement_id: int) -> None:
        """The announcement a closed draft became (it is claimed before the announcement
        exists, so that a second press of the button does nothing)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE drafts SET announcement_id = ? WHERE id = ?", (announcement_id, draft_id)
            )

    def record_action(self, actor: int | None, action: str, detail: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                (_iso(now), actor, action, detail),
            )

    def actions(self, limit: int = 50) -> list[tuple[datetime, int | None, str, str]]:
        rows = self._db.execute(
            "SELECT at, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [(datetime.fromisoformat(r[0]), r[1], r[2], r[3]) for r in rows]

    def claim_notice(self, problem: str, now: datetime, every: timedelta) -> bool:
        """True at most once per ``every`` for one problem (coordinators are told once a day)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT last_sent FROM notices WHERE problem = ?", (problem,)
            ).fetchone()
            if row is not None and datetime.fromisoformat(row[0]) > now - every:
                return False
            db.execute(
                "INSERT INTO notices (problem, last_sent) VALUES (?, ?)"
                " ON CONFLICT (problem) DO UPDATE SET last_sent = excluded.last_sent",
                (problem, _iso(now)),
            )
        return True

    # -- keeping no more than needed -----------------------------------------------------------

    def housekeep(self, now: datetime) -> Housekept:
        """Delete what is stored about people once it is no longer needed (the periods are the
        KEEP_* constants): sent private notifications, old drafts, old audit records, the
        pacing log. Posts still waiting are never touched, nor a digest's items while the
        digest is kept."""
        private_cutoff = _iso(now - KEEP_PRIVATE_POSTS)
        with self.transaction() as db:
            done = db.execute(
                "SELECT id FROM posts WHERE chat != 'channel'"
                " AND state NOT IN ('pending', 'sending', 'merged')"
                " AND coalesce(sent_at, created) < ?",
                (private_cutoff,),
            ).fetchall()
            ids = [row[0] for row in done]
            posts = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                # a digest's items first: they refer to it
                posts += db.execute(
                    f"DELETE FROM posts WHERE state = 'merged' AND digest_id IN ({marks})",  # noqa: S608
                    chunk,
                ).rowcount
                posts += db.execute(
                    f"DELETE FROM posts WHERE id IN ({marks})",  # noqa: S608
                    chunk,
                ).rowcount
            drafts = db.execute(
                "DELETE FROM drafts WHERE created < ?", (_iso(now - KEEP_DRAFTS),)
            ).rowcount
            audit = db.execute("DELETE FROM audit WHERE at < ?", (_iso(now - KEEP_AUDIT),)).rowcount
            sends = db.execute(
                "DELETE FROM sends WHERE at < ?", (_iso_ms(now - KEEP_SENDS),)
            ).rowcount
        return Housekept(private_posts=posts, drafts=drafts, audit=audit, sends=sends)

    def restored(self) -> None:
        """After a restore: every source's next fetch counts as its first sight, so the items
        that arrived since the backup go to the feeds but not once more to the channel."""
        with self.transaction() as db:
            db.execute(
                "UPDATE sources SET first_success = NULL, etag = NULL, last_modified = NULL,"
                " next_due = NULL"
            )

    # -- pacing log and small settings -------------------------------------------------------

    def record_send(self, chat_id: str, at: datetime) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO sends (chat_id, at) VALUES (?, ?)", (chat_id, _iso_ms(at)))
            db.execute("DELETE FROM sends WHERE at < ?", (_iso_ms(at - KEEP_SENDS),))

    def recent_sends(self, since: datetime) -> list[tuple[str, datetime]]:
        rows = self._db.execute(
            "SELECT chat_id, at FROM sends WHERE at >= ? ORDER BY at", (_iso_ms(since),)
        )
        return [(row[0], datetime.fromisoformat(row[1])) for row in rows]

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
        return await loop.run_in_executor(self._executor, self._guarded, function, args)

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """The same from synchronous code (commands that are not async)."""
        return self._executor.submit(self._guarded, function, args).result()

    def _guarded(self, function: Callable[..., T], args: tuple[Any, ...]) -> T:
        """A database that cannot be read or written is a StoreError (a runtime failure)."""
        try:
            return function(self._store, *args)
        except sqlite3.Error as exc:
            raise StoreError(f"database {self._store.path}: {exc}") from exc

    def close(self) -> None:
        self._executor.submit(self._store.close).result()
        self._executor.shutdown(wait=True)
