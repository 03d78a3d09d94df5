"""Review before posting: the items of a source under review ([[sources]] review) and the
previews the coordinators get (migration 9).

An item under review is ``pending`` until one decision (``posted`` or ``skipped``) closes it;
deciding is one conditional ``UPDATE``, so of two coordinators pressing at once exactly one
wins. A preview is sent as the outbox sends a post: claimed (``sending``) before the request,
``sent`` with its message id after it; one cut off by a crash is sent once more, never a third
time. Previews not yet sent when the item is decided are ``cancelled``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from ogbot.models import Review, ReviewPreview, ReviewState
from ogbot.store.base import Repository, from_iso, iso


class ReviewRepository(Repository):
    """The ``reviews`` and ``review_previews`` tables."""

    def hold_for_review(
        self, items: Sequence[tuple[int, str]], coordinators: Sequence[int], now: datetime
    ) -> list[int]:
        """Put (item id, source) pairs under review, with a pending preview for each
        coordinator; returns the ids held now (one held before is left as it is)."""
        held: list[int] = []
        with self.transaction() as db:
            for item_id, source in items:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO reviews (item_id, source, state, created)"
                    " VALUES (?, ?, 'pending', ?)",
                    (item_id, source, iso(now)),
                )
                if cursor.rowcount:
                    held.append(item_id)
                    db.executemany(
                        "INSERT OR IGNORE INTO review_previews (item_id, coordinator, state)"
                        " VALUES (?, ?, 'pending')",
                        [(item_id, coordinator) for coordinator in coordinators],
                    )
        return held

    def review(self, item_id: int) -> Review | None:
        row = self._db.execute("SELECT * FROM reviews WHERE item_id = ?", (item_id,)).fetchone()
        return _review(row) if row else None

    def reviews(self, state: ReviewState = "pending", limit: int = 1000) -> list[Review]:
        """Reviews in one state, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM reviews WHERE state = ? ORDER BY created, item_id LIMIT ?",
            (state, limit),
        )
        return [_review(row) for row in rows]

    def unposted_reviews(self) -> list[int]:
        """Items under review not posted (pending or skipped): what the feeds leave out when
        they follow the review (``publish.feeds_follow_review``)."""
        rows = self._db.execute("SELECT item_id FROM reviews WHERE state != 'posted'")
        return [int(row[0]) for row in rows]

    def decide_review(
        self,
        item_id: int,
        state: ReviewState,
        decided_by: str,
        actor: int | None,
        now: datetime,
    ) -> bool:
        """Close a pending review as ``state``; False when it was not pending (any more): the
        first decision is final. Previews not sent yet are not sent any more."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE reviews SET state = ?, decided_at = ?, decided_by = ?, actor = ?"
                " WHERE item_id = ? AND state = 'pending'",
                (state, iso(now), decided_by, actor, item_id),
            )
            if not cursor.rowcount:
                return False
            db.execute(
                "UPDATE review_previews SET state = 'cancelled'"
                " WHERE item_id = ? AND state = 'pending'",
                (item_id,),
            )
        return True

    def set_review_title(self, item_id: int, title: str) -> bool:
        """A coordinator's correction of a pending item's title; False when it is decided."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE reviews SET title = ? WHERE item_id = ? AND state = 'pending'",
                (title, item_id),
            )
        return cursor.rowcount > 0

    # -- the previews ------------------------------------------------------------------------

    def previews_due(self, now: datetime) -> list[ReviewPreview]:
        """Previews to send now, oldest item first."""
        rows = self._db.execute(
            "SELECT p.* FROM review_previews p JOIN reviews r ON r.item_id = p.item_id"
            " WHERE p.state = 'pending' AND r.state = 'pending'"
            " AND (p.not_before IS NULL OR p.not_before <= ?)"
            " ORDER BY r.created, p.item_id, p.coordinator",
            (iso(now),),
        )
        return [_preview(row) for row in rows]

    def previews_of(self, item_id: int) -> list[ReviewPreview]:
        rows = self._db.execute(
            "SELECT * FROM review_previews WHERE item_id = ? ORDER BY coordinator", (item_id,)
        )
        return [_preview(row) for row in rows]

    def claim_preview(self, item_id: int, coordinator: int) -> bool:
        """pending -> sending, while the item is still pending: the one send of a preview."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE review_previews SET state = 'sending' WHERE item_id = ?"
                " AND coordinator = ? AND state = 'pending' AND EXISTS (SELECT 1 FROM reviews"
                " WHERE reviews.item_id = ? AND reviews.state = 'pending')",
                (item_id, coordinator, item_id),
            )
        return cursor.rowcount > 0

    def preview_sent(self, item_id: int, coordinator: int, message_id: int) -> None:
        """The preview is (now) this message: after its send, or a new preview after a
        corrected title."""
        with self.transaction() as db:
            db.execute(
                "UPDATE review_previews SET state = 'sent', message_id = ?, not_before = NULL"
                " WHERE item_id = ? AND coordinator = ?",
                (message_id, item_id, coordinator),
            )

    def preview_later(self, item_id: int, coordinator: int, not_before: datetime) -> None:
        """It provably did not reach Telegram: pending again, not before ``not_before``."""
        self._set_preview(item_id, coordinator, "pending", not_before)

    def preview_failed(self, item_id: int, coordinator: int) -> None:
        """Telegram refused it (or the coordinator never started the bot): not sent again."""
        self._set_preview(item_id, coordinator, "failed", None)

    def preview_uncertain(self, item_id: int, coordinator: int, not_before: datetime) -> bool:
        """The outcome of its send is unknown: sent once more (True), or, the second time,
        given up as ``unknown`` (False); the outbox's rule."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT uncertain FROM review_previews WHERE item_id = ? AND coordinator = ?",
                (item_id, coordinator),
            ).fetchone()
            again = row is not None and not row[0]
            db.execute(
                "UPDATE review_previews SET state = ?, uncertain = 1, not_before = ?"
                " WHERE item_id = ? AND coordinator = ?",
                ("pending" if again else "unknown", iso(not_before), item_id, coordinator),
            )
        return again

    def recover_previews(self, now: datetime) -> list[tuple[int, int, bool]]:
        """Previews a crash left ``sending``: (item id, coordinator, sent once more)."""
        rows = self._db.execute(
            "SELECT item_id, coordinator FROM review_previews WHERE state = 'sending'"
        ).fetchall()
        return [
            (int(row[0]), int(row[1]), self.preview_uncertain(int(row[0]), int(row[1]), now))
            for row in rows
        ]

    def _set_preview(
        self, item_id: int, coordinator: int, state: str, not_before: datetime | None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE review_previews SET state = ?, not_before = ?"
                " WHERE item_id = ? AND coordinator = ?",
                (state, iso(not_before) if not_before else None, item_id, coordinator),
            )


def _review(row: sqlite3.Row) -> Review:
    return Review(
        item_id=row["item_id"],
        source=row["source"],
        state=row["state"],
        created=datetime.fromisoformat(row["created"]),
        title=row["title"],
        decided_at=from_iso(row["decided_at"]),
        decided_by=row["decided_by"],
        actor=row["actor"],
    )


def _preview(row: sqlite3.Row) -> ReviewPreview:
    return ReviewPreview(
        item_id=row["item_id"],
        coordinator=row["coordinator"],
        state=row["state"],
        message_id=row["message_id"],
        uncertain=bool(row["uncertain"]),
    )
