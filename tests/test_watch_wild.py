"""Feeds from the wild, as an operator sees them: `run_cycle` against local websites serving
feeds shaped like real ones (podcasts, WordPress, Mastodon, JSON Feed, legacy encodings, UTF-16,
DOCTYPEs, emoji written as surrogate references). Every item a feed reader would show is stored
once, and a second poll of the same document reports nothing new and nothing updated."""

from __future__ import annotations

import re

import pytest

from ogbot.publish.feeds import render_feeds_for
from ogbot.publish.post import item_post
from ogbot.store import AsyncStore, Store
from ogbot.web.page import page_text
from tests.fakes.web import site_bytes
from tests.test_watch import NOW, lines, run_cycle, settings_for

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@pytest.fixture
def store(tmp_path):
    store = AsyncStore.open(tmp_path / "data")
    yield store
    store.close()


def items_of(store, source):
    return sorted(
        (i for i in store.run(Store.latest_items, 100) if i.source == source),
        key=lambda i: i.published,
        reverse=True,
    )


async def poll_twice(settings, store):
    """The report lines of a first poll, after checking that a second one finds nothing."""
    first = lines(await run_cycle(settings, store))
    again = lines(await run_cycle(settings, store))
    assert again == {name: f"{name}: 0 new, 0 updated" for name in first}
    return first


async def test_podcast_episodes_without_links_are_items_of_their_own(fake_web, tmp_path, store):
    """Two episodes without <link> (the enclosure is their link), two linking to the show's
    home page: four items, none linking to the feed's own address."""
    feed = fake_web.fixture("/feed.xml", "podcast.rss")
    settings = settings_for(tmp_path, [{"name": "podcast", "url": feed}])
    assert await poll_twice(settings, store) == {"podcast": "podcast: 4 new, 0 updated"}
    episodes = items_of(store, "podcast")
    assert [(i.title, i.link) for i in episodes] == [
        (
            "Folge 12: Bürgerräte in der Praxis",
            "https://media.podcast.example.de/offen-gesagt/folge-12.mp3",
        ),
        (
            "Folge 11: Offene Haushaltsdaten",
            "https://media.podcast.example.de/offen-gesagt/folge-11.mp3",
        ),
        ("Folge 10: Der Nationale Aktionsplan", "https://podcast.example.de/"),
        ("Folge 9: Informationsfreiheit", "https://podcast.example.de/"),
    ]


async def test_a_new_episode_sharing_the_home_page_link_is_new(fake_web, tmp_path, store):
    """One episode linking to the show's home page, then a second one with the same link: the
    second is new and the first is not updated (the guid tells them apart)."""
    body = site_bytes("podcast.rss")
    start, end = body.index(b"<item>"), body.rindex(b"</item>") + len(b"</item>")
    episodes = body[start:end].split(b"</item>")
    last = episodes[-2] + b"</item>"  # "Folge 9", linking to the home page
    feed = fake_web.route("/feed.xml", body=body[:start] + last + body[end:])
    settings = settings_for(tmp_path, [{"name": "podcast", "url": feed}])
    assert await poll_twice(settings, store) == {"podcast": "podcast: 1 new, 0 updated"}
    before = episodes[-3] + b"</item>"  # "Folge 10", the same link
    fake_web.route("/feed.xml", body=body[:start] + before + last + body[end:])
    assert await poll_twice(settings, store) == {"podcast": "podcast: 1 new, 0 updated"}
    assert [i.title for i in items_of(store, "podcast")] == [
        "Folge 10: Der Nationale Aktionsplan",
        "Folge 9: Informationsfreiheit",
    ]


