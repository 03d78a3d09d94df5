"""Benchmark of the watcher's classifier: time per item of `ogbot.watch.classify.classify`.

Run by hand: `.venv/bin/python bench/classify.py`. Prints figures; asserts nothing (this
machine is shared and noisy, so timings are reported, not tested). The target is at most
0.15 ms per typical item (title ~60 characters, summary capped at 600, two categories), so
that a first watch cycle of 10,000 items takes well under a second or two.
"""

from __future__ import annotations

import datetime
import statistics
import time
import zoneinfo

from ogbot.watch import classify as classify_module
from ogbot.watch.classify import classify

TZ = zoneinfo.ZoneInfo("Europe/Berlin")
SUMMARY = (
    "The Open Government Partnership brings together governments and civil society to "
    "promote transparency, participation and accountability. " * 5
)[:600]
GERMAN = (
    "Das Netzwerk setzt sich seit 2011 für offenes Regierungshandeln ein. Am 30. August 2023 "
    "wurde der vierte Aktionsplan beschlossen. " * 5
)[:600]
CONSULTATION = (
    "Die Bundesregierung hat den Entwurf des vierten Nationalen Aktionsplans veröffentlicht. "
    "Verbände und Bürgerinnen und Bürger können den Entwurf bis zum 15. Dezember kommentieren. "
    "Die Konsultation läuft online; Stellungnahmen bitte per E-Mail. " * 3
)[:600]
RUNS = 5


def typical() -> float:
    """The figure of the target: ms per item over 2 × 1000 typical news items."""
    start = time.perf_counter()
    for i in range(1000):
        classify(
            f"News item number {i} about Kenya and open data", SUMMARY, ("News", "Kenya"), None, TZ
        )
        classify(f"Rückblick: Open Government Tag {i}", GERMAN, ("Netzwerk",), None, TZ)
    return (time.perf_counter() - start) / 2000 * 1000


def consultations() -> float:
    """ms per item over 1000 consultations with a deadline (dates are parsed here)."""
    today = datetime.date(2026, 10, 1)
    start = time.perf_counter()
    for i in range(1000):
        classify(
            f"Konsultation zum Aktionsplan {i} gestartet",
            CONSULTATION,
            ("Beteiligung",),
            None,
            TZ,
            today=today,
        )
    return (time.perf_counter() - start) / 1000 * 1000


def _letters(number: int) -> str:
    return "".join("abcdefghij"[int(digit)] for digit in str(number))


def unique_words() -> float:
    """ms per item when every item brings 30 words never seen before (long ones, as German
    compounds are): the per-word cache does not help with them."""
    start = time.perf_counter()
    for i in range(1000):
        new = " ".join(
            f"Regierungs{_letters(i * 100 + k)}handeln transparen{_letters(i * 100 + k)}cy"
            for k in range(15)
        )
        summary = f"{new} {SUMMARY}"[:600]
        classify(f"Meldung {i}: Neues vom Netzwerk", summary, ("News",), None, TZ)
    return (time.perf_counter() - start) / 1000 * 1000


def main() -> None:
    classify_module._token.cache_clear()
    first = typical()
    print(f"per item ms {first:.4f}  (typical item, first run: per-word cache cold)")
    runs = [typical() for _ in range(RUNS)]
    print(f"per item ms {statistics.median(runs):.4f}  (typical item, median of {RUNS} runs)")
    runs = [consultations() for _ in range(RUNS)]
    print(f"per item ms {statistics.median(runs):.4f}  (consultation with a deadline, median)")
    runs = [unique_words() for _ in range(RUNS)]
    print(f"per item ms {statistics.median(runs):.4f}  (30 new words per item, median)")


if __name__ == "__main__":
    main()
