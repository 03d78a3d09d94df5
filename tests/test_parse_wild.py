"""The parser on what feeds from the wild send: documents in odd encodings, DOCTYPEs with an
internal subset, broken character references, control characters, entries without a title or a
link, JSON Feeds of odd shapes. What a reader of the entries would see is asserted."""

from __future__ import annotations

import codecs
import time

import pytest

from ogbot.models import Validators
from ogbot.text import strip_controls
from ogbot.watch.document import ENTITY_EXPANSION_LIMIT
from ogbot.watch.extract import extract
from ogbot.watch.model import Fetched, ParseError
from ogbot.watch.normalise import guid_key, link_key
from ogbot.watch.parse import parse_feed
from tests.fakes.web import site_bytes
from tests.test_watch import NOW, settings_for

FEED = "https://news.example.org/feed/"
RSS = "application/rss+xml"


def rss(items: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<rss version="2.0"><channel>'
        "<title>Nachrichten</title><link>https://news.example.org/</link>"
        f"<description>d</description>{items}</channel></rss>"
    ).encode()


def parsed(body: bytes, content_type: str = RSS):
    return parse_feed("news", body, FEED, {"content-type": content_type})


def titles(body: bytes, content_type: str = RSS) -> list[str]:
    return [entry.title for entry in parsed(body, content_type).entries]


# --- links and titles ----------------------------------------------------------------------------


def test_a_guid_marked_no_permalink_is_no_link_and_the_feed_address_never_is():
    entry, enclosed = parsed(
        rss(
            '<item><guid isPermaLink="false">https://news.example.org/?p=12</guid>'
            "<description>Nur Text.</description></item>"
            '<item><guid isPermaLink="false">folge-3</guid><description>Folge 3</description>'
            '<enclosure url="/media/folge-3.mp3" length="1" type="audio/mpeg"/></item>'
        )
    ).entries
    assert (entry.title, entry.link, entry.guid) == (
        "Nur Text.",
        "",
        "https://news.example.org/?p=12",
    )
    assert enclosed.link == "https://news.example.org/media/folge-3.mp3"  # resolved


