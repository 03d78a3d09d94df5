"""Tests for ogbot.publish.post: channel posts in Telegram HTML, as followers see them.

Posts are read back with the standard library's ``html.parser`` (independent of the module's own
strict parser) into the visible text and its entities; the assertions are about that view.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ogbot.config import PublishSettings, build_settings
from ogbot.models import Announcement, StoredItem
from ogbot.publish.html import (
    MAX_ENTITIES,
    MAX_UNITS,
    TELEGRAM_TAGS,
    InvalidPost,
    auto_entities,
    check_post,
    escape,
    parse_html,
    post_problems,
)
from ogbot.publish.post import (
    Post,
    PostTooLong,
    announcement_fits,
    announcement_post,
    digest_post,
    digest_posts,
    hashtag,
    hashtags,
    item_post,
    long_date,
    reminder_post,
)
from ogbot.text import shorten, utf16_len

CONTACT_URL = "https://x.com/OpenGovGermany"
CLEAN_HASHTAG = re.compile(r"#[^\W_]\w*")  # letters (any script), digits, "_"


# --- reading a post back ----------------------------------------------------------------------


@dataclass
class Span:
    tag: str
    start: int
    end: int
    href: str | None

    def text(self, visible: str) -> str:
        return visible[self.start : self.end]


@dataclass
class View:
    """What a follower sees: the visible text and the formatted spans (offsets in characters)."""

    text: str = ""
    spans: list[Span] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def links(self) -> list[Span]:
        return [s for s in self.spans if s.tag == "a"]

    def linked_texts(self) -> list[str]:
        return [s.text(self.text) for s in self.links()]

    def lines(self) -> list[str]:
        return self.text.split("\n")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.view = View()
        self.stack: list[tuple[str, int, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.view.errors.append(f"tag {tag}")
        self.stack.append((tag, len(self.view.text), dict(attrs).get("href")))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            self.view.errors.append(f"unbalanced </{tag}>")
            return
        name, start, href = self.stack.pop()
        self.view.spans.append(Span(name, start, len(self.view.text), href))

    def handle_data(self, data: str) -> None:
        self.view.text += data


def read(html: str) -> View:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.view.errors += [f"unclosed <{tag}>" for tag, _, _ in reader.stack]
    return reader.view


def assert_valid(post: Post) -> View:
    """Every rule of the SPEC and the issue, checked on the finished post; returns the view."""
    html = post.text
    view = read(html)
    assert view.errors == []
    assert post_problems(html) == []
    # the whole HTML string bounds the visible text too
    assert utf16_len(html) <= MAX_UNITS
    assert utf16_len(view.text) <= MAX_UNITS
    # every "&" is one of the escapes Telegram knows, every "<" opens one of its tags
    assert not re.search(r"&(?!(amp|lt|gt|quot);)", html)
    for tag in re.findall(r"</?([a-zA-Z][\w-]*)", html):
        assert tag in ("b", "i", "a")
    entities = len(view.spans) + auto_entities(view.text)
    assert entities <= MAX_ENTITIES
    for span in view.links():
        assert span.href is not None
        assert span.href.startswith(("https://", "http://"))
    # the contact: its own last line, linked to the profile
    assert view.lines()[-1].endswith("@OpenGovGermany")
    contact = [s for s in view.links() if s.text(view.text) == "@OpenGovGermany"]
    assert contact
    assert contact[-1].href == CONTACT_URL
    # the text goes out as UTF-8: no lone surrogates, no control characters but the line break
    html.encode("utf-8")
    assert all(c == "\n" or unicodedata.category(c) != "Cc" for c in view.text)
    if post.disable_preview:
        assert post.preview_url is None
    return view


def hashtag_line(view: View) -> list[str]:
    """The hashtags: the line above the contact, in the post's last block (else none)."""
    above = view.lines()[-2]
    return above.split(" ") if above else []


# --- items ------------------------------------------------------------------------------------

T0 = datetime(2026, 10, 1, 7, 30, tzinfo=UTC)


