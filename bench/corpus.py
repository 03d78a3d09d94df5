"""ogbot over real-world feeds: every file of a corpus as a source, compared with feedparser.

Run by hand (no test depends on it): fetch the public corpora (see the README, "Benchmarks"),
then::

    .venv/bin/python bench/corpus.py /tmp/corpora/feedparser/tests \\
        /tmp/corpora/miniflux/internal/reader /tmp/corpora/reader/tests/data [--details]

Every feed file under the folders (.xml, .rss, .atom, .rdf, .json; and each feed written as a Go
raw string literal in a .go file, as miniflux's tests hold them) is served by FakeWeb
(tests/fakes/web.py) over a real socket, with the content type a web server would send: the
``Header: Content-type:`` line of a feedparser test file when it has one, else by extension
(.xml sniffed: RSS, Atom and RDF roots get their own type, anything else ``text/xml`` as nginx
sends it; ``--plain-xml`` sends every .xml as ``text/xml``). Each file then takes ogbot's own
path as a source: ``ogbot.watch.fetch.fetch`` and ``ogbot.watch.extract.extract`` with settings
from ``ogbot.config.build_settings``, and the items are saved twice (a first and a second poll)
into a fresh real store of their own, so what is counted is what ogbot keeps and what a reader
would see, and a second poll that "updates" what did not change shows.

The same bytes and headers go to ``feedparser.parse`` with its defaults (the baseline: the
entries feedparser sees, their titles and dates). feedparser 6.0 does not read JSON Feed, so for
a JSON Feed the baseline is its ``items`` as the standard library reads them.

Figures printed: sources ok / failing (reasons grouped, the most frequent with an example file),
crashes ("internal error"), items ogbot keeps against feedparser's entries (lost items, per
file), garbled titles (U+FFFD, UTF-8 or a CJK encoding read as Windows-1252, C1 controls, a bare
URL or nothing as title), titles that differ from feedparser's text, C0/C1 control characters in
stored text, dates more than a minute off feedparser's or unknown where feedparser knows one.
``--details`` lists the offending files; ``--json PATH`` writes every file's figures (to compare
a run before and after a change). It asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import collections
import html.parser
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

ROOT = Path(__file__).resolve().parents[1]
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".json"}
TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
}
DATE_TOLERANCE = timedelta(minutes=1)

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


# --- the baseline: what feedparser sees -------------------------------------------------------


@dataclass(frozen=True)
class BaseEntry:
    id: str
    link: str
    title: str  # the visible text
    date: datetime | None
    showable: bool  # a title, a link, some text or an enclosure: something a reader could see


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.parts).split())


def baseline(body: bytes, headers: dict[str, str]) -> tuple[list[BaseEntry], str | None]:
    """feedparser's entries (for a JSON Feed, its items), and feedparser's bozo reason."""
    import feedparser

    data = feedparser.parse(body, response_headers=headers)
    bozo = repr(data.get("bozo_exception")) if data.get("bozo") else None
    if not data.get("version") and body.lstrip()[:1] == b"{":
        return json_baseline(body), bozo
    entries = []
    for raw in data.get("entries") or []:
        title = str(raw.get("title", ""))
        kind = str((raw.get("title_detail") or {}).get("type") or "text/html")
        text = visible(title) if "html" in kind else " ".join(title.split())
        stamp = None
        for key in ("published_parsed", "updated_parsed", "created_parsed"):
            if raw.get(key):
                try:
                    stamp = datetime.fromtimestamp(calendar.timegm(raw[key]), UTC)
                    break
                except (OverflowError, ValueError, TypeError):
                    continue
        link = str(raw.get("link", ""))
        texts = [
            str(raw.get("summary") or ""),
            *(str(c.get("value") or "") for c in raw.get("content") or []),
        ]
        enclosures = [e for e in raw.get("enclosures") or [] if e.get("href")]
        showable = bool(text or link or enclosures or any(visible(t) for t in texts))
        entries.append(BaseEntry(str(raw.get("id", "") or "").strip(), link, text, stamp, showable))
    return entries, bozo


def json_baseline(body: bytes) -> list[BaseEntry]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    items = data.get("items") if isinstance(data, dict) else None
    entries = []
    for raw in items if isinstance(items, list) else []:
        if not isinstance(raw, dict):
            continue
        stamp = None
        value = raw.get("date_published") or raw.get("date_modified")
        if isinstance(value, str):
            try:
                stamp = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
            except ValueError:
                stamp = None
        title = " ".join(str(raw.get("title") or "").split())
        link = str(raw.get("url") or raw.get("external_url") or "")
        texts = (raw.get(k) for k in ("content_html", "content_text", "summary"))
        attachments = raw.get("attachments")
        showable = bool(
            title or link or attachments or any(isinstance(t, str) and visible(t) for t in texts)
        )
        entries.append(BaseEntry(str(raw.get("id") or ""), link, title, stamp, showable))
    return entries


# --- what looks wrong -------------------------------------------------------------------------

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
C1 = re.compile(r"[\x80-\x9f]")
BARE_URL = re.compile(r"\s*https?://\S+\s*")
UTF8_AS_1252 = re.compile(r"[ÃÂ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€")
CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af]")
HIGH_RUNS = re.compile(r"[\x80-\xff]{2,}")
LEGACY = ("euc_kr", "shift_jis", "euc_jp", "big5", "gb2312", "gb18030")


def garbled(title: str) -> str | None:
    """Why a stored title looks wrong to a reader, or None."""
    if not title.strip():
        return "empty title"
    if BARE_URL.fullmatch(title):
        return "bare URL as title"
    return mojibake(title)


def mojibake(title: str) -> str | None:
    """Why a text looks wrongly decoded, or None."""
    if "\ufffd" in title:
        return "U+FFFD"
    if C1.search(title):
        return "C1 control"
    if UTF8_AS_1252.search(title):
        return "UTF-8 read as Windows-1252"
    high = sum("\x80" <= c <= "\xff" for c in title)
    if high < 4:
        return None
    # a double-byte encoding (EUC-KR, Shift-JIS, GB2312, ...) read as Windows-1252: the high
    # characters come in runs, and their bytes read as such an encoding give CJK text (which
    # one is a guess: it is not named)
    if sum(map(len, HIGH_RUNS.findall(title))) >= 0.7 * high:
        try:
            raw = title.encode("cp1252")
        except UnicodeEncodeError:
            raw = b""
        for codec in LEGACY if raw else ():
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if len(CJK.findall(text)) >= 2:
                return "another encoding read as Windows-1252"
    # a single-byte encoding of another script (Hebrew, Cyrillic, Thai) read as Windows-1252
    if high >= 0.6 * sum(c.isalpha() for c in title):
        return "another encoding read as Windows-1252"
    return None


def comparable(title: str) -> str:
    return " ".join(title.split())


def same_title(ours: str, theirs: str) -> bool:
    ours, theirs = comparable(ours), comparable(theirs)
    if ours == theirs or not theirs:
        return True
    return ours.endswith("…") and theirs.startswith(ours[:-1].rstrip())


# --- one file through ogbot -------------------------------------------------------------------


@dataclass
class Result:
    name: str
    corpus: str
    content_type: str
    error: str | None = None  # the source's failure as `ogbot sources` shows it
    crash: bool = False  # an internal error
    entries: int = 0  # what feedparser sees
    showable: int = 0  # of those, the entries with something to show
    items: int = 0  # what extract gives
    kept: int = 0  # what the store holds after the first poll
    second: int = 0  # new and updated items a second poll of the same bytes reports
    garbled: list[str] = field(default_factory=list)  # "reason: title"
    garbled_too: int = 0  # of those, how many feedparser's own title also looks like
    garbled_text: list[str] = field(default_factory=list)  # summaries, contents, feed title
    differ: list[str] = field(default_factory=list)  # "ogbot | feedparser"
    control: list[str] = field(default_factory=list)  # field: repr of the text around
    dates_off: list[str] = field(default_factory=list)
    dates_unknown: list[str] = field(default_factory=list)
    dates_extra: int = 0  # ogbot knows a date feedparser does not
    dates_compared: int = 0
    unmatched: int = 0  # items not paired with a feedparser entry
    bozo: str | None = None
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return max(self.showable - self.kept, 0)


def pair(items: Sequence[Any], entries: Sequence[BaseEntry]) -> Iterator[tuple[Any, BaseEntry]]:
    """Items with the feedparser entries they came from, in document order: by id, link or
    title, the entries ogbot dropped passed over."""
    start = 0
    for item in items:
        for index in range(start, len(entries)):
            entry = entries[index]
            if (
                (entry.id and entry.id == item.guid)
                or (entry.link and entry.link == item.link)
                or (entry.title and comparable(entry.title) == comparable(item.title))
            ):
                start = index + 1
                yield item, entry
                break


def control_in(stored: Any) -> Iterator[str]:
    texts = [
        ("title", stored.title),
        ("summary", stored.summary),
        ("content", stored.content_html),
        ("author", stored.author or ""),
        *(("category", c) for c in stored.categories),
    ]
    for where, text in texts:
        found = CONTROL.search(text)
        if found:
            around = text[max(found.start() - 15, 0) : found.end() + 15]
            yield f"{where}: {around!r}"


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
        theirs = {comparable(e.title) for e in entries}
        for row in stored:
            why = garbled(row.title)
            if why:
                result.garbled.append(f"{why}: {row.title[:80]!r}")
                result.garbled_too += bool(
                    comparable(row.title) in theirs and garbled(row.title) == why
                )
            result.control += control_in(row)
            for where, text in (("summary", row.summary), ("content", row.content_html)):
                why = mojibake(text)
                if why:
                    result.garbled_text.append(f"{where}: {why}: {text[:60]!r}")
        why = mojibake(feed_title)
        if why:
            result.garbled_text.append(f"feed title: {why}: {feed_title[:60]!r}")
        found = CONTROL.search(feed_title)
        if found:
            result.control.append(
                f"feed title: {feed_title[max(found.start() - 15, 0) : found.end() + 15]!r}"
            )
        for item, entry in pair(items, entries):
            result.dates_compared += 1
            if not same_title(item.title, entry.title):
                result.differ.append(f"{item.title[:70]!r} | {entry.title[:70]!r}")
            if entry.date is None:
                result.dates_extra += item.date_known
            elif not item.date_known:
                result.dates_unknown.append(f"feedparser {entry.date:%Y-%m-%d %H:%M}Z")
            elif abs(item.published - entry.date) > DATE_TOLERANCE:
                ours, theirs = f"{item.published:%Y-%m-%d %H:%M}", f"{entry.date:%Y-%m-%d %H:%M}"
                result.dates_off.append(f"ogbot {ours}Z, feedparser {theirs}Z")
        result.unmatched = len(items) - result.dates_compared
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


# --- the figures ------------------------------------------------------------------------------


def reason_group(error: str) -> str:
    """A failure reason without what varies from file to file (positions, quoted bits)."""
    text = re.sub(r"<[^>]*>", "<…>", error)
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"\d+", "N", text)
    return text[:110]


def ratio(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def figures(results: Sequence[Result]) -> dict[str, int]:
    return {
        "files": len(results),
        "ok": sum(r.error is None for r in results),
        "failing": sum(r.error is not None for r in results),
        "crashes": sum(r.crash for r in results),
        "entries": sum(r.entries for r in results),
        "showable": sum(r.showable for r in results),
        "kept": sum(r.kept for r in results),
        "lost": sum(r.lost for r in results),
        "lost_files": sum(r.lost > 0 for r in results),
        "more_files": sum(r.kept > r.showable for r in results),
        "second": sum(r.second for r in results),
        "second_files": sum(r.second > 0 for r in results),
        "garbled": sum(len(r.garbled) for r in results),
        "garbled_too": sum(r.garbled_too for r in results),
        "garbled_text": sum(len(r.garbled_text) for r in results),
        "differ": sum(len(r.differ) for r in results),
        "control": sum(len(r.control) for r in results),
        "control_files": sum(bool(r.control) for r in results),
        "paired": sum(r.dates_compared for r in results),
        "unpaired": sum(r.unmatched for r in results),
        "dates_off": sum(len(r.dates_off) for r in results),
        "dates_unknown": sum(len(r.dates_unknown) for r in results),
        "dates_extra": sum(r.dates_extra for r in results),
    }


# the per-corpus table: (heading, figure)
TABLE = (
    ("files", "files"),
    ("ok", "ok"),
    ("failing", "failing"),
    ("crashes", "crashes"),
    ("entries", "entries"),
    ("to show", "showable"),
    ("kept", "kept"),
    ("lost", "lost"),
    ("garbled", "garbled"),
    ("control", "control"),
    ("date off", "dates_off"),
    ("date unk", "dates_unknown"),
)


def libraries() -> str:
    """feedparser's version, and whether it can detect an undeclared encoding (chardet)."""
    import importlib.metadata

    found = []
    for name in ("feedparser", "chardet", "cchardet"):
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"no {name}")
    return ", ".join(found)


