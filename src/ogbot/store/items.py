"""The items: stories from the sources, stored once each, and the search over them.

An item is one story: the same guid within a source, or the same normalised link (the *key*) in
two sources, is stored once. ``entries`` maps every (source, guid) ever seen to its item, so a
duplicate is recognised without comparing again. The source that stored a story first keeps it:
only its own later versions update the item. *Which* source is first is the caller's decision:
the watch cycle stores the sources of a cycle in configuration order.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from ogbot.models import Item, SaveResult, StoredItem
from ogbot.store.base import Repository, iso
from ogbot.store.sources import SOURCE_TITLE

SEARCH_WORDS = 16  # words of a search query that count; more are left off
# a stored item with the name people see of its source (StoredItem.source_title), and the title
# a coordinator corrected while reviewing it (store/review.py) in place of the source's
_ITEMS = (
    f"SELECT items.*, {SOURCE_TITLE} AS source_title,"  # noqa: S608 (constants only)
    " reviews.title AS review_title"
    " FROM items LEFT JOIN sources ON sources.name = items.source"
    " LEFT JOIN reviews ON reviews.item_id = items.id"
)


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


class ItemsRepository(Repository):
    """The ``items`` table, the ``entries`` map and the ``items_search`` index."""

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
                            iso(item.published),
                            int(item.date_known),
                            json.dumps(list(item.categories), ensure_ascii=False),
                            item.author,
                            item.kind,
                            item.deadline.isoformat() if item.deadline else None,
                            int(item.deadline_guessed),
                            iso(now),
                            iso(now),
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
                            iso(now),
                            row["id"],
                        ),
                    )
                    updated_ids.append(int(row["id"]))
        return SaveResult(len(new_ids), len(updated_ids), tuple(new_ids), tuple(updated_ids))

    def latest_items(self, limit: int, kind: str | None = None) -> list[StoredItem]:
        query = _ITEMS
        args: list[Any] = []
        if kind:
            query += " WHERE items.kind = ?"
            args.append(kind)
        query += " ORDER BY items.published DESC, items.id DESC LIMIT ?"
        args.append(limit)
        return [self._item(row) for row in self._db.execute(query, args)]

    @staticmethod
    def _item(row: sqlite3.Row) -> StoredItem:
        return StoredItem(
            id=row["id"],
            source=row["source"],
            link=row["link"],
            title=row["review_title"] or row["title"],
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
            source_title=row["source_title"],
        )

    def search_items(self, query: str, limit: int, kind: str | None = None) -> list[StoredItem]:
        """Items matching every word of ``query`` (in the title, summary, source name or
        categories; by a word's beginning, case and diacritics folded), newest first; ``kind``
        keeps news or consultations only. A query without words finds nothing."""
        expression = search_expression(query)
        if expression is None or limit <= 0:
            return []
        sql = (
            f"{_ITEMS} JOIN items_search ON items_search.rowid = items.id"
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
            f"{_ITEMS} WHERE items.id IN (SELECT value FROM json_each(?))",  # noqa: S608
            (json.dumps(list(ids)),),
        )
        found = {row["id"]: self._item(row) for row in rows}
        return [found[i] for i in ids if i in found]

    def open_consultations(self, today: date, limit: int) -> list[StoredItem]:
        """Consultations whose deadline has not passed, soonest first; unknown deadlines last."""
        rows = self._db.execute(
            f"{_ITEMS} WHERE items.kind = 'consultation'"
            " AND (items.deadline IS NULL OR items.deadline >= ?)"
            " ORDER BY items.deadline IS NULL, items.deadline, items.published DESC LIMIT ?",
            (today.isoformat(), limit),
        )
        return [self._item(row) for row in rows]
