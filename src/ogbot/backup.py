"""Backups of the database: ``ogbot backup`` (an online copy, safe while ``ogbot run`` runs)
and ``ogbot restore`` (a checked copy put back in place while nothing runs).

The copying itself is SQLite's online backup API (:func:`ogbot.store.online_copy`): consistent
while another process writes, integrity-checked, renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ogbot.store import BACKUPS_DIR, DB_NAME, MIGRATIONS, Store, StoreError, online_copy
from ogbot.store.opening import check_intact, damaged, how_to_restore, is_damage

BACKUP_PREFIX = "ogbot-"
BACKUP_SUFFIX = ".sqlite3"
BEFORE_RESTORE = "before-restore.sqlite3"
_OGBOT_TABLES = {"sources", "items", "entries"}


@dataclass(frozen=True)
class Summary:
    """What a database file holds, as an operator checks it."""

    schema: int
    items: int
    announcements: int
    subscribers: int
    size: int

    def line(self) -> str:
        return (
            f"schema {self.schema}, {self.items} items, {self.announcements} announcements, "
            f"{self.subscribers} subscribers, {_size(self.size)}"
        )


@dataclass(frozen=True)
class BackupReport:
    path: Path
    summary: Summary
    removed: tuple[Path, ...]


@dataclass(frozen=True)
class RestoreReport:
    source: Path
    restored: Summary
    previous: Path | None  # where the database that was replaced was kept


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def backup_target(target: Path, now: datetime) -> Path:
    """A directory (existing, or named with a trailing slash) gets a file named after the time
    in UTC; anything else is the file itself."""
    if target.is_dir():
        return target / f"{BACKUP_PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}{BACKUP_SUFFIX}"
    return target


def backup(data_dir: Path, target: Path, now: datetime, keep: int | None = None) -> BackupReport:
    """Copy the database of ``data_dir`` to ``target`` (a file, or a directory for a file named
    after ``now``); with ``keep``, only the newest ``keep`` such files stay in the directory."""
    database = data_dir / DB_NAME
    if not database.is_file():
        raise StoreError(f"no database at {database}: nothing to back up (is OGBOT_DATA_DIR set?)")
    if database.stat().st_size == 0:  # an empty copy must never count as (or prune) a backup
        raise StoreError(
            f"database {database} is empty (0 bytes): nothing to back up; "
            + how_to_restore(database)
        )
    directory = target.is_dir()
    if keep is not None and not directory:
        raise ValueError("--keep needs a directory as PATH")
    path = backup_target(target, now)
    if path.resolve() == database.resolve():
        raise ValueError(f"{path} is the database itself")
    try:  # a damaged database is named with the backup to restore, and never copied
        with contextlib.closing(_connect(database)) as db:
            check_intact(db, database)
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise damaged(database, exc) from exc
    with _failing_as(f"backup of {database} to {path}"):
        # no migration here: a backup before an upgrade must be the old schema, untouched
        _copy(database, path)
    removed = _prune(path, keep) if directory and keep is not None else ()
    return BackupReport(path=path, summary=summarize(path, checked=True), removed=removed)


def _prune(made: Path, keep: int) -> tuple[Path, ...]:
    """Keep the backup just ``made`` and the newest ``keep - 1`` other backups that
    ``ogbot backup`` named in its directory (the names sort by time; the one just made stays
    even when the clock went back). Other files are never touched."""
    named = sorted(
        path
        for path in made.parent.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}")
        if path.is_file()
        and path != made
        and len(path.name) == len("ogbot-20261123T090000Z.sqlite3")
    )
    doomed = named[: max(0, len(named) - (keep - 1))]
    for path in doomed:
        path.unlink()
    return tuple(doomed)


def summarize(path: Path, *, checked: bool = False) -> Summary:
    """Checks that ``path`` is an intact ogbot database this version can open, and counts.
    ``checked``: the file is a copy :func:`online_copy` has just checked whole."""
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    try:
        with contextlib.closing(_connect(path)) as db:
            problems = [] if checked else [str(r[0]) for r in db.execute("PRAGMA quick_check")]
            if problems and problems != ["ok"]:
                raise StoreError(f"{path}: the database is damaged: {'; '.join(problems[:3])}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            schema = int(db.execute("PRAGMA user_version").fetchone()[0])
            if not _OGBOT_TABLES.issubset(tables) or schema < 1:
                raise StoreError(f"{path}: not an ogbot database")
            if schema > len(MIGRATIONS):
                raise StoreError(
                    f"{path}: schema {schema} is newer than this ogbot knows ({len(MIGRATIONS)})"
                )

            def count(table: str) -> int:
                if table not in tables:
                    return 0  # an older schema without it
                return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

            return Summary(
                schema=schema,
                items=count("items"),
                announcements=count("announcements"),
                subscribers=count("subscribers"),
                size=path.stat().st_size,
            )
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not an SQLite database ({exc})") from exc


def restore(data_dir: Path, source: Path) -> RestoreReport:
    """Put the backup ``source`` in place of the database of ``data_dir``. The caller holds the
    data directory's lock (nothing runs). The database it replaces is kept in ``backups/``;
    the backup is migrated at once when it is older."""
    summarize(source)  # refuses a damaged, foreign or newer file before anything changes
    database = data_dir / DB_NAME
    if database.exists() and source.resolve() == database.resolve():
        raise ValueError(f"{source} is the database itself")
    previous: Path | None = None
    with _failing_as(f"restore of {source} to {database}"):
        if database.exists():
            previous = data_dir / BACKUPS_DIR / BEFORE_RESTORE
            _keep(database, previous)
        # the replaced database's journal must never be applied to the restored one
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        _copy(source, database)
    store = Store(database)  # migrates an older backup (keeping a copy first)
    try:
        store.restored()
    finally:
        store.close()
    _give_to_owner(data_dir)
    return RestoreReport(
        source=source, restored=summarize(database, checked=True), previous=previous
    )


def _give_to_owner(data_dir: Path) -> None:
    """Run as root (``sudo ogbot restore``), the files made here belong to root and the service's
    own user could not open them: give them to the data directory's owner."""
    if os.geteuid() != 0:
        return
    owner = data_dir.stat()
    if owner.st_uid == 0:
        return
    made = [data_dir / DB_NAME, data_dir / BACKUPS_DIR]
    made += list((data_dir / BACKUPS_DIR).glob("*.sqlite3"))
    for path in made:
        if path.exists():
            os.chown(path, owner.st_uid, owner.st_gid)


@contextlib.contextmanager
def _failing_as(what: str) -> Iterator[None]:
    """A database or file system error becomes a StoreError that says what was being done."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"{what}: {exc}") from exc


def _keep(database: Path, previous: Path) -> None:
    """The database being replaced, kept: an online copy, or a damaged one byte for byte (the
    usual reason for a restore; SQLite cannot copy it)."""
    try:
        _copy(database, previous)
    except (sqlite3.Error, StoreError) as exc:
        if isinstance(exc, sqlite3.Error) and not is_damage(exc):
            raise
        previous.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(database, previous)
        previous.chmod(0o600)


def _copy(source: Path, target: Path) -> None:
    with contextlib.closing(_connect(source)) as db:
        online_copy(db, target)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, timeout=10)