async def test_json_feed_items_without_url_stay_apart_and_link_where_they_can(
    fake_web, tmp_path, store
):
    """A micro.blog-style JSON Feed 1.0: eight untitled items, six with only a URL id (their
    permalink), one with an attachment, one with nothing to link to. Eight items; the feed's
    URL is neither a title nor a link; the item without a link shows in the page, the feeds
    and a channel post without a link and without breaking them."""
    feed = fake_web.fixture("/feed.json", "jsonfeed-microblog.json")
    settings = settings_for(tmp_path, [{"name": "kurz", "url": feed}])
    assert await poll_twice(settings, store) == {"kurz": "kurz: 8 new, 0 updated"}
    items = items_of(store, "kurz")
    assert [i.link for i in items] == [
        "https://kurz.example.org/2026/11/20/buergerrat.html",
        "https://kurz.example.org/2026/11/19/informationsfreiheit.html",
        "https://kurz.example.org/2026/11/18/open-data-tag.html",
        "https://kurz.example.org/2026/11/17/transparenzregister.html",
        "https://kurz.example.org/2026/11/16/aktionsplan.html",
        "https://kurz.example.org/2026/11/15/lobbyregister.html",
        "https://kurz.example.org/uploads/2026/haushalt.m4a",
        "",
    ]
    assert all("feed.json" not in i.title and "://" not in i.title for i in items)
    assert items[0].title == (
        "Der Bürgerrat „Ernährung“ hat heute seine Empfehlungen übergeben. Jetzt ist der"
        " Bundestag am Zug."
    )
    assert items[4].title == (  # the start of a longer text, cut at a word
        "Der Entwurf des fünften Nationalen Aktionsplans ist online. Kommentare sind bis zum"
        " 30. November…"
    )
    assert items[0].author == "Miriam Sommer"  # JSON Feed 1.0's author of the feed
    note = items[-1]
    assert note.title == "Notiz an mich: Ratsinformationssysteme vergleichen, die Liste folgt."

    page = await page_text(settings, store, "", NOW)
    assert "Notiz an mich: Ratsinformationssysteme vergleichen" in page
    assert feed not in page
    files = render_feeds_for(settings, items)
    assert feed.encode() not in files.rss and feed.encode() not in files.atom
    post = item_post(note, settings.publish)
    assert "Notiz an mich" in post.text and "<a href" not in post.text.split("\n")[0]


async def test_a_guid_reused_for_distinct_stories_gives_distinct_items(fake_web, tmp_path, store):
    """A WordPress plugin gives every post of a type one guid: three stories, three items,
    and a new post under the same guid is one more new item (not an update of the others)."""
    body = site_bytes("wordpress-reused-guid.rss")
    feed = fake_web.route("/feed/", body=body)
    settings = settings_for(tmp_path, [{"name": "musterstadt", "url": feed}])
    assert await poll_twice(settings, store) == {"musterstadt": "musterstadt: 3 new, 0 updated"}
    assert [i.title for i in items_of(store, "musterstadt")] == [
        "Radverkehrskonzept: Online-Dialog startet",
        "Spielplatz Lindenallee: Kinder planen mit",
        "Haushalt 2027: Ergebnisse der Bürgerbefragung",
    ]
    newer = body.replace(
        b"\t<item>",
        b"\t<item>\n\t\t<title>Friedhofssatzung: Stellungnahmen erbeten</title>\n"
        b"\t\t<link>https://musterstadt.example.de/friedhofssatzung/</link>\n"
        b"\t\t<pubDate>Sat, 21 Nov 2026 08:00:00 +0000</pubDate>\n"
        b'\t\t<guid isPermaLink="false">https://musterstadt.example.de/?post_type=beteiligung'
        b"</guid>\n\t\t<description>Bis 31. Dezember 2026.</description>\n\t</item>\n\t<item>",
        1,
    )
    fake_web.route("/feed/", body=newer)
    assert await poll_twice(settings, store) == {"musterstadt": "musterstadt: 1 new, 0 updated"}
    assert len(items_of(store, "musterstadt")) == 4


async def test_plain_text_titles_keep_their_angle_brackets(fake_web, tmp_path, store):
    """RSS and Atom titles that are plain text keep "<blink>" and "<Neues>"; a title the feed
    marks as HTML loses its tags. The page shows the brackets as text."""
    settings = settings_for(
        tmp_path,
        [
            {"name": "netzwerk", "url": fake_web.fixture("/feed/", "angle-titles.rss")},
            {"name": "opendata", "url": fake_web.fixture("/atom", "angle-titles-atom.xml")},
        ],
    )
    assert await poll_twice(settings, store) == {
        "netzwerk": "netzwerk: 3 new, 0 updated",
        "opendata": "opendata: 2 new, 0 updated",
    }
    assert [i.title for i in items_of(store, "netzwerk")] == [
        "Transparenz & Beteiligung: <Neues> aus dem Netzwerk",
        "History of the <blink> tag",
        "Ein wichtiger Termin",
    ]
    assert [i.title for i in items_of(store, "opendata")] == [
        "Daten im Format <CSV> statt PDF",
        "Neu: das Datenportal der Stadt",
    ]
    page = await page_text(settings, store, "", NOW)
    assert "History of the &lt;blink&gt; tag" in page and "<blink>" not in page