def summary(results: Sequence[Result], skipped: int, seconds: float) -> list[str]:
    t = figures(results)
    lines = [
        f"ogbot over {t['files']} feed files ({skipped} other files passed over), {seconds:.0f} s;"
        f" {libraries()}"
    ]
    lines += ["", f"{'corpus':<26}" + "".join(f"{h:>9}" for h, _ in TABLE)]
    by_corpus: dict[str, list[Result]] = collections.defaultdict(list)
    for r in results:
        by_corpus[r.corpus].append(r)
    for corpus, rows in [*by_corpus.items(), ("all", list(results))]:
        values = figures(rows)
        lines.append(f"{corpus[-26:]:<26}" + "".join(f"{values[k]:>9}" for _, k in TABLE))
    shown, paired = t["showable"], t["paired"]
    lines += [
        "",
        f"sources   ok {t['ok']} ({ratio(t['ok'], t['files'])}), failing {t['failing']}"
        f" ({ratio(t['failing'], t['files'])}), internal errors {t['crashes']}",
        f"items     feedparser sees {t['entries']} entries, {shown} with something to show"
        " (a title, a link, text or an enclosure)",
        f"          ogbot keeps {t['kept']} ({ratio(t['kept'], shown)}); lost {t['lost']}"
        f" ({ratio(t['lost'], shown)}) in {t['lost_files']} files; more than feedparser in"
        f" {t['more_files']} files",
        f"          a second poll of the same bytes reports {t['second']} new or updated items"
        f" in {t['second_files']} files",
        f"titles    garbled {t['garbled']} ({ratio(t['garbled'], t['kept'])} of kept;"
        f" {t['garbled_too']} as garbled in feedparser); differ from feedparser's text"
        f" {t['differ']} ({ratio(t['differ'], paired)} of paired)",
        "text      summaries, contents and feed titles that look wrongly decoded:"
        f" {t['garbled_text']}",
        f"          C0/C1 control characters in stored text: {t['control']} fields in"
        f" {t['control_files']} files",
        f"dates     items paired with a feedparser entry {paired} ({t['unpaired']} not paired):"
        f" off by more than a minute {t['dates_off']} ({ratio(t['dates_off'], paired)}),"
        f" unknown where feedparser knows one {t['dates_unknown']}"
        f" ({ratio(t['dates_unknown'], paired)}); known where feedparser knows none"
        f" {t['dates_extra']}",
    ]
    kinds = collections.Counter(g.split(":", 1)[0] for r in results for g in r.garbled)
    kinds.update(":".join(g.split(":", 2)[:2]) for r in results for g in r.garbled_text)
    if kinds:
        lines.append("garbled   " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    slowest = max(results, key=lambda r: r.seconds, default=None)
    if slowest is not None:
        lines.append(f"time      slowest file {slowest.seconds:.2f} s ({slowest.name})")
    return lines


def reasons(results: Sequence[Result], top: int | None) -> list[str]:
    groups: dict[str, list[Result]] = collections.defaultdict(list)
    for r in results:
        if r.error is not None:
            groups[reason_group(r.error)].append(r)
    lines = [f"failing sources by reason ({len(groups)} reasons; the most frequent, an example):"]
    for reason, rows in sorted(groups.items(), key=lambda g: -len(g[1]))[:top]:
        lines += [f"{len(rows):6}  {reason}", f"        e.g. {rows[0].name}"]
    return lines


def details(results: Sequence[Result]) -> list[str]:
    def rows(pick: Any) -> list[tuple[Result, list[str]]]:
        return [(r, lines) for r in results if (lines := pick(r))]

    sections = {
        "internal errors": rows(lambda r: [r.error] if r.crash else []),
        "lost items": rows(
            lambda r: (
                [f"feedparser {r.showable} to show ({r.entries} entries), kept {r.kept}"]
                if r.lost
                else []
            )
        ),
        "a second poll reports changes": rows(
            lambda r: [f"{r.second} new or updated"] if r.second else []
        ),
        "garbled titles": rows(lambda r: r.garbled),
        "wrongly decoded text": rows(lambda r: r.garbled_text),
        "titles that differ from feedparser's (ogbot | feedparser)": rows(lambda r: r.differ),
        "control characters": rows(lambda r: r.control),
        "dates off": rows(lambda r: r.dates_off),
        "dates unknown": rows(lambda r: r.dates_unknown),
    }
    out: list[str] = []
    for title, found in sections.items():
        if not found:
            continue
        out += ["", f"== {title} ({len(found)} files)"]
        for r, lines in found:
            failing = f"  failing: {r.error}" if r.error and not r.crash else ""
            out.append(f"{r.name}  [{r.content_type}]{failing}")
            out += [f"    {line}" for line in lines[:5]]
            if len(lines) > 5:
                out.append(f"    … {len(lines) - 5} more")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders of feed files")
    parser.add_argument("--details", action="store_true", help="list the offending files")
    parser.add_argument("--json", type=Path, help="write every file's figures here")
    parser.add_argument("--only", default="", help="only files whose name contains this")
    parser.add_argument("--jobs", type=int, default=4, help="sources in flight at once")
    parser.add_argument("--plain-xml", action="store_true", help="serve every .xml as text/xml")
    args = parser.parse_args(argv)
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
    print("\n".join(lines + (details(results) if args.details else [])))
    if args.json:
        rows = [{**asdict(r), "lost": r.lost} for r in results]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
