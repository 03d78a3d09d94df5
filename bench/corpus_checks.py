"""What bench/corpus.py compares and prints: feedparser's view of a feed (the baseline), what
looks wrong in what ogbot stored (garbled titles, wrongly decoded text, control characters), and
the figures, per corpus folder and per file, with the comparison to an earlier run.
"""

from __future__ import annotations

import calendar
import collections
import html.parser
import importlib.metadata
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

# --- the baseline: what feedparser sees -------------------------------------------------------


@dataclass(frozen=True)
class BaseEntry:
    id: str
    link: str
    title: str  # the visible text
    date: datetime | None
    showable: bool  # a title, a link, some text or an enclosure: something a reader could see
    raw_date: str = ""  # the date as the feed writes it


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        # <img> with a source or an alt text (an empty <img /> shows nothing), <svg> drawings
        self.images = 0

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "").strip() for name, value in attrs}
        if (tag == "img" and (values.get("src") or values.get("alt"))) or tag == "svg":
            self.images += 1


def visible(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.parts).split())


def shows(markup: str) -> bool:
    """Whether an entry's text or markup shows a reader something: words or an image (an
    <img> with a source or an alt text, an <svg> drawing). Markup left open at the end
    ("<!DOCTYPE") is no word: html.parser's close() gives it back as text, an HTML5 parser (a
    browser) drops it."""
    parser = _Text()
    parser.feed(markup)  # not closed: what is left open at the end is not text
    return bool(" ".join("".join(parser.parts).split())) or parser.images > 0


def http(url: str) -> bool:
    """Whether a link is one a reader can follow: ogbot shows only http(s) links (an Atom id
    such as urn:uuid:… or mailto:…, which feedparser gives as the link, is no link)."""
    return url.strip().lower().startswith(("http://", "https://"))


def distinct(entries: list[BaseEntry], keys: list[tuple[str, ...]]) -> list[BaseEntry]:
    """``entries`` with those a document repeats (the same id, link, title and text) marked
    as nothing more to show: a reader sees them once."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for entry, key in zip(entries, keys, strict=True):
        if entry.showable and key in seen:
            entry = replace(entry, showable=False)
        seen.add(key)
        out.append(entry)
    return out


def baseline(body: bytes, headers: dict[str, str]) -> tuple[list[BaseEntry], str | None]:
    """feedparser's entries (for a JSON Feed, its items), and feedparser's bozo reason (or
    "raised: ..." when feedparser itself fails on the document: no baseline then)."""
    import feedparser

    try:
        data = feedparser.parse(body, response_headers=headers)
    except Exception as exc:  # e.g. UnicodeEncodeError on surrogate character references
        return [], f"raised: {exc!r}"
    bozo = repr(data.get("bozo_exception")) if data.get("bozo") else None
    if not data.get("version") and body.lstrip()[:1] == b"{":
        return json_baseline(body, headers.get("content-location", "")), bozo
    entries = []
    keys = []
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
        media = [
            m
            for field in ("enclosures", "media_content", "media_thumbnail")
            for m in raw.get(field) or []
            if isinstance(m, dict) and http(str(m.get("href") or m.get("url") or ""))
        ]
        entry_id = str(raw.get("id", "") or "").strip()
        permalink = raw.get("guidislink") is not False and http(entry_id)  # RSS 1.0 rdf:about
        showable = bool(text or http(link) or permalink or media or any(map(shows, texts)))
        written = next((str(raw[k]) for k in ("published", "updated", "created") if raw.get(k)), "")
        entries.append(BaseEntry(entry_id, link, text, stamp, showable, written))
        keys.append((entry_id, link, text, *(" ".join(visible(t).split()) for t in texts)))
    return distinct(entries, keys), bozo


def json_baseline(body: bytes, base: str = "") -> list[BaseEntry]:
    """A JSON Feed's items; their links resolved against ``base`` (the feed's URL)."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    items = data.get("items") if isinstance(data, dict) else None
    entries = []
    keys = []
    for raw in items if isinstance(items, list) else []:
        if not isinstance(raw, dict):
            continue
        stamp = None
        value = raw.get("date_published") or raw.get("date_modified")
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
                stamp = parsed.astimezone(UTC) if parsed.tzinfo else None  # RFC 3339: an offset
            except ValueError:
                stamp = None
        title = " ".join(str(raw.get("title") or "").split())
        link = str(raw.get("url") or raw.get("external_url") or "")
        link = urljoin(base, link) if link else ""
        texts = [raw.get(k) for k in ("content_html", "content_text", "summary")]
        markup, plain, summary = (t if isinstance(t, str) else "" for t in texts)
        attachments = raw.get("attachments")
        images = [raw.get(k) for k in ("image", "banner_image") if isinstance(raw.get(k), str)]
        showable = bool(
            title
            or http(link)
            or http(str(raw.get("id") or ""))  # a permalink id
            or attachments
            or images
            or plain.strip()  # content_text is plain text
            or shows(markup)
            or shows(summary)
        )
        written = str(value) if value else ""
        entries.append(BaseEntry(str(raw.get("id") or ""), link, title, stamp, showable, written))
        keys.append((str(raw.get("id") or ""), link, title, *map(str, texts)))
    return distinct(entries, keys)


