"""The store on its own: migrations applied statement by statement, what it records for the
sources (the backoff is the watch stage's), housekeeping for the periods it is given, and the
typed async adapter. Everything against a real SQLite file, as ogbot uses it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ogbot.models import Retention, Validators
from ogbot.store import DB_NAME, MIGRATIONS, AsyncStore, Store, StoreError
from ogbot.store.schema import migrate, statements
from ogbot.watch import backoff

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEEP = Retention()

# A migration that split(";") would cut apart: a semicolon in a string literal, in a quoted
# name, in comments, and a trigger whose body holds statements of its own; the last
# statement has no semicolon.
TRICKY = """
    -- notes; with a semicolon
    CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, "a;b" TEXT);
    CREATE TABLE log (note INTEGER, what TEXT);
    INSERT INTO notes (text, "a;b") VALUES ('eins; zwei', 'x;y');
    /* a block comment; also with one */
    CREATE TRIGGER notes_log AFTER INSERT ON notes BEGIN
        INSERT INTO log (note, what) VALUES (new.id, 'added; ' || new.text);
        UPDATE notes SET text = text || ';' WHERE id = new.id;
    END;
    INSERT INTO notes (text) VALUES ('drei')
"""


# --- migrations -------------------------------------------------------------------------------


def test_a_migration_is_applied_statement_by_statement_as_sqlite_reads_it():
    naive = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.Error):  # what split(";") made of it: broken pieces
        for piece in TRICKY.split(";"):
            naive.execute(piece)
    assert [s.split()[0] for s in statements(TRICKY)] == [
        "--",
        "CREATE",
        "INSERT",
        "/*",
        "INSERT",
    ]
    assert all(sqlite3.complete_statement(s) for s in statements(TRICKY))

    db = sqlite3.connect(":memory:", isolation_level=None)
    migrate(db, (TRICKY,))

    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert db.execute('SELECT id, text, "a;b" FROM notes ORDER BY id').fetchall() == [
        (1, "eins; zwei", "x;y"),
        (2, "drei;", None),  # the trigger ran whole: its second statement too
    ]
    assert db.execute("SELECT note, what FROM log").fetchall() == [(2, "added; drei")]


def test_the_migrations_split_into_the_statements_they_hold():
    triggers = 0
    for script in MIGRATIONS:
        for statement in statements(script):
            assert sqlite3.complete_statement(statement)
            triggers += statement.lstrip().upper().startswith("CREATE TRIGGER")
    assert triggers == 3


def test_an_unfinished_statement_in_a_migration_is_refused():
    with pytest.raises(StoreError, match="incomplete statement"):
        list(statements("CREATE TABLE a (x); CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1;"))


def test_a_failing_migration_leaves_the_database_as_it_was():
    db = sqlite3.connect(":memory:", isolation_level=None)
    good = "CREATE TABLE a (x);"
    bad = "CREATE TABLE b (x); INSERT INTO nowhere VALUES (1);"
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        migrate(db, (good, bad))
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert tables == {"a"}  # b was rolled back with the rest of its migration


# --- sources: the store records, the watch stage decides when a source is due ----------------


def test_backoff_doubles_per_failure_up_to_a_day():
    interval = timedelta(minutes=10)
    assert backoff.next_due(NOW, interval) == NOW + interval
    assert [backoff.next_due(NOW, interval, n) - NOW for n in (1, 2, 3)] == [
        timedelta(minutes=20),
        timedelta(minutes=40),
        timedelta(minutes=80),
    ]
    assert backoff.next_due(NOW, interval, 10_000) == NOW + backoff.MAX_BACKOFF
    assert timedelta(hours=24) == backoff.MAX_BACKOFF


def test_the_store_records_failures_and_recovery_with_the_due_time_given(tmp_path):
    store = Store.open(tmp_path)
    try:
        store.source_state("s", "https://example.org/feed")
        first = store.record_failure("s", NOW, NOW + timedelta(minutes=20), "HTTP 503")
        later = NOW + timedelta(minutes=20)
        second = store.record_failure("s", later, later + timedelta(minutes=40), "HTTP 503")
        state = store.source_state("s", "https://example.org/feed")
        assert (first, second) == (1, 2)
        assert state.failures == 2 and state.failing_since == NOW
        assert state.next_due == later + timedelta(minutes=40)
        assert state.last_status == "error" and state.last_error == "HTTP 503"

        store.record_success("s", later, later + timedelta(minutes=10), Validators("e", None), "ok")
        state = store.source_state("s", "https://example.org/feed")
        assert state.failures == 0 and state.failing_since is None
        assert state.next_due == later + timedelta(minutes=10)
        assert state.first_success == later and state.validators == Validators("e", None)
    finally:
        store.close()


# --- keeping no more than needed --------------------------------------------------------------


def test_the_retention_periods_are_the_ones_the_readme_promises():
    assert (
        Retention(
            private_posts=timedelta(days=2),
            drafts=timedelta(days=30),
            audit=timedelta(days=365),
            sends=timedelta(hours=1),
        )
        == KEEP
    )
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for promise in ("| 2 Tage nach dem Versand |", "| 1 Stunde |", "30 Tage nach dem Erstellen"):
        assert promise in readme
    assert "| 365 Tage |" in readme


def test_housekeeping_deletes_what_is_no_longer_needed_and_nothing_else(tmp_path):
    now = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    store = Store.open(tmp_path / "data")
    try:
        store.subscribe(11, True, True, "de", now - timedelta(days=400))
        store.subscribe(22, True, False, "en", now - timedelta(days=2))

        def sent_post(chat: str, ref: int, at: datetime) -> int:
            store.enqueue(chat, "item", [ref], at)
            post = store.pending_posts(chat, at)[-1]
            assert store.claim(post.id, at)
            store.mark_sent(post.id, chat, ref, f"Post {ref}", False, at)
            return post.id

        old_private = sent_post("11", 1, now - timedelta(days=3))
        recent_private = sent_post("11", 2, now - timedelta(days=1))
        old_channel = sent_post("channel", 1, now - timedelta(days=300))
        store.enqueue("22", "item", [3], now - timedelta(days=9))  # still waiting (Telegram off)
        # an old digest sent to a subscriber, with its items
        store.enqueue("22", "item", [4, 5], now - timedelta(days=5))
        members = [post.id for post in store.pending_posts("22", now)][-2:]
        store.make_digests("22", [members], now - timedelta(days=5))
        digest = store.pending_posts("22", now)[-1]
        assert digest.kind == "digest" and store.claim(digest.id, now - timedelta(days=5))
        store.mark_sent(digest.id, "22", 99, "Digest", False, now - timedelta(days=5))

        store.add_draft(11, "ein alter Entwurf", now - timedelta(days=31))
        recent_draft = store.add_draft(11, "ein neuer Entwurf", now - timedelta(days=29))
        store.record_action(11, "announce", "alt", now - timedelta(days=366))
        store.record_action(11, "announce", "neu", now - timedelta(days=364))
        store.record_send("22", now - timedelta(hours=2), KEEP.sends)
        store.record_send("22", now - timedelta(minutes=5), KEEP.sends)

        gone = store.housekeep(now, KEEP)

        assert (gone.private_posts, gone.drafts, gone.audit) == (4, 1, 1)
        assert store.post(old_private) is None
        assert store.post(digest.id) is None and all(store.post(m) is None for m in members)
        assert store.post(recent_private) is not None
        assert store.post(old_channel) is not None  # the channel's posts are public, not personal
        assert [post.ref for post in store.pending_posts("22", now)] == [3]
        assert store.draft(recent_draft) is not None
        assert [action[3] for action in store.actions()] == ["neu"]
        assert len(store.recent_sends(now - timedelta(days=1))) == 1
        # subscribers stay until they leave
        assert [s.chat_id for s in store.subscribers()] == [11, 22]
        assert store.housekeep(now, KEEP).total == 0
    finally:
        store.close()


def test_housekeeping_keeps_for_the_periods_it_is_given(tmp_path):
    now = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    store = Store.open(tmp_path / "data")
    try:
        store.add_draft(11, "acht Tage alt", now - timedelta(days=8))
        kept = store.add_draft(11, "sechs Tage alt", now - timedelta(days=6))
        store.record_action(11, "announce", "alt", now - timedelta(days=40))
        store.record_send("22", now - timedelta(minutes=20), timedelta(minutes=30))
        store.record_send("22", now - timedelta(minutes=5), timedelta(minutes=30))

        week = Retention(drafts=timedelta(days=7), audit=timedelta(days=30), sends=timedelta(0))
        gone = store.housekeep(now, week)

        assert (gone.drafts, gone.audit, gone.sends) == (1, 1, 2)
        assert store.draft(kept) is not None and store.actions() == []
    finally:
        store.close()


def test_the_pacing_log_keeps_what_it_is_told_to(tmp_path):
    store = Store.open(tmp_path)
    try:
        store.record_send("1", NOW - timedelta(minutes=50), timedelta(minutes=30))
        store.record_send("2", NOW - timedelta(minutes=20), timedelta(minutes=30))
        store.record_send("3", NOW, timedelta(minutes=30))
        assert [chat for chat, _ in store.recent_sends(NOW - timedelta(days=1))] == ["2", "3"]
    finally:
        store.close()


# --- the async adapter ------------------------------------------------------------------------


def test_the_async_store_calls_a_method_with_its_arguments_on_its_own_thread(tmp_path):
    store = AsyncStore.open(tmp_path)
    try:

        async def main() -> tuple[str | None, bool]:
            await store.call(Store.set_meta, "k", "v")
            value = await store.call(Store.meta, key="k")
            thread = await store.call(lambda _: threading.current_thread().name)
            return value, thread.startswith("ogbot-store")

        assert asyncio.run(main()) == ("v", True)
        assert store.run(Store.meta, "k") == "v"
        assert store.run(Store.close_draft, 1, "sent", announcement_id=None) is False
    finally:
        store.close()
    assert (tmp_path / DB_NAME).exists()


def test_a_database_error_in_a_call_is_a_store_error(tmp_path):
    store = AsyncStore.open(tmp_path)
    try:

        def broken(s: Store) -> None:
            s.meta("k")
            raise sqlite3.OperationalError("disk I/O error")

        with pytest.raises(StoreError, match="disk I/O error"):
            store.run(broken)
        with pytest.raises(StoreError, match="disk I/O error"):
            asyncio.run(store.call(broken))
    finally:
        store.close()