def make_item(**changes: object) -> StoredItem:
    item = StoredItem(
        id=1,
        source="netzwerk",
        link="https://opengovpartnership.de/2026/10/01/zivilgesellschaft-trifft-verwaltung/",
        title="Zivilgesellschaft trifft Verwaltung: Rückblick auf das Netzwerktreffen",
        summary=(
            "Am 24. September trafen sich rund 60 Menschen aus Zivilgesellschaft und Verwaltung "
            "in Berlin, um über die Umsetzung des Vierten Nationalen Aktionsplans zu sprechen. "
            "Wir fassen die wichtigsten Ergebnisse zusammen: mehr Transparenz bei der "
            "Lobbyregulierung, offene Daten in den Ländern und eine bessere Beteiligung an "
            "Gesetzgebungsverfahren. Außerdem stellen wir die nächsten Schritte vor und laden "
            "alle Interessierten ein, sich an den Arbeitsgruppen zu beteiligen. Die Ergebnisse "
            "werden im November veröffentlicht. […]"
        ),
        content_html="<p>…</p>",
        published=T0,
        date_known=True,
        categories=("Netzwerk", "Open Government", "Uncategorized"),
        author="Redaktion",
        kind="news",
        deadline=None,
        deadline_guessed=False,
        first_seen=T0,
        updated_at=T0,
        backlog=False,
    )
    return replace(item, **changes)  # type: ignore[arg-type]


OGP_CONSULTATION = make_item(
    id=2,
    source="ogp",
    link="https://www.opengovpartnership.org/documents/germany-action-plan-review-2023-2025/",
    title="Germany Action Plan Review 2023-2025 – For Public Comment",
    summary=(
        "The IRM’s review of Germany’s fourth action plan is open for public comment until "
        "15 December 2026. Comments can be sent to irm@opengovpartnership.org."
    ),
    categories=("Germany", "IRM", "Action Plan Review"),
    kind="consultation",
    deadline=date(2026, 12, 15),
)

FEDERAL_TEASER = make_item(
    id=3,
    source="bundesregierung",
    link="https://www.open-government-deutschland.de/opengov-de/aktionsplan-2025-1234",
    title="Fünfter Nationaler Aktionsplan: Ihr Feedback ist gefragt",
    summary="Der Entwurf des Fünften Nationalen Aktionsplans steht zur Kommentierung bereit.",
    published=T0,
    date_known=False,
    categories=(),
    kind="consultation",
    deadline=None,
)

GUESSED_YEAR = make_item(
    id=4,
    source="netzwerk",
    title="Stellungnahme zum Entwurf: bis zum 12. Mai",
    summary="Wir sammeln Stellungnahmen zum Entwurf bis zum 12. Mai.",
    kind="consultation",
    deadline=date(2027, 5, 12),
    deadline_guessed=True,
)


@pytest.fixture
def publish(tmp_path: Path) -> PublishSettings:
    return build_settings({}, {}, tmp_path).publish


# --- helpers ----------------------------------------------------------------------------------


def test_utf16_len_counts_astral_characters_twice() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("ä€") == 2
    assert utf16_len("🎉") == 2
    assert utf16_len("🇩🇪") == 4


def test_escape_handles_the_three_characters_and_quotes_only_in_attributes() -> None:
    assert escape('a < b & c > "d"') == 'a &lt; b &amp; c &gt; "d"'
    assert escape('"x"&', quote=True) == "&quot;x&quot;&amp;"
    assert escape("&amp;") == "&amp;amp;"


def test_long_date_is_german_long_form() -> None:
    assert long_date(date(2026, 12, 15)) == "15. Dezember 2026"
    assert long_date(date(2027, 3, 1)) == "1. März 2027"
    assert long_date(date(2027, 3, 1), "en") == "1 March 2027"


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("Beteiligung", "#Beteiligung"),
        ("Open Government", "#OpenGovernment"),
        ("open data", "#OpenData"),
        ("Zivilgesellschaft & Staat", "#ZivilgesellschaftStaat"),
        ("Öffentliche Verwaltung", "#ÖffentlicheVerwaltung"),
        ("#tag", "#tag"),
        ("OGP", "#OGP"),
        ("open-government-kommunen", "#OpenGovernmentKommunen"),
        ("Aktionsplan 2023", "#Aktionsplan2023"),
        ("C++", None),
        ("2023", None),
        ("2023-2025", None),
        ("", None),
        ("   ", None),
        ("&", None),
        ("Uncategorized", None),
        ("Allgemein", None),
        ("Transparenz und Rechenschaftspflicht in der Verwaltung", None),
        ("Ak\u200btion\u202e", "#Aktion"),
    ],
)
def test_hashtag_is_clean_or_none(category: str, expected: str | None) -> None:
    assert hashtag(category) == expected


