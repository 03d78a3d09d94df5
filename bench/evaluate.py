"""The answer engine's evaluation on the development and the held-out set.

Run by hand: `.venv/bin/python bench/evaluate.py [--wrong dev|heldout] [--fit]`. Prints accuracy
overall, per language and per kind of question, off-topic refusals, precision and recall of the
threshold, and the calibration; `--wrong dev` lists the development set's mistakes (never look
at the held-out sets' mistakes to tune: that is what keeps them held out). `--fit` fits the
acceptance model (answer.ACCEPTANCE) on the development set.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.evaluation import figures, judge, load_cases

from ogbot.knowledge import answer as engine
from ogbot.knowledge.answer import Answerer


def report(name: str, answerer: Answerer) -> None:
    cases = load_cases(name)
    result = figures(answerer, cases)
    langs = ", ".join(f"{lang} {r / n:.1%} ({r}/{n})" for lang, (r, n) in result.by_lang.items())
    print(f"== {name}: {result.accuracy:.1%} right ({result.right}/{result.total}); {langs}")
    print(
        f"   in domain (entries, small talk, live) {result.answered_share:.1%} "
        f"({result.in_domain_right}/{result.in_domain}); off topic refused "
        f"{result.refused_share:.1%} ({result.off_topic_refused}/{result.off_topic})"
    )
    notes: Counter[str] = Counter()
    notes_right: Counter[str] = Counter()
    for case in cases:
        notes[case["note"]] += 1
    wrong_notes = Counter(v.case["note"] for v in result.wrong)
    for note, n in notes.items():
        notes_right[note] = n - wrong_notes[note]
    print("   by kind: " + ", ".join(f"{k} {notes_right[k]}/{n}" for k, n in sorted(notes.items())))
    # precision and recall of the threshold, over the questions an entry should answer
    entry_cases = [c for c in cases if not c["expect"] or ":" not in c["expect"][0]]
    verdicts = [judge(answerer, c) for c in entry_cases]
    answered = [v for v in verdicts if v.answer.matched]
    correct = [v for v in answered if v.answer.matched in v.case["expect"]]
    should = [v for v in verdicts if v.case["expect"]]
    precision = len(correct) / len(answered) if answered else 0
    recall = len(correct) / len(should) if should else 0
    print(
        f"   threshold {engine.ACCEPT}: precision {precision:.1%} ({len(correct)}/"
        f"{len(answered)} answers right), recall {recall:.1%} ({len(correct)}/{len(should)})"
    )
    # calibration: mean confidence against the share right, in bins
    bins: dict[int, list[bool]] = {}
    for v in answered:
        bins.setdefault(min(int(v.answer.confidence * 5), 4), []).append(
            v.answer.matched in v.case["expect"]
        )
    print(
        "   calibration (confidence bin: share right): "
        + ", ".join(
            f"{b / 5:.1f}-{(b + 1) / 5:.1f}: {sum(x) / len(x):.0%} of {len(x)}"
            for b, x in sorted(bins.items())
        )
    )


def fit(answerer: Answerer) -> None:
    """The acceptance model (answer.ACCEPTANCE): is the best entry right? Development set only."""
    from bench.fit_ranker import fit as logistic

    from ogbot.knowledge import live, smalltalk

    rows = []
    for case in load_cases("dev"):
        if case["expect"] and ":" in case["expect"][0]:
            continue
        if smalltalk.recognise(case["q"]) or live.intent(case["q"]):
            continue
        matches = answerer.index.search(smalltalk.strip(case["q"]) or case["q"])
        if matches:
            right = bool(case["expect"]) and matches[0].topic in case["expect"]
            rows.append((engine.acceptance_inputs(matches), int(right)))
    weights = logistic(rows, decay=0.05)
    print("ACCEPTANCE = (" + ", ".join(f"{w:.2f}" for w in weights) + f")  # {len(rows)} questions")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wrong", choices=["dev"], help="list the mistakes of this set")
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--only", choices=["dev", "heldout", "heldout2"])
    args = parser.parse_args()
    answerer = Answerer.load()
    if args.fit:
        fit(answerer)
        return
    for name in [args.only] if args.only else ["dev", "heldout", "heldout2"]:
        report(name, answerer)
    if args.wrong:
        result = figures(answerer, load_cases(args.wrong))
        for verdict in result.wrong:
            print("  ", verdict.describe())


if __name__ == "__main__":
    main()
