"""The public files, which are written and from what: ``$OGBOT_DATA_DIR/public/``.

After a cycle that stored something new or changed, and after an announcement,
:meth:`~ogbot.publish.publisher.Publisher.write_feeds` renders them all and writes those whose
bytes changed (:func:`~ogbot.publish.feeds.write_files`); ``web/server.py`` serves them with an
ETag and answers 304 to it.

======================  =====================================================================
``feed.rss``/``.atom``  the newest ``publish.window`` items and announcements (feeds.py)
``feed.json``           the same entries as JSON Feed 1.1 (jsonfeed.py)
``konsultationen.rss``  the newest ``publish.window`` consultations alone, no announcements
``konsultationen.atom`` the same as Atom
``konsultationen.ics``  every consultation's deadline, closed ones for 30 days (calendar.py)
======================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from ogbot.models import Announcement, StoredItem
from ogbot.publish.calendar import CALENDAR_FILE, KEEP_CLOSED, render_calendar_for
from ogbot.publish.feeds import ATOM_FILE, RSS_FILE, feed_options, render_feeds
from ogbot.publish.jsonfeed import JSON_FILE, render_json_feed

if TYPE_CHECKING:
    from ogbot.config import Settings
    from ogbot.store import Store

CONSULTATIONS_STEM = "konsultationen"
CONSULTATIONS_RSS = f"{CONSULTATIONS_STEM}.rss"
CONSULTATIONS_ATOM = f"{CONSULTATIONS_STEM}.atom"
CONSULTATIONS_TITLE = "Konsultationen"  # after the feed's title: "<publish.title> – Konsultationen"
CONSULTATIONS_SUBTITLE = (
    "Konsultationen rund um Open Government in Deutschland, mit ihren Fristen, gesammelt vom "
    "Open Government Netzwerk Deutschland"
)
CALENDAR_LIMIT = 500  # consultations in the calendar at most (soonest deadlines first)
PUBLIC_FILES = (
    RSS_FILE,
    ATOM_FILE,
    JSON_FILE,
    CONSULTATIONS_RSS,
    CONSULTATIONS_ATOM,
    CALENDAR_FILE,
)


def consultation_data(
    store: Store, window: int, today: date, hidden: frozenset[int] = frozenset()
) -> tuple[list[StoredItem], list[StoredItem]]:
    """From the store: the newest ``window`` consultations (their feeds), and those whose
    deadline is at most :data:`~ogbot.publish.calendar.KEEP_CLOSED` ago (the calendar); items
    in ``hidden`` (not posted after a review, ``publish.feeds_follow_review``) left out."""
    latest = store.latest_items(window + len(hidden), "consultation")
    deadlines = store.open_consultations(today - KEEP_CLOSED, CALENDAR_LIMIT)
    return (
        [item for item in latest if item.id not in hidden][:window],
        [item for item in deadlines if item.id not in hidden],
    )


def render_public_files(
    settings: Settings,
    items: Sequence[StoredItem],
    announcements: Sequence[Announcement],
    consultations: Sequence[StoredItem],
    deadlines: Sequence[StoredItem],
    today: date,
) -> dict[str, bytes]:
    """Every public file (name: bytes); pure. ``items`` and ``announcements`` make the main
    feeds, ``consultations`` their own feeds (other kinds are left out here too), ``deadlines``
    the calendar as of ``today`` (a date in ``publish.timezone``)."""
    options = feed_options(settings)
    feeds = render_feeds(items, announcements, **options)
    only = [item for item in consultations if item.kind == "consultation"]
    own = render_feeds(
        only,
        (),
        **options
        | {
            "title": f"{settings.publish.title} – {CONSULTATIONS_TITLE}",
            "subtitle": CONSULTATIONS_SUBTITLE,
            "stem": CONSULTATIONS_STEM,
        },
    )
    return {
        RSS_FILE: feeds.rss,
        ATOM_FILE: feeds.atom,
        JSON_FILE: render_json_feed(items, announcements, **options),
        CONSULTATIONS_RSS: own.rss,
        CONSULTATIONS_ATOM: own.atom,
        CALENDAR_FILE: render_calendar_for(settings, deadlines, today),
    }
