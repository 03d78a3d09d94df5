"""``konsultationen.ics``: the consultations' deadlines as an iCalendar file (RFC 5545).

People subscribe to it in their calendar app. This is the only module that imports
``icalendar`` (a kept library that writes and checks RFC 5545: escaping, line folding at 75
octets, CRLF). :func:`render_calendar` is pure: the same items and day give the same bytes, so
an unchanged calendar keeps its ETag.

Decisions:

- **Which**: every consultation with a deadline; a closed one (its deadline passed) stays for
  :data:`KEEP_CLOSED` (30 days) after its deadline, then leaves the file. Consultations without
  a deadline have no day to show and are left out. Soonest deadline first (then the item id).
- **When**: an all-day event (``DTSTART;VALUE=DATE``, ``DTEND`` the day after) on the deadline
  day. Deadlines are calendar dates in ``publish.timezone`` (``watch/classify.py`` reads them
  so): "bis 12. Mai, 23:59 Uhr" is 12 May in every calendar app, whatever its time zone,
  never 13 May because 23:59 in Berlin is already the next day somewhere. ``X-WR-TIMEZONE``
  names ``publish.timezone`` for apps that show it.
- **What**: ``SUMMARY`` "Frist: <title>" (the title as the channel shows it); ``DESCRIPTION``
  the deadline as the page words it ("Frist: 12. Mai 2026", "(Jahr geschätzt)" when the year
  was guessed), the summary, the link and the source by the name people see; ``URL`` the link
  (http(s) only, else the page); ``CATEGORIES`` "Konsultation" and the source; ``TRANSP``
  transparent (a deadline does not make anyone busy).
- **Identity and changes**: ``UID`` is ``deadline-{item id}-{YYYYMMDD first seen}@{authority}``
  (the authority of the feeds' ``tag:`` ids, :func:`~ogbot.publish.feeds.tag_authority`; no
  comma, which TEXT would escape), the same item the same UID in every version of the file.
  ``CREATED`` is when ogbot first saw the item; ``DTSTAMP`` and ``LAST-MODIFIED`` are when it
  last stored a change (a moved deadline is one), so a calendar app sees the event updated. No
  ``METHOD``: then RFC 5545 defines ``DTSTAMP`` as the time the event was last revised, not the
  time the file was made (which would change every file, and its ETag, at every write).
- **The calendar**: ``NAME``/``X-WR-CALNAME`` "<publish.title> – Konsultationsfristen",
  ``REFRESH-INTERVAL``/``X-PUBLISHED-TTL`` one hour, ``SOURCE`` and ``URL`` its own address.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from icalendar import Calendar, Event, vText

from ogbot import __version__
from ogbot.models import StoredItem
from ogbot.publish.feeds import FeedSite, absolute_url, feed_line, xml_text
from ogbot.publish.post import TITLE_MAX, item_summary, item_title, source_name
from ogbot.text import deadline_text, shorten

if TYPE_CHECKING:
    from ogbot.config import Settings

CALENDAR_FILE = "konsultationen.ics"
MEDIA_TYPE = "text/calendar"
KEEP_CLOSED = timedelta(days=30)  # a closed consultation stays this long after its deadline
REFRESH = timedelta(hours=1)  # how often calendar apps are asked to look again
PRODID = f"-//Open Government Netzwerk Deutschland//ogbot {__version__}//DE"
SUMMARY_CHARS = 500  # of an item's summary in the event's description


def calendar_items(items: Sequence[StoredItem], today: date) -> list[StoredItem]:
    """The consultations the calendar shows on ``today``: with a deadline, not closed for more
    than :data:`KEEP_CLOSED`; soonest deadline first."""
    first_day = today - KEEP_CLOSED
    shown = {
        item.id: item
        for item in items
        if item.kind == "consultation" and item.deadline is not None and item.deadline >= first_day
    }
    return sorted(shown.values(), key=lambda item: (item.deadline, item.id))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _text(text: str) -> str:
    """One line for a calendar field: cleaned as in the feeds (no control characters)."""
    return feed_line(xml_text(text))


def _event(item: StoredItem, site: FeedSite) -> Event:
    assert item.deadline is not None  # calendar_items keeps only these
    link = absolute_url(item.link) or site.page
    title = _text(shorten(item_title(item), TITLE_MAX))
    source = _text(source_name(item))
    lines = [deadline_text(item)]
    summary = _text(shorten(item_summary(item), SUMMARY_CHARS))
    if summary:
        lines += ["", summary]
    lines += ["", f"Link: {link}", f"Quelle: {source}"]

    updated = max(_utc(item.updated_at), _utc(item.first_seen))
    event = Event()
    first_seen = _utc(item.first_seen)
    event.add("uid", f"deadline-{item.id}-{first_seen:%Y%m%d}@{site.authority}")
    event.add("dtstamp", updated)
    event.add("created", first_seen)
    event.add("last-modified", updated)
    event.add("dtstart", item.deadline)
    event.add("dtend", item.deadline + timedelta(days=1))
    event.add("summary", f"Frist: {title}")
    event.add("description", "\n".join(lines))
    event.add("url", link)
    event.add("categories", ["Konsultation", source])
    event.add("transp", "TRANSPARENT")
    event.add("class", "PUBLIC")
    return event


def render_calendar(
    items: Sequence[StoredItem],
    *,
    today: date,
    title: str,
    site_url: str,
    timezone: str,
) -> bytes:
    """``konsultationen.ics`` for these items as of ``today`` (a date in ``timezone``, the
    IANA name of ``publish.timezone``); other kinds and closed ones are filtered here."""
    site = FeedSite(site_url)
    url = f"{site.base}/{CALENDAR_FILE}"
    name = f"{_text(title)} – Konsultationsfristen"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", vText(name))
    description = f"Fristen offener Konsultationen rund um Open Government, von {site.page}"
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", vText(description))
    calendar.add("x-wr-timezone", vText(timezone))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vText("PT1H"))
    calendar.add("source", url, parameters={"VALUE": "URI"})
    calendar.add("url", url, parameters={"VALUE": "URI"})
    for item in calendar_items(items, today):
        calendar.add_component(_event(item, site))
    body: bytes = calendar.to_ical()
    return body


def render_calendar_for(settings: Settings, items: Sequence[StoredItem], today: date) -> bytes:
    """:func:`render_calendar` with the title, URL and time zone from the settings."""
    return render_calendar(
        items,
        today=today,
        title=settings.publish.title,
        site_url=settings.site_url,
        timezone=settings.publish.timezone,
    )
