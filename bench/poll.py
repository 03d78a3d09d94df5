"""Benchmark of one watch cycle: 1,000 WordPress feeds of 50 items each from a local server.

Run by hand: `.venv/bin/python bench/poll.py` (``--help`` for the knobs). Prints figures and
their ratios to the targets; asserts nothing (this machine is shared and noisy, so timings are
reported, not tested). Targets (issue 15, item 4):

- first cycle into a fresh store: at most 1.0 x the parse floor, the time feedparser alone
  needs to parse the same bytes sequentially in one thread (ogbot parses large documents in
  its pool of worker processes, one per core, as ``ogbot run`` does; ``--no-pool``: all in
  threads, as before);
- second cycle, every feed unchanged (all 304): at most 0.03 x the first;
- peak memory of the ogbot process with 1,000 feeds: at most 150 MB. The process's own peak
  RSS (ru_maxrss) does not count its workers; beside it, sampled every 0.2 s, the peak of the
  ogbot process and all its descendants together (the workers, the pool's forkserver, the
  resource tracker): the sum of their RSS, and of their PSS (pages a worker shares with the
  forkserver counted once). ``--tracemalloc`` adds one untimed run that shows where the
  largest Python heap seen was allocated.

Every measurement runs in a fresh subprocess, so peak RSS (ru_maxrss) is the figure of that one
job: the server (FakeWeb, tests/fakes/web.py, threaded stdlib) runs in its own process and its
threads and memory count for nothing on the ogbot side, and the bodies the floor parses are not
held by the cycle process. The feeds are spread over several loopback addresses (127.0.0.1,
127.0.0.2, ...) because the fetcher allows 2 requests at a time per host: the real deployment
has one source per host, so the politeness limit never binds there, and on a single host it
would measure the limit rather than the pipeline (``--hosts 1`` shows that case).
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import gzip
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CONTENT_TYPE = "application/rss+xml; charset=UTF-8"
TARGET_FIRST = 1.0  # x the parse floor
TARGET_SECOND = 0.03  # x the first cycle
TARGET_MEMORY = 150  # MB

# --- the feeds ---------------------------------------------------------------------------------

ENGLISH = (
    "The Open Government Partnership brings together governments and civil society to promote "
    "transparency, participation and accountability.",
    "Members co-create action plans with reformers inside and outside government every two years.",
    "This year's commitments focus on beneficial ownership, open contracting and climate data.",
    "Civil society organisations from {n} countries met in Nairobi to compare their progress.",
    "The Independent Reporting Mechanism published its assessment of {n} commitments.",
    "Public consultation on the draft is open until {deadline}; comments can be sent online.",
    "Local governments in Kenya, Colombia and the Philippines shared what worked and what did not.",
    "A new toolkit explains how to open budget data without exposing personal information.",
    "Access to information laws remain the foundation of any open government reform.",
    "Read the full report and the country summaries on the website.",
    "Journalists used the beneficial ownership register to trace {n} shell companies.",
    "The steering committee welcomed {n} new local members at its meeting in Brussels.",
)
GERMAN = (
    "Das Netzwerk setzt sich seit 2011 für offenes Regierungs- und Verwaltungshandeln ein.",
    "Die Bundesregierung hat den Entwurf des {n}. Nationalen Aktionsplans veröffentlicht.",
    "Bis zum {deadline} können alle Interessierten den Entwurf online kommentieren.",
    "Verbände, Wissenschaft und Bürger*innen sind eingeladen, Stellungnahmen einzureichen.",
    "Wir haben den Entwurf gelesen: Bei Beteiligung und Transparenz bleibt er hinter den "
    "Erwartungen zurück.",
    "Die Verpflichtungen zu „Open Data in der Verwaltung“ und zum „Lobbyregister 2.0“ sind ein "
    "Anfang.",
    "Am Runden Tisch nahmen {n} Vertreterinnen und Vertreter aus Kommunen und Ländern teil.",
    "Die Dokumentation der Veranstaltung mit allen Präsentationen steht ab sofort bereit.",
    "Offene Daten helfen Kommunen, Entscheidungen nachvollziehbar zu machen — auch für Bürger.",
    "Der Rückblick fasst die wichtigsten Ergebnisse des Open Government Tages zusammen.",
    "Die Anmeldung zum Workshop ist bis {deadline} möglich; die Teilnahme ist kostenlos.",
    "Gemeinsam mit dem Bündnis fordern wir ein Transparenzgesetz für den Bund.",
)
TITLES_EN = (
    "Open Government Week {year}: what {n} members achieved",
    "Call for comments: draft action plan of {place}",
    "New report on open contracting &#8211; lessons from {n} countries",
    "How {place} opened its budget data",
    "Webinar: participation &amp; accountability in local government",
    "Consultation open until {deadline}",
)
TITLES_DE = (
    "Entwurf des {n}. Nationalen Aktionsplans: Kommentierung bis {deadline}",
    "Rückblick auf den Open Government Tag in {place}",
    "Runder Tisch Transparenz &#8211; Ergebnisse und nächste Schritte",
    "Einladung: Werkstattgespräch „Offene Kommunen“ am {deadline}",
    "Stellungnahme des Netzwerks zum Lobbyregister",
    "{n} Kommunen veröffentlichen ihre Haushaltsdaten",
)
PLACES = ("Berlin", "Hamburg", "Kenya", "Bonn", "Colombia", "Leipzig", "Nairobi", "Köln")
CATEGORIES = (
    "News",
    "Aktionsplan",
    "Beteiligung",
    "Open Data",
    "Transparenz",
    "Kommunen",
    "Events",
    "Kenya",
    "Consultation",
    "Blog",
)
AUTHORS = ("Redaktion", "Anna Schmidt", "Jonas Weber", "OGP Support Unit", "Lena Müller")
MONTHS_DE = (
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)


def _deadline(rng: random.Random, when: datetime, german: bool) -> str:
    day = when + timedelta(days=rng.randint(5, 60))
    if german:
        return f"{day.day}. {MONTHS_DE[day.month - 1]} {day.year}"
    return day.strftime("%-d %B %Y")


def _sentence(rng: random.Random, pool: tuple[str, ...], when: datetime) -> str:
    text = rng.choice(pool)
    return text.format(n=rng.randint(2, 120), deadline=_deadline(rng, when, pool is GERMAN))


def _paragraph(rng: random.Random, pool: tuple[str, ...], when: datetime, base: str) -> str:
    sentences = [_sentence(rng, pool, when) for _ in range(rng.randint(2, 5))]
    marked = rng.randrange(len(sentences))
    sentences[marked] = f"<strong>{sentences[marked]}</strong>"
    if rng.random() < 0.5:
        slug = rng.randint(1000, 99999)
        sentences.append(
            f'Mehr dazu <a href="{base}/{when.year}/{when.month:02d}/thema-{slug}/">hier</a>.'
            if pool is GERMAN
            else f'More on <a href="{base}/resources/topic-{slug}/">this topic</a>.'
        )
    return "<p>" + " ".join(sentences) + "</p>\n"


def _content(rng: random.Random, german: bool, when: datetime, base: str, title: str) -> str:
    pool = GERMAN if german else ENGLISH
    parts = [_paragraph(rng, pool, when, base) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.6:
        image = (
            f"{base}/wp-content/uploads/{when.year}/{when.month:02d}/foto-{rng.randint(1, 9999)}"
        )
        parts.insert(
            1,
            f'<figure class="wp-block-image size-large"><img decoding="async" width="1024" '
            f'height="576" src="{image}-1024x576.jpg" alt=""'
            f' class="wp-image-{rng.randint(1, 9999)}"'
            f' srcset="{image}-1024x576.jpg 1024w, {image}-300x169.jpg 300w, '
            f'{image}-768x432.jpg 768w, {image}.jpg 1280w" '
            f'sizes="(max-width: 1024px) 100vw, 1024px" /><figcaption class="wp-element-caption">'
            f"{_sentence(rng, pool, when)}</figcaption></figure>\n",
        )
    if rng.random() < 0.5:
        parts.append('<h2 class="wp-block-heading">' + ("Termine" if german else "Next steps"))
        parts.append('</h2>\n<ul class="wp-block-list">\n')
        parts.extend(f"<li>{_sentence(rng, pool, when)}</li>\n" for _ in range(rng.randint(2, 5)))
        parts.append("</ul>\n")
    if rng.random() < 0.1:  # an embedded video: the sanitiser drops it
        parts.append(
            '<figure class="wp-block-embed is-type-video"><div class="wp-block-embed__wrapper">'
            '<iframe title="Video" width="640" height="360" '
            'src="https://www.youtube.com/embed/abc?feature=oembed" frameborder="0" '
            "allowfullscreen></iframe></div></figure>\n"
        )
    parts.extend(_paragraph(rng, pool, when, base) for _ in range(rng.randint(1, 2)))
    parts.append(
        f'<p>Der Beitrag <a href="{base}/">{title}</a> erschien zuerst auf '
        f'<a href="{base}">Site {base[8:]}</a>.</p>\n'
    )
    return "".join(parts)


def make_feed(number: int, items: int) -> bytes:
    """A WordPress RSS 2.0 feed as WordPress 6 writes it, seeded by ``number``."""
    rng = random.Random(number)
    base = f"https://site{number:03d}.example"
    german = number % 2 == 0
    out = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n\t>\n\n<channel>\n'
        f"\t<title>Site {number}</title>\n"
        f'\t<atom:link href="{base}/feed/" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{base}</link>\n"
        "\t<description>Open Government news</description>\n"
        f"\t<lastBuildDate>{email.utils.format_datetime(NOW)}</lastBuildDate>\n"
        f"\t<language>{'de-DE' if german else 'en-US'}</language>\n"
        "\t<sy:updatePeriod>\n\thourly\t</sy:updatePeriod>\n"
        "\t<sy:updateFrequency>\n\t1\t</sy:updateFrequency>\n"
        "\t<generator>https://wordpress.org/?v=6.8.3</generator>\n"
    ]
    when = NOW
    for index in range(items):
        when -= timedelta(hours=rng.randint(3, 90), minutes=rng.randint(0, 59))
        item_german = german if rng.random() < 0.85 else not german
        title = rng.choice(TITLES_DE if item_german else TITLES_EN).format(
            year=when.year,
            n=rng.randint(2, 50),
            place=rng.choice(PLACES),
            deadline=_deadline(rng, when, item_german),
        )
        slug = f"beitrag-{number}-{index}-{rng.randint(100, 999)}"
        link = f"{base}/{when.year}/{when.month:02d}/{when.day:02d}/{slug}/"
        pool = GERMAN if item_german else ENGLISH
        excerpt = " ".join(_sentence(rng, pool, when) for _ in range(3))
        categories = "\n\t\t".join(
            f"<category><![CDATA[{c}]]></category>"
            for c in rng.sample(CATEGORIES, rng.randint(1, 4))
        )
        out.append(
            "\t<item>\n"
            f"\t\t<title>{title}</title>\n"
            f"\t\t<link>{link}</link>\n"
            f"\t\t\t\t\t<comments>{link}#respond</comments>\n\t\t\n"
            f"\t\t<dc:creator><![CDATA[{rng.choice(AUTHORS)}]]></dc:creator>\n"
            f"\t\t<pubDate>{email.utils.format_datetime(when)}</pubDate>\n"
            f"\t\t\t\t{categories}\n"
            f'\t\t<guid isPermaLink="false">{base}/?p={number * 1000 + index}</guid>\n\n'
            f"\t\t\t\t\t<description><![CDATA[{excerpt} [&#8230;]]]></description>\n"
            "\t\t\t\t\t\t\t\t\t\t<content:encoded><![CDATA["
            f"{_content(rng, item_german, when, base, title)}]]></content:encoded>\n"
            f"\t\t\t\t\t\n\t\t\t\t\t<wfw:commentRss>{link}feed/</wfw:commentRss>\n"
            f"\t\t\t<slash:comments>{rng.randint(0, 5)}</slash:comments>\n"
            "\t\t</item>\n"
        )
    out.append("\t</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def write_feeds(folder: Path, feeds: int, items: int) -> list[Path]:
    paths = []
    for number in range(feeds):
        path = folder / f"feed-{number:03d}.xml"
        path.write_bytes(make_feed(number, items))
        paths.append(path)
    return paths


# --- the jobs, each in its own process -----------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def serve(folder: Path, hosts: int) -> None:
    """Serve every feed of ``folder`` (gzip, as WordPress behind nginx does) until stdin ends."""
    sys.path.insert(0, str(ROOT))
    from tests.fakes.web import FakeWeb

    webs = [FakeWeb(host=f"127.0.0.{i + 1}").start() for i in range(hosts)]
    urls = []
    for index, path in enumerate(sorted(folder.glob("feed-*.xml"))):
        body = path.read_bytes()
        urls.append(
            webs[index % hosts].route(
                f"/{path.stem}/",
                body=gzip.compress(body, mtime=0),  # once here, not per request
                content_type=CONTENT_TYPE,
                etag='"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"',
                last_modified=email.utils.format_datetime(NOW, usegmt=True),
                headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
            )
        )
    print(json.dumps(urls), flush=True)
    sys.stdin.read()
    for web in webs:
        web.stop()


def floor(folder: Path, stages: bool) -> dict[str, Any]:
    """feedparser alone over every body, one after another in one thread."""
    import feedparser

    bodies = [path.read_bytes() for path in sorted(folder.glob("feed-*.xml"))]
    headers = {"content-type": CONTENT_TYPE, "content-location": "https://example.org/feed/"}
    feedparser.parse(bodies[0], response_headers=headers)  # warm: lazy imports, regex caches
    start = time.perf_counter()
    entries = 0
    for body in bodies:
        entries += len(feedparser.parse(body, response_headers=headers).entries)
    result: dict[str, Any] = {"floor": time.perf_counter() - start, "entries": entries}
    if stages:  # the same, through ogbot's stages (no fetch, no store)
        from ogbot.config import SourceSettings
        from ogbot.models import Validators
        from ogbot.watch.extract import extract
        from ogbot.watch.model import Fetched
        from ogbot.watch.parse import parse_feed

        start = time.perf_counter()
        for body in bodies:
            parse_feed("bench", body, "https://example.org/feed/", headers)
        result["parse_feed"] = time.perf_counter() - start
        source = SourceSettings(name="bench", url="https://example.org/feed/")
        tz = __import__("zoneinfo").ZoneInfo("Europe/Berlin")
        start = time.perf_counter()
        for body in bodies:
            fetched = Fetched("bench", source.url, body, headers, Validators(None, None), None)
            extract(source, fetched, tz, NOW)
        result["extract"] = time.perf_counter() - start
    return result


PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_now_mb(pid: int | str = "self") -> float:
    """A process's resident memory now (0 when it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0