def test_hashtags_dedupe_ignoring_case_and_stop_at_four() -> None:
    categories = ["OGP", "ogp", "Open Government", "OpenGovernment", "Kommunen", "A", "X1", "Y2"]
    tags = hashtags(categories)
    assert tags == ("#OGP", "#OpenGovernment", "#Kommunen", "#X1")


def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    text = "Offene Daten in den Ländern und eine bessere Beteiligung an Gesetzgebungsverfahren"
    short = shorten(text, 40)
    assert short == "Offene Daten in den Ländern und eine…"
    assert utf16_len(short) <= 40
    assert shorten(text, 200) == text


def test_shorten_never_splits_an_emoji_or_a_flag() -> None:
    family = "👩\u200d👩\u200d👧"
    flags = "🇩🇪" * 20
    for limit in range(2, 30):
        for text in (family * 10, flags, "e\u0301" * 40):
            short = shorten(text, limit)
            assert utf16_len(short) <= limit
            body = short.removesuffix("…")
            assert not body.endswith("\u200d")
            assert text.startswith(body)
            # a cut after a complete grapheme: the rest starts with a new one
            rest = text[len(body) :]
            assert not rest or unicodedata.category(rest[0]) != "Mn"
            assert rest[:1] != "\u200d"
            regional = sum(1 for c in body if 0x1F1E6 <= ord(c) <= 0x1F1FF)
            assert regional % 2 == 0


def test_shorten_measures_the_escaped_text_when_asked() -> None:
    short = shorten("& " * 100, 30, escaped=True)
    assert utf16_len(escape(short)) <= 30


# --- the checker ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<p>Absatz</p>", "not supported"),
        ("<b>fett", "never closed"),
        ("<b><i>x</b></i>", "closes nothing open"),
        ("Tom & Jerry", "unescaped '&'"),
        ("a < b", "unescaped '<'"),
        ('<a href="javascript:alert(1)">x</a>', "not an http(s) URL"),
        ('<a href="https://a.example" onclick="x">x</a>', "not allowed"),
        ("<b>" + "x" * 4100 + "</b>", "UTF-16 units"),
        (" ".join(f"#tag{i}" for i in range(101)), "entities"),
        ("<b></b>  ", "no visible text"),
    ],
)
def test_post_problems_names_what_telegram_would_refuse(html: str, problem: str) -> None:
    problems = post_problems(html)
    assert any(problem in p for p in problems), problems
    with pytest.raises(InvalidPost):
        check_post(html)


def test_parse_html_gives_visible_text_and_utf16_entities() -> None:
    parsed = parse_html('🎉 <b><a href="https://a.example/?x=1&amp;y=2">A &amp; B</a></b>')
    assert parsed.text == "🎉 A & B"
    assert parsed.problems == ()
    link = next(e for e in parsed.entities if e.type == "text_link")
    assert (link.offset, link.length, link.url) == (3, 5, "https://a.example/?x=1&y=2")


# --- one item ---------------------------------------------------------------------------------


def test_item_post_news_has_title_link_source_date_summary_tags_contact(
    publish: PublishSettings,
) -> None:
    item = make_item()
    post = item_post(item, publish)
    view = assert_valid(post)
    lines = view.lines()
    assert lines[0] == item.title
    title = view.links()[0]
    assert title.text(view.text) == item.title
    assert title.href == item.link
    assert any(s.tag == "b" and s.text(view.text) == item.title for s in view.spans)
    assert lines[1] == "netzwerk · 1. Oktober 2026"
    summary = lines[3]
    assert summary.startswith("Am 24. September trafen sich")
    assert summary.endswith("…")
    assert "[…]" not in summary
    assert 250 <= len(summary) <= 360
    assert hashtag_line(view) == ["#Netzwerk", "#OpenGovernment"]
    assert lines[-1] == "Kontakt: @OpenGovGermany"
    assert "Konsultation" not in view.text
    assert post.item_ids == (1,)


def test_item_post_previews_its_own_link_below_the_text(publish: PublishSettings) -> None:
    post = item_post(make_item(), publish)
    assert post.preview_url == make_item().link
    assert not post.disable_preview
    assert not post.show_above_text


