"""ogbot over real-world feeds: every file of a corpus as a source, compared with feedparser.

Run by hand (no test depends on it). Clone the public corpora (kurtmckee/feedparser,
miniflux/v2 and lemon24/reader from GitHub) into /tmp/corpora/, then::

    .venv/bin/python bench/corpus.py /tmp/corpora/feedparser/tests \\
        /tmp/corpora/v2/internal/reader /tmp/corpora/reader/tests/data [--details]

Every feed file under the folders (.xml, .rss, .atom, .rdf, .json; and each feed written as a Go
raw string literal in a .go file, as miniflux's tests hold them) is served by FakeWeb
(tests/fakes/web.py) over a real socket, with the content type a web server would send: the
``Header: Content-type:`` line of a feedparser test file when it has one (its other ``Header:``
lines are sent too), else by extension (.xml sniffed: RSS, Atom and RDF roots get their own
type, anything else ``text/xml`` as nginx sends it; ``--plain-xml`` sends every .xml as
``text/xml``). Each file then takes ogbot's own path as a source: ``ogbot.watch.fetch.fetch``
and ``ogbot.watch.extract.extract`` with settings from ``ogbot.config.build_settings``, and the
items are saved twice (a first and a second poll of the same bytes) into a fresh real store of
their own: what is counted is what ogbot keeps and a reader would see, and a second poll that
reports new or updated items for unchanged bytes shows. An exception other than ogbot's own
fetch or parse errors counts as an internal error, as the watch cycle records it.

The same bytes and headers go to ``feedparser.parse`` with its defaults: the baseline is the
entries feedparser sees, their titles and dates. An entry with nothing to show (no title, link,
text or enclosure) is not counted as lost when ogbot drops it. feedparser 6.0 does not read JSON
Feed, so for a JSON Feed the baseline is its ``items`` as the standard library reads them.

Figures printed, per corpus folder and in all: sources ok / failing (reasons grouped, the most
frequent with an example file), internal errors, items kept against feedparser's entries (lost
items, per file), garbled titles (a bare URL or nothing as title, U+FFFD, C1 controls, UTF-8 or
another encoding read as Windows-1252) and wrongly decoded summaries, contents and feed titles,
titles that differ from feedparser's text, C0/C1 control characters in stored text, dates more
than a minute off feedparser's or unknown where feedparser knows one. ``--details`` lists the
offending files; ``--json FILE`` writes every file's figures and ``--compare FILE`` counts the
files that got better or worse since that run; ``--no-chardet`` hides chardet from feedparser
(an install without encoding detection). It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corpus_checks import Result, baseline, compare, details, judge, reasons, summary

ROOT = Path(__file__).resolve().parents[1]
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".json"}
TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
}

# --- the corpus: files, and feeds in Go raw string literals ----------------------------------


@dataclass(frozen=True)
class Case:
    """One feed of the corpus: served on its own path, as a source of its own."""

    name: str  # where it comes from: a path, or "path.go:TestName"
    corpus: str  # the folder given on the command line it was found in
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


# feedparser's test files name the HTTP headers they are meant to be served with
_HEADER_LINE = re.compile(r"^Header:\s+([^:\s]+):(.*)$", re.MULTILINE)
_NOT_SENT = {"content-length", "content-encoding", "transfer-encoding", "connection"}
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_GO_TOKEN = re.compile(
    r"""//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`([^`]*)`""", re.DOTALL
)
_GO_FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)", re.MULTILINE)
_FEED_ROOT = re.compile(r"<(?:rss|feed|rdf:RDF|RDF|channel)[\s>]")


def head_text(body: bytes) -> str:
    """The first few KB as text, by byte order mark or UTF-16/32 pattern (for sniffing)."""
    head = body[:8192]
    for mark, codec in (
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\x00<", "utf-32-be"),
        (b"<\x00\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\x00<", "utf-16-be"),
        (b"<\x00", "utf-16-le"),
    ):
        if head.startswith(mark):
            return head.decode(codec, errors="replace")
    return head.decode("latin-1")


