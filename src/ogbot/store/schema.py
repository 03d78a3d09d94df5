"""The schema: its migrations, applying them, and SQLite's online copy of a database.

The schema is versioned from the start (``PRAGMA user_version`` counts the migrations applied);
a migration script is applied statement by statement inside one transaction, so a failing
migration leaves the database as it was.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from ogbot.store.base import StoreError, transaction

DB_NAME = "ogbot.sqlite3"
BACKUPS_DIR = "backups"  # inside the data directory: copies made before a migration or restore

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
    # 5: why a source's next fetch is when it is (models.DueReason: interval, backoff, or what
    # the server asked: retry-after, max-age, expires); NULL until its next fetch
    """
    ALTER TABLE sources ADD COLUMN next_due_reason TEXT;
    """,
    # 6: the name people see of a source: its configured title ([[sources]] title, kept in step
    # with the configuration like its url) and the feed's own title from its last successful
    # parse.
    """
    ALTER TABLE sources ADD COLUMN title TEXT;
    ALTER TABLE sources ADD COLUMN feed_title TEXT;
    """,
    # 7: the outbox's fan-out in the database: the oldest pending post, and the oldest post
    # to edit, are found by an index range scan in queue order (``next_private_chats``), not
    # by scanning every chat with work
    """
    CREATE INDEX posts_waiting ON posts (state, id);
    CREATE INDEX posts_edits ON posts (id) WHERE edit_pending = 1;
    """,
    # 8: review before posting ([[sources]] review): an item of such a source waits for a
    # coordinator's decision (the title they corrected shown instead of the source's); the
    # preview each coordinator gets, sent once as the outbox sends its posts
    """
    CREATE TABLE reviews (
        item_id INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        state TEXT NOT NULL,
        created TEXT NOT NULL,
        title TEXT,
        decided_at TEXT,
        decided_by TEXT,
        actor INTEGER
    );
    CREATE INDEX reviews_state ON reviews (state, created);
    CREATE TABLE review_previews (
        item_id INTEGER NOT NULL REFERENCES reviews (item_id) ON DELETE CASCADE,
        coordinator INTEGER NOT NULL,
        state TEXT NOT NULL,
        not_before TEXT,
        uncertain INTEGER NOT NULL DEFAULT 0,
        message_id INTEGER,
        PRIMARY KEY (item_id, coordinator)
    );
    """,
    # 9: rich announcements: the coordinator's formatting (Telegram HTML, NULL: plain text), a
    # photo (Telegram's file id; its copy for the feeds in public/media/), when it was last
    # corrected; the same on drafts (a draft made with an announcement_id corrects that one)
    """
    ALTER TABLE announcements ADD COLUMN html TEXT;
    ALTER TABLE announcements ADD COLUMN photo TEXT;
    ALTER TABLE announcements ADD COLUMN image TEXT;
    ALTER TABLE announcements ADD COLUMN edited TEXT;
    ALTER TABLE drafts ADD COLUMN html TEXT;
    ALTER TABLE drafts ADD COLUMN photo TEXT;
    ALTER TABLE drafts ADD COLUMN image TEXT;
    """,
)


def statements(script: str) -> Iterator[str]:
    """A migration script's statements one by one, as :func:`sqlite3.complete_statement`
    reads them: a statement may end at each semicolon, and ends at the first one after which
    it is complete, so a semicolon inside a string literal, a quoted name, a comment or a
    trigger's ``BEGIN … END`` body stays inside its statement. (``executescript`` would commit
    the migration's transaction first; ``split(";")`` would cut those statements apart.)"""
    start = 0
    end = script.find(";")
    while end != -1:
        candidate = script[start : end + 1]
        if sqlite3.complete_statement(candidate):
            if candidate.strip(" \t\r\n;"):
                yield candidate.strip()
            start = end + 1
        end = script.find(";", end + 1)
    rest = script[start:].strip()
    if rest:  # the last statement without its semicolon, or a closing comment
        if not sqlite3.complete_statement(rest + "\n;"):
            raise StoreError(f"incomplete statement in a migration: {rest[:60]!r}")
        yield rest + "\n;"


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> None:
    """Bring the schema to the newest version, one migration per transaction."""
    for number, script in enumerate(migrations, start=1):
        if schema_version(db) >= number:
            continue
        with transaction(db):
            for statement in statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")


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