# --- what looks wrong -------------------------------------------------------------------------

DATE_TOLERANCE = timedelta(minutes=1)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
C1 = re.compile(r"[\x80-\x9f]")
BARE_URL = re.compile(r"\s*https?://\S+\s*")
UTF8_AS_1252 = re.compile(r"[ÃÂ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€")
CJK = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af]")
# what the bytes 0x80-0xff become when read as Windows-1252 (or Latin-1, where it has a gap)
_HIGH = "".join(sorted({bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(128, 256)}))
HIGH = re.compile(f"[{re.escape(_HIGH)}]")
HIGH_RUNS = re.compile(f"[{re.escape(_HIGH)}]{{2,}}")
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
    high = len(HIGH.findall(title))
    if high < 2:
        return None
    try:
        raw = title.encode("cp1252")
    except UnicodeEncodeError:
        raw = b""
    if raw:
        try:
            if raw.decode("utf-8") != title:
                return "UTF-8 read as Windows-1252"
        except UnicodeDecodeError:
            pass
    # a double-byte encoding (EUC-KR, Shift-JIS, GB2312, ...) read as Windows-1252: the high
    # characters come in runs, and their bytes read as such an encoding give CJK text (which
    # one is a guess: it is not named)
    if raw and high >= 4 and sum(map(len, HIGH_RUNS.findall(title))) >= 0.7 * high:
        for codec in LEGACY:
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if len(CJK.findall(text)) >= 2:
                return "another encoding read as Windows-1252"
    if UTF8_AS_1252.search(title):  # a part of the text, the rest decoded right
        return "UTF-8 read as Windows-1252"
    # a single-byte encoding of another script (Hebrew, Cyrillic, Thai) read as Windows-1252
    if high >= 4 and high >= 0.6 * sum(c.isalpha() for c in title):
        return "another encoding read as Windows-1252"
    return None


def comparable(title: str) -> str:
    return " ".join(title.split())


def same_title(ours: str, theirs: str) -> bool:
    ours, theirs = comparable(ours), comparable(theirs)
    if ours == theirs or not theirs:
        return True
    return ours.endswith("…") and theirs.startswith(ours[:-1].rstrip())


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
    dates_extra: list[str] = field(default_factory=list)  # ogbot knows one, feedparser does not
    dates_compared: int = 0
    unmatched: int = 0  # items not paired with a feedparser entry
    bozo: str | None = None  # feedparser's; "raised: ..." when it failed on the document
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return max(self.showable - self.kept, 0)


