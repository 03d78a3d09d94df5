"""`ogbot demo` as a newcomer runs it: a real process on free ports, the page and the feeds over
HTTP filled from the bundled samples by the real cycle, stopped with Ctrl-C (SIGINT). It must
never reach Telegram (even with a token in the environment) nor the real data directory."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import httpx
import lxml.html
import pytest

from ogbot.app.demo import demo_settings, render_sample, sample_pages
from ogbot.models import Validators
from ogbot.store import DB_NAME
from ogbot.watch.extract import extract
from ogbot.watch.model import Fetched
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.shell import clean_env, ogbot

FIRST_CHECK = "the first check is done"


class Demo:
    """One `ogbot demo` process; its output read line by line as it comes."""

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ogbot", "demo", "--port", "0", *args],
            cwd=cwd,
            env=env or clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: list[str] = []
        self.log: list[str] = []
        self.ready = threading.Event()
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self._log = threading.Thread(target=self._drain, args=(self.process.stderr,), daemon=True)
        self._log.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            if line.startswith(FIRST_CHECK):
                self.ready.set()
        self.ready.set()  # ended early: the test sees why

    def _drain(self, stream) -> None:
        for line in stream:
            self.log.append(line)

    def wait_ready(self) -> None:
        assert self.ready.wait(60), f"no first check within 60 s: {self.lines} {self.log}"
        assert any(line.startswith(FIRST_CHECK) for line in self.lines), (self.lines, self.log)

    def url(self, label: str) -> str:
        """The URL the demo printed after ``label`` ("the page", "sample sites", ...)."""
        for line in self.lines:
            match = re.match(rf"\s+{label}\s+(http://\S+)", line)
            if match:
                return match.group(1)
        raise AssertionError(f"no {label!r} in {self.lines}")

    def data_dir(self) -> Path:
        for line in self.lines:
            match = re.match(r"\s+data\s+(\S+)", line)
            if match:
                return Path(match.group(1))
        raise AssertionError(f"no data directory in {self.lines}")

    def stop(self) -> int:
        """Ctrl-C, as a person at the terminal stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=15)
        finally:
            if self.process.poll() is None:  # pragma: no cover - a hung demo
                self.process.kill()
            self._log.join(5)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    running = Demo(tmp_path)
    yield running
    running.stop()


def test_demo_fills_the_page_and_the_feeds_from_the_samples_and_stops_on_ctrl_c(demo, tmp_path):
    demo.wait_ready()
    page_url = demo.url("the page")
    assert page_url.startswith("http://127.0.0.1:")

    page = httpx.get(page_url, timeout=10)
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.text)
    open_titles = [h.text_content() for h in doc.cssselect("#konsultationen h3")]
    # the WordPress feed's consultation, the Atom feed's, the listing's: open, with deadlines
    assert any("Kommentierungsphase bis zum" in title for title in open_titles)
    assert "Germany Action Plan Review 2023-2025 – For Public Comment" in open_titles
    assert any(title.startswith("Ihr Feedback ist gefragt") for title in open_titles)
    deadlines = [d.text_content() for d in doc.cssselect("#konsultationen .deadline")]
    assert all(d.startswith("Frist: ") and "noch" in d for d in deadlines), deadlines
    news = [h.text_content() for h in doc.cssselect("#neuigkeiten h3")]
    assert "Deutschland bleibt im OGP-Lenkungsausschuss vertreten" in news
    assert "OGP Global Summit: what's next for open government" in news
    sources = {m.text_content().split(" · ")[0] for m in doc.cssselect("p.meta")}
    assert {
        "Quelle: Open Government Netzwerk (Beispiel)",
        "Quelle: Open Government Partnership (sample)",
        "Quelle: Open Government Deutschland (Beispiel)",
    } <= sources
    assert doc.cssselect("#stand time")  # "Stand: …": the check just made

    # every item's link leads somewhere: a sample article on the demo's own sample server
    sample = demo.url("sample sites")
    link = doc.cssselect("#neuigkeiten h3 a")[0].get("href")
    assert link.startswith(sample)
    assert "Beispielartikel" in httpx.get(link, timeout=10).text

    site = page_url.rstrip("/")
    for path in ("/feed.rss", "/feed.atom"):
        feed = feedparser.parse(httpx.get(site + path, timeout=10).content)
        titles = [entry.title for entry in feed.entries]
        assert "Germany Action Plan Review 2023-2025 – For Public Comment" in titles, path
        assert len(titles) >= 9, (path, titles)
    calendar = httpx.get(demo.url("deadlines"), timeout=10)
    assert "Frist: Germany Action Plan Review 2023-2025" in calendar.text.replace("\r\n ", "")
    found = httpx.get(f"{site}/?q=Aktionsplan", timeout=10).text
    assert "Treffer" in found and "Nationalen Aktionsplans" in found
    assert httpx.get(f"{site}/healthz", timeout=10).json()["status"] == "ok"

    data = demo.data_dir()
    assert data.is_dir() and (data / "public" / "feed.atom").exists()
    assert demo.stop() == 0
    assert not data.exists()  # a temporary directory: gone with the demo
    assert not (tmp_path / "data").exists()  # the real data directory was never made
    assert "stopped" in "".join(demo.log)