async def test_entries_with_text_but_no_title_are_kept_and_named_by_their_text(
    fake_web, tmp_path, store
):
    """A Mastodon-style feed: posts without titles are named by their text (never a bare
    URL), linked by their own link, their permalink guid or their enclosure, or not at all;
    only the empty entry is left out, and the source does not fail."""
    feed = fake_web.fixture("/@offenekommunen.rss", "untitled.rss")
    settings = settings_for(tmp_path, [{"name": "social", "url": feed}])
    assert await poll_twice(settings, store) == {"social": "social: 4 new, 0 updated"}
    assert [(i.title, i.link) for i in items_of(store, "social")] == [
        (
            "Der Bürgerhaushalt in Musterstadt geht in die zweite Runde: Vorschläge sind bis zum"
            " 15. Januar…",
            "https://social.example.de/@offenekommunen/113514370012345678",
        ),
        (
            "Neue Zahlen: 42 Kommunen veröffentlichen ihre Ratsinformationen inzwischen als"
            " offene Daten.",
            "https://social.example.de/@offenekommunen/113498202298765432",
        ),
        (
            "Rathausfunk im November: ein Gespräch über offene Ratsinformationssysteme.",
            "https://social.example.de/media/rathausfunk-november.mp3",
        ),
        (
            "Kurz notiert: Die Sitzungsunterlagen des Stadtrats sind jetzt auch barrierefrei"
            " abrufbar.",
            "",
        ),
    ]
    [state] = store.run(Store.sources)
    assert state.failures == 0


async def test_entries_without_words_are_kept_and_named_by_what_they_show(
    fake_web, tmp_path, store
):
    """A Blogger photo blog (untitled posts of one image each, with event handlers) and a
    town's media library (a recording, a video stream, a thumbnail, a PDF, a bare link): every
    entry that shows something is an item with a title, from its image's alt or title text,
    its file's name, else what it is, in German; the empty ones are left out and the sources
    do not fail. The page and a channel post show those titles, never a bare URL, and the
    stored content keeps the image without its handlers."""
    settings = settings_for(
        tmp_path,
        [
            {"name": "fotos", "url": fake_web.fixture("/feeds/posts/default", "fotoblog.atom")},
            {"name": "mediathek", "url": fake_web.fixture("/mediathek/feed/", "mediathek.rss")},
        ],
    )
    assert await poll_twice(settings, store) == {
        "fotos": "fotos: 3 new, 0 updated",
        "mediathek": "mediathek: 5 new, 0 updated",
    }
    photos = items_of(store, "fotos")
    assert [(i.title, i.link) for i in photos] == [
        (
            "Bürgerversammlung im Gemeindesaal, voll besetzt",
            "https://nordstadt-buero.blogspot.example/2026/11/blog-post_20.html",
        ),
        ("Bild", "https://nordstadt-buero.blogspot.example/2026/11/blog-post_18.html"),
        ("Neue Bänke am Quartiersplatz", ""),
    ]
    for photo in photos:
        assert "<img" in photo.content_html and "googleusercontent" in photo.content_html
        assert not re.search(r"\bon[a-z]+=|tracker|i\$", photo.content_html), photo.content_html
    media = items_of(store, "mediathek")
    assert [(i.title, i.link) for i in media] == [
        (
            "Ratssitzung 19. November 2026.mp3",
            "https://media.musterstadt.example.de/audio/Ratssitzung%2019.%20November%202026.mp3",
        ),
        ("Video", "https://stream.musterstadt.example.de/play/8f3a91c2/"),
        ("spatenstich-kita-lindenallee.jpg", ""),
        ("Datei", "https://www.musterstadt.example.de/dokumente/download/"),
        ("Link", "https://www.musterstadt.example.de/mediathek/beitrag/2037/"),
    ]
    assert all(state.failures == 0 for state in store.run(Store.sources))

    page = await page_text(settings, store, "", NOW)
    assert "Bürgerversammlung im Gemeindesaal, voll besetzt" in page
    assert ">Bild</a>" in page and "Ratssitzung 19. November 2026.mp3" in page
    post = item_post(photos[1], settings.publish)
    headline = post.text.split("\n")[0]
    assert ">Bild</a>" in headline and 'blog-post_18.html">' in headline