def pair(items: Sequence[Any], entries: Sequence[BaseEntry]) -> Iterator[tuple[Any, BaseEntry]]:
    """Items with the feedparser entries they came from, in document order: one to one when
    ogbot dropped none, else by id, link or title, the entries ogbot dropped passed over."""
    if len(items) == len(entries):
        yield from zip(items, entries, strict=True)
        return
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


def judge(
    result: Result,
    entries: Sequence[BaseEntry],
    items: Sequence[Any],
    stored: Sequence[Any],
    feed_title: str,
) -> None:
    """Fill in what looks wrong: in the stored items and the feed's title (its display name),
    and in the items against the feedparser entries they came from."""
    their_titles = {comparable(e.title) for e in entries}
    for row in stored:
        why = garbled(row.title)
        if why:
            result.garbled.append(f"{why}: {row.title[:80]!r}")
            result.garbled_too += comparable(row.title) in their_titles  # the same in feedparser
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
        ours = f"{item.published:%Y-%m-%d %H:%M}Z" if item.date_known else "unknown"
        theirs = f"{entry.date:%Y-%m-%d %H:%M}Z" if entry.date else "unknown"
        line = f"ogbot {ours}, feedparser {theirs}: {entry.raw_date!r}"
        if entry.date is None:
            result.dates_extra += [line] if item.date_known else []
        elif not item.date_known:
            result.dates_unknown.append(line)
        elif abs(item.published - entry.date) > DATE_TOLERANCE:
            result.dates_off.append(line)
    result.unmatched = len(items) - result.dates_compared


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
        "raised": sum((r.bozo or "").startswith("raised:") for r in results),
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
        "dates_extra": sum(len(r.dates_extra) for r in results),
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
    found = []
    for name in ("feedparser", "chardet", "cchardet"):
        try:
            hidden = name in sys.modules and sys.modules[name] is None
            found.append(f"{name} {importlib.metadata.version(name)}" + " (hidden)" * hidden)
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
        f" ({ratio(t['failing'], t['files'])}), internal errors {t['crashes']};"
        f" feedparser itself raised on {t['raised']} (no baseline there)",
        f"items     feedparser sees {t['entries']} entries, {shown} with something to show"
        " (a title, a link, text, an image or an enclosure)",
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
        "feedparser raised": rows(
            lambda r: [r.bozo] if (r.bozo or "").startswith("raised:") else []
        ),
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
        "dates ogbot knows and feedparser does not (to check by eye)": rows(
            lambda r: r.dates_extra
        ),
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


# what is worse when it grows, per file: the figures --compare looks at
WORSE = {
    "failing": lambda r: r["error"] is not None,
    "internal error": lambda r: r["crash"],
    "lost items": lambda r: r["lost"],
    "second poll changes": lambda r: r["second"],
    "garbled titles": lambda r: len(r["garbled"]),
    "wrongly decoded text": lambda r: len(r["garbled_text"]),
    "titles differing": lambda r: len(r["differ"]),
    "control characters": lambda r: len(r["control"]),
    "dates off": lambda r: len(r["dates_off"]),
    "dates unknown": lambda r: len(r["dates_unknown"]),
}


def compare(before: Path, results: Sequence[Result], details: bool) -> list[str]:
    """Per file and figure: better or worse than a run written with --json."""
    old = {row["name"]: row for row in json.loads(before.read_text(encoding="utf-8"))}
    lines = [f"compared with {before} ({len(old)} files; files better / worse):"]
    worse_files: list[str] = []
    for what, figure in WORSE.items():
        better, worse = [], []
        for r in results:
            if r.name in old:
                now, then = figure({**asdict(r), "lost": r.lost}), figure(old[r.name])
                (better if now < then else worse if now > then else []).append(r.name)
        lines.append(f"  {what:<22} {len(better):6} better {len(worse):6} worse")
        worse_files += [f"  worse {what}: {name}" for name in worse]
    new = sum(r.name not in old for r in results)
    if new:
        lines.append(f"  {new} files not in the earlier run")
    return lines + (worse_files if details else [])