def test_demo_never_talks_to_telegram_even_with_a_token_set(tmp_path, fake_telegram: FakeTelegram):
    env = clean_env(
        OGBOT_TELEGRAM_TOKEN=TOKEN,
        OGBOT_TELEGRAM_API_URL=fake_telegram.api_url,
        OGBOT_TELEGRAM_CHANNEL="@ogbot_demo_channel",
        OGBOT_DATA_DIR=str(tmp_path / "real"),
    )
    running = Demo(tmp_path, env=env)
    try:
        running.wait_ready()
        assert "no Telegram" in running.lines[0]
    finally:
        assert running.stop() == 0
    assert fake_telegram.requests == []
    assert not (tmp_path / "real").exists()


def test_demo_keeps_its_data_in_the_directory_given(tmp_path):
    kept = tmp_path / "demo-data"
    running = Demo(tmp_path, "--data", str(kept))
    try:
        running.wait_ready()
        assert running.data_dir() == kept.resolve()
    finally:
        assert running.stop() == 0
    assert (kept / "public" / "feed.rss").exists()
    assert (kept / DB_NAME).exists()


def test_demo_refuses_the_real_data_directory(tmp_path):
    real = tmp_path / "real"
    done = ogbot(tmp_path, "demo", "--data", str(real), env=clean_env(OGBOT_DATA_DIR=str(real)))
    assert done.returncode == 2
    assert "real data directory" in done.stderr
    assert not real.exists()


# --- the samples: shaped like the real sites, read as ogbot reads those ----------------------


TODAY = date(2026, 12, 7)
BASE = "http://127.0.0.1:9"


def extracted(name: str):
    settings = demo_settings(Path("/nonexistent"), BASE, 8080)
    source = next(s for s in settings.sources if s.name == name)
    pages = sample_pages(BASE, TODAY)
    files = {"netzwerk": "netzwerk.rss", "ogp": "ogp.atom"}
    body, content_type = pages[files.get(name, "bundesregierung.html")]
    headers = {"content-type": content_type}
    fetched = Fetched(name, source.url, body, headers, Validators())
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    return extract(source, fetched, settings.publish.tz, now).items


def test_the_samples_dates_follow_the_day_the_demo_starts():
    text = "{{rfc822 -1 10:15}} | {{iso -2 14:00}} | {{date +3}} | {{de +21}}"
    text += " | {{en +14}} | {{dmy -2}}"
    assert render_sample(text, BASE, TODAY) == (
        "Sun, 06 Dec 2026 10:15:00 +0000 | 2026-12-05T14:00:00Z | 2026-12-10"
        " | 28. Dezember 2026 | 21 December 2026 | 05.12.2026"
    )
    assert render_sample("{{base}}/ogp/", BASE, TODAY) == f"{BASE}/ogp/"


@pytest.mark.parametrize(
    ("source", "title", "deadline"),
    [
        ("netzwerk", "Entwurf des 5. Nationalen Aktionsplans", date(2026, 12, 28)),
        ("ogp", "Germany Action Plan Review 2023-2025", date(2026, 12, 21)),
        ("bundesregierung", "Ihr Feedback ist gefragt", date(2026, 12, 28)),
    ],
)
def test_each_sample_has_an_open_consultation_with_its_deadline(source, title, deadline):
    items = extracted(source)
    assert len(items) >= 3
    (consultation,) = [i for i in items if i.title.startswith(title)]
    assert consultation.kind == "consultation"
    assert consultation.deadline == deadline
    assert all(item.link.startswith(BASE) for item in items)