def pss_mb(pid: int | str = "self") -> float:
    """A process's proportional share of memory now: pages shared with its parent (a worker
    forked from the pool's forkserver) count once between them, not once each as in RSS."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


def descendants(pid: int | str = "self") -> list[int]:
    """Every process below ``pid``: the pool's forkserver and its workers, the resource tracker."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids = [int(p) for p in children.read_text().split()]
        except OSError:
            continue
        for child in pids:
            found += [child, *descendants(child)]
    return found


class Sampler(threading.Thread):
    """Samples, every ``every`` seconds, the RSS of this process and of its descendants (the
    workers), and under tracemalloc keeps the snapshot of the largest Python heap seen."""

    def __init__(self, every: float = 0.2, trace: bool = False) -> None:
        super().__init__(daemon=True)
        self.every, self.trace = every, trace
        self.stop = threading.Event()
        self.peak_self = self.peak_total = self.peak_worker = self.peak_pss = 0.0
        self.snapshot: tracemalloc.Snapshot | None = None
        self.snapshot_mb = 0.0

    def run(self) -> None:
        while not self.stop.wait(self.every):
            mine = rss_now_mb()
            below = descendants()
            others = [rss_now_mb(pid) for pid in below]
            self.peak_pss = max(self.peak_pss, pss_mb() + sum(pss_mb(pid) for pid in below))
            self.peak_self = max(self.peak_self, mine)
            self.peak_total = max(self.peak_total, mine + sum(others))
            self.peak_worker = max(self.peak_worker, *others, 0.0)
            if self.trace:
                traced = tracemalloc.get_traced_memory()[0] / 2**20
                if traced > self.snapshot_mb * 1.1 + 1:
                    self.snapshot, self.snapshot_mb = tracemalloc.take_snapshot(), traced

    def top(self, lines: int = 12) -> list[str]:
        """Where the largest heap seen was allocated (by line)."""
        if self.snapshot is None:
            return []
        stats = self.snapshot.filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        ).statistics("lineno")
        return [
            f"{stat.size / 2**20:7.1f} MB {stat.count:8d} blocks "
            f"{stat.traceback[0].filename.split('site-packages/')[-1].split('/src/')[-1]}"
            f":{stat.traceback[0].lineno}"
            for stat in stats[:lines]
        ]