async def test_utf8_feeds_under_another_name_or_with_stray_bytes_show_no_mojibake(
    fake_web, tmp_path, store
):
    """A UTF-8 feed whose old CMS declares windows-1252, served by a server that says
    ISO-8859-15; and a UTF-8 feed with one name pasted from a Windows-1252 system ("Espa\xf1a"):
    every title, summary and feed title reads as written."""
    settings = settings_for(
        tmp_path,
        [
            {
                "name": "stiftung",
                "url": fake_web.route(
                    "/feed/",
                    body=site_bytes("utf8-declared-windows-1252.rss"),
                    content_type="application/rss+xml; charset=ISO-8859-15",
                ),
            },
            {"name": "partner", "url": fake_web.fixture("/rundbrief/", "utf8-stray-bytes.rss")},
        ],
    )
    assert await poll_twice(settings, store) == {
        "stiftung": "stiftung: 2 new, 0 updated",
        "partner": "partner: 2 new, 0 updated",
    }
    assert [(i.title, i.summary, i.author) for i in items_of(store, "stiftung")] == [
        (
            "Spendenlauf 2026: 12.480 € für die Tafel",
            "Großartig: 214 Läuferinnen und Läufer – „Danke“ an alle!",
            "Jörg Müller",
        ),
        (
            "Öffnungszeiten über die Feiertage",
            "Das Büro ist vom 23.12. bis 2.1. geschlossen.",
            None,
        ),
    ]
    assert [(i.title, i.summary) for i in items_of(store, "partner")] == [
        (
            "Besuch aus Sevilla: „Gobierno abierto“ im Rathaus",
            "Die Delegation aus España zeigte, wie Sevilla seine Haushaltsdaten veröffentlicht.",
        ),
        ("Jugendaustausch mit Żagań", "Anmeldung bis 30. November – Plätze sind begrenzt."),
    ]
    page = await page_text(settings, store, "", NOW)
    assert "Bürgerstiftung Weißenfels" in page and "Städtepartnerschaften" in page
    assert "Ã" not in page and "â€" not in page


async def test_json_feed_with_odd_shapes_never_fails_the_source(fake_web, tmp_path, store):
    """`"authors": {…}` (an object), 1.0's `author`, a numeric id and title, tags as a string,
    attachments as an object, an item that is a string: every real item is stored."""
    feed = fake_web.fixture("/feed.json", "jsonfeed-odd.json")
    settings = settings_for(tmp_path, [{"name": "stadtlabor", "url": feed}])
    assert await poll_twice(settings, store) == {"stadtlabor": "stadtlabor: 3 new, 0 updated"}
    got = [(i.title, i.author, i.categories) for i in items_of(store, "stadtlabor")]
    assert sorted(got) == [
        ("2027", "Aylin Demir", ()),
        ("Ergebnisse der Umfrage zum Stadtpark", "Redaktion Stadtlabor", ("Beteiligung", "7")),
        ("Werkstatt zur Parkraumplanung", "Jonas Weber", ("Verkehr",)),
    ]


@pytest.mark.parametrize(
    ("fixture", "content_type", "title"),
    [
        (
            "euc-kr.xml",
            "application/xml",
            "열린정부 파트너십 제7차 국가실행계획 수립을 위한 시민 의견 수렴",
        ),
        ("gb2312.xml", "text/xml", "开放政府伙伴关系第七次国家行动计划公开征求意见"),
        (
            "shift-jis.xml",
            "application/rss+xml",
            "オープンガバメント・パートナーシップ第七次国家行動計画への意見募集",
        ),
        (
            "windows-1255.xml",
            "text/xml",
            "קול קורא להערות הציבור על תוכנית הפעולה הלאומית השביעית לממשל פתוח",
        ),
    ],
)
async def test_feeds_in_legacy_encodings_are_read_without_mojibake(
    fake_web, tmp_path, store, fixture, content_type, title
):
    """Feeds in EUC-KR, GB2312, Shift-JIS and Windows-1255 that declare no encoding (served
    without a charset): the encoding is detected (chardet, through feedparser)."""
    url = fake_web.route("/feed", body=site_bytes(fixture), content_type=content_type)
    settings = settings_for(tmp_path, [{"name": "legacy", "url": url}])
    assert await poll_twice(settings, store) == {"legacy": "legacy: 3 new, 0 updated"}
    assert title in [i.title for i in items_of(store, "legacy")]


