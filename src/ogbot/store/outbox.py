"""The outbox: announcements, the posts to send (one message to one chat) and the log of sends
that paces them across restarts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from ogbot.models import OutboxPost, StoredAnnouncement
from ogbot.store.base import Repository, from_iso, iso, iso_ms


class OutboxRepository(Repository):
    """The ``announcements``, ``posts`` and ``sends`` tables."""

    # -- announcements -----------------------------------------------------------------------

    def add_announcement(
        self,
        text: str,
        author: str,
        now: datetime,
        publish_at: datetime,
        state: str,
        html: str | None = None,
        photo: str | None = None,
        image: str | None = None,
    ) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO announcements"
                " (text, author, created, publish_at, state, html, photo, image)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (text, author, iso(now), iso(publish_at), state, html, photo, image),
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

    def recent_announcements(self, limit: int) -> list[StoredAnnouncement]:
        """The latest announcements in any state, the newest (by creation) first."""
        rows = self._db.execute(
            "SELECT * FROM announcements ORDER BY created DESC, id DESC LIMIT ?", (limit,)
        )
        return [self._announcement(row) for row in rows]

    def correct_announcement(
        self, announcement_id: int, text: str, html: str | None, now: datetime
    ) -> bool:
        """A sent announcement's new text; its channel post (if any) is to be edited. False
        when there is no such published announcement."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE announcements SET text = ?, html = ?, edited = ?"
                " WHERE id = ? AND state = 'published'",
                (text, html, iso(now), announcement_id),
            )
            if cursor.rowcount == 0:
                return False
            db.execute(
                "UPDATE posts SET edit_pending = 1 WHERE kind = 'announcement' AND ref = ?"
                " AND state = 'sent' AND message_id IS NOT NULL",
                (announcement_id,),
            )
        return True

    def set_announcement_photo(self, announcement_id: int, photo: str, image: str | None) -> None:
        """The photo's Telegram file id (once it is uploaded) and its copy in public/media/."""
        with self.transaction() as db:
            db.execute(
                "UPDATE announcements SET photo = ?, image = coalesce(?, image) WHERE id = ?",
                (photo, image, announcement_id),
            )

    def announcement_posts(self, announcement_id: int) -> list[OutboxPost]:
        """The announcement's posts (the channel's), in any state."""
        rows = self._db.execute(
            "SELECT * FROM posts WHERE kind = 'announcement' AND ref = ? ORDER BY id",
            (announcement_id,),
        )
        return [self._post(row) for row in rows]

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
                    iso(published) if published else None,
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
            published=from_iso(row["published"]),
            html=row["html"],
            photo=row["photo"],
            image=row["image"],
            edited=from_iso(row["edited"]),
        )

    # -- the outbox --------------------------------------------------------------------------
    # A post is one message to one chat: "channel", a destination ("to:@name" or, for a forum
    # topic, "to:-100123#7": [[telegram.destinations]]) or a private chat id. States: pending ->
    # sending -> sent; or failed (Telegram refused it), unknown (the outcome of the send is not
    # known: never sent again), expired (too old when its turn came), merged (into a digest).

    def enqueue(self, chat: str, kind: str, refs: Sequence[int], now: datetime) -> int:
        """Queue one post per ref; a ref already queued for this chat and kind is skipped."""
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO posts (chat, kind, ref, state, created)"
                " VALUES (?, ?, ?, 'pending', ?)",
                [(chat, kind, ref, iso(now)) for ref in refs],
            )
            return db.total_changes - before

    def enqueue_many(self, posts: Sequence[tuple[str, int]], kind: str, now: datetime) -> int:
        """:meth:`enqueue` for many chats in one transaction: ``posts`` are (chat, ref) pairs,
        queued in this order (a fan-out to every subscriber is one write, not one per chat)."""
        with self.transaction() as db:
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO posts (chat, kind, ref, state, created)"
                " VALUES (?, ?, ?, 'pending', ?)",
                [(chat, kind, ref, iso(now)) for chat, ref in posts],
            )
            return db.total_changes - before

    def next_private_chats(self, now: datetime, limit: int) -> list[str]:
        """Up to ``limit`` chats other than the channel (private chats and destinations) with
        work, in the order their oldest work was queued:
        an edit to make first, then a post that may go now. Two index range scans (migration
        7) that stop after ``limit`` rows, however many subscribers wait: the cost of choosing
        the next send does not grow with the fan-out."""
        edits = self._db.execute(
            "SELECT chat FROM posts INDEXED BY posts_edits WHERE edit_pending = 1"
            " AND state = 'sent' AND chat != 'channel' ORDER BY id LIMIT ?",
            (limit,),
        ).fetchall()
        pending = self._db.execute(
            "SELECT chat FROM posts INDEXED BY posts_waiting WHERE state = 'pending'"
            " AND chat != 'channel' AND (not_before IS NULL OR not_before <= ?)"
            " ORDER BY id LIMIT ?",
            (iso(now), limit),
        ).fetchall()
        return list(dict.fromkeys(str(row[0]) for row in [*edits, *pending]))[:limit]

    def has_work(self, chat: str, now: datetime) -> bool:
        """Whether ``chat`` has a post that may go now or an edit to make."""
        row = self._db.execute(
            "SELECT EXISTS (SELECT 1 FROM posts WHERE state = 'pending' AND chat = ?"
            " AND (not_before IS NULL OR not_before <= ?)) OR EXISTS (SELECT 1 FROM posts"
            " INDEXED BY posts_edits WHERE edit_pending = 1 AND state = 'sent' AND chat = ?)",
            (chat, iso(now), chat),
        ).fetchone()
        return bool(row[0])

    def pending_posts(self, chat: str, now: datetime) -> list[OutboxPost]:
        rows = self._db.execute(
            "SELECT * FROM posts WHERE chat = ? AND state = 'pending'"
            " AND (not_before IS NULL OR not_before <= ?) ORDER BY id",
            (chat, iso(now)),
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
        return from_iso(row[0])

    def drop_destinations(self, keep: Sequence[str]) -> int:
        """Destinations no longer configured: their waiting posts fail ("no longer a
        destination") and no edit is asked of them any more; returns the posts given up."""
        keys = json.dumps(list(keep))
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE posts SET state = 'failed', error = 'no longer a destination'"
                " WHERE state = 'pending' AND chat LIKE 'to:%'"
                " AND chat NOT IN (SELECT value FROM json_each(?))",
                (keys,),
            )
            db.execute(
                "UPDATE posts SET edit_pending = 0 WHERE edit_pending = 1 AND chat LIKE 'to:%'"
                " AND chat NOT IN (SELECT value FROM json_each(?))",
                (keys,),
            )
        return cursor.rowcount

    def defer_chat(self, chat: str, until: datetime) -> None:
        """Nothing goes to this chat before ``until`` (it refused the bot)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE posts SET not_before = ? WHERE chat = ? AND state = 'pending'"
                " AND (not_before IS NULL OR not_before < ?)",
                (iso(until), chat, iso(until)),
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
                    (chat, iso(now)),
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
                (iso(now), post_id),
            )
        return cursor.rowcount == 1

    def mark_sent(
        self, post_id: int, chat_id: str, message_id: int, text: str, silent: bool, now: datetime
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE posts SET state = 'sent', chat_id = ?, message_id = ?, text = ?,"
                " silent = ?, sent_at = ?, error = NULL, edit_pending = 0 WHERE id = ?",
                (chat_id, message_id, text, int(silent), iso(now), post_id),
            )

    def mark_retry(self, post_id: int, not_before: datetime, error: str) -> None:
        """The send provably did not reach Telegram: pending again, not before the given time."""
        with self.transaction() as db:
            db.execute(
                "UPDATE posts SET state = 'pending', not_before = ?, error = ? WHERE id = ?",
                (iso(not_before), error, post_id),
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
                (error, iso(not_before) if not_before else None, post_id),
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
            "SELECT * FROM posts INDEXED BY posts_edits WHERE edit_pending = 1 AND chat = ?"
            " AND state = 'sent' ORDER BY id",
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

    def waiting_posts(self) -> dict[str, tuple[int, datetime]]:
        """Posts waiting to be sent (pending or sending) by destination: the channel's under
        their chat ("channel"), subscribers' under "private"; how many, and when the oldest of
        them was queued (what /metrics shows of the outbox)."""
        rows = self._db.execute(
            "SELECT CASE WHEN chat GLOB '[0-9]*' THEN 'private' ELSE chat END AS destination,"
            " count(*), min(created) FROM posts WHERE state IN ('pending', 'sending')"
            " GROUP BY destination"
        )
        return {row[0]: (int(row[1]), datetime.fromisoformat(row[2])) for row in rows}

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
            sent_at=from_iso(row["sent_at"]),
        )

    # -- the pacing log ---------------------------------------------------------------------

    def record_send(self, chat_id: str, at: datetime, keep: timedelta) -> None:
        """Log a send; sends older than ``keep`` (the pacing log's retention) go."""
        with self.transaction() as db:
            db.execute("INSERT INTO sends (chat_id, at) VALUES (?, ?)", (chat_id, iso_ms(at)))
            db.execute("DELETE FROM sends WHERE at < ?", (iso_ms(at - keep),))

    def recent_sends(self, since: datetime) -> list[tuple[str, datetime]]:
        rows = self._db.execute(
            "SELECT chat_id, at FROM sends WHERE at >= ? ORDER BY at", (iso_ms(since),)
        )
        return [(row[0], datetime.fromisoformat(row[1])) for row in rows]
