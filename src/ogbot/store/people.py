"""What is stored about people: subscribers, the coordinators' drafts, the record of their
actions, the notices sent to them; forgetting a person, and housekeeping that keeps no more than
needed (for the periods the application layer passes in, :class:`ogbot.models.Retention`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from ogbot.models import Draft, Retention, Subscriber
from ogbot.store.base import Repository, iso, iso_ms


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


class PeopleRepository(Repository):
    """The ``subscribers``, ``drafts``, ``audit`` and ``notices`` tables (and, to forget a
    person or keep no more than needed, their posts and sends)."""

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
                (chat_id, int(news), int(consultations), lang, iso(now)),
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

    def add_draft(
        self,
        coordinator: int,
        text: str,
        now: datetime,
        html: str | None = None,
        photo: str | None = None,
        image: str | None = None,
        corrects: int | None = None,
    ) -> int:
        """An open draft; ``corrects``: the announcement it is a correction of."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO drafts"
                " (coordinator, text, created, state, html, photo, image, announcement_id)"
                " VALUES (?, ?, ?, 'open', ?, ?, ?, ?)",
                (coordinator, text, iso(now), html, photo, image, corrects),
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
            html=row["html"],
            photo=row["photo"],
            image=row["image"],
        )

    def close_draft(self, draft_id: int, state: str, announcement_id: int | None = None) -> bool:
        """open -> sent, scheduled or cancelled; False when it was no longer open (a second
        press of the same button does nothing)."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE drafts SET state = ?, announcement_id = coalesce(?, announcement_id)"
                " WHERE id = ? AND state = 'open'",
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
                (iso(now), actor, action, detail),
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
                (problem, iso(now)),
            )
        return True

    # -- keeping no more than needed -----------------------------------------------------------

    def housekeep(self, now: datetime, retention: Retention) -> Housekept:
        """Delete what is stored about people once it is no longer needed (for the periods of
        ``retention``): sent private notifications, old drafts, old audit records, the pacing
        log. Posts still waiting are never touched, nor a digest's items while the digest is
        kept."""
        private_cutoff = iso(now - retention.private_posts)
        with self.transaction() as db:
            done = db.execute(
                "SELECT id FROM posts WHERE chat != 'channel' AND chat NOT LIKE 'to:%'"
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
                "DELETE FROM drafts WHERE created < ?", (iso(now - retention.drafts),)
            ).rowcount
            audit = db.execute(
                "DELETE FROM audit WHERE at < ?", (iso(now - retention.audit),)
            ).rowcount
            sends = db.execute(
                "DELETE FROM sends WHERE at < ?", (iso_ms(now - retention.sends),)
            ).rowcount
        return Housekept(private_posts=posts, drafts=drafts, audit=audit, sends=sends)
