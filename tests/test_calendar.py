"""The deadline calendar (SPEC "Additions (December 2026)", Web; issue 17.1):
``/konsultationen.ics`` as a person who subscribes to it in a calendar app gets it.

A cycle against the fake network site (tests/data/sites/netzwerk-fristen.rss, a WordPress feed
with three consultations and a news item) writes the file; ogbot's web server serves it over a
real socket; the test reads it back with ``icalendar``, as a calendar app would.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from icalendar import Calendar

from ogbot.app.cycle import run_cycle
from ogbot.app.house import build_publisher
from ogbot.publish.calendar import render_calendar
from ogbot.store import Store
from ogbot.watch.fetch import make_client
from tests.fakes.web import site_bytes
from tests.test_feed_outputs import NOW, OPEN_DATA, SITE, TRANSPARENCY, Network, client, network

__all__ = ["client", "network"]  # the fixtures, shared with tests/test_feed_outputs.py

TRANSPARENCY_LINK = "https://opengovpartnership.de/2027/04/28/konsultation-transparenzgesetz/"


async def calendar(network: Network, client: httpx.AsyncClient) -> tuple[Calendar, bytes]:
    response = await client.get(network.url + "/konsultationen.ics")
    assert response.status_code == 200
    return Calendar.from_ical(response.content), response.content


def events(calendar: Calendar) -> dict[str, Any]:
    """The events by the start of their titles ("Frist: " and the names in test_feed_outputs)."""
    found = {}
    for event in calendar.walk("VEVENT"):
        summary = str(event["SUMMARY"])
        assert summary.startswith("Frist: ")
        name = next((n for n in (TRANSPARENCY, OPEN_DATA) if summary[7:].startswith(n)), summary)
        assert name not in found
        found[name] = event
    return found


def day(event: Any, name: str = "DTSTART") -> date:
    value = event[name].dt
    # an all-day event: a DATE, which every calendar app shows on that day in any time zone
    assert type(value) is date, value
    return value


async def test_a_subscriber_gets_each_deadline_as_an_all_day_event_on_its_day(
    network: Network, client: httpx.AsyncClient
) -> None:
    response = await client.get(network.url + "/konsultationen.ics")
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    body = response.content
    # RFC 5545 3.1: CRLF line ends, lines folded at 75 octets
    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in body.replace(b"\r\n", b"")

    cal = Calendar.from_ical(body)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"])
    assert "Konsultationsfristen" in str(cal["X-WR-CALNAME"])
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Berlin"

    shown = events(cal)
    # the open consultation, and the one closed 28 days ago; not the news item, not the one
    # whose deadline (1 March) is more than 30 days past
    assert set(shown) == {TRANSPARENCY, OPEN_DATA}

    transparency = shown[TRANSPARENCY]
    # "Stellungnahmen bis zum 12. Mai 2027, 23:59 Uhr" (Berlin): 12 May, not the next day
    assert day(transparency) == date(2027, 5, 12)
    assert day(transparency, "DTEND") == date(2027, 5, 13)
    assert str(transparency["SUMMARY"]) == (
        "Frist: Konsultation zum Transparenzgesetz: Stellungnahmen bis zum 12. Mai 2027, 23:59 Uhr"
    )
    assert str(transparency["URL"]) == TRANSPARENCY_LINK
    description = str(transparency["DESCRIPTION"])
    assert description.startswith("Frist: 12. Mai 2027\n\nDas Bundesministerium des Innern")
    assert f"Link: {TRANSPARENCY_LINK}" in description
    assert "Quelle: Open Government Netzwerk Deutschland" in description
    assert [str(c) for c in transparency["CATEGORIES"].cats] == [
        "Konsultation",
        "Open Government Netzwerk Deutschland",
    ]
    assert str(transparency["TRANSP"]) == "TRANSPARENT"
    assert day(shown[OPEN_DATA]) == date(2027, 4, 5)
    # what RFC 5545 requires of every event
    for event in shown.values():
        assert str(event["UID"]).endswith("@news.example.org")
        assert event["DTSTAMP"].dt.tzinfo is not None


async def test_the_calendar_answers_304_to_its_etag_and_keeps_it_while_nothing_changes(
    network: Network, client: httpx.AsyncClient
) -> None:
    first = await client.get(network.url + "/konsultationen.ics")
    etag = first.headers["etag"]
    assert (
        await client.get(network.url + "/konsultationen.ics", headers={"If-None-Match": etag})
    ).status_code == 304
    # written again an hour later, the same day: the same bytes (nothing in it is "now")
    await network.write(NOW + timedelta(hours=1))
    again = await client.get(network.url + "/konsultationen.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304


async def test_a_moved_deadline_moves_the_event_under_the_same_uid(
    network: Network, client: httpx.AsyncClient
) -> None:
    before, _ = await calendar(network, client)
    old = events(before)[TRANSPARENCY]
    etag = (await client.get(network.url + "/konsultationen.ics")).headers["etag"]

    # the ministry extends the consultation by a week; the network's post says so
    extended = site_bytes("netzwerk-fristen.rss").replace(b"12. Mai 2027", b"19. Mai 2027")
    network.web.route("/feed/", body=extended)
    later = NOW + timedelta(days=1)
    await network.cycle(later)

    after, _ = await calendar(network, client)
    new = events(after)[TRANSPARENCY]
    assert str(new["UID"]) == str(old["UID"])  # the same event for the calendar app
    assert day(new) == date(2027, 5, 19)
    assert day(new, "DTEND") == date(2027, 5, 20)
    assert "Frist: 19. Mai 2027" in str(new["DESCRIPTION"])
    # revised: a calendar app replaces the event it had
    assert new["LAST-MODIFIED"].dt == later
    assert new["DTSTAMP"].dt == later
    assert old["LAST-MODIFIED"].dt == old["DTSTAMP"].dt == NOW
    assert new["CREATED"].dt == old["CREATED"].dt == NOW
    # the other event is untouched
    assert events(after)[OPEN_DATA].to_ical() == events(before)[OPEN_DATA].to_ical()
    # and the reader's old ETag no longer matches
    response = await client.get(
        network.url + "/konsultationen.ics", headers={"If-None-Match": etag}
    )
    assert response.status_code == 200


async def test_a_closed_consultation_stays_30_days_after_its_deadline_in_berlin_days(
    network: Network, client: httpx.AsyncClient
) -> None:
    # the Open-Data-Strategie closed on 5 April: still there on 5 May (30 days later) ...
    await network.write(datetime(2027, 5, 5, 21, 0, tzinfo=UTC))  # 23:00 in Berlin
    shown, _ = await calendar(network, client)
    assert set(events(shown)) == {TRANSPARENCY, OPEN_DATA}
    # ... gone on 6 May in Berlin, although it is still 5 May in UTC
    await network.write(datetime(2027, 5, 5, 22, 30, tzinfo=UTC))  # 00:30 on 6 May in Berlin
    shown, _ = await calendar(network, client)
    assert set(events(shown)) == {TRANSPARENCY}


async def test_a_running_ogbot_lets_a_closed_consultation_go_on_its_31st_day_without_news(
    network: Network, client: httpx.AsyncClient
) -> None:
    # one publisher across the days, as in `ogbot run`; the source has nothing new
    clock = [datetime(2027, 5, 5, 8, 0, tzinfo=UTC)]
    publisher = build_publisher(network.settings, network.store, None, clock=lambda: clock[0])
    async with make_client(5, allow_private=True) as http:
        await run_cycle(
            network.settings, http, network.store, lambda: clock[0], publisher=publisher
        )
        assert set(events((await calendar(network, client))[0])) == {TRANSPARENCY, OPEN_DATA}
        clock[0] = datetime(2027, 5, 6, 8, 0, tzinfo=UTC)
        report = await run_cycle(
            network.settings, http, network.store, lambda: clock[0], publisher=publisher
        )
    assert not report.new_ids and not report.updated_ids
    assert set(events((await calendar(network, client))[0])) == {TRANSPARENCY}


async def test_render_calendar_is_the_same_bytes_for_the_same_items_and_day(
    network: Network,
) -> None:
    items = network.store.run(Store.latest_items, 10)
    options = {"title": "T", "site_url": SITE, "timezone": "Europe/Berlin"}
    first = render_calendar(items, today=date(2027, 5, 3), **options)
    assert render_calendar(list(reversed(items)), today=date(2027, 5, 3), **options) == first
    # a news item never becomes an event, even with a date in its text
    assert [str(e["SUMMARY"]) for e in Calendar.from_ical(first).walk("VEVENT")] == [
        f"Frist: {i.title}"
        for i in sorted(items, key=lambda i: (i.deadline or date.max, i.id))
        if i.kind == "consultation" and i.deadline and i.deadline >= date(2027, 4, 3)
    ]


async def test_source_text_cannot_break_out_of_its_event(network: Network) -> None:
    [item] = [
        i for i in network.store.run(Store.latest_items, 10) if i.title.startswith(TRANSPARENCY)
    ]
    hostile = dataclasses.replace(
        item,
        title="Frist\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Gefälscht; a,b \u202eTXT.EXE\x07",
        summary="Zeile 1\nDTSTART:19700101\n\x00Ende",
        link="javascript:alert(1)",
    )
    body = render_calendar(
        [hostile], today=date(2027, 5, 3), title="T", site_url=SITE, timezone="Europe/Berlin"
    )
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == (
        "Frist: Frist END:VEVENT BEGIN:VEVENT SUMMARY:Gefälscht; a,b TXT.EXE"
    )
    assert day(event) == date(2027, 5, 12)
    assert str(event["URL"]) == f"{SITE}/"  # not http(s): the page instead
    assert "Zeile 1 DTSTART:19700101 Ende" in str(event["DESCRIPTION"])
