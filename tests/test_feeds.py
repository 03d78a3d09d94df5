"""The feed files (SPEC "Publishing", "Web", "Known traps: feedgen"): feed.rss and feed.atom.

Every test renders real-looking items, parses the bytes back with lxml (the raw XML) and with
feedparser (what a reader sees), and asserts the rules the W3C Feed Validation Service applies:
RSS 2.0 and RFC 4287 required elements, tag: ids, RFC 822 / RFC 3339 dates, self links at the
served URL, an author for every Atom entry, and no script, style or event attribute in any HTML.
"""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest
from lxml import etree

from ogbot.config import build_settings
from ogbot.models import Announcement, StoredItem
from ogbot.publish.feeds import (
    ATOM_FILE,
    RSS_FILE,
    FeedFiles,
    public_dir,
    render_feeds,
    render_feeds_for,
    tag_authority,
    write_feeds,
)

SITE = "https://example.org/ogbot"
RSS_URL = f"{SITE}/feed.rss"
ATOM_URL = f"{SITE}/feed.atom"
PAGE = f"{SITE}/"
TITLE = "Open Government – Neuigkeiten"
CONTACT_URL = "https://x.com/OpenGovGermany"
NETWORK = "Open Government Netzwerk Deutschland"

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
# RFC 4151 as the W3C validator checks it: lower-case authority, a date, a specific part
TAG_URI = re.compile(
    r"^tag:(?:[a-z0-9._-]+@)?[a-z0-9.-]+,\d{4}(?:-\d{2}(?:-\d{2})?)?:[0-9A-Za-z;/?:@&=+$._!~*'()%,-]+$"
)
# RFC 3339 in UTC, written with "Z" as the validator prefers
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
URI = re.compile(r"^https?://[0-9A-Za-z;/?:@&=+$._!~*'()%,#\[\]-]+$")

T0 = datetime(2025, 3, 3, 8, 15, tzinfo=UTC)

HOSTILE_TITLE = "AT&T &amp; <b>Open Data</b>: \"Transparenz\" für 'alle' – 1 < 2"
HOSTILE_SUMMARY = 'Beispiel: <script>alert("x")</script> <img src=x onerror=alert(1)> & mehr'
HOSTILE_CONTENT = (
    '<p style="color:red" onclick="steal()">Lesen Sie <a href="javascript:alert(1)">hier</a>'
    ' und <a href="https://example.com/plan" onmouseover="x()">den Plan</a>.</p>'
    "<script>document.cookie</script><style>body{display:none}</style>"
    '<img src="https://example.com/a.png" onerror="alert(1)">'
    '<iframe src="https://evil.example/"></iframe>'
    '<div style="background:url(javascript:alert(1))">Rest</div>'
)


def item(item_id: int, **changes: Any) -> StoredItem:
    base = StoredItem(
        id=item_id,
        source="netzwerk",
        link=f"https://opengovpartnership.de/{item_id}/",
        title=f"Meldung {item_id}",
        summary="",
        content_html="",
        published=T0 - timedelta(days=item_id),
        date_known=True,
        categories=(),
        author=None,
        kind="news",
        deadline=None,
        deadline_guessed=False,
        first_seen=T0 - timedelta(days=item_id),
        updated_at=T0 - timedelta(days=item_id),
        backlog=False,
    )
    return dataclasses.replace(base, **changes)


