"""``ogbot demo``: ogbot as a newcomer first sees it, offline, within seconds.

The demo serves the bundled sample sites (``src/ogbot/samples/``: a WordPress RSS feed with a
consultation and its deadline, an Atom feed, an HTML teaser listing without a feed, shaped like
the federal government's) from a small server of its own on loopback, and runs the real
``ogbot run`` on them: the scheduler's first watch cycle fetches, parses, classifies and stores
them and writes the feeds; the web server shows the page. No Telegram (whatever the environment
says), no network beyond loopback, and never the real data directory: a temporary one (deleted
when the demo stops) or ``--data DIR``.

The samples' dates are written relative to the day the demo starts (``{{rfc822 -2 10:15}}``: two
days ago at 10:15 UTC; ``{{de +21}}``: in three weeks, "28. Dezember 2026"), so the consultation is
always open and the items always recent; ``{{base}}`` is the sample server's address, so every
link on the demo's page leads somewhere (a sample article page).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

from ogbot.app.errors import UsageError
from ogbot.config import DEFAULT_SOURCES, Settings, build_settings
from ogbot.models import long_date

Say = Callable[[str], None]

HOST = "127.0.0.1"  # the demo never listens beyond loopback
DEFAULT_PORT = 8080  # the page's port when it is free (else any free one)
FIRST_CYCLE_WAIT = 60.0  # seconds the demo waits for the first cycle before saying it is late

# path on the sample server -> (bundled file, content type); any other path is a sample article
SAMPLE_ROUTES: dict[str, tuple[str, str]] = {
    "/netzwerk/feed/": ("netzwerk.rss", "application/rss+xml; charset=utf-8"),
    "/ogp/feed.atom": ("ogp.atom", "application/atom+xml; charset=utf-8"),
    "/opengov-de/service/aktuelles": ("bundesregierung.html", "text/html; charset=utf-8"),
}
ARTICLE = ("artikel.html", "text/html; charset=utf-8")


def _html_listing_select() -> dict[str, Any]:
    """The federal government's selectors as shipped: the demo checks the default's shape."""
    source = next(s for s in DEFAULT_SOURCES if s["name"] == "bundesregierung")
    return dict(source["select"])


def demo_sources(base: str) -> list[dict[str, Any]]:
    """The demo's ``[[sources]]``, on the sample server at ``base``."""
    return [
        {"name": "netzwerk", "url": f"{base}/netzwerk/feed/"},
        {"name": "ogp", "url": f"{base}/ogp/feed.atom"},
        {
            "name": "bundesregierung",
            "url": f"{base}/opengov-de/service/aktuelles",
            "title": "Open Government Deutschland (Beispiel)",
            "type": "html",
            "select": _html_listing_select(),
        },
    ]


def demo_settings(data_dir: Path, base: str, port: int) -> Settings:
    """The demo's settings, built from the defaults alone (no configuration file and no
    environment: no token, no channel, not the real data directory)."""
    document = {
        "publish": {"title": "Open Government – Neuigkeiten (Demo)"},
        "fetch": {"allow_private": True, "timeout": 10},
        "web": {"host": HOST, "port": port},
        "sources": demo_sources(base),
    }
    return build_settings(document, {"OGBOT_DATA_DIR": str(data_dir)}, data_dir)


# --- the sample sites -------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"\{\{(base|rfc822|iso|date|de|en|dmy)(?: ([+-]\d+))?(?: (\d\d):(\d\d))?\}\}"
)
_EN_MONTHS = "January February March April May June July August September October November December"


def render_sample(text: str, base: str, today: date) -> str:
    """A bundled sample with its placeholders filled in (see the module docstring)."""

    def fill(match: re.Match[str]) -> str:
        kind, days, hour, minute = match.groups()
        if kind == "base":
            return base
        day = today + timedelta(days=int(days or 0))
        moment = datetime.combine(day, time(int(hour or 9), int(minute or 0)), UTC)
        if kind == "rfc822":  # as WordPress writes pubDate: English, UTC
            return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
        if kind == "iso":
            return moment.isoformat().replace("+00:00", "Z")
        if kind == "date":
            return day.isoformat()
        if kind == "de":
            return long_date(day)
        if kind == "en":
            return f"{day.day} {_EN_MONTHS.split()[day.month - 1]} {day.year}"
        return f"{day.day:02d}.{day.month:02d}.{day.year}"  # dmy

    return _PLACEHOLDER.sub(fill, text)


