"""What the web stage shows: the page of the latest items and its search (/healthz: ``health``).

``GET /`` is a German page of open consultations (soonest deadline first) and the latest items,
without JavaScript or external assets; ``GET /?q=WORDS`` is the same page showing the stored items
that match the words (:meth:`Store.search_items`, the bot's /suche) instead, with the words echoed
in the search form. ``GET /?seite=N`` shows older items and announcements, :data:`PAGE_ITEMS` a
page (fewer if ``publish.window`` is smaller), linked by "ältere" and "neuere" links; page 1 is
the one with the open consultations, a value that is not a page number is page 1, and a page
past the end says so and links back. Every page says when the sources were last checked
("Stand: 7. Dezember 2026, 14:05 Uhr", the newest successful fetch of a configured source, in
``publish.timezone``).

Items are shown as the channel shows them (:mod:`ogbot.publish.post`): the same title, cut to
the same length, the same summary, the source by the name people see
(:func:`~ogbot.publish.post.source_name`: ``[[sources]] title``, else the feed's own title);
text is cleaned by :func:`ogbot.text.clean_text` (control characters, bidi overrides and
zero-width spaces removed). Every text goes through :func:`html.escape` (no template engine: the
page is small, and the standard library needs no new dependency); only http(s) links become
links, and the URLs in an announcement are links as in the channel. Nothing here knows HTTP:
:mod:`ogbot.web.server` serves it.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ogbot.config import Settings
from ogbot.models import StoredAnnouncement, StoredItem, long_date
from ogbot.publish.feeds import MEDIA_DIR, MEDIA_NAME
from ogbot.publish.html import safe_url
from ogbot.publish.post import TITLE_MAX, item_summary, item_title, source_name
from ogbot.publish.rich import announcement_body_html
from ogbot.store import AsyncStore, Store
from ogbot.text import deadline_text, shorten

PAGE_ITEMS = 50  # items and announcements a page (fewer if publish.window is smaller)
PAGE_CONSULTATIONS = 20
MAX_PAGES = 200  # ?seite= beyond this is not read (older items: the search finds them)
PAGE_SEARCH_RESULTS = 50
QUERY_CHARS = 200  # of ?q= taken (echoed and searched); a search box needs no more
SUMMARY_CHARS = 300


CSS = """
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5a5a5a;--accent:#0b5cad;
--line:#ddd;--mark:#fff4d6}
@media (prefers-color-scheme:dark){:root{--fg:#eee;--bg:#151515;--muted:#aaa;--accent:#8cc4ff;
--line:#333;--mark:#3a3220}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:44rem;padding:1rem;font:1.0625rem/1.55 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:2px solid var(--line)}
h3{font-size:1.0625rem;margin:0 0 .25rem}
a{color:var(--accent)}
ol{list-style:none;margin:0;padding:0}
li{padding:.75rem 0;border-bottom:1px solid var(--line)}
p{margin:.25rem 0}
.meta,footer,.subscribe{color:var(--muted);font-size:.9375rem}
.deadline{display:inline-block;background:var(--mark);padding:0 .35rem;border-radius:.25rem;
font-weight:600;color:var(--fg)}
.deadline.past{background:none;padding:0;font-weight:400;color:var(--muted)}
.announcement{white-space:pre-line}
form.search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0 0}
form.search input{flex:1 1 12rem;font:inherit;padding:.3rem .5rem;color:var(--fg);
background:var(--bg);border:1px solid var(--muted);border-radius:.25rem}
form.search button{font:inherit;padding:.3rem .8rem}
nav.pages{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem;margin:1rem 0}
footer{margin-top:2rem}
""".strip()
# the page's Content-Security-Policy allows this one stylesheet by its hash
STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()


# --- the page -------------------------------------------------------------------------------


def _e(text: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(text), quote=True)


def _time(moment: datetime, tz: ZoneInfo, prefix: str = "") -> str:
    local = moment.astimezone(tz)
    return f'<time datetime="{_e(local.isoformat())}">{_e(prefix + long_date(local.date()))}</time>'


def _render_item(item: StoredItem, tz: ZoneInfo, today: date) -> str:
    link = safe_url(item.link)
    title = _e(shorten(item_title(item), TITLE_MAX))
    heading = f'<a href="{_e(link)}">{title}</a>' if link else title
    meta = [
        f"Quelle: {_e(source_name(item))}",
        _time(item.published, tz, "" if item.date_known else "gesehen am "),
    ]
    parts = [f'<li class="item {_e(item.kind)}">', f"<h3>{heading}</h3>"]
    if item.kind == "consultation":
        past = item.deadline is not None and item.deadline < today
        deadline = deadline_text(item, today=today) or "Frist: nicht angegeben"
        parts.append(
            f'<p><span class="deadline{" past" if past else ""}">{_e(deadline)}</span></p>'
        )
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    summary = shorten(item_summary(item), SUMMARY_CHARS)
    if summary:
        parts.append(f'<p class="summary">{_e(summary)}</p>')
    parts.append("</li>")
    return "".join(parts)


def _render_announcement(announcement: StoredAnnouncement, tz: ZoneInfo) -> str:
    when = announcement.published or announcement.publish_at
    # formatting and links as in the channel, URLs as links; the picture from public/media/
    text = announcement_body_html(announcement.text, announcement.html)
    if announcement.image and MEDIA_NAME.fullmatch(announcement.image):
        src = _e(f"{MEDIA_DIR}/{announcement.image}")
        text = f'<img class="photo" src="{src}" alt="Bild zur Ankündigung">\n{text}'
    return (
        # the feeds link each announcement here (publish/feeds.py)
        f'<li class="item announcement-item" id="announcement-{announcement.id}">'
        "<h3>Ankündigung des Netzwerks</h3>"
        f'<p class="meta">{_time(when, tz)}</p>'
        f'<p class="announcement">{text}</p>'
        "</li>"
    )


def _announced_at(announcement: StoredAnnouncement) -> datetime:
    return announcement.published or announcement.publish_at


def _telegram_link(channel: str) -> str | None:
    return f"https://t.me/{channel[1:]}" if channel.startswith("@") else None


@dataclass(frozen=True)
class Search:
    """A search on the page: the words as typed (``?q=``) and the items found, newest first."""

    query: str
    results: Sequence[StoredItem]


def _search_form(query: str) -> str:
    # no action: the form submits to this page wherever it is served (a proxy may add a path)
    return (
        '<form class="search" method="get" role="search">'
        '<label for="q">Suchen in den Meldungen:</label>'
        f'<input type="search" id="q" name="q" value="{_e(query)}" maxlength="{QUERY_CHARS}">'
        '<button type="submit">Suchen</button>'
        "</form>"
    )


def _render_search(search: Search, tz: ZoneInfo, today: date) -> str:
    heading = f"Suchergebnisse für „{_e(search.query)}“"
    if search.results:
        found = (
            f"<p>{len(search.results)} Treffer, neueste zuerst.</p>"
            '<ol class="items">'
            + "".join(_render_item(item, tz, today) for item in search.results)
            + "</ol>"
        )
    else:
        found = (
            "<p>Keine Treffer. Versuchen Sie andere oder weniger Wörter; gefunden werden "
            "Meldungen, die alle Wörter enthalten (auch als Wortanfang).</p>"
        )
    return (
        '<section id="suche" aria-labelledby="suche-titel">'
        f'<h2 id="suche-titel">{heading}</h2>'
        f"{found}"
        '<p><a href="./">Alle Meldungen und offenen Konsultationen</a></p>'
        "</section>"
    )


def render_page(
    settings: Settings,
    consultations: Sequence[StoredItem],
    latest: Sequence[StoredItem],
    announcements: Sequence[StoredAnnouncement],
    now: datetime,
    search: Search | None = None,
    *,
    page: Page | None = None,
    checked: datetime | None = None,
) -> str:
    """The whole page. Open consultations first; then items and announcements, newest first.
    With a ``search``, its results instead of both lists; with a ``page`` past the first, only
    its items and announcements (as :func:`page_text` chose them). ``checked``: the last
    successful check of a source (None: none yet)."""
    publish = settings.publish
    tz = publish.tz
    today = now.astimezone(tz).date()
    title = _e(publish.title)
    site = settings.site_url
    rss, atom = _e(f"{site}/feed.rss"), _e(f"{site}/feed.atom")
    json_feed, calendar = _e(f"{site}/feed.json"), _e(f"{site}/konsultationen.ics")
    only_rss, only_atom = _e(f"{site}/konsultationen.rss"), _e(f"{site}/konsultationen.atom")

    shown = {item.id for item in consultations}
    entries: list[tuple[datetime, str]] = [
        (item.published, _render_item(item, tz, today)) for item in latest if item.id not in shown
    ]
    entries += [(_announced_at(a), _render_announcement(a, tz)) for a in announcements]
    entries.sort(key=lambda entry: entry[0], reverse=True)

    subscribe = [f'<a href="{rss}">RSS-Feed</a>', f'<a href="{atom}">Atom-Feed</a>']
    subscribe.append(f'<a href="{calendar}" type="text/calendar">Fristen als Kalender (iCal)</a>')
    channel = _telegram_link(settings.telegram.channel) if settings.telegram.enabled else None
    if channel:
        subscribe.append(f'<a href="{_e(channel)}">Telegram-Kanal</a>')
    footer = [f'Kontakt: <a href="{_e(publish.contact_url)}">{_e(publish.contact)}</a>']
    if publish.imprint_url:
        footer.append(f'<a href="{_e(publish.imprint_url)}">Impressum</a>')
    if publish.privacy_url:
        footer.append(f'<a href="{_e(publish.privacy_url)}">Datenschutz</a>')

    page = page or Page()
    if search is not None:
        main = _render_search(search, tz, today)
    elif page.number > 1 or not page.entries:
        main = _render_older(page, entries)
    else:
        main = _render_lists(consultations, entries, tz, today) + _pages_nav(page)

    return f"""<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="alternate" type="application/rss+xml" title="{title} (RSS)" href="{rss}">
<link rel="alternate" type="application/atom+xml" title="{title} (Atom)" href="{atom}">
<link rel="alternate" type="application/feed+json" title="{title} (JSON Feed)" href="{json_feed}">
<link rel="alternate" type="application/rss+xml" title="{title}: Konsultationen (RSS)" \
href="{only_rss}">
<link rel="alternate" type="application/atom+xml" title="{title}: Konsultationen (Atom)" \
href="{only_atom}">
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>Neuigkeiten und offene Konsultationen rund um Open Government in Deutschland,
automatisch gesammelt aus den beobachteten Quellen.</p>
<p class="meta" id="stand">{_stand(checked, tz)}</p>
<p class="subscribe">Abonnieren: {" · ".join(subscribe)}</p>
{_search_form(search.query if search is not None else "")}
</header>
<main>
{main}
</main>
<footer><p>{" · ".join(footer)}</p></footer>
</body>
</html>
"""


def _stand(checked: datetime | None, tz: ZoneInfo) -> str:
    """ "Stand: 7. Dezember 2026, 14:05 Uhr": when a source was last checked successfully."""
    if checked is None:
        return "Stand: Die Quellen wurden noch nicht abgerufen."
    local = checked.astimezone(tz)
    shown = f"{long_date(local.date())}, {local:%H:%M} Uhr"
    return f'Stand: <time datetime="{_e(local.isoformat())}">{_e(shown)}</time>'


@dataclass(frozen=True)
class Page:
    """Which page of the items and announcements is shown (``?seite=``): its ``number``,
    whether it has ``entries`` and whether older ones follow; ``last``: the last page, when
    known (a page past the end reads them all)."""

    number: int = 1
    entries: bool = True
    older: bool = False
    last: int | None = None


def page_number(text: str) -> int:
    """``?seite=``: a page number from 1, else page 1 (empty, not a number, 0, negative)."""
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        return 1
    return max(1, int(text[:12]))  # a number that long is past the end all the same


def _page_link(number: int) -> str:
    # relative: the page works wherever it is served (a proxy may add a path)
    return "./" if number == 1 else f"?seite={number}"


def _pages_nav(page: Page) -> str:
    """The links to newer and older items; none on a single page."""
    links = []
    if page.number > 1:
        links.append(f'<a href="{_page_link(page.number - 1)}" rel="prev">← neuere Meldungen</a>')
    if page.older:
        links.append(f'<a href="{_page_link(page.number + 1)}" rel="next">ältere Meldungen →</a>')
    if not links:
        return ""
    return f'\n<nav class="pages" aria-label="Weitere Seiten">{"".join(links)}</nav>'


def _render_older(page: Page, entries: Sequence[tuple[datetime, str]]) -> str:
    """A page past the first: its items and announcements; past the end, a polite note."""
    if not page.entries:
        if page.last is None:
            where = (
                f"So weit zurück reicht diese Seite nicht (höchstens {MAX_PAGES} Seiten); "
                "ältere Meldungen findet die Suche."
            )
        elif page.last == 1:
            where = "Alle Meldungen stehen auf der ersten Seite."
        else:
            where = (
                f'Die Meldungen reichen bis <a href="{_page_link(page.last)}">Seite '
                f"{page.last}</a>."
            )
        return (
            '<section id="neuigkeiten" aria-labelledby="neuigkeiten-titel">'
            f'<h2 id="neuigkeiten-titel">Seite {page.number} gibt es nicht</h2>'
            f"<p>Hier sind keine Meldungen. {where}</p>"
            '<p><a href="./">Zur ersten Seite: neueste Meldungen und offene Konsultationen</a></p>'
            "</section>"
        )
    news_list = '<ol class="items">' + "".join(body for _, body in entries) + "</ol>"
    return f"""<section id="neuigkeiten" aria-labelledby="neuigkeiten-titel">
<h2 id="neuigkeiten-titel">Ältere Meldungen – Seite {page.number}</h2>
{news_list}
</section>{_pages_nav(page)}"""


def _render_lists(
    consultations: Sequence[StoredItem],
    entries: Sequence[tuple[datetime, str]],
    tz: ZoneInfo,
    today: date,
) -> str:
    """The page's two lists: open consultations, then the latest items and announcements."""
    if consultations:
        open_list = (
            '<ol class="items">'
            + "".join(_render_item(item, tz, today) for item in consultations)
            + "</ol>"
        )
    else:
        open_list = "<p>Zurzeit sind keine offenen Konsultationen bekannt.</p>"
    if entries:
        news_list = '<ol class="items">' + "".join(body for _, body in entries) + "</ol>"
    else:
        news_list = "<p>Noch keine Meldungen.</p>"
    return f"""<section id="konsultationen" aria-labelledby="konsultationen-titel">
<h2 id="konsultationen-titel">Offene Konsultationen</h2>
{open_list}
</section>
<section id="neuigkeiten" aria-labelledby="neuigkeiten-titel">
<h2 id="neuigkeiten-titel">Neueste Meldungen</h2>
{news_list}
</section>"""


async def page_text(
    settings: Settings,
    store: AsyncStore,
    query: str,
    now: datetime,
    seite: str = "",
    ankuendigung: str = "",
) -> str:
    """The page as asked for with ``?q=query``: a search's results; ``?ankuendigung=ID``: that
    published announcement alone (the feeds' link to it, which stays right when it has moved to
    an older page); else the lists, page ``?seite=`` of them."""
    query = " ".join(query[:QUERY_CHARS].split())
    names = tuple(source.name for source in settings.sources)
    if query:  # a search: its results only (the lists are not read)
        results, checked = await store.call(_search_data, query, names)
        return render_page(settings, [], [], [], now, Search(query, results), checked=checked)
    if ankuendigung:
        found, checked = await store.call(_announcement_data, page_number(ankuendigung), names)
        if found is not None:
            only = Page(1, entries=True, older=False, last=1)
            return render_page(settings, [], [], [found], now, page=only, checked=checked)
    today = now.astimezone(settings.publish.tz).date()
    size = min(settings.publish.window, PAGE_ITEMS)
    data = await store.call(_page_data, today, size, page_number(seite), names)
    return render_page(
        settings,
        data.consultations,
        data.items,
        data.announcements,
        now,
        page=data.page,
        checked=data.checked,
    )


@dataclass(frozen=True)
class _PageData:
    consultations: list[StoredItem]  # page 1 only
    items: list[StoredItem]  # this page's
    announcements: list[StoredAnnouncement]  # this page's
    page: Page
    checked: datetime | None


def _last_check(store: Store, names: Sequence[str]) -> datetime | None:
    """The newest successful fetch of a configured source (a 304 counts: it was checked)."""
    times = [s.last_success for s in store.sources() if s.name in names and s.last_success]
    return max(times, default=None)


def _announcement_data(
    store: Store, announcement_id: int, names: Sequence[str]
) -> tuple[StoredAnnouncement | None, datetime | None]:
    found = store.announcement(announcement_id)
    if found is None or found.state != "published":
        found = None
    return found, _last_check(store, names)


def _search_data(
    store: Store, query: str, names: Sequence[str]
) -> tuple[list[StoredItem], datetime | None]:
    return store.search_items(query, PAGE_SEARCH_RESULTS), _last_check(store, names)


def _page_data(
    store: Store, today: date, size: int, number: int, names: Sequence[str]
) -> _PageData:
    """Page ``number`` of the items and announcements, newest first (the open consultations
    shown on page 1 are left out of every page). The newest ``offset + size + 1`` of each are
    enough to know this page and whether an older one follows."""
    checked = _last_check(store, names)
    consultations = store.open_consultations(today, PAGE_CONSULTATIONS)
    if number > MAX_PAGES:
        return _PageData([], [], [], Page(number, entries=False), checked)
    shown = {item.id for item in consultations}
    offset = (number - 1) * size
    wanted = offset + size + 1
    items = [i for i in store.latest_items(wanted + len(shown)) if i.id not in shown][:wanted]
    announcements = store.announcements("published", wanted)
    stream: list[tuple[datetime, StoredItem | StoredAnnouncement]] = [
        (item.published, item) for item in items
    ]
    stream += [(_announced_at(a), a) for a in announcements]
    stream.sort(key=lambda entry: entry[0], reverse=True)
    here = [entry for _, entry in stream[offset : offset + size]]
    last = None if len(stream) >= wanted else max(1, -(-len(stream) // size))
    page = Page(
        number, entries=bool(here) or number == 1, older=len(stream) > offset + size, last=last
    )
    return _PageData(
        consultations if number == 1 else [],
        [entry for entry in here if isinstance(entry, StoredItem)],
        [entry for entry in here if isinstance(entry, StoredAnnouncement)],
        page,
        checked,
    )