def test_atom_entries_link_to_their_http_id_or_their_enclosure():
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:uuid:feed</id>
<updated>2026-11-18T10:00:00Z</updated>
<entry><title>Mit Permalink-ID</title><id>https://news.example.org/2026/permalink</id>
<updated>2026-11-18T10:00:00Z</updated></entry>
<entry><title>Mit Anhang</title><id>urn:uuid:8c1f</id><updated>2026-11-17T10:00:00Z</updated>
<link rel="enclosure" type="audio/mpeg" href="https://news.example.org/a.mp3"/></entry>
<entry><title>Ohne alles</title><id>urn:uuid:8c20</id><updated>2026-11-16T10:00:00Z</updated>
</entry></feed>"""
    links = [e.link for e in parsed(body, "application/atom+xml").entries]
    assert links == [
        "https://news.example.org/2026/permalink",
        "https://news.example.org/a.mp3",
        "",
    ]


def test_entries_with_nothing_to_show_are_left_out_and_noted_without_failing_the_feed():
    result = parsed(
        rss(
            '<item><guid isPermaLink="false">a</guid></item>'
            "<item><description> </description></item>"
        )
    )
    assert result.entries == ()
    assert result.problem == "2 entries with nothing to show left out"
    # a link alone is something to show; its title says what it is
    [entry] = parsed(rss("<item><link>https://news.example.org/nur-ein-link</link></item>")).entries
    assert (entry.title, entry.link) == ("Link", "https://news.example.org/nur-ein-link")


def test_an_html_title_double_escaped_loses_its_tags_and_a_plain_one_keeps_its_text():
    assert titles(
        rss(
            "<item><title>Tom &amp;amp; Jerry</title><link>https://news.example.org/1</link>"
            "</item><item><title>a &lt; b &amp;&amp; c &gt; d</title>"
            "<link>https://news.example.org/2</link></item>"
        )
    ) == ["Tom & Jerry", "a < b && c > d"]


# --- entries without words: images, drawings, formulas, files ----------------------------------

ATOM = "application/atom+xml"


def atom(entries: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        "<id>tag:blogger.com,1999:blog-1</id><title type='text'>Fotos</title>"
        f"<updated>2026-11-20T10:00:00Z</updated>{entries}</feed>"
    ).encode()


def html_entry(n: int, content: str) -> str:
    escaped = content.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f"<entry><id>tag:blogger.com,1999:blog-1.post-{n}</id><title type='text'></title>"
        f"<updated>2026-11-{20 - n:02d}T10:00:00Z</updated>"
        f"<content type='html'>{escaped}</content></entry>"
    )


def test_an_image_names_an_entry_by_its_alt_text_else_bild_and_stays_sanitised():
    """Photo posts as Blogger writes them: no title, no words, an image with event handlers.
    Each is kept, named by its image's alt or title text, else "Bild"; the handlers go, the
    image stays. An <img> with neither source nor alt text shows nothing: left out."""
    result = parsed(
        atom(
            html_entry(
                1,
                '<a href="https://img.example/s1600/a.jpg"><img border="0" i$="true"'
                ' src="https://img.example/s320/a.jpg" alt="Stadtrat tagt"'
                ' onload="track(this)" /></a>',
            )
            + html_entry(
                2,
                '<p><img src="https://img.example/s320/b.jpg" title="Neue Bänke"'
                ' onmouseover="x()"></p>',
            )
            + html_entry(3, '<img src="https://img.example/s320/c.jpg" onerror="steal()" />')
            + html_entry(4, "<img alt='&#169; Stadtarchiv' />")  # no source: its alt shows
            + html_entry(5, "<p><br /></p><img></img>")
        ),
        ATOM,
    )
    assert [e.title for e in result.entries] == [
        "Stadtrat tagt",
        "Neue Bänke",
        "Bild",
        "© Stadtarchiv",
    ]
    assert result.problem == "1 entry with nothing to show left out"
    for entry in result.entries:
        assert entry.summary == "" and "<img" in entry.content_html
        assert not any(on in entry.content_html for on in ("onload", "onmouse", "onerror", "i$"))
    assert result.entries[2].content_html == '<img src="https://img.example/s320/c.jpg">'


def test_image_posts_without_ids_or_links_stay_apart():
    """Two photo posts that share the label "Bild" and have no id or link are two items."""
    body = atom(
        "<entry><content type='html'>&lt;img src='https://img.example/1.jpg'/&gt;</content>"
        "</entry><entry><content type='html'>&lt;img src='https://img.example/2.jpg'/&gt;"
        "</content></entry>"
    )
    first, second = parsed(body, ATOM).entries
    assert first.title == second.title == "Bild"
    assert first.guid != second.guid


def test_files_name_entries_without_words_by_their_file_name_else_by_what_they_are():
    """A town's media library: a recording (its file name, decoded), a video stream whose URL
    names no file ("Video"), a photo as a thumbnail only, a PDF behind a download URL
    ("Datei"), a bare link ("Link"), and an empty paragraph (left out)."""
    body = rss(
        "<item><guid isPermaLink='false'>m-1</guid><enclosure url="
        "'https://media.example.de/audio/Ratssitzung%2019.%20November.mp3' length='1'"
        " type='audio/mpeg'/></item>"
        "<item><guid isPermaLink='false'>m-2</guid><media:content"
        " url='https://stream.example.de/play/8f3a91c2/' medium='video' type='video/mp4'/></item>"
        "<item><guid isPermaLink='false'>m-3</guid>"
        "<media:thumbnail url='https://media.example.de/fotos/spatenstich.jpg'/></item>"
        "<item><guid isPermaLink='false'>m-4</guid><enclosure"
        " url='https://www.example.de/dokumente/download/' length='1' type='application/pdf'/>"
        "</item><item><link>https://www.example.de/mediathek/2037/</link></item>"
        "<item><guid isPermaLink='false'>m-6</guid><description>&lt;p&gt;&lt;/p&gt;</description>"
        "</item>"
    ).replace(b"<rss ", b'<rss xmlns:media="http://search.yahoo.com/mrss/" ', 1)
    result = parsed(body)
    assert [(e.title, e.link) for e in result.entries] == [
        (
            "Ratssitzung 19. November.mp3",
            "https://media.example.de/audio/Ratssitzung%2019.%20November.mp3",
        ),
        ("Video", "https://stream.example.de/play/8f3a91c2/"),
        ("spatenstich.jpg", ""),  # a thumbnail is no link
        ("Datei", "https://www.example.de/dokumente/download/"),
        ("Link", "https://www.example.de/mediathek/2037/"),
    ]
    assert result.problem == "1 entry with nothing to show left out"


def test_a_drawing_is_named_by_its_title_and_a_formula_counts_as_its_words():
    """Inline SVG and MathML (XHTML content): the sanitiser keeps neither. A drawing is named
    by its <title> (else its <desc>, else "Bild"); a formula's text is the entry's text."""
    xhtml = "<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>{}</div></content>"
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='300' height='200'>{}<circle r='50'/></svg>"
    )
    math = (
        "<math xmlns='http://www.w3.org/1998/Math/MathML'><semantics><mrow><msup><mi>e</mi>"
        "<mrow><mi>i</mi><mi>π</mi></mrow></msup><mo>+</mo><mn>1</mn><mo>=</mo><mn>0</mn>"
        "</mrow><annotation encoding='application/x-tex'>e^{i\\pi}+1=0</annotation>"
        "</semantics></math>"
    )
    entries = "".join(
        f"<entry><id>urn:x:{n}</id><updated>2026-11-20T10:00:00Z</updated>{xhtml.format(body)}"
        "</entry>"
        for n, body in enumerate(
            [
                svg.format("<title>Sitzverteilung im Stadtrat</title>"),
                svg.format("<desc><abbr>Kreisdiagramm</abbr></desc>"),
                svg.format(""),
                f"<p>Eulers Identität: {math}</p>",
            ]
        )
    )
    result = parsed(atom(entries), ATOM)
    assert [(e.title, e.summary) for e in result.entries] == [
        ("Sitzverteilung im Stadtrat", ""),
        ("Kreisdiagramm", ""),
        ("Bild", ""),
        ("Eulers Identität: eiπ+1=0", "Eulers Identität: eiπ+1=0"),
    ]
    assert all("<svg" not in e.content_html for e in result.entries)


def test_a_blank_or_image_only_summary_leaves_the_words_to_the_content():
    body = rss(
        "<item><guid isPermaLink='false'>w-1</guid><description> </description>"
        "<content:encoded><![CDATA[<p>Der Haushaltsentwurf liegt aus.</p>]]></content:encoded>"
        "</item><item><guid isPermaLink='false'>w-2</guid><description><![CDATA[<img"
        " src='https://news.example.org/t.jpg'>]]></description><content:encoded><![CDATA[<img"
        " src='https://news.example.org/t.jpg'><p>Bürgerfest am Samstag.</p>]]>"
        "</content:encoded></item>"
    ).replace(b"<rss ", b'<rss xmlns:content="http://purl.org/rss/1.0/modules/content/" ', 1)
    assert titles(body) == ["Der Haushaltsentwurf liegt aus.", "Bürgerfest am Samstag."]


# --- identity within one document ----------------------------------------------------------------


def extracted(tmp_path, body: bytes):
    settings = settings_for(tmp_path, [{"name": "news", "url": FEED}])
    fetched = Fetched("news", FEED, body, {"content-type": RSS}, Validators())
    return extract(settings.sources[0], fetched, settings.publish.tz, NOW).items


def test_a_repeated_entry_is_one_item_and_entries_sharing_a_link_are_told_apart(tmp_path):
    episode = (
        "<item><title>Folge {n}</title><link>https://pod.example.org/</link>"
        "<guid isPermaLink='false'>ep-{n}</guid></item>"
    )
    twice = episode.format(n=1) * 2
    items = extracted(tmp_path, rss(twice + episode.format(n=2)))
    assert [(i.title, i.guid, i.key) for i in items] == [
        ("Folge 1", "ep-1", guid_key("news", "ep-1")),
        ("Folge 2", "ep-2", guid_key("news", "ep-2")),
    ]
    [alone] = extracted(tmp_path, rss(episode.format(n=1)))
    assert alone.key == link_key("https://pod.example.org/")


def test_a_guid_reused_without_links_is_told_apart_by_the_title(tmp_path):
    """A plugin gives every event one guid and no link, or one guid and the events page as the
    link: different titles are different stories; the very same entry twice is one."""
    event = "<item><title>{t}</title>{link}<guid isPermaLink='false'>termin</guid></item>"
    page = "<link>https://news.example.org/termine/</link>"
    body = rss(
        event.format(t="Workshop Bürgerhaushalt", link="")
        + event.format(t="Stammtisch Open Data", link="")
        + event.format(t="Stammtisch Open Data", link="")
        + event.format(t="Sprechstunde", link=page)
        + event.format(t="Ratssitzung", link=page)
    )
    items = extracted(tmp_path, body)
    assert [i.title for i in items] == [
        "Workshop Bürgerhaushalt",
        "Stammtisch Open Data",
        "Sprechstunde",
        "Ratssitzung",
    ]
    assert len({i.guid for i in items}) == len({i.key for i in items}) == 4
    assert [i.guid for i in extracted(tmp_path, body)] == [i.guid for i in items]  # stable


def test_a_guid_key_is_never_a_link_key():
    assert guid_key("news", "8080/a") != link_key("http://guid:8080/a")
    assert guid_key("news", "x").startswith("guid:news:")


# --- encodings -----------------------------------------------------------------------------------

UMLAUT_FEED = rss(
    "<item><title>Grüße aus Köln</title><link>https://news.example.org/koeln</link></item>"
).decode()


@pytest.mark.parametrize(
    ("encoded", "content_type"),
    [
        (UMLAUT_FEED.replace("UTF-8", "UTF-16").encode("utf-16-le"), "text/xml"),  # no BOM
        (UMLAUT_FEED.replace("UTF-8", "UTF-16").encode("utf-16-be"), "text/xml"),
        (codecs.BOM_UTF16_BE + UMLAUT_FEED.encode("utf-16-be"), "application/xml; charset=utf-8"),
        (codecs.BOM_UTF8 + UMLAUT_FEED.replace("UTF-8", "ISO-8859-1").encode(), "text/xml"),
    ],
)
def test_the_byte_order_mark_or_wide_start_decides_the_encoding(encoded, content_type):
    """RFC 7303: a BOM wins over the charset and the declaration; "<?" in UTF-16 without a
    BOM is read as UTF-16 as well (XML 1.0, appendix F)."""
    assert titles(encoded, content_type) == ["Grüße aus Köln"]


def test_feedparser_detects_undeclared_encodings_with_chardet():
    import feedparser.encodings

    assert feedparser.encodings.chardet is not None
    body = site_bytes("euc-kr.xml")
    assert "공공데이터 개방 확대와 투명한 예산 공개" in titles(body, "application/xml")


@pytest.mark.parametrize(
    ("declared", "charset"),
    [
        ("windows-1252", ""),
        ("ISO-8859-15", ""),
        ("ISO-8859-1", "; charset=ISO-8859-15"),
        ("UTF-8", "; charset=windows-1252"),  # Apache's AddDefaultCharset, say
    ],
)
def test_utf8_under_another_single_byte_name_is_read_as_utf8(declared, charset):
    body = UMLAUT_FEED.replace("Köln", "Köln – 5 €").replace("UTF-8", declared, 1).encode()
    assert titles(body, RSS + charset) == ["Grüße aus Köln – 5 €"]


@pytest.mark.parametrize("content_type", [RSS, RSS + "; charset=utf-8", "text/xml"])
def test_stray_windows_1252_bytes_in_utf8_are_read_as_windows_1252(content_type):
    """One name pasted from an older system ("Espa\xf1a") into a UTF-8 feed: the rest stays
    UTF-8 ("„…“", "–"), not the whole document read as Windows-1252 ("â€ž")."""
    body = rss(
        "<item><title>Besuch aus Sevilla: „Gobierno abierto“</title>"
        "<link>https://news.example.org/sevilla</link><description>Die Delegation aus"
        " Espa@a – Sevilla zeigt ihren Haushalt.</description></item>"
    ).replace(b"@", b"\xf1")
    [entry] = parsed(body, content_type).entries
    assert entry.title == "Besuch aus Sevilla: „Gobierno abierto“"
    assert entry.summary == "Die Delegation aus España – Sevilla zeigt ihren Haushalt."
    with_bom = codecs.BOM_UTF8 + body
    assert parsed(with_bom, content_type).entries[0].summary == entry.summary


def test_a_real_windows_1252_feed_stays_windows_1252():
    """A document really in Windows-1252 (no byte of it UTF-8) is read as it says."""
    body = UMLAUT_FEED.replace("Köln", "Köln – 5 €").replace("UTF-8", "windows-1252", 1)
    assert titles(body.encode("cp1252"), RSS) == ["Grüße aus Köln – 5 €"]
    assert titles(
        body.replace('encoding="windows-1252"', "").encode("cp1252"),
        "text/xml; charset=windows-1252",
    ) == ["Grüße aus Köln – 5 €"]


# --- control characters and character references -------------------------------------------------


def test_strip_controls_removes_c0_c1_and_lone_surrogates_only():
    text = "a\x00b\tc\nd\re\x1b[0mf\x7fg\x85h\x9ci\ud83dj \u200d\u202e😀 Ä"
    assert strip_controls(text) == "ab\tc\nd\re[0mfghij \u200d\u202e😀 Ä"


def test_control_characters_in_a_broken_feed_are_not_kept():
    body = rss(
        "<item><title>Glocke\x07 und Escape\x1b[1m</title><link>https://news.example.org/g</link>"
        "<description>Text\x0b mit\x00 Steuerzeichen</description></item>"
    )
    [entry] = parsed(body).entries
    assert (entry.title, entry.summary) == ("Glocke und Escape[1m", "Text mit Steuerzeichen")


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("&#55357;&#56832;", "😀"),
        ("&#xd83d;&#xDE00;", "😀"),
        ("&#x1F600;", "😀"),
        ("&#56832;&#55357;", ""),  # the wrong order: two lone surrogates
        ("&#55357;", ""),
        ("&#1114112;", ""),
        ("&#99999999999999999999;", ""),
        ("&#0;&#x1b;", ""),
        ("&amp;#55357;&amp;#56832;", "😀"),  # escaped once more: HTML, to feedparser
    ],
)
def test_character_references_are_repaired_or_dropped(written, shown):
    body = rss(
        f"<item><title>A {written} B</title><link>https://news.example.org/1</link></item>"
        "<item><title>Weiter</title><link>https://news.example.org/2</link></item>"
    )
    assert titles(body) == [" ".join(f"A {shown} B".split()), "Weiter"]


def test_surrogate_references_in_html_text_are_repaired_too():
    body = rss(
        "<item><title>t</title><link>https://news.example.org/1</link>"
        "<description>&lt;p&gt;Super &amp;#55357;&amp;#56397; &amp;#55357;&lt;/p&gt;</description>"
        "</item>"
    )
    assert parsed(body).entries[0].summary == "Super 👍"


def test_lone_surrogates_in_a_json_feed_are_dropped():
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": ['
        b'{"id": "1", "url": "https://news.example.org/1", "title": "Halb \\ud83d und ganz'
        b' \\ud83d\\ude00", "content_html": "<p>x \\udc00</p>"}]}'
    )
    [entry] = parsed(body, "application/feed+json").entries
    assert (entry.title, entry.summary) == ("Halb und ganz 😀", "x")


# --- DOCTYPE and entities ------------------------------------------------------------------------


def test_a_one_line_internal_subset_is_dropped_and_its_entity_written_out():
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE feed [<!ENTITY nbsp "&#160;"><!ENTITY lt "<"><!ENTITY team 'Open-Data-Team'>]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id>
<updated>2026-11-18T10:00:00Z</updated><entry><title>Open&nbsp;Data &lt;3 &team;</title>
<link href="https://news.example.org/1"/><id>urn:x:1</id><updated>2026-11-18T10:00:00Z</updated>
<content type="html"><![CDATA[<p>&team; bleibt &team;</p>]]></content></entry></feed>"""
    [entry] = parsed(body, "application/atom+xml").entries
    # the redeclared "lt" stays XML's own; nothing expands inside CDATA (HTML decides there)
    assert entry.title == "Open Data <3 Open-Data-Team"
    assert "bleibt" in entry.summary and "Open-Data-Team" not in entry.summary