def content_type_of(suffix: str, body: bytes, plain_xml: bool) -> str:
    """What a web server sends for a file: by extension, an .xml by its root element."""
    if suffix == ".json":
        jsonfeed = b"jsonfeed.org" in body[:4096]
        return "application/feed+json" if jsonfeed else "application/json"
    if suffix in TYPES:
        return TYPES[suffix]
    if plain_xml:
        return "text/xml"
    text = re.sub(r"<\?.*?\?>|<!--.*?-->|<!.*?>", "", head_text(body), flags=re.DOTALL)
    root = _ROOT.search(text)
    name = root.group(1).lower() if root else ""
    if name == "rss":
        return "application/rss+xml"
    if name == "feed":  # Atom 1.0 or 0.3
        return "application/atom+xml"
    if name in ("rdf:rdf", "rdf"):
        return "application/rdf+xml"
    return "text/xml"  # nginx's type for .xml


def file_case(path: Path, name: str, corpus: str, plain_xml: bool) -> Case:
    body = path.read_bytes()
    headers = {k.strip(): v.strip() for k, v in _HEADER_LINE.findall(head_text(body))}
    given = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    headers = {
        k: v for k, v in headers.items() if k.lower() not in _NOT_SENT | {"content-type"} and v
    }
    content_type = given or content_type_of(path.suffix.lower(), body, plain_xml)
    return Case(name, corpus, body, content_type, headers)