def realistic_items() -> list[StoredItem]:
    return [
        item(
            1,
            source="ogp",
            link="https://www.opengovpartnership.org/documents/germany-action-plan-review-2023-2025/",
            title="Germany Action Plan Review 2023-2025 – For Public Comment",
            summary="The IRM invites comments on its review of Germany's fourth action plan.",
            content_html=(
                "<p>The IRM invites comments on its review. "
                '<a href="https://www.opengovpartnership.org/irm/">More about the IRM</a></p>'
            ),
            published=datetime(2025, 3, 2, 14, 0, 5, 123456, tzinfo=UTC),
            first_seen=datetime(2025, 3, 2, 15, 0, tzinfo=UTC),
            updated_at=datetime(2025, 3, 2, 15, 0, tzinfo=UTC),
            categories=("Germany", "IRM", "Action Plans"),
            author="OGP Staff",
            kind="consultation",
            deadline=date(2025, 4, 30),
        ),
        item(
            2,
            source="netzwerk",
            title="Zivilgesellschaft fordert einen ambitionierten Fünften Nationalen Aktionsplan",
            summary="Das Netzwerk hat 14 Empfehlungen veröffentlicht.\nLesen Sie mehr.",
            categories=("Aktionsplan", "Zivilgesellschaft", "aktionsplan"),
            published=datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        ),
        item(
            3,  # the federal listing gives no date: published is when ogbot first saw it
            source="bundesregierung",
            link="https://www.open-government-deutschland.de/opengov-de/vierter-nap-2216",
            title="Vierter Nationaler Aktionsplan: Kommentierungsphase gestartet",
            summary="Ihr Feedback ist gefragt: Kommentieren Sie den Entwurf bis zum 12. Mai.",
            published=datetime(2025, 2, 27, 6, 0, tzinfo=UTC),
            date_known=False,
            first_seen=datetime(2025, 2, 27, 6, 0, tzinfo=UTC),
            updated_at=datetime(2025, 2, 28, 6, 0, tzinfo=UTC),
            categories=("Konsultation",),
            kind="consultation",
            deadline=date(2025, 5, 12),
            deadline_guessed=True,
        ),
        item(
            4,
            source="netzwerk",
            title=HOSTILE_TITLE,
            summary=HOSTILE_SUMMARY,
            content_html=HOSTILE_CONTENT,
            published=datetime(2025, 2, 26, 12, 0, tzinfo=UTC),
        ),
        item(
            5,
            source="kommunen",
            link="http://open-government-kommunen.de/zwischenbericht/",
            title="15.8.2021 | Zwischenbericht",
            summary="Die Modellkommunen berichten über ihre Labore.",
            published=datetime(2021, 8, 15, 0, 0, tzinfo=UTC),
            first_seen=datetime(2025, 1, 10, 7, 0, tzinfo=UTC),
            updated_at=datetime(2025, 1, 10, 7, 0, tzinfo=UTC),
        ),
    ]


def announcement(announcement_id: int, **changes: Any) -> Announcement:
    base = Announcement(
        id=announcement_id,
        text="Netzwerktreffen am 20. März in Berlin!\nAnmeldung & Programm: siehe Website.\n\n"
        "Wir freuen uns auf euch.",
        created=datetime(2025, 3, 1, 18, 0, tzinfo=UTC),
        published=datetime(2025, 3, 2, 8, 0, tzinfo=UTC),
        author="shell",
    )
    return dataclasses.replace(base, **changes)


def render(
    items: list[StoredItem] | None = None,
    announcements: list[Announcement] | None = None,
    **options: Any,
) -> FeedFiles:
    options = {"title": TITLE, "site_url": SITE, "author_uri": CONTACT_URL} | options
    return render_feeds(
        realistic_items() if items is None else items,
        [announcement(1)] if announcements is None else announcements,
        **options,
    )


