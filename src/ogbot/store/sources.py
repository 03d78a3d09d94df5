"""The sources: each configured source with its fetch state (validators, the last status, the
failures in a row, when it is due next and why). The store records; when a source is due after a
success or a failure, and why, is the watch stage's decision (``ogbot.watch.backoff``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import cast, get_args

from ogbot.models import DueReason, SourceState, Validators
from ogbot.store.base import Repository, from_iso, iso

# SQL: the name people see of a source (in a query joining ``sources``): its configured title,
# else the feed's own title, else "" (the caller shows the source's configured name)
SOURCE_TITLE = "coalesce(nullif(sources.title, ''), nullif(sources.feed_title, ''), '')"


class SourcesRepository(Repository):
    """The ``sources`` table."""

    def source_state(self, name: str, url: str) -> SourceState:
        """The stored state of a source; registered on first sight. A new URL resets it."""
        with self.transaction() as db:
            row = db.execute("SELECT * FROM sources WHERE name = ?", (name,)).fetchone()
            if row is None:
                db.execute("INSERT INTO sources (name, url) VALUES (?, ?)", (name, url))
            elif row["url"] != url:  # the configured URL changed: forget validators and redirect
                db.execute(
                    "UPDATE sources SET url = ?, fetch_url = NULL, etag = NULL,"
                    " last_modified = NULL, failures = 0, next_due = NULL,"
                    " next_due_reason = NULL WHERE name = ?",
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
            first_success=from_iso(row["first_success"]),
            last_fetch=from_iso(row["last_fetch"]),
            last_success=from_iso(row["last_success"]),
            last_status=row["last_status"],
            last_error=row["last_error"],
            failures=row["failures"],
            failing_since=from_iso(row["failing_since"]),
            next_due=from_iso(row["next_due"]),
            paused=bool(row["paused"]),
            items=items,
            due_reason=_due_reason(row["next_due_reason"]),
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
        next_due: datetime,
        validators: Validators,
        status: str,
        permanent_url: str | None = None,
        reason: DueReason = "interval",
    ) -> None:
        """A success: validators, status, and when (``next_due``) and why (``reason``) the
        source is fetched again."""
        with self.transaction() as db:
            db.execute(
                "UPDATE sources SET etag = ?, last_modified = ?, last_fetch = ?, last_success = ?,"
                " first_success = coalesce(first_success, ?), last_status = ?, last_error = NULL,"
                " failures = 0, failing_since = NULL, next_due = ?, next_due_reason = ?,"
                " fetch_url = coalesce(?, fetch_url) WHERE name = ?",
                (
                    validators.etag,
                    validators.last_modified,
                    iso(now),
                    iso(now),
                    iso(now),
                    status,
                    iso(next_due),
                    reason,
                    permanent_url,
                    name,
                ),
            )

    def record_failure(
        self,
        name: str,
        now: datetime,
        next_due: datetime,
        error: str,
        reason: DueReason = "backoff",
    ) -> int:
        """Count the failure (how many in a row, since when) and when (``next_due``) and why
        (``reason``) the source is due again. Returns the failures in a row now."""
        with self.transaction() as db:
            row = db.execute("SELECT failures FROM sources WHERE name = ?", (name,)).fetchone()
            failures = (row["failures"] if row else 0) + 1
            db.execute(
                "UPDATE sources SET last_fetch = ?, last_status = 'error', last_error = ?,"
                " failures = ?, failing_since = coalesce(failing_since, ?), next_due = ?,"
                " next_due_reason = ? WHERE name = ?",
                (iso(now), error, failures, iso(now), iso(next_due), reason, name),
            )
        return failures

    def set_paused(self, name: str, paused: bool) -> bool:
        with self.transaction() as db:
            cursor = db.execute("UPDATE sources SET paused = ? WHERE name = ?", (int(paused), name))
        return cursor.rowcount > 0

    def restored(self) -> None:
        """After a restore: every source's next fetch counts as its first sight, so the items
        that arrived since the backup go to the feeds but not once more to the channel."""
        with self.transaction() as db:
            db.execute(
                "UPDATE sources SET first_success = NULL, etag = NULL, last_modified = NULL,"
                " next_due = NULL, next_due_reason = NULL"
            )

    def set_source_titles(self, titles: Mapping[str, str | None]) -> None:
        """The configured titles (``[[sources]] title``; None: not set) of registered sources."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE sources SET title = ? WHERE name = ? AND title IS NOT ?",
                [(title, name, title) for name, title in titles.items()],
            )

    def record_feed_title(self, name: str, title: str) -> None:
        """The feed's own title, from its last successful parse (an empty one is not kept)."""
        if title:
            with self.transaction() as db:
                db.execute(
                    "UPDATE sources SET feed_title = ? WHERE name = ? AND feed_title IS NOT ?",
                    (title, name, title),
                )

    def source_titles(self) -> dict[str, str]:
        """Every registered source's name -> the name people see of it ("" when neither a title
        is configured nor the feed's own is known)."""
        rows = self._db.execute(f"SELECT name, {SOURCE_TITLE} FROM sources")  # noqa: S608
        return {str(name): str(title) for name, title in rows}


def _due_reason(text: str | None) -> DueReason | None:
    """A stored reason; None for a row from before migration 5 (or a value a newer ogbot
    wrote that this one does not know)."""
    return cast(DueReason, text) if text in _DUE_REASONS else None


_DUE_REASONS = frozenset(get_args(DueReason))