def sample_pages(base: str, today: date) -> dict[str, tuple[bytes, str]]:
    """Every bundled sample rendered: file name -> (body, content type)."""
    folder = resources.files("ogbot") / "samples"
    pages = {}
    for name, content_type in [*SAMPLE_ROUTES.values(), ARTICLE]:
        text = (folder / name).read_text(encoding="utf-8")
        pages[name] = (render_sample(text, base, today).encode(), content_type)
    return pages


class _SampleHandler(BaseHTTPRequestHandler):
    pages: Mapping[str, tuple[bytes, str]] = {}
    server_version = "ogbot-demo"

    def do_GET(self) -> None:
        name = SAMPLE_ROUTES.get(self.path.split("?")[0], ARTICLE)[0]
        body, content_type = self.pages[name]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: ogbot's own log says what it fetched."""


@contextlib.contextmanager
def sample_sites(today: date) -> Iterator[str]:
    """Serve the samples on a free loopback port (a daemon thread); yields the base URL."""
    server = ThreadingHTTPServer((HOST, 0), _SampleHandler)
    server.daemon_threads = True
    base = f"http://{HOST}:{server.server_address[1]}"
    handler = type("SampleHandler", (_SampleHandler,), {"pages": sample_pages(base, today)})
    server.RequestHandlerClass = handler
    thread = threading.Thread(target=server.serve_forever, name="demo-samples", daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def free_port(wanted: int | None) -> int:
    """``wanted`` (0: any free port); without one, 8080 when it is free, else any free port."""
    if wanted is not None:
        return wanted if wanted else _any_port()
    with socket.socket() as probe:
        try:
            probe.bind((HOST, DEFAULT_PORT))
        except OSError:
            return _any_port()
    return DEFAULT_PORT


def _any_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


# --- the demo ---------------------------------------------------------------------------------


def demo(settings: Settings, data: str | None, port: int | None, say: Say) -> None:
    """``ogbot demo`` until Ctrl-C or SIGTERM. ``settings``: the operator's, only so that their
    data directory is never used; ``data``: where the demo's data go (None: a temporary
    directory, deleted at the end); ``port``: the page's (None: 8080 if free, 0: any)."""
    real = settings.data_dir.resolve()
    if data is not None:
        data_dir = Path(data).expanduser().resolve()
        if data_dir == real:
            raise UsageError(
                f"demo: --data {data} is ogbot's real data directory; give the demo another one"
            )
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="ogbot-demo-"))
    try:
        with sample_sites(datetime.now(UTC).date()) as base:
            page_port = free_port(port)
            demo_config = demo_settings(data_dir, base, page_port)
            _tell_urls(demo_config, base, data_dir, temporary=data is None, say=say)
            asyncio.run(_run(demo_config, say))  # RunError: the page's port is taken
    finally:
        if data is None:
            shutil.rmtree(data_dir, ignore_errors=True)


def _tell_urls(settings: Settings, base: str, data_dir: Path, *, temporary: bool, say: Say) -> None:
    site = settings.site_url
    kept = "deleted when the demo stops" if temporary else "kept"
    say("ogbot demo: ogbot on bundled sample feeds, offline; no Telegram.")
    say(f"  sample sites  {base}/  (served by this process, on loopback)")
    say(f"  data          {data_dir}  ({kept})")
    say("Open in a browser or a feed reader:")
    say(f"  the page      {site}/")
    say(f"  a search      {site}/?q=Aktionsplan")
    say(f"  RSS feed      {site}/feed.rss")
    say(f"  Atom feed     {site}/feed.atom")
    say(f"  JSON Feed     {site}/feed.json")
    say(f"  deadlines     {site}/konsultationen.ics  (a calendar app subscribes to it)")
    say(f"  sources       {site}/sources.opml")
    say(f"  health        {site}/healthz")
    say("Ctrl-C stops the demo.")


async def _run(settings: Settings, say: Say) -> None:
    """The real service, and a line once its first cycle has filled the page and the feeds."""
    from ogbot.app.service import Service
    from ogbot.publish.feeds import ATOM_FILE, public_dir

    service = Service(settings)
    running = asyncio.create_task(service.run())
    atom = public_dir(settings) / ATOM_FILE
    waited = 0.0
    while not running.done() and not atom.exists():
        await asyncio.wait({running}, timeout=0.2)
        waited += 0.2
        if waited >= FIRST_CYCLE_WAIT:
            say("the first check takes long: see the log above")
            break
    if atom.exists() and not running.done():
        say(f"the first check is done: the page and the feeds are filled ({settings.site_url}/)")
    await running
