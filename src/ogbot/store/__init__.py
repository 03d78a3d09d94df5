"""SQLite: sources with their fetch state, items, the outbox, what is stored about people.
Schema versioned with migrations from the start.

WAL journal, a busy timeout, ``BEGIN IMMEDIATE`` for writes. :class:`Store` is synchronous and
owns one connection; :class:`AsyncStore` runs every call on one dedicated thread, so SQLite never
blocks the event loop and the connection is only ever used from that thread.

The package is split by what it stores: ``schema`` (migrations, the online copy), ``sources``,
``items`` (and their search), ``outbox`` (announcements, posts, the pacing log), ``people``
(subscribers, drafts, the audit record, notices, housekeeping), ``review`` (items waiting for a
coordinator, their previews); ``core`` combines them into
:class:`Store` over one connection, ``asyncstore`` is the adapter for asyncio code.

The store keeps mechanism, not policy. An item is one story: the same guid within a source, or
the same normalised link (the *key*) in two sources, is stored once, and only the source that
stored it first updates it; ``entries`` maps every (source, guid) ever seen to its item, so a
duplicate is recognised without comparing again. *Which* source is first is the caller's
decision: the watch cycle stores its sources in configuration order. When a failing source is
due again is the watch stage's (``ogbot.watch.backoff``); how long what is stored about people
is kept, the stages' that own it (:class:`ogbot.models.Retention`, passed in by the
application layer).

Opening (``opening``): a damaged file, or a database missing or empty where the data directory
was in use, is a :class:`StoreError` naming the backup to restore; never started afresh unasked.

The store imports no stage: only :mod:`ogbot.models`, :mod:`ogbot.config` (the name of the
start-afresh option) and the standard library.
"""

from ogbot.store.asyncstore import AsyncStore
from ogbot.store.base import StoreError
from ogbot.store.core import Store
from ogbot.store.items import SEARCH_WORDS, search_expression, search_words
from ogbot.store.people import Housekept
from ogbot.store.schema import BACKUPS_DIR, DB_NAME, MIGRATIONS, online_copy

__all__ = [
    "BACKUPS_DIR",
    "DB_NAME",
    "MIGRATIONS",
    "SEARCH_WORDS",
    "AsyncStore",
    "Housekept",
    "Store",
    "StoreError",
    "online_copy",
    "search_expression",
    "search_words",
]