def cycle(urls: list[str], data_dir: Path, trace: bool, pool: bool) -> dict[str, Any]:
    """Two cycles into a fresh store: the first stores everything, the second sees 304s."""
    from ogbot.app.cycle import run_cycle
    from ogbot.app.house import extract_pool
    from ogbot.config import build_settings
    from ogbot.store import AsyncStore
    from ogbot.watch.fetch import make_client

    document = {
        "fetch": {"allow_private": True, "timeout": 60},
        "sources": [{"name": f"feed-{i:03d}", "url": url} for i, url in enumerate(urls)],
    }
    settings = build_settings(document, {"OGBOT_DATA_DIR": str(data_dir)}, data_dir)
    store = AsyncStore.open(settings.data_dir)
    result: dict[str, Any] = {"rss_start": peak_rss_mb()}
    if trace:
        tracemalloc.start()
    sampler = Sampler(trace=trace)
    sampler.start()

    async def run() -> None:
        async with (
            make_client(settings.fetch.timeout, settings.fetch.allow_private) as client,
            extract_pool() as workers,
        ):
            parse = workers if pool else None
            start, cpu = time.perf_counter(), time.process_time()
            first = await run_cycle(settings, client, store, lambda: NOW, force=True, pool=parse)
            middle = time.perf_counter()
            result["cpu_first"] = time.process_time() - cpu  # this process's, not its workers'
            result["rss_first"] = peak_rss_mb()
            result["rss_first_now"] = rss_now_mb()
            second = await run_cycle(settings, client, store, lambda: NOW, force=True, pool=parse)
            end = time.perf_counter()
            result["workers"] = workers.workers if pool else 0
        result.update(
            first=middle - start,
            second=end - middle,
            new=first.new,
            failed=[s.line() for s in (*first.failed, *second.failed)],
            not_modified=sum(s.not_modified for s in second.sources),
        )

    asyncio.run(run())
    sampler.stop.set()
    sampler.join()
    if trace:
        result["traced_peak"] = tracemalloc.get_traced_memory()[1] / 2**20
        result["traced_top"] = sampler.top()
        result["traced_top_mb"] = sampler.snapshot_mb
        tracemalloc.stop()
    store.close()
    result["rss_peak"] = peak_rss_mb()
    # sampled: the ogbot process with its workers (and the pool's forkserver), and one worker
    result["rss_total"] = max(sampler.peak_total, result["rss_peak"])
    result["rss_worker"] = sampler.peak_worker
    result["pss_total"] = sampler.peak_pss
    return result


