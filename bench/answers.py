"""Benchmark of the answer engine: index build, per-answer latency, cold start of `ogbot ask`.

Run by hand: `.venv/bin/python bench/answers.py`. Prints figures; asserts nothing (this machine
is shared and noisy, so timings are reported, not tested).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from ogbot.knowledge.answer import Answerer
from ogbot.knowledge.content import load_library
from ogbot.knowledge.index import Index

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.evaluation import load_cases  # noqa: E402

CASES = load_cases("dev") + load_cases("heldout")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    # index build: load + parse the content, then build the index (what `ogbot ask` does at start)
    loads, builds = [], []
    for _ in range(20):
        start = time.perf_counter()
        library = load_library()
        middle = time.perf_counter()
        Index(library)
        end = time.perf_counter()
        loads.append(middle - start)
        builds.append(end - middle)
    print(f"content load:  median {statistics.median(loads) * 1000:7.2f} ms  (20 runs)")
    print(
        f"index build:   median {statistics.median(builds) * 1000:7.2f} ms  "
        f"max {max(builds) * 1000:.2f} ms  "
    )

    answerer = Answerer(library)
    questions = [case["q"] for case in CASES]
    for question in questions:  # warm the stem and split caches as a running bot would be
        answerer.answer(question)
    latencies = []
    best = [float("inf")] * len(questions)
    for _ in range(20):
        for number, question in enumerate(questions):
            start = time.perf_counter()
            answerer.answer(question)
            latencies.append(time.perf_counter() - start)
            best[number] = min(best[number], latencies[-1])
    print(
        f"answer (warm): p50 {percentile(latencies, 0.50) * 1000:7.3f} ms  "
        f"p99 {percentile(latencies, 0.99) * 1000:.3f} ms  max {max(latencies) * 1000:.3f} ms  "
        f"({len(latencies)} answers, target p99 < 1 ms)"
    )
    # each question's fastest of its 20 answers: what the code costs, without the machine's noise
    print(
        f"answer (warm, each question's best): p50 {percentile(best, 0.50) * 1000:.3f} ms  "
        f"p99 {percentile(best, 0.99) * 1000:.3f} ms  max {max(best) * 1000:.3f} ms"
    )
    cold = []
    for question in questions:  # first sight of each question: caches empty
        fresh = Answerer(library)
        start = time.perf_counter()
        fresh.answer(question)
        cold.append(time.perf_counter() - start)
    print(
        f"answer (cold caches): p50 {percentile(cold, 0.5) * 1000:.3f} ms  "
        f"p99 {percentile(cold, 0.99) * 1000:.3f} ms"
    )

    command = [sys.executable, "-m", "ogbot", "ask", "--json", "Was ist Open Government?"]
    starts = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        starts.append(time.perf_counter() - start)
    bare = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
    print(
        f"cold start `ogbot ask`: median {statistics.median(starts) * 1000:.0f} ms "
        f"(bare python: {statistics.median(bare) * 1000:.0f} ms, 7 runs each)"
    )


if __name__ == "__main__":
    main()