def go_cases(path: Path, name: str, corpus: str, plain_xml: bool) -> Iterator[Case]:
    """The feeds a Go source holds as raw string literals (leading indentation dropped)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    functions = [(m.start(), m.group(1)) for m in _GO_FUNC.finditer(text)]
    counts: collections.Counter[str] = collections.Counter()
    for token in _GO_TOKEN.finditer(text):
        literal = token.group(1)
        if literal is None:
            continue
        feed = literal.strip()
        if feed.startswith("<") and _FEED_ROOT.search(feed):
            suffix = ".xml"
        elif feed.startswith("{") and ('"items"' in feed or "jsonfeed.org" in feed):
            suffix = ".json"
        else:
            continue
        function = next((f for at, f in reversed(functions) if at < token.start()), "top")
        counts[function] += 1
        label = f"{name}:{function}" + (f"#{counts[function]}" if counts[function] > 1 else "")
        body = feed.encode("utf-8")
        yield Case(label, corpus, body, content_type_of(suffix, body, plain_xml))


def collect(folders: Sequence[Path], plain_xml: bool) -> tuple[list[Case], int]:
    """Every feed under the folders, and how many other files were passed over."""
    top = Path(os.path.commonpath([f.resolve().parent for f in folders]))
    cases: list[Case] = []
    skipped = 0
    for folder in folders:
        corpus = str(folder.resolve().relative_to(top))
        for path in sorted(p for p in folder.resolve().rglob("*") if p.is_file()):
            name = str(path.relative_to(top))
            suffix = path.suffix.lower()
            if suffix == ".go":
                found = list(go_cases(path, name, corpus, plain_xml))
                cases += found
                skipped += not found
            elif suffix in FEED_SUFFIXES:
                cases.append(file_case(path, name, corpus, plain_xml))
            else:
                skipped += 1
    return cases, skipped


# --- one file through ogbot -------------------------------------------------------------------


class Runner:
    def __init__(self, settings: Any, template: Path, scratch: Path, now: datetime) -> None:
        self.settings = settings
        self.template = template
        self.scratch = scratch
        self.now = now

    def analyse(self, case: Case, source: Any, fetched: Any, result: Result) -> Result:
        """Extract and store (in a fresh store), then compare with feedparser. In a thread."""
        from ogbot.store import Store
        from ogbot.watch.extract import extract
        from ogbot.watch.model import WatchError
        from ogbot.watch.parse import parse_feed

        started = time.perf_counter()
        headers = dict(fetched.headers) if fetched is not None else {}
        headers.setdefault("content-type", case.content_type)
        headers["content-location"] = source.url
        entries, result.bozo = baseline(case.body, headers)
        result.entries = len(entries)
        result.showable = sum(e.showable for e in entries)
        if fetched is None:
            return result
        path = self.scratch / f"{source.name}.sqlite3"
        shutil.copyfile(self.template, path)
        store = Store(path)
        try:
            extracted = extract(source, fetched, self.settings.publish.tz, self.now)
            items = extracted.items
            result.items = len(items)
            first = store.save_items(source.name, items, self.now, True)
            later = store.save_items(source.name, items, self.now + timedelta(hours=1), False)
            result.kept = first.new
            result.second = later.new + later.updated
            stored = store.latest_items(max(len(items), 1))
            # the feed's own title: a source's display name
            feed_title = parse_feed(source.name, fetched.body, fetched.url, fetched.headers).title
        except WatchError as exc:
            result.error = f"{exc.stage}: {exc.reason}"
            return result
        except Exception as exc:  # what the cycle logs and records as an internal error
            result.error, result.crash = f"internal error: {exc!r}", True
            return result
        finally:
            store.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            result.seconds += time.perf_counter() - started
        judge(result, entries, items, stored, feed_title)
        return result

    async def one(self, client: Any, case: Case, source: Any) -> Result:
        from ogbot.models import Validators
        from ogbot.watch.fetch import FetchPolicy, fetch
        from ogbot.watch.model import WatchError

        result = Result(case.name, case.corpus, case.content_type)
        started = time.perf_counter()
        fetched = None
        try:
            policy = FetchPolicy.for_source(self.settings.fetch, source)
            fetched = await fetch(client, source.name, source.url, Validators(), policy)
        except WatchError as exc:
            result.error = f"{exc.stage}: {exc.reason}"
        except Exception as exc:
            result.error, result.crash = f"internal error: {exc!r}", True
        result.seconds = time.perf_counter() - started
        return await asyncio.to_thread(self.analyse, case, source, fetched, result)


async def run_all(runner: Runner, cases: Sequence[Case], jobs: int) -> list[Result]:
    from ogbot.watch.fetch import make_client

    settings = runner.settings
    gate = asyncio.Semaphore(jobs)
    done = 0

    async def one(client: Any, case: Case, source: Any) -> Result:
        nonlocal done
        async with gate:
            result = await runner.one(client, case, source)
        done += 1
        if done % 250 == 0:
            print(f"  {done}/{len(cases)}", file=sys.stderr, flush=True)
        return result

    async with make_client(settings.fetch.timeout, settings.fetch.allow_private) as client:
        return list(
            await asyncio.gather(
                *(one(client, c, s) for c, s in zip(cases, settings.sources, strict=True))
            )
        )


def measure(cases: Sequence[Case], jobs: int) -> list[Result]:
    sys.path.insert(0, str(ROOT))
    from tests.fakes.web import FakeWeb

    from ogbot.config import build_settings
    from ogbot.store import Store

    web = FakeWeb().start()
    try:
        urls = [
            web.route(
                f"/{index}/" + re.sub(r"[^A-Za-z0-9._-]", "_", case.name.rsplit("/", 1)[-1]),
                body=case.body,
                content_type=case.content_type,
                headers=case.headers,
            )
            for index, case in enumerate(cases)
        ]
        with tempfile.TemporaryDirectory(prefix="ogbot-corpus-") as scratch:
            document = {
                "fetch": {"allow_private": True},
                "sources": [{"name": f"c{i:05d}", "url": url} for i, url in enumerate(urls)],
            }
            settings = build_settings(document, {"OGBOT_DATA_DIR": scratch}, Path(scratch))
            template = Path(scratch) / "template.sqlite3"
            Store(template).close()  # migrated once; every file gets a copy
            runner = Runner(settings, template, Path(scratch), datetime.now(UTC))
            return asyncio.run(run_all(runner, cases, jobs))
    finally:
        web.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders of feed files")
    parser.add_argument("--details", action="store_true", help="list the offending files")
    parser.add_argument("--json", type=Path, help="write every file's figures here")
    parser.add_argument("--compare", type=Path, help="a --json file of an earlier run")
    parser.add_argument("--only", default="", help="only files whose name contains this")
    parser.add_argument("--jobs", type=int, default=4, help="sources in flight at once")
    parser.add_argument("--plain-xml", action="store_true", help="serve every .xml as text/xml")
    parser.add_argument(
        "--no-chardet",
        action="store_true",
        help="hide chardet from feedparser (as installed without it: no encoding detection)",
    )
    args = parser.parse_args(argv)
    if args.no_chardet:  # before feedparser is imported: its `import chardet` then fails
        sys.modules["chardet"] = sys.modules["cchardet"] = None  # type: ignore[assignment]
    cases, skipped = collect(args.folders, args.plain_xml)
    cases = [c for c in cases if args.only in c.name]
    started = time.perf_counter()
    results = measure(cases, args.jobs)
    seconds = time.perf_counter() - started
    lines = [
        *summary(results, skipped, seconds),
        "",
        *reasons(results, None if args.details else 10),
    ]
    if args.details:
        lines += details(results)
    if args.compare:
        lines += ["", *compare(args.compare, results, args.details)]
    print("\n".join(lines))
    if args.json:
        rows = [{**asdict(r), "lost": r.lost} for r in results]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
