"""Operating ogbot for years: schema migrations from older databases, `ogbot backup` and
`ogbot restore` as an operator runs them (real subprocesses, a real `ogbot run`), and the
housekeeping that keeps no more about people than the Datenschutz section promises."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import httpx
import pytest

from ogbot.backup import backup
from ogbot.lock import DataLock
from ogbot.store import DB_NAME, MIGRATIONS, Store
from tests.fakes.telegram import CHANNEL, TOKEN, FakeTelegram
from tests.fakes.web import FakeWeb
from tests.shell import clean_env, ogbot
from tests.test_publish import Story, wordpress_rss
from tests.test_run import Running, wait_for

OLD_DATABASES = Path(__file__).parent / "data" / "db"
NEWEST = len(MIGRATIONS)


# --- helpers ----------------------------------------------------------------------------------


def old_database(data_dir: Path, version: int) -> Path:
    """A database written by ogbot's own commands at schema ``version`` (tests/data/db)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_NAME
    db = sqlite3.connect(path)
    db.executescript((OLD_DATABASES / f"v{version}.sql").read_text(encoding="utf-8"))
    db.close()
    return path


def rows(
    path: Path, *, skip: tuple[str, ...] = (), only: dict[str, list[str]] | None = None
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in order: what 'nothing lost' is checked against. ``only``:
    of a table named there, just these columns (those it had before a migration added some)."""
    db = sqlite3.connect(path)
    try:
        tables = [
            (row[0], "WITHOUT ROWID" in (row[1] or "").upper())
            for row in db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if row[0] not in skip
        ]

        def select(table: str) -> str:
            names = (only or {}).get(table)
            return ", ".join(f'"{name}"' for name in names) if names else "*"

        return {
            # a table without rowid (the search index's own tables) in a stable order of its own
            table: sorted(db.execute(f'SELECT {select(table)} FROM "{table}"').fetchall(), key=repr)
            if without_rowid
            else db.execute(f'SELECT {select(table)} FROM "{table}" ORDER BY rowid').fetchall()
            for table, without_rowid in tables
        }
    finally:
        db.close()


def columns(path: Path) -> dict[str, list[str]]:
    """Every table's columns, in order."""
    db = sqlite3.connect(path)
    try:
        found = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {
            table: [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
            for (table,) in found
        }
    finally:
        db.close()


def assert_added_columns_hold_their_defaults(path: Path, old: dict[str, list[str]]) -> None:
    """A column a migration added to a table holds its declared default in every old row."""
    db = sqlite3.connect(path)
    try:
        for table, names in old.items():
            for _, name, _, _, default, _ in db.execute(f'PRAGMA table_info("{table}")'):
                if name in names:
                    continue
                expected = db.execute(f"SELECT {default or 'NULL'}").fetchone()[0]
                values = {value for (value,) in db.execute(f'SELECT "{name}" FROM "{table}"')}
                assert values <= {expected}, f"{table}.{name} was filled in the migration"
    finally:
        db.close()


def schema(path: Path) -> set[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return {
            (row[0], " ".join(row[1].split()))
            for row in db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        }
    finally:
        db.close()


def user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


class Shell:
    """The operator's shell: `ogbot ...` with a data directory and a config."""

    def __init__(self, tmp: Path, data: Path, **env: str) -> None:
        self.tmp, self.data = tmp, data
        self.env = clean_env(OGBOT_DATA_DIR=str(data), OGBOT_FETCH_ALLOW_PRIVATE="true", **env)

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return ogbot(self.tmp, *args, env={**self.env, **env})


def telegram_shell(tmp_path: Path, telegram: FakeTelegram, **env: str) -> Shell:
    """The shell of a server with the token, the channel and ./ogbot.toml."""
    return Shell(
        tmp_path,
        tmp_path / "data",
        OGBOT_CONFIG=str(tmp_path / "ogbot.toml"),
        OGBOT_TELEGRAM_TOKEN=TOKEN,
        OGBOT_TELEGRAM_API_URL=telegram.api_url,
        OGBOT_TELEGRAM_CHANNEL=CHANNEL,
        OGBOT_PUBLISH_QUIET_HOURS="",
        **env,
    )


@pytest.fixture
def shell(tmp_path: Path) -> Shell:
    return Shell(tmp_path, tmp_path / "data")


# --- migrations -------------------------------------------------------------------------------


def test_store_gives_an_empty_database_the_newest_schema_and_keeps_it_private(tmp_path):
    old_umask = os.umask(0o022)
    try:
        store = Store.open(tmp_path / "data")
        store.close()
    finally:
        os.umask(old_umask)
    path = tmp_path / "data" / DB_NAME
    assert user_version(path) == NEWEST
    assert {"sources", "items", "posts", "subscribers", "drafts", "audit"} <= set(rows(path))
    # subscribers' chat ids are in it: nobody but ogbot's user reads it, whatever the umask
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (tmp_path / "data" / "backups").exists()  # nothing to keep from an empty one


@pytest.mark.parametrize("version", [1, 2, 3])
def test_store_migrates_an_older_database_keeping_every_row_and_a_copy(tmp_path, version):
    path = old_database(tmp_path / "data", version)
    before = rows(path)
    old_columns = columns(path)
    assert before["items"], "the fixture holds the items its ogbot stored"

    store = Store(path)
    store.close()

    assert user_version(path) == NEWEST
    # every row keeps every value it had; a column added to a table holds its default
    after = rows(path, only=old_columns)
    for table, table_rows in before.items():
        assert after[table] == table_rows, f"{table} changed in the migration"
    assert_added_columns_hold_their_defaults(path, old_columns)
    # the same schema as a database that was new at this version: no migration drifted
    fresh = tmp_path / "fresh" / DB_NAME
    Store(fresh).close()
    assert schema(path) == schema(fresh)
    # the database as it was, kept for a downgrade
    kept = tmp_path / "data" / "backups" / f"before-schema-{NEWEST}.sqlite3"
    assert user_version(kept) == version
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert rows(kept) == before
    # opening again migrates nothing and keeps the copy as it is
    kept_bytes = kept.read_bytes()
    Store(path).close()
    assert kept.read_bytes() == kept_bytes


@pytest.mark.parametrize("version", [1, 2, 3])
def test_store_migration_indexes_the_items_an_older_database_holds_for_search(tmp_path, version):
    path = old_database(tmp_path / "data", version)
    db = sqlite3.connect(path)
    stored = dict(db.execute("SELECT id, title FROM items").fetchall())
    db.close()

    store = Store(path)
    try:
        # every item the old ogbot stored is found by a word of its title
        for item_id, title in stored.items():
            word = max(re.findall(r"[^\W_]+", title), key=len)
            assert item_id in {found.id for found in store.search_items(word, 100)}, title
        # German words by their beginning, umlauts and case folded, newest first
        found = store.search_items("aktionsplan", 100)
        assert found and all(
            "aktionsplan" in f"{i.title} {i.summary} {i.categories}".lower() for i in found
        )
        assert [i.published for i in found] == sorted((i.published for i in found), reverse=True)
        assert store.search_items("RÜCKBLICK beteiligung", 100)
        assert store.search_items("ruckblick beteiligung", 100) == store.search_items(
            "Rückblick Beteiligung", 100
        )
        assert {i.kind for i in store.search_items("aktionsplan", 100, "consultation")} == {
            "consultation"
        }
    finally:
        store.close()


def test_run_starts_from_a_schema_1_database_with_its_items_in_the_feeds(
    tmp_path: Path, fake_web: FakeWeb
):
    run = Running(tmp_path, fake_web, None)
    old_database(tmp_path / "data", 1)
    titles = {
        row[0]
        for row in sqlite3.connect(tmp_path / "data" / DB_NAME).execute("SELECT title FROM items")
    }
    run.start()
    try:

        def feed() -> set[str]:
            atom = feedparser.parse(httpx.get(run.url + "/feed.atom", timeout=5).content)
            return {entry.title for entry in atom.entries}

        # the old ogbot wrote no feeds; the first cycle does, with everything it had stored
        assert wait_for(feed, what="the feed") >= titles
        assert "error" not in run.logged()
    finally:
        code, _ = run.stop()
    assert code == 0
    assert user_version(tmp_path / "data" / DB_NAME) == NEWEST


def test_poll_on_a_schema_2_database_sends_nothing_twice(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    old_database(tmp_path / "data", 2)
    url = fake_web.fixture("/feed/", "ogp.rss", etag='"v1"')
    (tmp_path / "ogbot.toml").write_text(f'[[sources]]\nname = "ogp"\nurl = "{url}"\n')
    shell = telegram_shell(
        tmp_path, fake_telegram, OGBOT_PUBLISH_BACKLOG="2", OGBOT_PUBLISH_MAX_AGE="36500"
    )
    result = shell("poll")
    assert result.returncode == 0, result.stderr
    # the items that the old ogbot stored and posted are recognised: nothing new, nothing sent
    assert result.stdout.splitlines()[0] == "ogp: 0 new, 0 updated"
    assert "channel: 0 sent" in result.stdout
    assert fake_telegram.sent(CHANNEL) == []
    atom = feedparser.parse((tmp_path / "data" / "public" / "feed.atom").read_bytes())
    titles = [entry.title for entry in atom.entries]
    assert "Netzwerktreffen am 10. Dezember – online & offen" in titles  # its announcement
    assert "Neujahrsempfang des Netzwerks" not in titles  # still scheduled for 2027
    listed = shell("sources")
    assert "ogp (feed)" in listed.stdout and "6 items" in listed.stdout


def test_commands_refuse_a_database_written_by_a_newer_ogbot(tmp_path, shell):
    path = old_database(tmp_path / "data", 2)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {NEWEST + 1}")
    db.close()
    before = path.read_bytes()
    result = shell("sources")
    assert result.returncode == 1
    assert f"has schema {NEWEST + 1}, newer than this ogbot knows ({NEWEST})" in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == before


# --- backup and restore -----------------------------------------------------------------------


def migrated(tmp_path: Path) -> Path:
    """A database in use: written at schema 2, migrated, with a subscriber."""
    path = old_database(tmp_path / "data", 2)
    store = Store(path)
    store.subscribe(4242, True, False, "de", datetime(2026, 11, 1, tzinfo=UTC))
    store.close()
    return path


def test_backup_copies_every_row_and_restore_puts_them_back(tmp_path, shell):
    path = migrated(tmp_path)
    original = rows(path)

    result = shell("backup", str(tmp_path / "copy.sqlite3"))
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "copy.sqlite3"
    assert result.stdout == (
        f"backup written to {copy}: schema {NEWEST}, 14 items, 2 announcements, 1 subscribers, "
        f"{copy.stat().st_size / 1024:.1f} KB; integrity ok\n"
    )
    assert rows(copy) == original
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # it holds what the database holds
    assert not Path(f"{copy}-wal").exists()  # one self-contained file

    # life goes on, then the database is lost to a mistake
    store = Store(path)
    store.subscribe(5151, True, True, "en", datetime(2026, 11, 20, tzinfo=UTC))
    store.forget(4242)
    store.close()

    restored = shell("restore", str(copy))
    assert restored.returncode == 0, restored.stderr
    kept = tmp_path / "data" / "backups" / "before-restore.sqlite3"
    assert restored.stdout.splitlines()[0] == f"the replaced database is kept in {kept}"
    assert restored.stdout.splitlines()[1].startswith(f"restored {copy}: schema {NEWEST}, 14 items")
    now = rows(path)
    # everything as it was at the backup; only the sources' fetch state starts afresh
    assert {k: v for k, v in now.items() if k != "sources"} == {
        k: v for k, v in original.items() if k != "sources"
    }
    assert [row[0] for row in now["sources"]] == [row[0] for row in original["sources"]]
    kept_store = Store(kept)
    try:
        assert [s.chat_id for s in kept_store.subscribers()] == [5151]
    finally:
        kept_store.close()


def test_backup_into_a_directory_names_by_time_and_keeps_the_newest(tmp_path, shell):
    migrated(tmp_path)
    target = tmp_path / "backups"
    target.mkdir()
    (target / "notes.txt").write_text("the operator's own file")
    start = datetime(2020, 11, 1, 3, 0, tzinfo=UTC)
    for day in range(3):
        backup(tmp_path / "data", target, start + timedelta(days=day), keep=2)
    names = sorted(p.name for p in target.iterdir())
    assert names == [
        "notes.txt",
        "ogbot-20201102T030000Z.sqlite3",
        "ogbot-20201103T030000Z.sqlite3",
    ]
    # a clock that went back: the backup just made is kept all the same
    backup(tmp_path / "data", target, start, keep=2)
    assert sorted(p.name for p in target.glob("ogbot-*")) == [
        "ogbot-20201101T030000Z.sqlite3",
        "ogbot-20201103T030000Z.sqlite3",
    ]

    result = shell("backup", "--keep", "1", str(target))
    assert result.returncode == 0, result.stderr
    assert "removed 2 older backups (--keep 1)" in result.stdout
    left = [p.name for p in target.glob("ogbot-*.sqlite3")]
    assert len(left) == 1 and result.stdout.startswith(f"backup written to {target / left[0]}:")
    assert (target / "notes.txt").exists()


def test_backup_usage_errors_exit_2_and_a_missing_database_exits_1(tmp_path, shell):
    missing = shell("backup", str(tmp_path / "x.sqlite3"))
    assert missing.returncode == 1
    assert "no database at" in missing.stderr
    assert not (tmp_path / "data" / DB_NAME).exists()  # a backup creates no database

    migrated(tmp_path)
    for args in (["--keep", "2", str(tmp_path / "x.sqlite3")], ["--keep", "0", str(tmp_path)]):
        result = shell("backup", *args)
        assert result.returncode == 2, args
    assert not (tmp_path / "x.sqlite3").exists()


def test_restore_refuses_while_ogbot_runs(tmp_path, shell):
    path = migrated(tmp_path)
    copy = tmp_path / "copy.sqlite3"
    assert shell("backup", str(copy)).returncode == 0
    before = rows(path)
    lock = DataLock(tmp_path / "data")
    assert lock.acquire()
    try:
        result = shell("restore", str(copy))
    finally:
        lock.release()
    assert result.returncode == 1
    assert "holds" in result.stderr and "stop it first" in result.stderr
    assert rows(path) == before


def test_restore_refuses_damaged_foreign_and_newer_files(tmp_path, shell):
    path = migrated(tmp_path)
    good = tmp_path / "good.sqlite3"
    assert shell("backup", str(good)).returncode == 0
    before = rows(path)

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    foreign = tmp_path / "foreign.sqlite3"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(good.read_bytes())
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {NEWEST + 1}")
    db.close()

    for bad, reason in (
        (garbage, "not an SQLite database"),
        (truncated, "damaged"),
        (foreign, "not an ogbot database"),
        (newer, "newer than this ogbot knows"),
        (tmp_path / "absent.sqlite3", "no such file"),
    ):
        result = shell("restore", str(bad))
        assert result.returncode == 1, (bad.name, result.stdout)
        assert reason in result.stderr, (bad.name, result.stderr)
        assert rows(path) == before
    assert not (tmp_path / "data" / "backups" / "before-restore.sqlite3").exists()


def test_backup_while_ogbot_run_writes_is_whole_and_run_starts_from_it(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    run = Running(tmp_path, fake_web, fake_telegram).start()
    shell = Shell(tmp_path, run.tmp / "data")
    database = tmp_path / "data" / DB_NAME
    try:
        wait_for(lambda: run.health()["sources"][0]["last_status"] == "ok", what="a cycle")
        # a second writer, as busy as a coordinator can never be, while backups are taken
        stop = threading.Event()
        written: list[int] = []

        def write() -> None:
            store = Store(database)
            try:
                while not stop.is_set():
                    moment = datetime.now(UTC)
                    written.append(
                        store.add_announcement(
                            f"Ankündigung {len(written)}", "shell", moment, moment, "published"
                        )
                    )
            finally:
                store.close()

        writer = threading.Thread(target=write)
        writer.start()
        counts = []
        try:
            for number in range(4):
                result = shell("backup", str(tmp_path / f"during-{number}.sqlite3"))
                assert result.returncode == 0, result.stderr
                assert result.stdout.endswith("integrity ok\n")
                copy = rows(tmp_path / f"during-{number}.sqlite3")
                counts.append(len(copy["announcements"]))
                # a consistent snapshot: announcements 1..n, none half-written
                assert [row[0] for row in copy["announcements"]] == list(range(1, counts[-1] + 1))
        finally:
            stop.set()
            writer.join()
        assert counts == sorted(counts) and counts[-1] > 0
        assert len(written) > counts[0]  # the backups really ran while writes went on

        final = tmp_path / "final.sqlite3"
        assert shell("backup", str(final)).returncode == 0
    finally:
        code, _ = run.stop()
    assert code == 0
    assert rows(final) == rows(database)  # nothing lost: all the announcements, every item

    # a new machine: restore into an empty data directory and start from it
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    moved = Running(elsewhere, fake_web, None)
    restored = Shell(elsewhere, elsewhere / "data")("restore", str(final))
    assert restored.returncode == 0, restored.stderr
    assert "kept in" not in restored.stdout  # there was no database to keep
    moved.start()
    try:
        newest = f"Ankündigung {len(written) - 1}"

        def feed() -> list[str]:
            atom = feedparser.parse(httpx.get(moved.url + "/feed.atom", timeout=5).content)
            return [entry.title for entry in atom.entries]

        titles = wait_for(feed, what="the restored service's feed")
        assert titles[0] == newest and len(titles) == 100  # publish.window
        health = wait_for(
            lambda: (h := moved.health())["sources"][0]["last_fetch"] and h, what="a cycle"
        )
    finally:
        assert moved.stop()[0] == 0
    assert [(s["name"], s["last_status"]) for s in health["sources"]] == [("ogp", "ok")]
    after, before = rows(elsewhere / "data" / DB_NAME), rows(final)
    for table in ("items", "entries", "announcements", "subscribers", "posts"):
        assert after[table] == before[table], table


def test_restore_puts_items_since_the_backup_in_the_feed_but_not_again_in_the_channel(
    tmp_path: Path, fake_web: FakeWeb, fake_telegram: FakeTelegram
):
    now = datetime.now(UTC)
    stories = [Story("Erster Bericht", "erster", now - timedelta(hours=5))]
    fake_web.route("/feed/", body=wordpress_rss("netz.example", stories))
    (tmp_path / "ogbot.toml").write_text(
        f'[[sources]]\nname = "netzwerk"\nurl = "{fake_web.url("/feed/")}"\n'
    )
    shell = telegram_shell(tmp_path, fake_telegram)
    assert shell("poll").returncode == 0  # first sight: into the feed, not the channel
    assert shell("backup", str(tmp_path / "monday.sqlite3")).returncode == 0

    stories.insert(0, Story("Neue Konsultation", "neu", now - timedelta(hours=1)))
    fake_web.route("/feed/", body=wordpress_rss("netz.example", stories))
    assert "channel: 1 sent" in shell("poll").stdout
    posted = fake_telegram.sent(CHANNEL)
    assert len(posted) == 1 and "Neue Konsultation" in posted[0].text

    assert shell("restore", str(tmp_path / "monday.sqlite3")).returncode == 0
    again = shell("poll")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "netzwerk: 1 new, 0 updated"
    atom = feedparser.parse((tmp_path / "data" / "public" / "feed.atom").read_bytes())
    assert [entry.title for entry in atom.entries] == ["Neue Konsultation", "Erster Bericht"]
    assert len(fake_telegram.sent(CHANNEL)) == 1  # followers do not get it twice


# --- keeping no more than needed --------------------------------------------------------------


def test_poll_housekeeps(tmp_path, fake_web: FakeWeb, shell):
    store = Store.open(tmp_path / "data")
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    store.add_draft(11, "ein vergessener Entwurf", long_ago)
    store.close()
    url = fake_web.fixture("/feed/", "ogp.rss")
    (tmp_path / "ogbot.toml").write_text(f'[[sources]]\nname = "ogp"\nurl = "{url}"\n')
    assert shell("poll", "--config", str(tmp_path / "ogbot.toml")).returncode == 0
    assert rows(tmp_path / "data" / DB_NAME)["drafts"] == []


def test_restore_as_root_leaves_the_files_to_the_services_user(tmp_path, shell):
    migrated(tmp_path)
    copy = tmp_path / "copy.sqlite3"
    assert shell("backup", str(copy)).returncode == 0
    service_user = 65534 if os.geteuid() == 0 else os.geteuid()  # nobody, when we can be root
    os.chown(tmp_path / "data", service_user, service_user)  # as `useradd --system` leaves it

    assert shell("restore", str(copy)).returncode == 0

    data = tmp_path / "data"
    for made in (data / DB_NAME, data / "backups", data / "backups" / "before-restore.sqlite3"):
        assert made.stat().st_uid == service_user, made


# --- a broken or lost database: named, with the backup to restore, never started afresh ------

EVERY_COMMAND = (
    ("sources",),
    ("poll",),
    ("announce", "Netzwerktreffen am Montag"),
    ("ask", "Welche Konsultationen laufen gerade?"),
    ("backup", "copy.sqlite3"),
    ("run",),
)


def used_data_directory(tmp_path: Path, shell: Shell) -> tuple[Path, Path]:
    """A data directory in use: an upgraded database with its rows, and a daily backup."""
    path = migrated(tmp_path)
    made = shell("backup", str(tmp_path / "data" / "backups") + "/")
    assert made.returncode == 0, made.stderr
    (daily,) = (tmp_path / "data" / "backups").glob("ogbot-*.sqlite3")
    os.utime(daily, (2_000_000_000, 2_000_000_000))  # the newest backup there
    return path, daily


def garble(path: Path, offset: int) -> None:
    """4 KiB of garbage over the file at ``offset``, as a failing disk or a stray write leaves."""
    garbage = bytes((i * 151 + 7) % 256 for i in range(4096))
    with path.open("r+b") as file:
        file.seek(offset)
        file.write(garbage)


@pytest.mark.parametrize("offset", [0, 4096, 16384], ids=["header", "page-2", "page-5"])
def test_a_garbled_database_is_named_by_every_command_with_the_backup_to_restore(
    tmp_path, shell, offset
):
    path, daily = used_data_directory(tmp_path, shell)
    assert path.stat().st_size > offset + 4096
    garble(path, offset)
    damaged = path.read_bytes()
    for command in EVERY_COMMAND:
        result = shell(*command)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, command
        assert f"database {path} is damaged" in result.stderr, (command, result.stderr)
        assert f"ogbot restore {daily}" in result.stderr, command
    assert path.read_bytes() == damaged  # nothing wrote over it
    assert not (tmp_path / "copy.sqlite3").exists()

    restored = shell("restore", str(daily))
    assert restored.returncode == 0, restored.stderr
    assert shell("sources").returncode == 0
    store = Store(path)
    try:
        assert [s.chat_id for s in store.subscribers()] == [4242]
    finally:
        store.close()


def test_four_kib_of_garbage_for_a_database_is_not_a_database(tmp_path, shell):
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / DB_NAME
    path.write_bytes(b"")
    garble(path, 0)
    result = shell("sources")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"database {path} is damaged (file is not a database)" in result.stderr
    assert "ogbot restore PATH" in result.stderr


def test_an_empty_database_where_ogbot_ran_is_refused_until_restored_or_told(tmp_path, shell):
    path, daily = used_data_directory(tmp_path, shell)
    path.write_bytes(b"")  # truncated to zero length
    for command in EVERY_COMMAND:
        result = shell(*command)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, command
        assert f"ogbot restore {daily}" in result.stderr, command
        if command[0] == "backup":
            assert f"database {path} is empty (0 bytes): nothing to back up" in result.stderr
            continue
        assert f"database {path} is empty (0 bytes), but the data directory was in use" in (
            result.stderr
        ), (command, result.stderr)
        assert "--start-afresh (or OGBOT_START_AFRESH=1)" in result.stderr, command
        assert path.stat().st_size == 0, command  # nothing started afresh
    assert not (tmp_path / "copy.sqlite3").exists()  # an empty copy is no backup

    restored = shell("restore", str(daily))
    assert restored.returncode == 0, restored.stderr
    store = Store(path)
    try:
        assert [s.chat_id for s in store.subscribers()] == [4242]
    finally:
        store.close()


@pytest.mark.parametrize("how", ["option", "environment"])
def test_start_afresh_when_told(tmp_path, shell, how):
    path, _ = used_data_directory(tmp_path, shell)
    path.write_bytes(b"")
    if how == "option":
        result = shell("sources", "--start-afresh")
    else:
        result = shell("sources", OGBOT_START_AFRESH="1")
    assert result.returncode == 0, result.stderr
    assert "never fetched" in result.stdout
    assert shell("sources").returncode == 0  # a database again: no need to say it twice
    store = Store(path)
    try:
        assert store.subscribers() == []
    finally:
        store.close()


def test_a_missing_database_next_to_feed_files_is_refused(tmp_path, shell):
    public = tmp_path / "data" / "public"
    public.mkdir(parents=True)
    (public / "feed.rss").write_text("<rss/>", encoding="utf-8")
    result = shell("sources")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"database {tmp_path / 'data' / DB_NAME} is missing" in result.stderr
    assert f"feed files in {public} (feed.rss)" in result.stderr
    assert "there is none in" in result.stderr  # no backup here: says where to look
    assert not (tmp_path / "data" / DB_NAME).exists()


def test_a_new_data_directory_starts_without_being_told(tmp_path, shell):
    assert shell("ask", "Was ist OGP?").returncode == 0  # builds its cache: no sign of use
    result = shell("sources")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / DB_NAME).stat().st_size > 0


def test_help_names_the_way_to_start_afresh(tmp_path):
    result = ogbot(tmp_path, "--help")
    assert "--start-afresh" in result.stdout
    assert "OGBOT_START_AFRESH=1" in " ".join(result.stdout.split())


def test_the_store_knows_where_the_feeds_are_written():
    from ogbot.publish.feeds import PUBLIC_DIR
    from ogbot.store.opening import FEEDS_DIR

    assert FEEDS_DIR == PUBLIC_DIR