def test_item_post_consultation_shows_marker_and_deadline_first(
    publish: PublishSettings,
) -> None:
    view = assert_valid(item_post(OGP_CONSULTATION, publish))
    assert view.lines()[0] == "🗳 Konsultation · Frist: 15. Dezember 2026"
    assert view.lines()[1] == OGP_CONSULTATION.title
    assert view.lines()[2] == "ogp · 1. Oktober 2026"
    assert hashtag_line(view) == ["#Konsultation", "#Germany", "#IRM", "#ActionPlanReview"]


def test_item_post_guessed_year_is_marked(publish: PublishSettings) -> None:
    view = assert_valid(item_post(GUESSED_YEAR, publish))
    assert view.lines()[0] == "🗳 Konsultation · Frist: 12. Mai 2027 (Jahr geschätzt)"


def test_item_post_federal_teaser_without_date_shows_no_date(publish: PublishSettings) -> None:
    view = assert_valid(item_post(FEDERAL_TEASER, publish))
    assert view.lines()[0] == "🗳 Konsultation"
    assert view.lines()[2] == "bundesregierung"
    assert FEDERAL_TEASER.summary in view.text
    assert hashtag_line(view) == ["#Konsultation"]


def test_item_post_date_is_the_local_day(publish: PublishSettings) -> None:
    late = make_item(published=datetime(2026, 10, 1, 22, 30, tzinfo=UTC))  # 00:30 in Berlin
    view = assert_valid(item_post(late, publish))
    assert view.lines()[1] == "netzwerk · 2. Oktober 2026"


def test_item_post_in_english_for_private_notifications(publish: PublishSettings) -> None:
    view = assert_valid(item_post(GUESSED_YEAR, publish, "en"))
    assert view.lines()[0] == "🗳 Consultation · Deadline: 12 May 2027 (year estimated)"
    assert view.lines()[-1] == "Contact: @OpenGovGermany"


def test_item_post_shows_script_in_title_as_text(publish: PublishSettings) -> None:
    title = "<script>alert('x')</script> <b>fett</b> & Co"
    post = item_post(make_item(title=title), publish)
    view = assert_valid(post)
    assert view.lines()[0] == title
    assert "<script>" not in post.text
    assert [s.tag for s in view.spans if s.start < len(title)] == ["a", "b"]


def test_item_post_escapes_amp_and_lt_in_summary(publish: PublishSettings) -> None:
    summary = "Bund & Länder: 3 < 5 > 4, <i>kein Tag</i> &amp; kein Entity"
    view = assert_valid(item_post(make_item(summary=summary), publish))
    assert view.lines()[3] == summary
    assert [s.text(view.text) for s in view.spans if s.tag == "i"] == ["netzwerk · 1. Oktober 2026"]


def test_item_post_cuts_a_10000_character_title(publish: PublishSettings) -> None:
    title = "Sehr langer Titel " * 556
    view = assert_valid(item_post(make_item(title=title[:10_000]), publish))
    shown = view.links()[0].text(view.text)
    assert shown.endswith("langer…")
    assert len(shown) <= 250
    assert view.lines()[3].startswith("Am 24. September")


def test_item_post_fits_emoji_heavy_text_counted_in_utf16(publish: PublishSettings) -> None:
    item = make_item(title="🇩🇪🎉 " * 2000, summary="👩\u200d👩\u200d👧 " * 3000)
    view = assert_valid(item_post(item, publish))
    assert view.lines()[0].endswith("…")
    assert len(view.lines()[0]) < len(item.title)


def test_item_post_with_200_categories_shows_at_most_four_clean_hashtags(
    publish: PublishSettings,
) -> None:
    categories = tuple(f"Kategorie {i}" if i % 3 else str(2000 + i) for i in range(200))
    view = assert_valid(item_post(make_item(categories=categories), publish))
    tags = hashtag_line(view)
    assert tags == ["#Kategorie1", "#Kategorie2", "#Kategorie4", "#Kategorie5"]