async def test_no_control_characters_are_stored_or_shown(fake_web, tmp_path, store):
    """Shift-JIS served as ISO-8859-1 by a misconfigured server: mojibake that carries C1
    control characters (U+0081, U+0090). None is stored, and none reaches the page."""
    url = fake_web.route(
        "/feed",
        body=site_bytes("shift-jis.xml"),
        content_type="application/rss+xml; charset=iso-8859-1",
    )
    settings = settings_for(tmp_path, [{"name": "misdeclared", "url": url}])
    assert await poll_twice(settings, store) == {"misdeclared": "misdeclared: 3 new, 0 updated"}
    for item in items_of(store, "misdeclared"):
        for text in (item.title, item.summary, item.content_html):
            assert CONTROL.search(text) is None, ascii(text)
    assert CONTROL.search(await page_text(settings, store, "", NOW)) is None


@pytest.mark.parametrize("fixture", ["utf16-bom.xml", "utf32-bom.xml"])
async def test_utf16_and_utf32_feeds_served_as_text_xml_are_read(
    fake_web, tmp_path, store, fixture
):
    """A byte-order mark wins over RFC 3023's us-ascii default for text/xml (RFC 7303)."""
    url = fake_web.route("/feed", body=site_bytes(fixture), content_type="text/xml")
    settings = settings_for(tmp_path, [{"name": "wide", "url": url}])
    assert await poll_twice(settings, store) == {"wide": "wide: 2 new, 0 updated"}
    assert [i.title for i in items_of(store, "wide")] == [
        "Österreich opens its grant data",
        "Switzerland's e-ID law takes effect",
    ]


async def test_a_doctype_with_a_harmless_internal_subset_is_read(fake_web, tmp_path, store):
    """An RSS 0.91 DOCTYPE with an internal subset (an external parameter entity, comments,
    entities for the newsletter's names, one nested in another): the feed is read and the
    entities are written out; the entity bombs next to it are still refused at no cost."""
    settings = settings_for(
        tmp_path,
        [
            {"name": "newsletter", "url": fake_web.fixture("/rss", "doctype-subset.rss")},
            {"name": "bomb", "url": fake_web.fixture("/bomb", "bomb-exponential.xml")},
            {"name": "quadratic", "url": fake_web.fixture("/quad", "bomb-quadratic.xml")},
        ],
    )
    got = lines(await run_cycle(settings, store))
    assert got["newsletter"] == "newsletter: 2 new, 0 updated"
    assert "entit" in got["bomb"] and "entit" in got["quadratic"]
    assert [(i.title, i.summary) for i in items_of(store, "newsletter")] == [
        (
            "Zwischenbilanz zum Nationaler Aktionsplan der Open Government Partnership",
            "Die Hälfte der Verpflichtungen des Nationaler Aktionsplans ist umgesetzt.",
        ),
        (
            "Konsultation zum 5. Nationaler Aktionsplan gestartet",
            "Stellungnahmen bis 15. Dezember 2026 – online oder per Post.",
        ),
    ]
    again = lines(await run_cycle(settings, store))
    assert again["newsletter"] == "newsletter: 0 new, 0 updated"


async def test_surrogate_references_are_repaired_per_item(fake_web, tmp_path, store):
    """Emoji written as UTF-16 surrogate pairs of references (`&#55357;&#56832;`, decimal and
    hex) become the emoji; a lone surrogate is dropped; every item of the source is stored."""
    url = fake_web.fixture("/feed/", "surrogates.rss")
    settings = settings_for(tmp_path, [{"name": "jugend", "url": url}])
    assert await poll_twice(settings, store) == {"jugend": "jugend: 4 new, 0 updated"}
    items = items_of(store, "jugend")
    assert [i.title for i in items] == [
        "Jugendforum gewählt 😀 Danke an alle!",
        "Skatepark: Entwurf steht 🎉",
        "Abgeschnitten beim Kopieren",
        "Sprechstunde im Jugendzentrum",
    ]
    assert items[0].summary == "Über 900 Jugendliche haben gewählt 👍"
