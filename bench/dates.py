"""How ogbot reads the real-world feed dates of miniflux's tests: right, unknown, wrong (issue 13).

Run by hand with a checkout of miniflux/v2, a work tree or a bare git directory::

    PYTHONPATH=src .venv/bin/python bench/dates.py /path/to/miniflux-v2

Every date string of ``internal/reader/date/parser_test.go`` goes into a one-item RSS feed as
its ``<pubDate>`` and through ogbot's ``parse_feed``, the path a source's items take ("ogbot"),
and through feedparser alone, whose reading ogbot used until issue 13 ("feedparser"). The
expected moment is miniflux's own Unix time where its test gives one, else the hand-checked one
in ``tests/test_feed_dates.py`` (MINIFLUX), where None means "ambiguous: unknown is right"; a
string missing there (miniflux added it later) is counted as unchecked. Strings miniflux expects
to fail ("invalid") are right when unknown. Prints one line per string and the totals.
"""

from __future__ import annotations

import argparse
import calendar
import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_feed_dates import MINIFLUX

from ogbot.watch.parse import parse_feed

TEST_FILE = "internal/reader/date/parser_test.go"
_GO_STRING = r'"((?:[^"\\]|\\.)*)"'


@dataclass(frozen=True)
class Case:
    text: str
    expected: datetime | None  # None: unknown is right
    source: str  # where the expectation comes from: "miniflux", "ours", "error", "unchecked"


def _go_string(literal: str) -> str:
    return str(json.loads(f'"{literal}"'))  # Go's escapes in these strings are JSON's


def read_test_file(checkout: Path) -> str:
    if (checkout / TEST_FILE).is_file():
        return (checkout / TEST_FILE).read_text(encoding="utf-8")
    return subprocess.run(
        ["git", "-C", str(checkout), "show", f"HEAD:{TEST_FILE}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def cases(source: str) -> list[Case]:
    """The date strings of miniflux's test file, each with what it should read as."""
    found: dict[str, Case] = {}
    for body in re.split(r"\nfunc ", source)[1:]:
        expected_ts = re.search(r"expectedTS := int64\((-?\d+)\)", body)
        must_fail = "err == nil" in body
        texts = [_go_string(m) for m in re.findall(rf"(?:Parse\(|f\.Add\(){_GO_STRING}", body)]
        for block in re.findall(r"\[\]string\{(.*?)\n\t\}", body, re.DOTALL):
            texts += [_go_string(m) for m in re.findall(_GO_STRING, block)]
        for text in texts:
            if text in found:
                continue
            if must_fail:
                found[text] = Case(text, None, "error")
            elif expected_ts and len(texts) == 1:
                moment = datetime.fromtimestamp(int(expected_ts[1]), UTC)
                found[text] = Case(text, moment, "miniflux")
            elif text in MINIFLUX:
                checked = MINIFLUX[text]
                moment = None if checked is None else datetime.fromisoformat(checked)
                found[text] = Case(text, moment and moment.replace(tzinfo=UTC), "ours")
            else:
                found[text] = Case(text, None, "unchecked")
    return list(found.values())


def one_item_feed(text: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Dates</title><link>https://example.org/</link>"
        "<item><title>An item</title><link>https://example.org/item</link>"
        f"<pubDate>{escape(text)}</pubDate></item></channel></rss>"
    ).encode()


def ogbot_reading(text: str) -> datetime | None:
    parsed = parse_feed("dates", one_item_feed(text), "https://example.org/feed", {})
    return parsed.entries[0].published


def feedparser_reading(text: str) -> datetime | None:
    entry = feedparser.parse(one_item_feed(text)).entries[0]
    value = entry.get("published_parsed")
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC) if value else None
    except (OverflowError, ValueError):
        return None


def verdict(case: Case, got: datetime | None) -> str:
    if case.source == "unchecked":
        return "unchecked-read" if got is not None else "unchecked-unknown"
    if got == case.expected:
        return "right"
    return "unknown" if got is None else "wrong"


def _show(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments.add_argument("checkout", type=Path, help="a checkout of miniflux/v2")
    checkout = arguments.parse_args().checkout
    all_cases = cases(read_test_file(checkout))
    totals: dict[str, Counter[str]] = {"ogbot": Counter(), "feedparser": Counter()}
    print(f"{'date string':58} {'expected':19} {'ogbot':19} {'feedparser':19}")
    for case in all_cases:
        ours, theirs = ogbot_reading(case.text), feedparser_reading(case.text)
        group = "invalid" if case.source == "error" else "real"
        totals["ogbot"][f"{group} {verdict(case, ours)}"] += 1
        totals["feedparser"][f"{group} {verdict(case, theirs)}"] += 1
        marks = "".join(
            f" [{name}: {verdict(case, got)}]"
            for name, got in (("ogbot", ours), ("feedparser", theirs))
            if verdict(case, got) != "right"
        )
        expected = _show(case.expected) if case.source != "unchecked" else "?"
        print(f"{case.text!r:58} {expected:19} {_show(ours):19} {_show(theirs):19}{marks}")
    real = sum(1 for case in all_cases if case.source != "error")
    deliberate = sum(1 for case in all_cases if case.source == "ours" and case.expected is None)
    print(
        f"\n{real} real-world strings ({deliberate} ambiguous: unknown is right), "
        f"{len(all_cases) - real} that must not read"
    )
    for name, counts in totals.items():
        figures = ", ".join(
            f"{counts[f'real {kind}']} {kind}"
            for kind in ("right", "unknown", "wrong", "unchecked-read", "unchecked-unknown")
            if counts[f"real {kind}"] or kind in ("right", "unknown", "wrong")
        )
        invalid = f"{counts['invalid right']} of {len(all_cases) - real} invalid unknown"
        print(f"{name:10}: {figures}; {invalid}")


if __name__ == "__main__":
    main()