def test_item_post_hostile_categories_become_clean_hashtags(publish: PublishSettings) -> None:
    categories = (
        "C++",
        "Open Government",
        "2023",
        "#tag",
        "Zivilgesellschaft & Staat",
        "OPEN GOVERNMENT",
    )
    view = assert_valid(item_post(make_item(categories=categories), publish))
    assert hashtag_line(view) == ["#OpenGovernment", "#tag", "#ZivilgesellschaftStaat"]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "data:text/html,<script>x</script>",
        "ftp://example.org/x",
        "",
        "/relativ",
    ],
)
def test_item_post_shows_title_without_link_when_link_is_not_http(
    publish: PublishSettings, link: str
) -> None:
    post = item_post(make_item(link=link), publish)
    view = assert_valid(post)
    assert view.lines()[0] == make_item().title
    assert [s.href for s in view.links()] == [CONTACT_URL]
    assert post.disable_preview
    assert "javascript:" not in post.text


def test_item_post_quotes_the_href(publish: PublishSettings) -> None:
    link = 'https://example.org/a?q="><script>&x=1'
    post = item_post(make_item(link=link), publish)
    view = assert_valid(post)
    assert view.links()[0].href == link
    assert 'href="https://example.org/a?q=&quot;&gt;&lt;script&gt;&amp;x=1"' in post.text


def test_item_post_removes_control_and_bidi_characters_but_keeps_emoji(
    publish: PublishSettings,
) -> None:
    title = "Neu\x00es\x07 \u202eTitel\u202c mit\u200b\xa0NBSP\ud800 und 👩\u200d💻\n\nZeilen"
    view = assert_valid(item_post(make_item(title=title), publish))
    assert view.lines()[0] == "Neues Titel mit NBSP und 👩\u200d💻 Zeilen"


def test_item_post_leaves_out_a_summary_that_repeats_the_title(
    publish: PublishSettings,
) -> None:
    item = make_item(summary=make_item().title + ".")
    view = assert_valid(item_post(item, publish))
    assert view.text.count(item.title) == 1


@pytest.mark.parametrize(
    ("summary", "shown"),
    [
        # WordPress' excerpt: a full stop, then "[&hellip;]"; issue 13 saw "veröffentlicht.…"
        (
            "Die Ergebnisse werden im November veröffentlicht. […]",
            "Die Ergebnisse werden im November veröffentlicht…",
        ),
        (
            "Die Ergebnisse werden im November veröffentlicht.[...]",
            "Die Ergebnisse werden im November veröffentlicht…",
        ),
        ("Wir laden alle ein, mitzumachen … [mehr]", "Wir laden alle ein, mitzumachen…"),
        ("Der Bericht ist online [more]", "Der Bericht ist online…"),
        ("Eine Zusammenfassung ohne Hinweis.", "Eine Zusammenfassung ohne Hinweis."),
    ],
)
def test_item_post_summary_read_more_becomes_one_ellipsis(
    publish: PublishSettings, summary: str, shown: str
) -> None:
    view = assert_valid(item_post(make_item(summary=summary), publish))
    assert view.lines()[3] == shown


def test_item_post_and_digest_name_the_source_as_people_see_it(publish: PublishSettings) -> None:
    federal = replace(FEDERAL_TEASER, source_title="Open Government Deutschland")
    view = assert_valid(item_post(federal, publish))
    assert view.lines()[2] == "Open Government Deutschland"
    digest = assert_valid(digest_post([federal, make_item()], publish))
    assert digest.lines()[2] == f"• 🗳 {federal.title} · Open Government Deutschland"
    assert digest.lines()[3] == f"• {make_item().title} · netzwerk"  # no title known: its name
    # a feed's own title may be long or hostile: cleaned, and cut at 40 characters
    odd = make_item(source_title="Beteiligungsportal \u202e- Neuigkeiten aus Stadt und Land\u200b")
    meta = assert_valid(item_post(odd, publish)).lines()[1]
    assert meta == "Beteiligungsportal - Neuigkeiten aus… · 1. Oktober 2026"


def test_item_post_with_long_contact_settings_keeps_the_contact(tmp_path: Path) -> None:
    settings = build_settings(
        {"publish": {"contact": "@OpenGovGermany", "contact_url": CONTACT_URL + "?" + "x" * 900}},
        {},
        tmp_path,
    ).publish
    post = item_post(make_item(title="&" * 3000, link="https://e.example/" + "&" * 390), settings)
    assert post_problems(post.text) == []
    assert read(post.text).lines()[-1] == "Kontakt: @OpenGovGermany"


