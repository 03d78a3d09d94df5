"""Opening the database safely: a damaged file and a database lost from a data directory that
was in use are named, with the way back (``ogbot restore``), never started afresh unasked.

A database file that is missing or empty (0 bytes) is new only in a data directory that shows
no sign of use. The signs (:func:`signs_of_use`): a backup in ``backups/`` (``ogbot backup``,
``ogbot restore`` and every upgrade put them there), a feed file in ``public/`` (written after
each cycle from the stored items), or a journal of the database (``-wal``, ``-journal``) that
is not empty. The lock file and the answer index's ``cache/`` are no sign: ``ogbot poll`` takes
the lock and ``ogbot ask`` builds the index before any database exists.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ogbot.config import ENV_START_AFRESH, START_AFRESH_OPTION
from ogbot.store.base import StoreError
from ogbot.store.schema import BACKUPS_DIR

FEEDS_DIR = (
    "public"  # publish.feeds.PUBLIC_DIR: the store imports no stage (a test keeps them equal)
)
FEED_FILES = ("feed.rss", "feed.atom")
HOW_TO_START_AFRESH = (
    f"to start afresh with an empty database instead, run the command once with "
    f"{START_AFRESH_OPTION} (or {ENV_START_AFRESH}=1)"
)


class DatabaseLost(StoreError):
    """The database is missing or empty in a data directory that was in use."""


class DatabaseDamaged(StoreError):
    """The database file is not a readable SQLite database (garbage, truncated, malformed)."""


def backups(path: Path) -> list[Path]:
    """The backups next to the database ``path``, newest first."""
    folder = path.parent / BACKUPS_DIR
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob("*.sqlite3") if p.is_file() and p.stat().st_size > 0]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def signs_of_use(path: Path) -> list[str]:
    """What in the data directory of the database ``path`` shows it was in use."""
    signs = []
    kept = backups(path)
    if kept:
        signs.append(f"{len(kept)} backup(s) in {path.parent / BACKUPS_DIR}")
    feeds = [name for name in FEED_FILES if (path.parent / FEEDS_DIR / name).is_file()]
    if feeds:
        signs.append(f"feed files in {path.parent / FEEDS_DIR} ({', '.join(feeds)})")
    for suffix in ("-wal", "-journal"):
        journal = Path(f"{path}{suffix}")
        if journal.is_file() and journal.stat().st_size > 0:
            signs.append(f"the database's journal {journal.name}")
    return signs


def how_to_restore(path: Path) -> str:
    kept = backups(path)
    if kept:
        return (
            f"restore the newest backup with `ogbot restore {kept[0]}` "
            "(README: Restore; other backups: ls -t "
            f"{path.parent / BACKUPS_DIR})"
        )
    return (
        "restore a backup with `ogbot restore PATH` (README: Restore; "
        f"there is none in {path.parent / BACKUPS_DIR}: take the newest you copied off the machine)"
    )


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def check_not_lost(path: Path, *, start_afresh: bool) -> None:
    """Raise :class:`DatabaseLost` when ``path`` is missing or empty although its data directory
    was in use, unless the operator asked to start afresh."""
    if start_afresh:
        return
    if path.exists() and (not path.is_file() or path.stat().st_size > 0):
        return
    signs = signs_of_use(path)
    if not signs:
        return  # a new data directory (or one whose first start was interrupted)
    what = "is empty (0 bytes)" if path.exists() else "is missing"
    raise DatabaseLost(
        f"database {path} {what}, but the data directory was in use ({'; '.join(signs)}): "
        "its subscribers, scheduled announcements and the record of sent posts are not there, "
        f"so ogbot does not start afresh. {_first_upper(how_to_restore(path))}; "
        f"{HOW_TO_START_AFRESH}"
    )


def is_damage(exc: sqlite3.Error) -> bool:
    """The file is not a database, or its pages contradict each other (not a lock, a full
    disk or a permission: those are said as they are)."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def damaged(path: Path, exc: sqlite3.Error | str) -> DatabaseDamaged:
    return DatabaseDamaged(
        f"database {path} is damaged ({exc}). Stop ogbot and {how_to_restore(path)}; "
        "ogbot never writes over a damaged database (to start afresh instead, move the damaged "
        f"file out of the way, then run the command once with {START_AFRESH_OPTION})"
    )


def check_intact(db: sqlite3.Connection, path: Path) -> None:
    """SQLite's ``quick_check`` (every page read once, in well under a second for ogbot's
    databases): a damaged database is named before anything reads from or writes to it."""
    problems = [str(row[0]) for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise damaged(path, "; ".join(problems[:3]))