def xml(data: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def parsed(data: bytes) -> Any:
    result = feedparser.parse(data)
    assert not result.bozo, result.get("bozo_exception")
    return result


def entry_by_id(result: Any, suffix: str) -> Any:
    matches = [e for e in result.entries if e.id.endswith(suffix)]
    assert len(matches) == 1, [e.id for e in result.entries]
    return matches[0]


def html_fragments(files: FeedFiles) -> list[str]:
    """Every string in the feeds that a reader renders as HTML."""
    rss, atom = xml(files.rss), xml(files.atom)
    fragments = [e.text or "" for e in rss.iterfind("channel/item/description")]
    fragments += [e.text or "" for e in rss.iterfind("channel/item/content:encoded", NS)]
    for name in ("summary", "content"):
        for element in atom.iterfind(f"atom:entry/atom:{name}", NS):
            assert element.get("type") in (None, "text", "html")
            if element.get("type") == "html":
                fragments.append(element.text or "")
    return fragments


def body(entry: Any) -> str:
    """The entry's full text as a reader shows it: content, else the summary (RSS description)."""
    return str(entry.content[0].value if "content" in entry else entry.summary)


def paragraphs(fragment: str) -> list[str]:
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return [p.text_content() for p in root.iter("p")]


# --- well-formed, and what the specs require -------------------------------------------------


def test_feeds_are_well_formed_utf8_xml() -> None:
    files = render()
    for data, root_tag in ((files.rss, "rss"), (files.atom, "{http://www.w3.org/2005/Atom}feed")):
        assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
        assert xml(data).tag == root_tag
        data.decode("utf-8")  # strict: raises on anything else
    assert xml(files.rss).get("version") == "2.0"


def test_rss_channel_has_the_required_elements_and_self_link() -> None:
    channel = xml(render().rss).find("channel")
    assert channel.findtext("title") == TITLE
    assert channel.findtext("link") == PAGE
    assert channel.findtext("description").strip()
    assert channel.findtext("language") == "de"
    assert channel.findtext("generator") == "ogbot"
    self_links = channel.findall("atom:link", NS)
    assert [(link.get("rel"), link.get("href")) for link in self_links] == [("self", RSS_URL)]
    for name in ("lastBuildDate", "pubDate"):
        text = channel.findtext(name)
        assert text.endswith("+0000")
        assert parsedate_to_datetime(text).utcoffset() == timedelta(0)


def test_rss_items_have_title_guid_tag_uri_and_gmt_pubdate() -> None:
    items = xml(render().rss).findall("channel/item")
    assert len(items) == 6
    guids = []
    for element in items:
        assert element.findtext("title").strip() or element.findtext("description").strip()
        guid = element.find("guid")
        assert guid.get("isPermaLink") == "false"
        assert TAG_URI.match(guid.text), guid.text
        guids.append(guid.text)
        assert URI.match(element.findtext("link")), element.findtext("link")
        pub = element.findtext("pubDate")
        assert pub.endswith("+0000")
        assert parsedate_to_datetime(pub).utcoffset() == timedelta(0)
        # RSS <author> must be an e-mail address: names go into dc:creator
        assert element.find("author") is None
        assert element.findtext("dc:creator", namespaces=NS).strip()
    assert len(set(guids)) == len(guids)


def test_atom_feed_has_the_required_elements() -> None:
    feed = xml(render().atom)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert URI.match(feed.findtext("atom:id", namespaces=NS))
    assert feed.findtext("atom:title", namespaces=NS) == TITLE
    assert RFC3339_UTC.match(feed.findtext("atom:updated", namespaces=NS))
    assert feed.findtext("atom:author/atom:name", namespaces=NS) == NETWORK
    links = {(link.get("rel"), link.get("href")) for link in feed.findall("atom:link", NS)}
    assert ("self", ATOM_URL) in links
    assert ("alternate", PAGE) in links

    entries = feed.findall("atom:entry", NS)
    assert len(entries) == 6
    for entry in entries:
        assert TAG_URI.match(entry.findtext("atom:id", namespaces=NS))
        assert entry.findtext("atom:title", namespaces=NS).strip()
        updated = entry.findtext("atom:updated", namespaces=NS)
        published = entry.findtext("atom:published", namespaces=NS)
        assert RFC3339_UTC.match(updated)
        assert RFC3339_UTC.match(published)
        assert datetime.fromisoformat(published) <= datetime.fromisoformat(updated)
        assert entry.findtext("atom:author/atom:name", namespaces=NS).strip()
        # the validator wants text in every entry: a summary or inline content
        assert (
            entry.find("atom:summary", NS) is not None or entry.find("atom:content", NS) is not None
        )
        # RFC 4287 4.2.7.2: a link without rel is rel="alternate"
        alternates = [
            link.get("href")
            for link in entry.findall("atom:link", NS)
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == 1
        assert URI.match(alternates[0])


def test_feed_entries_name_the_item_author_else_the_source() -> None:
    # issue 13: items from the federal site were credited to the network; the source is credited
    items = realistic_items()
    items[2] = dataclasses.replace(items[2], source_title="Open Government Deutschland")
    files = render(items=items)
    for data in (files.atom, files.rss):  # RSS: dc:creator
        feed = parsed(data)
        assert entry_by_id(feed, ":item/1").author == "OGP Staff"
        assert entry_by_id(feed, ":item/3").author == "Open Government Deutschland"
        # no title known for the source (never fetched, none configured): its name
        assert entry_by_id(feed, ":item/2").author == "netzwerk"
        assert NETWORK not in [
            entry.get("author") for entry in feed.entries if ":item/" in entry.id
        ]
    # the feed itself, and the network's own announcements, are by the network
    atom = parsed(files.atom)
    assert atom.feed.author == NETWORK
    assert atom.feed.author_detail.href == CONTACT_URL
    assert entry_by_id(atom, ":announcement/1").author == NETWORK


def test_empty_feeds_are_valid_and_dated_from_the_epoch() -> None:
    files = render(items=[], announcements=[])
    channel = xml(files.rss).find("channel")
    assert channel.findtext("title") and channel.findtext("link")
    assert channel.findtext("description")
    assert channel.findall("item") == []
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == datetime(
        1970, 1, 1, tzinfo=UTC
    )
    feed = xml(files.atom)
    assert feed.findtext("atom:updated", namespaces=NS) == "1970-01-01T00:00:00Z"
    assert feed.findtext("atom:author/atom:name", namespaces=NS) == NETWORK


# --- ids ------------------------------------------------------------------------------------------


def test_feed_ids_are_tag_uris_dated_when_first_seen() -> None:
    files = render()
    ids = [e.findtext("atom:id", namespaces=NS) for e in xml(files.atom).iterfind("atom:entry", NS)]
    assert "tag:example.org,2025-03-02:item/1" in ids
    assert "tag:example.org,2025-02-27:item/3" in ids
    assert "tag:example.org,2025-01-10:item/5" in ids  # first seen, not the 2021 publication
    assert "tag:example.org,2025-03-01:announcement/1" in ids
    guids = [g.text for g in xml(files.rss).iterfind("channel/item/guid")]
    assert sorted(guids) == sorted(ids)


def test_feed_ids_do_not_change_when_the_item_changes() -> None:
    before = parsed(render(items=[item(2)], announcements=[]).atom).entries[0].id
    edited = item(2, title="Neuer Titel", updated_at=T0 + timedelta(days=3), link="https://a.de/")
    after = parsed(render(items=[edited], announcements=[]).atom).entries[0].id
    assert before == after == "tag:example.org,2025-03-01:item/2"


@pytest.mark.parametrize(
    ("site_url", "authority"),
    [
        ("https://example.org/ogbot", "example.org"),
        ("https://Feeds.Example.ORG:8443/", "feeds.example.org"),
        ("https://bürgerbeteiligung.de", "xn--brgerbeteiligung-jzb.de"),
        ("http://127.0.0.1:8080", "localhost"),
        ("http://[::1]:8080", "localhost"),
        ("http://localhost:8080", "localhost"),
        ("http://ogbot:8080", "localhost"),
        ("http://feeds.localhost:8080", "localhost"),
    ],
)
def test_tag_authority_is_the_sites_dns_name_else_localhost(site_url: str, authority: str) -> None:
    assert tag_authority(site_url) == authority


def test_feeds_served_on_a_local_address_have_valid_ids_and_self_links() -> None:
    files = render(site_url="http://127.0.0.1:8080")
    channel = xml(files.rss).find("channel")
    assert channel.find("atom:link", NS).get("href") == "http://127.0.0.1:8080/feed.rss"
    assert channel.findtext("link") == "http://127.0.0.1:8080/"
    for guid in channel.iterfind("item/guid"):
        assert guid.text.startswith("tag:localhost,")
        assert TAG_URI.match(guid.text)
    feed = xml(files.atom)
    self_links = [link.get("href") for link in feed.findall("atom:link[@rel='self']", NS)]
    assert self_links == ["http://127.0.0.1:8080/feed.atom"]


def test_render_feeds_rejects_a_site_url_that_is_not_absolute_http() -> None:
    for site_url in ("", "/ogbot", "ftp://example.org", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="site_url"):
            render(site_url=site_url)


# --- text: escaped once, sanitised, no control characters ---------------------------------------


PLAIN_TITLES = (
    "AT&T: \"Transparenz\" für 'alle' – 1 < 2 > 0",
    "<script>alert(1)</script> Offene Daten & Open Data",
    "Q&A: Zivilgesellschaft fordert einen ambitionierten Fünften Nationalen Aktionsplan",
)


def test_feed_titles_are_escaped_exactly_once() -> None:
    titled = [item(n, title=t) for n, t in enumerate((HOSTILE_TITLE, *PLAIN_TITLES), start=1)]
    files = render(items=titled, announcements=[])
    # Atom says type="text": every reader shows the title exactly as the source had it
    atom = parsed(files.atom)
    for source in titled:
        entry = entry_by_id(atom, f":item/{source.id}")
        assert entry.title == source.title
        assert entry.title_detail.type == "text/plain"
    # RSS: the XML text is the title itself, escaped once (not twice, not raw)
    rss_titles = [e.text for e in xml(files.rss).iterfind("channel/item/title")]
    assert rss_titles == [source.title for source in titled]
    escaped_once = (
        "AT&amp;T &amp;amp; &lt;b&gt;Open Data&lt;/b&gt;: \"Transparenz\" für 'alle' – 1 &lt; 2"
    )
    for data in (files.rss, files.atom):
        assert f"<title>{escaped_once}</title>".encode() in data
    # and a reader reads it back as plain text (a title holding "</b>" or "&amp;" is the one
    # case RSS leaves ambiguous: feedparser guesses HTML there, see the module docstring)
    rss = parsed(files.rss)
    for source in titled[1:]:
        entry = entry_by_id(rss, f":item/{source.id}")
        assert entry.title == source.title
        assert entry.title_detail.type == "text/plain"


def test_feed_summaries_read_back_as_the_sources_plain_text() -> None:
    for data in (render().rss, render().atom):
        feed = parsed(data)
        hostile = entry_by_id(feed, ":item/4")
        assert paragraphs(hostile.summary) == [HOSTILE_SUMMARY]
        news = entry_by_id(feed, ":item/2")
        assert paragraphs(news.summary) == [
            "Das Netzwerk hat 14 Empfehlungen veröffentlicht.Lesen Sie mehr."
        ]
        assert "<br" in news.summary  # the line break survives


def test_feed_html_has_no_script_style_or_event_attributes() -> None:
    files = render()
    fragments = html_fragments(files)
    assert any("den Plan" in fragment for fragment in fragments)
    for fragment in fragments:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue  # comments and processing instructions are not markup
            assert element.tag not in {"script", "style", "iframe", "object", "embed", "form"}
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (name, fragment)
                assert name.lower() != "style", fragment
                assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:"))
    # and nothing at the XML level either: the only markup is the feed's own
    for data in (files.rss, files.atom):
        assert b"<script" not in data
        assert b"<style" not in data
        for element in xml(data).iter():
            assert not any(name.lower().startswith("on") for name in element.attrib)
            assert "style" not in element.attrib


def test_feed_content_keeps_the_safe_markup() -> None:
    feed = parsed(render().atom)
    content = entry_by_id(feed, ":item/1").content[0]
    assert content.type == "text/html"
    root = lxml.html.fragment_fromstring(content.value, create_parent="div")
    links = [a.get("href") for a in root.iter("a")]
    assert links == ["https://www.opengovpartnership.org/irm/"]
    hostile = entry_by_id(parsed(render().rss), ":item/4")
    assert "den Plan" in hostile.content[0].value  # RSS content:encoded
    assert "Rest" in hostile.content[0].value


def test_feeds_drop_characters_xml_forbids() -> None:
    dirty = item(
        9,
        title="Kon\x00sul\x0btation\x1f zum \ud800Entwurf\x7f",
        summary="Text\x00 mit\x08 Steuer\x0czeichen\ufffe",
        content_html="<p>In\x00halt\x1b</p>",
        categories=("Offene\x00 Daten", "\x1f"),
        author="Re\x00daktion",
        link="https://example.com/a\x00b",
    )
    files = render(items=[dirty], announcements=[announcement(2, text="Hallo\x00 Welt\x1f")])
    for data in (files.rss, files.atom):
        text = data.decode("utf-8")
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\ufffe]", text)
        entry = entry_by_id(parsed(data), ":item/9")
        assert entry.title == "Konsul tation zum Entwurf"
        assert paragraphs(entry.summary) == ["Text mit Steuer zeichen"]
        assert "Inhalt" in entry.content[0].value
        assert entry.link == "https://example.com/ab"
        assert "Offene Daten" in [tag.term for tag in entry.tags] + [
            tag.label for tag in entry.tags
        ]
        assert entry.author == "Redaktion"


# --- categories, links, announcements -------------------------------------------------------------


def test_feed_categories_mark_consultations_source_and_deadline() -> None:
    files = render()
    atom = parsed(files.atom)
    consultation = entry_by_id(atom, ":item/1")
    terms = [(tag.term, tag.scheme, tag.label) for tag in consultation.tags]
    assert terms[:3] == [
        ("consultation", f"{PAGE}#kind", "Konsultation"),
        ("ogp", f"{PAGE}#source", "ogp"),
        ("2025-04-30", f"{PAGE}#deadline", "Frist: 2025-04-30"),
    ]
    assert [t[0] for t in terms[3:]] == ["Germany", "IRM", "Action Plans"]
    news = entry_by_id(atom, ":item/2")
    # no kind category for news; the item's own categories deduplicated ignoring case
    assert [tag.term for tag in news.tags] == ["netzwerk", "Aktionsplan", "Zivilgesellschaft"]
    # a source category that repeats ours is not doubled
    federal = entry_by_id(atom, ":item/3")
    assert [tag.label for tag in federal.tags] == [
        "Konsultation",
        "bundesregierung",
        "Frist: 2025-05-12",
    ]

    rss_item = next(
        element
        for element in xml(files.rss).iterfind("channel/item")
        if element.findtext("guid").endswith(":item/1")
    )
    categories = [(c.text, c.get("domain")) for c in rss_item.iterfind("category")]
    assert categories[:3] == [
        ("Konsultation", f"{PAGE}#kind"),
        ("ogp", f"{PAGE}#source"),
        ("Frist: 2025-04-30", f"{PAGE}#deadline"),
    ]


def test_feed_consultations_show_their_deadline_in_the_text() -> None:
    for data in (render().rss, render().atom):
        feed = parsed(data)
        consultation = entry_by_id(feed, ":item/1")
        assert paragraphs(consultation.summary)[0] == "Konsultation – Frist: 30.04.2025"
        assert "Konsultation – Frist: 30.04.2025" in consultation.content[0].value
        assert "Frist" not in entry_by_id(feed, ":item/2").summary


def test_feed_entry_without_text_gets_its_title_as_summary() -> None:
    bare = item(8, source="bundesregierung", title="Ideenskizzen für den 5. NAP: Ergebnisse")
    for data in (render(items=[bare]).rss, render(items=[bare]).atom):
        entry = entry_by_id(parsed(data), ":item/8")
        assert paragraphs(entry.summary) == ["Ideenskizzen für den 5. NAP: Ergebnisse"]


def test_feed_links_are_absolute_http_only() -> None:
    odd = [
        item(1, link="javascript:alert(1)"),
        item(2, link="https://www.open-government-deutschland.de/opengov-de/ideen für alle-2216"),
        item(3, link="https://example.org/a?b=1&c=<d>#e f"),
    ]
    for data in (render(items=odd).rss, render(items=odd).atom):
        feed = parsed(data)
        assert entry_by_id(feed, ":item/1").link == PAGE
        assert (
            entry_by_id(feed, ":item/2").link
            == "https://www.open-government-deutschland.de/opengov-de/ideen%20f%C3%BCr%20alle-2216"
        )
        assert entry_by_id(feed, ":item/3").link == "https://example.org/a?b=1&c=%3Cd%3E#e%20f"
        for entry in feed.entries:
            assert URI.match(entry.link), entry.link


def test_announcements_are_entries_by_the_network() -> None:
    coordinator = announcement(
        2, author="Anna Beispiel", text="Kurz: " + "sehr " * 40 + "lang\nzweite Zeile"
    )
    files = render(announcements=[announcement(1), coordinator])
    for data in (files.rss, files.atom):
        feed = parsed(data)
        first = entry_by_id(feed, ":announcement/1")
        assert first.title == "Netzwerktreffen am 20. März in Berlin!"
        assert first.link == f"{PAGE}?ankuendigung=1#announcement-1"
        assert first.author == NETWORK
        assert paragraphs(body(first)) == [
            "Netzwerktreffen am 20. März in Berlin!Anmeldung & Programm: siehe Website.",
            "Wir freuen uns auf euch.",
        ]
        assert "Ankündigung" in [tag.get("label") or tag.term for tag in first.tags]
        long = entry_by_id(feed, ":announcement/2")
        assert long.title.startswith("Kurz: sehr sehr")
        assert long.title.endswith("…")
        assert len(long.title) <= 120
        assert "zweite Zeile" in body(long)
    assert b"Anna Beispiel" not in files.rss + files.atom


# --- what readers see of the sources and the text (issue 13) -------------------------------------


def test_feed_source_category_is_labelled_with_the_name_people_see() -> None:
    federal = item(
        3,
        source="bundesregierung",
        source_title="Open Government Deutschland",
        title="Fünfter Nationaler Aktionsplan: Ihr Feedback ist gefragt",
    )
    files = render(items=[federal], announcements=[])
    atom = entry_by_id(parsed(files.atom), ":item/3")
    # the term stays the configured name (an id that never changes); the label is the name
    assert [(t.term, t.label, t.scheme) for t in atom.tags] == [
        ("bundesregierung", "Open Government Deutschland", f"{PAGE}#source")
    ]
    rss = entry_by_id(parsed(files.rss), ":item/3")
    assert [t.term for t in rss.tags] == ["Open Government Deutschland"]  # RSS shows the label


def test_feed_announcement_urls_are_links_and_the_rest_is_escaped() -> None:
    text = (
        "Netzwerktreffen am 20. März: Anmeldung unter https://opengovpartnership.de/treffen/"
        "?tag=20&ort=berlin.\nProgramm <b>folgt</b> & mehr (siehe https://example.org/programm)"
    )
    files = render(items=[], announcements=[announcement(3, text=text)])
    for data in (files.rss, files.atom):
        content = body(entry_by_id(parsed(data), ":announcement/3"))
        root = lxml.html.fragment_fromstring(content, create_parent="div")
        links = [(a.text_content(), a.get("href")) for a in root.iter("a")]
        assert links == [
            (
                "https://opengovpartnership.de/treffen/?tag=20&ort=berlin",
                "https://opengovpartnership.de/treffen/?tag=20&ort=berlin",
            ),
            ("https://example.org/programm", "https://example.org/programm"),
        ]
        # the sentence's full stop and the closing bracket are no part of a link, as in Telegram
        assert root.text_content() == (
            "Netzwerktreffen am 20. März: Anmeldung unter "
            "https://opengovpartnership.de/treffen/?tag=20&ort=berlin."
            "Programm <b>folgt</b> & mehr (siehe https://example.org/programm)"
        )
        assert [b.text for b in root.iter("b")] == []  # typed tags stay text


def test_feed_summary_ending_in_wordpress_read_more_after_a_full_stop_ends_in_one_ellipsis() -> (
    None
):
    wordpress = item(
        6,
        summary="Die Ergebnisse werden im November veröffentlicht. […]",
    )
    dotted = item(7, summary="Mehr dazu auf der Website [...]")
    files = render(items=[wordpress, dotted], announcements=[])
    for data in (files.rss, files.atom):
        feed = parsed(data)
        assert paragraphs(entry_by_id(feed, ":item/6").summary) == [
            "Die Ergebnisse werden im November veröffentlicht…"
        ]
        assert paragraphs(entry_by_id(feed, ":item/7").summary) == ["Mehr dazu auf der Website…"]


def test_feeds_strip_bidi_overrides_and_zero_width_characters() -> None:
    spoof = item(
        8,
        source="netzwerk",
        source_title="Netz\u200bwerk \u202eDE\u202c",
        title="RTL \u202eTXT.EXE",
        summary="Anhang: \u2066rechnung\u2069 \u202egpj.exe\ufeff",
        author="Re\u200bdaktion \u202d",
        content_html="<p>Datei \u202efdp.exe</p>",
        categories=("Da\u200bten",),
    )
    files = render(
        items=[spoof], announcements=[announcement(9, text="Neu: \u202eTXT.EXE\nZeile 2")]
    )
    for data in (files.rss, files.atom):
        text = data.decode("utf-8")
        assert not re.search("[\u200b\u202a-\u202e\u2066-\u2069\ufeff]", text)
        feed = parsed(data)
        entry = entry_by_id(feed, ":item/8")
        assert entry.title == "RTL TXT.EXE"
        assert paragraphs(entry.summary) == ["Anhang: rechnung gpj.exe"]
        assert entry.author == "Redaktion"
        assert "Datei fdp.exe" in entry.content[0].value
        assert "Daten" in [tag.term for tag in entry.tags]
        assert entry_by_id(feed, ":announcement/9").title == "Neu: TXT.EXE"
    unnamed = dataclasses.replace(spoof, author=None)
    atom = parsed(render(items=[unnamed], announcements=[]).atom)
    assert entry_by_id(atom, ":item/8").author == "Netzwerk DE"


def test_feed_titles_of_10000_characters_are_shortened_as_in_the_channel() -> None:
    long = item(9, title=("Sehr langer Titel " * 556)[:10_000])
    for data in (render(items=[long]).rss, render(items=[long]).atom):
        title = entry_by_id(parsed(data), ":item/9").title
        assert title.startswith("Sehr langer Titel Sehr")
        assert title.endswith("langer…")
        assert len(title) <= 250


# --- order, window, determinism -------------------------------------------------------------------


def test_feed_entries_are_newest_first_items_and_announcements_together() -> None:
    same_time = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # item 2 was published then too
    files = render(
        items=[*realistic_items(), item(6, published=same_time, first_seen=same_time)],
        announcements=[announcement(1), announcement(7, published=same_time)],
    )
    expected = [
        "item/1",  # 2025-03-02 14:00
        "announcement/1",  # 2025-03-02 08:00
        "announcement/7",  # 2025-03-01 09:00, ties: announcements first, then higher id
        "item/6",
        "item/2",
        "item/3",
        "item/4",
        "item/5",  # 2021
    ]
    for data in (files.rss, files.atom):
        ids = [entry.id.split(":", 2)[2] for entry in parsed(data).entries]
        assert ids == expected


def test_feed_window_limits_entries_over_items_and_announcements() -> None:
    files = render(window=3)
    for data in (files.rss, files.atom):
        ids = [entry.id.split(":", 2)[2] for entry in parsed(data).entries]
        assert ids == ["item/1", "announcement/1", "item/2"]


def test_feed_render_is_byte_identical_for_the_same_data() -> None:
    first = render()
    again = render(items=list(reversed(realistic_items())))
    assert first == again


def test_feed_dates_come_from_the_data() -> None:
    files = render()
    # newest change: item 1 stored 2025-03-02 15:00; newest publication: item 1 at 14:00:05
    channel = xml(files.rss).find("channel")
    assert channel.findtext("lastBuildDate") == "Sun, 02 Mar 2025 15:00:00 +0000"
    assert channel.findtext("pubDate") == "Sun, 02 Mar 2025 14:00:05 +0000"
    feed = xml(files.atom)
    assert feed.findtext("atom:updated", namespaces=NS) == "2025-03-02T15:00:00Z"
    # the item updated after it was published shows both dates
    federal = entry_by_id(parsed(files.atom), ":item/3")
    assert federal.published == "2025-02-27T06:00:00Z"
    assert federal.updated == "2025-02-28T06:00:00Z"


def test_changing_one_title_changes_both_files() -> None:
    changed = realistic_items()
    changed[1] = dataclasses.replace(changed[1], title="Fünfter Nationaler Aktionsplan beschlossen")
    before, after = render(), render(items=changed)
    assert before.rss != after.rss
    assert before.atom != after.atom
    assert entry_by_id(parsed(after.atom), ":item/2").title == changed[1].title


def test_render_feeds_for_takes_title_url_window_and_contact_from_settings(
    tmp_path: Path,
) -> None:
    settings = build_settings(
        {
            "publish": {
                "title": "OG Test",
                "site_url": "https://feeds.example.net/og/",
                "window": 2,
                "contact_url": "https://example.net/kontakt",
            }
        },
        {"OGBOT_DATA_DIR": str(tmp_path / "data")},
        tmp_path,
    )
    files = render_feeds_for(settings, realistic_items(), [announcement(1)])
    feed = parsed(files.atom)
    assert feed.feed.title == "OG Test"
    assert len(feed.entries) == 2
    assert feed.feed.author_detail.href == "https://example.net/kontakt"
    assert entry_by_id(feed, ":item/1").id.startswith("tag:feeds.example.net,")
    channel = xml(files.rss).find("channel")
    assert channel.find("atom:link", NS).get("href") == "https://feeds.example.net/og/feed.rss"
    assert public_dir(settings) == tmp_path / "data" / "public"


# --- writing --------------------------------------------------------------------------------------


def test_write_feeds_writes_both_files_and_skips_unchanged_ones(tmp_path: Path) -> None:
    public = tmp_path / "data" / "public"
    files = render()
    assert write_feeds(public, files) is True
    assert (public / RSS_FILE).read_bytes() == files.rss
    assert (public / ATOM_FILE).read_bytes() == files.atom

    # an old mtime that a rewrite would replace: it holds when nothing changed
    for name in (RSS_FILE, ATOM_FILE):
        os.utime(public / name, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    assert write_feeds(public, render()) is False
    for name in (RSS_FILE, ATOM_FILE):
        assert (public / name).stat().st_mtime_ns == 1_000_000_000_000_000_000

    changed = realistic_items()
    changed[0] = dataclasses.replace(changed[0], title="Neu")
    new_files = render(items=changed)
    assert write_feeds(public, new_files) is True
    assert (public / RSS_FILE).read_bytes() == new_files.rss
    assert (public / ATOM_FILE).read_bytes() == new_files.atom
    assert (public / RSS_FILE).stat().st_mtime_ns != 1_000_000_000_000_000_000
    assert (public / RSS_FILE).stat().st_mode & 0o777 == 0o644


def test_write_feeds_leaves_no_temporary_files(tmp_path: Path) -> None:
    (tmp_path / ".ogbot-feed-feed.rss.abc123.tmp").write_bytes(b"<rss half")  # an old crash
    write_feeds(tmp_path, render())
    write_feeds(tmp_path, render(window=1))
    assert sorted(p.name for p in tmp_path.iterdir()) == [ATOM_FILE, RSS_FILE]


def test_write_feeds_replaces_a_file_that_differs(tmp_path: Path) -> None:
    (tmp_path / RSS_FILE).write_bytes(b"old")
    files = render()
    (tmp_path / ATOM_FILE).write_bytes(files.atom)
    assert write_feeds(tmp_path, files) is True
    assert (tmp_path / RSS_FILE).read_bytes() == files.rss