def test_item_post_with_hostile_auto_entities_stays_within_100(publish: PublishSettings) -> None:
    noisy = " ".join(f"#t{i} @user{i} /cmd{i} site{i}.de" for i in range(300))
    view = assert_valid(item_post(make_item(title=noisy, summary=noisy), publish))
    assert len(view.spans) + auto_entities(view.text) <= MAX_ENTITIES


# --- reminder ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "heading"),
    [
        (date(2026, 12, 12), "⏰ Noch 3 Tage · Frist: 15. Dezember 2026"),
        (date(2026, 12, 14), "⏰ Noch 1 Tag · Frist: 15. Dezember 2026"),
        (date(2026, 12, 15), "⏰ Letzter Tag · Frist: 15. Dezember 2026"),
    ],
)
def test_reminder_post_counts_the_days_left(
    publish: PublishSettings, today: date, heading: str
) -> None:
    post = reminder_post(OGP_CONSULTATION, publish, today)
    view = assert_valid(post)
    assert view.lines()[0] == heading
    assert view.lines()[1] == OGP_CONSULTATION.title
    assert view.links()[0].href == OGP_CONSULTATION.link
    assert "🗳" not in view.text
    assert post.preview_url == OGP_CONSULTATION.link


def test_reminder_post_refuses_a_passed_or_missing_deadline(publish: PublishSettings) -> None:
    with pytest.raises(ValueError, match="passed"):
        reminder_post(OGP_CONSULTATION, publish, date(2026, 12, 16))
    with pytest.raises(ValueError, match="no deadline"):
        reminder_post(FEDERAL_TEASER, publish, date(2026, 12, 1))


# --- digests ----------------------------------------------------------------------------------


def numbered(count: int, **changes: object) -> list[StoredItem]:
    return [
        make_item(
            id=100 + i,
            title=f"Beitrag Nummer {i}: Neuigkeiten aus dem Netzwerk",
            link=f"https://opengovpartnership.de/2026/10/beitrag-{i}/",
            **changes,
        )
        for i in range(count)
    ]


def test_digest_post_of_one_item(publish: PublishSettings) -> None:
    post = digest_post([make_item()], publish)
    view = assert_valid(post)
    assert view.lines()[0] == "📬 1 neuer Beitrag"
    assert view.lines()[2] == f"• {make_item().title} · netzwerk"
    assert post.item_ids == (1,)


def test_digest_post_of_ten_links_every_item_and_marks_consultations(
    publish: PublishSettings,
) -> None:
    items = [*numbered(8), OGP_CONSULTATION, GUESSED_YEAR]
    post = digest_post(items, publish)
    view = assert_valid(post)
    assert view.lines()[0] == "📬 10 neue Beiträge · davon 2 Konsultationen"
    assert [s.href for s in view.links()] == [*(i.link for i in items), CONTACT_URL]
    assert view.lines()[10] == (f"• 🗳 {OGP_CONSULTATION.title} · ogp · Frist: 15. Dezember 2026")
    assert view.lines()[11].endswith("· netzwerk · Frist: 12. Mai 2027 (Jahr geschätzt)")
    assert post.disable_preview
    assert post.item_ids == tuple(i.id for i in items)


def test_digest_post_of_consultations_only_says_so(publish: PublishSettings) -> None:
    view = assert_valid(digest_post([OGP_CONSULTATION, FEDERAL_TEASER], publish))
    assert view.lines()[0] == "📬 2 neue Konsultationen"
    assert view.lines()[3] == f"• 🗳 {FEDERAL_TEASER.title} · bundesregierung"


def test_digest_post_of_twenty_short_items_keeps_whole_titles(publish: PublishSettings) -> None:
    items = numbered(20)
    post = digest_post(items, publish)
    view = assert_valid(post)
    assert post.item_ids == tuple(i.id for i in items)
    assert view.lines()[0] == "📬 20 neue Beiträge"
    assert view.linked_texts()[:-1] == [i.title for i in items]


def test_digest_posts_of_fifty_short_items_split_in_even_halves(publish: PublishSettings) -> None:
    # the whole HTML string counts (links included): 50 lines of ~130 characters need two posts
    items = numbered(50)
    posts = digest_posts(items, publish)
    assert [len(p.item_ids) for p in posts] == [25, 25]
    assert [i for p in posts for i in p.item_ids] == [i.id for i in items]
    for post in posts:
        view = assert_valid(post)
        assert view.lines()[0] == "📬 25 neue Beiträge"