def test_a_doctype_after_comments_and_instructions_is_found():
    prolog = (
        "\n<!-- generated by <b>FeedCMS</b> 2.1 -->\n<?xml-stylesheet href='/rss.xsl'?>"
        '<!DOCTYPE rss [<!ENTITY cms "FeedCMS">]>'
    )
    body = rss("<item><title>&cms; 2.2</title><link>https://news.example.org/c</link></item>")
    assert titles(body.replace(b"?><rss", b"?>" + prolog.encode() + b"<rss", 1)) == ["FeedCMS 2.2"]


def test_entities_declared_only_in_content_are_text_not_a_refusal():
    """An article about XML quotes an entity bomb in its content: that is text."""
    body = rss(
        "<item><title>Was ist ein Billion-Laughs-Angriff?</title>"
        "<link>https://news.example.org/xml</link><description><![CDATA[<pre>"
        '&lt;!DOCTYPE lolz [&lt;!ENTITY lol "lol"&gt;]&gt;</pre>]]></description></item>'
    )
    assert titles(body) == ["Was ist ein Billion-Laughs-Angriff?"]


@pytest.mark.parametrize(
    "subset",
    [
        '<!ENTITY a "&b;"><!ENTITY b "&a;">',  # recursive
        "".join(f'<!ENTITY e{n} "&e{n + 1};">' for n in range(40)) + '<!ENTITY e40 "x">',
        '<!ENTITY a "' + "x" * (ENTITY_EXPANSION_LIMIT // 4 + 1) + '">',  # used 4 times
    ],
    ids=["recursive", "nested-deep", "too-long"],
)
def test_entity_bombs_of_every_shape_are_refused_at_no_cost(subset):
    body = rss("<item><title>&a;&a;&e0;</title><description>&a;&a;</description></item>")
    body = body.replace(b"?><rss", f"?><!DOCTYPE rss [{subset}]><rss".encode(), 1)
    started = time.perf_counter()
    with pytest.raises(ParseError, match="entit"):
        parsed(body)
    assert time.perf_counter() - started < 0.5


def test_an_internal_subset_that_never_ends_is_refused():
    body = rss("<item><title>t</title></item>", prolog='<!DOCTYPE rss [<!ENTITY a "x">')
    with pytest.raises(ParseError, match="DOCTYPE"):
        parsed(body)


# --- JSON Feed -----------------------------------------------------------------------------------


def json_feed(items: str, extra: str = "") -> bytes:
    return (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "Kurz",'
        f' "feed_url": "{FEED}feed.json"{extra}, "items": {items}}}'
    ).encode()


def test_json_feed_items_without_title_or_url_never_take_the_feeds_url():
    result = parsed(
        json_feed(
            '[{"id": "n-1", "content_text": "Nur ein Gedanke."},'
            ' {"id": "n-2", "content_html": "<p>Mit <b>HTML</b>.</p>"},'
            ' {"id": "n-3"}]'
        ),
        "application/feed+json",
    )
    assert [(e.title, e.link) for e in result.entries] == [
        ("Nur ein Gedanke.", ""),
        ("Mit HTML.", ""),
    ]
    assert result.problem == "1 entry with nothing to show left out"


def test_json_feed_items_without_words_are_named_by_attachment_image_or_alt_text():
    result = parsed(
        json_feed(
            '[{"id": "j-1", "summary": " ", "content_text": "Text statt Titel",'
            ' "content_html": "<p>HTML</p>"},'
            ' {"id": "j-2", "attachments": [{"url": "https://news.example.org/f/folge-7.m4a",'
            ' "mime_type": "audio/mp4", "title": "Folge 7: Bürgerräte"}]},'
            ' {"id": "j-3", "attachments": {"url": "https://news.example.org/f/", '
            '"mime_type": "audio/mpeg"}},'
            ' {"id": "j-4", "image": "https://news.example.org/img/plenum.jpg"},'
            ' {"id": "j-5", "content_html": "<img src=\\"/img/x.png\\" alt=\\"Plenum\\">"},'
            ' {"id": "j-6", "content_text": "a <Neues> b"}]'
        ),
        "application/feed+json",
    )
    assert [(e.title, e.link) for e in result.entries] == [
        ("Text statt Titel", ""),
        ("Folge 7: Bürgerräte", "https://news.example.org/f/folge-7.m4a"),
        ("Audio", "https://news.example.org/f/"),
        ("plenum.jpg", ""),
        ("Plenum", ""),
        ("a <Neues> b", ""),  # content_text is plain text
    ]


@pytest.mark.parametrize(
    ("items", "extra", "expected"),
    [
        ('{"id": "1", "title": "Eins"}', "", ["Eins"]),  # one object instead of a list
        ('"keine Liste"', "", []),
        ("null", "", []),
        ('[{"id": "1", "title": "<Neu> & gut"}]', "", ["<Neu> & gut"]),  # plain text
        ('[{"title": ["kein", "Text"], "content_text": "Text"}]', "", ["Text"]),
    ],
)
def test_json_feed_odd_shapes_are_read_as_far_as_they_go(items, extra, expected):
    assert titles(json_feed(items, extra), "application/feed+json") == expected


@pytest.mark.parametrize(
    ("people", "name"),
    [
        ('"authors": {"name": "Objekt statt Liste"}', "Objekt statt Liste"),
        ('"author": {"name": "JSON Feed 1.0"}', "JSON Feed 1.0"),
        ('"authors": [{"url": "https://x.example"}, {"name": "Zweite"}]', "Zweite"),
        ('"authors": [42, null]', "42"),
        ('"authors": "Nur ein Name"', "Nur ein Name"),
        ('"authors": []', None),
    ],
)
def test_json_feed_authors_in_every_shape(people, name):
    [entry] = parsed(
        json_feed(f'[{{"id": "1", "title": "t", {people}}}]'), "application/feed+json"
    ).entries
    assert entry.author == name
