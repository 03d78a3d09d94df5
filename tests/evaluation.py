"""The answer engine's evaluation: question sets, the judge, and the figures.

Three sets in ``tests/data/eval/``, all written from personas by people who had not seen the
knowledge base's entries (only the catalogue of what each entry answers):

- ``dev.toml``: the development set. The engine's synonyms, weights, thresholds and its
  calibration are tuned on it.
- ``heldout.toml``: the held-out set. Nobody read its questions or tuned on them; its overall
  figure was looked at while the engine was developed, so it is a little less clean than:
- ``heldout2.toml``: the second held-out set, written after the first round of tuning and
  measured once, at the end of that session.

A case is right when the answer is in the asker's language and names an acceptable entry (or
the small-talk or live kind), or, for ``expect = []``, when the bot says it does not know
(``matched`` null; a "did you mean" offer without an answer counts as not knowing).
Used by tests/test_answers.py (floors) and bench/evaluate.py (the report).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ogbot.knowledge.answer import Answerer
from ogbot.models import Answer

EVAL_DIR = Path(__file__).parent / "data" / "eval"


def load_cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = tomllib.loads((EVAL_DIR / f"{name}.toml").read_text("utf-8"))[
        "case"
    ]
    return cases


@dataclass(frozen=True)
class Verdict:
    case: dict[str, Any]
    answer: Answer
    right: bool

    @property
    def off_topic(self) -> bool:
        return not self.case["expect"]

    def describe(self) -> str:
        case, answer = self.case, self.answer
        offered = f" offered {[c.id for c in answer.choices]}" if answer.choices else ""
        return (
            f"{case['q']!r} ({case['note']}): expected {case['expect'] or None}/{case['lang']}, "
            f"got {answer.matched}/{answer.lang} ({answer.confidence:.2f}){offered}"
        )


def judge(answerer: Answerer, case: dict[str, Any]) -> Verdict:
    answer = answerer.answer(case["q"], case.get("client"))
    expect = case["expect"]
    right = answer.matched in expect if expect else answer.matched is None
    return Verdict(case, answer, right and answer.lang == case["lang"])


@dataclass(frozen=True)
class Figures:
    total: int
    right: int
    in_domain: int
    in_domain_right: int
    off_topic: int
    off_topic_refused: int
    by_lang: dict[str, tuple[int, int]]
    wrong: list[Verdict]

    @property
    def accuracy(self) -> float:
        return self.right / self.total

    @property
    def refused_share(self) -> float:
        return self.off_topic_refused / self.off_topic

    @property
    def answered_share(self) -> float:
        return self.in_domain_right / self.in_domain


def figures(answerer: Answerer, cases: list[dict[str, Any]]) -> Figures:
    verdicts = [judge(answerer, case) for case in cases]
    by_lang: Counter[str] = Counter()
    right_by_lang: Counter[str] = Counter()
    for verdict in verdicts:
        by_lang[verdict.case["lang"]] += 1
        right_by_lang[verdict.case["lang"]] += verdict.right
    off = [v for v in verdicts if v.off_topic]
    on = [v for v in verdicts if not v.off_topic]
    return Figures(
        total=len(verdicts),
        right=sum(v.right for v in verdicts),
        in_domain=len(on),
        in_domain_right=sum(v.right for v in on),
        off_topic=len(off),
        off_topic_refused=sum(v.answer.matched is None for v in off),
        by_lang={lang: (right_by_lang[lang], n) for lang, n in sorted(by_lang.items())},
        wrong=[v for v in verdicts if not v.right],
    )