def test_digest_posts_of_fifty_long_items_split_without_losing_one(
    publish: PublishSettings,
) -> None:
    items = [
        make_item(
            id=i,
            title=f"{i} " + "Überlange Überschrift mit vielen Wörtern " * 10,
            link=f"https://www.opengovpartnership.org/stories/{i}-" + "slug-" * 30,
            kind="consultation" if i % 4 == 0 else "news",
            deadline=date(2026, 12, 1) if i % 8 == 0 else None,
        )
        for i in range(50)
    ]
    posts = digest_posts(items, publish)
    assert len(posts) > 1
    assert [i for p in posts for i in p.item_ids] == [i.id for i in items]
    sizes = [len(p.item_ids) for p in posts]
    assert max(sizes) - min(sizes) <= 1
    for post in posts:
        view = assert_valid(post)
        count = len(post.item_ids)
        assert re.match(rf"📬 {count} neue Beiträge", view.lines()[0])
        titles = view.linked_texts()[:-1]
        assert len(titles) == count
        assert all(t.endswith("…") and len(t) <= 150 for t in titles)


def test_digest_post_takes_the_items_that_fit_and_leaves_the_rest(
    publish: PublishSettings,
) -> None:
    items = numbered(50, summary="")
    items = [replace(i, link=i.link + "?ref=" + "x" * 300) for i in items]
    post = digest_post(items, publish)
    assert_valid(post)
    assert 0 < len(post.item_ids) < 50
    assert post.item_ids == tuple(i.id for i in items[: len(post.item_ids)])


def test_digest_post_with_a_huge_link_still_posts_the_item(publish: PublishSettings) -> None:
    item = make_item(link="https://example.org/" + "a" * 5000)
    post = digest_post([item], publish)
    view = assert_valid(post)
    assert make_item().title in view.text
    assert post.item_ids == (1,)


def test_digest_post_needs_items(publish: PublishSettings) -> None:
    with pytest.raises(ValueError, match="at least one"):
        digest_post([], publish)


# --- announcements ----------------------------------------------------------------------------


def test_announcement_post_shows_typed_tags_literally_and_keeps_lines(
    publish: PublishSettings,
) -> None:
    text = "Liebe Alle,\r\n\r\nam <b>Freitag</b> treffen wir uns & diskutieren.\n\n\n\nBis dann!"
    post = announcement_post(text, publish)
    view = assert_valid(post)
    assert view.lines() == [
        "📣 Ankündigung",
        "",
        "Liebe Alle,",
        "",
        "am <b>Freitag</b> treffen wir uns & diskutieren.",
        "",
        "Bis dann!",
        "",
        "Kontakt: @OpenGovGermany",
    ]
    assert [s.tag for s in view.spans] == ["b", "a"]
    assert post.disable_preview
    assert post.item_ids == ()


def test_announcement_post_takes_an_announcement(publish: PublishSettings) -> None:
    announcement = Announcement(1, "Sommerpause bis 1. September.", T0, T0, "shell")
    view = assert_valid(announcement_post(announcement, publish))
    assert view.lines()[2] == "Sommerpause bis 1. September."


def test_announcement_post_previews_the_first_link_written(publish: PublishSettings) -> None:
    text = "Anmeldung (https://example.org/anmeldung?a=1&b=2). Danach: https://example.org/b"
    post = announcement_post(text, publish)
    assert_valid(post)
    assert post.preview_url == "https://example.org/anmeldung?a=1&b=2"
    assert not post.disable_preview


def test_announcement_too_long_is_an_error_with_the_sizes(publish: PublishSettings) -> None:
    text = "x" * 4000 + " & more"
    assert not announcement_fits(text, publish)
    with pytest.raises(PostTooLong) as caught:
        announcement_post(text, publish)
    assert caught.value.limit == MAX_UNITS
    assert caught.value.size > MAX_UNITS
    assert str(caught.value.size) in str(caught.value)


def test_announcement_with_too_many_hashtags_is_an_error(publish: PublishSettings) -> None:
    text = " ".join(f"#Thema{i}" for i in range(120))
    assert not announcement_fits(text, publish)
    with pytest.raises(PostTooLong, match="entities"):
        announcement_post(text, publish)