# --- the driver --------------------------------------------------------------------------------


def job(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs to take the medians of")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50, help="items per feed")
    parser.add_argument("--hosts", type=int, default=8, help="loopback addresses to serve on")
    parser.add_argument("--stages", action="store_true", help="also time parse_feed and extract")
    parser.add_argument(
        "--no-pool", action="store_true", help="extract every document in a thread (no processes)"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="one more, untimed cycle under tracemalloc"
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cycle", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.hosts)
        return
    if args.floor:
        print(json.dumps(floor(args.floor, args.stages)))
        return
    if args.cycle:
        urls = json.loads(args.cycle.read_text("utf-8"))
        print(json.dumps(cycle(urls, args.data, args.tracemalloc, not args.no_pool)))
        return

    with tempfile.TemporaryDirectory(prefix="ogbot-bench-") as tmp:
        folder = Path(tmp) / "feeds"
        folder.mkdir()
        sizes = [path.stat().st_size for path in write_feeds(folder, args.feeds, args.items)]
        print(
            f"{args.feeds} feeds x {args.items} items: {sum(sizes) / 2**20:.1f} MB, "
            f"median {statistics.median(sizes) / 1024:.0f} KB per feed, "
            f"served gzipped on {args.hosts} loopback address(es) from a separate process"
        )
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(folder), "--hosts", str(args.hosts)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        try:
            assert server.stdout is not None
            urls_file = Path(tmp) / "urls.json"
            urls_file.write_text(server.stdout.readline(), "utf-8")
            floors: list[dict[str, Any]] = []
            cycles: list[dict[str, Any]] = []
            for run in range(args.runs):  # interleaved, so noise hits both alike
                floors.append(job("--floor", str(folder), *(["--stages"] if args.stages else [])))
                data = Path(tmp) / f"data-{run}"
                pool = ["--no-pool"] if args.no_pool else []
                cycles.append(job("--cycle", str(urls_file), "--data", str(data), *pool))
                last = cycles[-1]
                print(
                    f"run {run + 1}: floor {floors[-1]['floor']:.2f} s,"
                    f" first {last['first']:.2f} s (CPU here {last['cpu_first']:.1f} s),"
                    f" second {last['second']:.3f} s,"
                    f" peak RSS {last['rss_peak']:.0f} MB, with workers {last['rss_total']:.0f} MB"
                    f" ({last['pss_total']:.0f} MB PSS)"
                    f" (new {last['new']}, 304 {last['not_modified']}, failed {last['failed']});"
                    f" load average {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
            traced = None
            if args.tracemalloc:
                data = Path(tmp) / "data-traced"
                traced = job("--cycle", str(urls_file), "--data", str(data), "--tracemalloc", *pool)
        finally:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(timeout=10)

    def median(rows: list[dict[str, Any]], key: str) -> float:
        return float(statistics.median(row[key] for row in rows))

    floor_s, first, second = (
        median(floors, "floor"),
        median(cycles, "first"),
        median(cycles, "second"),
    )
    rss = median(cycles, "rss_peak")
    workers = cycles[0]["workers"]
    print(
        f"\nmedians of {args.runs} runs on {len(os.sched_getaffinity(0))} core(s), extracting "
        + (f"large documents in {workers} worker process(es):" if workers else "in threads:")
    )
    print(f"parse floor (feedparser alone, 1 thread): {floor_s:6.2f} s")
    if args.stages:
        print(f"  parse_feed (feedparser + sanitise):     {median(floors, 'parse_feed'):6.2f} s")
        print(f"  extract (parse + filter + classify):    {median(floors, 'extract'):6.2f} s")
    print(
        f"first cycle:  {first:6.2f} s = {first / floor_s:.2f} x the floor "
        f"(target <= {TARGET_FIRST}: {'met' if first / floor_s <= TARGET_FIRST else 'MISSED'})"
    )
    print(
        f"second cycle: {second:6.3f} s = {second / first:.3f} x the first "
        f"(target <= {TARGET_SECOND}: {'met' if second / first <= TARGET_SECOND else 'MISSED'})"
    )
    print(
        f"peak RSS of the ogbot process: {rss:.0f} MB "
        f"(after imports and store open: {median(cycles, 'rss_start'):.0f} MB, "
        f"after the first cycle: {median(cycles, 'rss_first'):.0f} MB; "
        f"target <= {TARGET_MEMORY} MB: {'met' if rss <= TARGET_MEMORY else 'MISSED'})"
    )
    print(
        f"peak RSS of the ogbot process and its workers together (sampled): "
        f"{median(cycles, 'rss_total'):.0f} MB RSS, {median(cycles, 'pss_total'):.0f} MB PSS"
        + (f" (the largest worker: {median(cycles, 'rss_worker'):.0f} MB)" if workers else "")
    )
    print(f"load average at the end (1, 5, 15 min): {os.getloadavg()}")
    if traced is not None:
        print(
            f"tracemalloc peak (Python heap only, during both cycles, one untimed run): "
            f"{traced['traced_peak']:.0f} MB; peak RSS {traced['rss_peak']:.0f} MB; the largest "
            f"heap sampled ({traced['traced_top_mb']:.0f} MB) by where it was allocated:"
        )
        for line in traced["traced_top"]:
            print("  " + line)


if __name__ == "__main__":
    main()