def test_announcement_that_fits_is_sent_unchanged(publish: PublishSettings) -> None:
    room = MAX_UNITS - utf16_len(announcement_post("x", publish).text) + 1
    text = "ä" * room
    assert announcement_fits(text, publish)
    assert read(announcement_post(text, publish).text).lines()[2] == text
    assert not announcement_fits(text + "ä", publish)


def test_announcement_empty_is_refused(publish: PublishSettings) -> None:
    assert not announcement_fits(" \n\x00 ", publish)
    with pytest.raises(ValueError, match="needs text"):
        announcement_post("  \n ", publish)


# --- properties over many generated items -----------------------------------------------------

NASTY = [
    "&",
    "<",
    ">",
    '"',
    "&amp;",
    "<b>",
    "</a>",
    "<script>alert(1)</script>",
    "\u202e",
    "\u200b",
    "\u200d",
    "\x00",
    "\x1b",
    "\r\n",
    "\xa0",
    "🇩🇪",
    "👩\u200d💻",
    "🎉",
    "e\u0301",
    "\ud83d",
    "#OGP",
    "@user",
    "/start",
    "example.org",
    "+49 30 1234567",
    "Beteiligung",
    "Konsultation",
    "Ümläute",
    "שלום",
    "漢字",
]
WORDS = "Open Government Aktionsplan Verwaltung Transparenz Bürger Beteiligung Daten".split()


def random_text(rng: random.Random, parts: int) -> str:
    pieces = []
    for _ in range(parts):
        roll = rng.random()
        if roll < 0.5:
            pieces.append(rng.choice(WORDS))
        elif roll < 0.9:
            pieces.append(rng.choice(NASTY))
        else:
            pieces.append("".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(5)))
        pieces.append(rng.choice([" ", "", "\n", "  "]))
    return "".join(pieces)


def random_item(rng: random.Random, index: int) -> StoredItem:
    kind = rng.choice(["news", "consultation"])
    link = rng.choice(
        [
            f"https://example.org/{index}",
            f'https://example.org/{index}?a=1&b="2"<x>',
            "https://example.org/" + "p" * rng.randrange(0, 3000),
            "javascript:alert(1)",
            "",
        ]
    )
    return make_item(
        id=index,
        source=rng.choice(["ogp", "netzwerk", "bundesregierung", "kommunen", "a&b<c>"]),
        link=link,
        title=random_text(rng, rng.choice([0, 1, 5, 20, 400, 3000])),
        summary=random_text(rng, rng.choice([0, 3, 50, 500])),
        categories=tuple(
            random_text(rng, rng.randrange(1, 4)) for _ in range(rng.randrange(0, 30))
        ),
        date_known=rng.random() < 0.7,
        kind=kind,
        deadline=date(2026, 12, rng.randrange(1, 31)) if rng.random() < 0.6 else None,
        deadline_guessed=rng.random() < 0.3,
    )


def test_property_item_posts_are_always_valid(publish: PublishSettings) -> None:
    rng = random.Random(20261001)
    for index in range(300):
        item = random_item(rng, index)
        post = item_post(item, publish)
        view = assert_valid(post)
        for tag in hashtag_line(view):
            assert CLEAN_HASHTAG.fullmatch(tag), tag
            assert 3 <= len(tag) <= 31
        assert len(hashtag_line(view)) <= 4
        if item.deadline and item.kind == "consultation":
            assert long_date(item.deadline) in view.lines()[0]
        if item.deadline:
            reminder = reminder_post(item, publish, date(2026, 11, 30))
            assert_valid(reminder)


def test_property_digests_are_always_valid_and_lose_nothing(publish: PublishSettings) -> None:
    rng = random.Random(4096)
    for round_ in range(25):
        items = [random_item(rng, round_ * 100 + i) for i in range(rng.choice([1, 2, 10, 50]))]
        posts = digest_posts(items, publish)
        assert [i for p in posts for i in p.item_ids] == [i.id for i in items]
        for post in posts:
            assert_valid(post)
            assert post.disable_preview


def test_property_announcements_are_valid_or_refused(publish: PublishSettings) -> None:
    rng = random.Random(7)
    for _ in range(100):
        text = random_text(rng, rng.choice([1, 10, 100, 1500]))
        if not announcement_fits(text, publish):
            with pytest.raises(ValueError):  # PostTooLong, or an empty text
                announcement_post(text, publish)
            continue
        assert_valid(announcement_post(text, publish))
