"""The ranking model: an entry's features -> how likely it is the one that answers the question.

:class:`~ogbot.knowledge.index.Index` measures each candidate entry (its features, see
:meth:`Index.search`); :func:`ranked` scores and orders them with a logistic model,
:data:`RANKER`. :func:`logistic` is the acceptance model's too (``answer.ACCEPTANCE``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

# bias, then weights of: best cosine, BM25, coverage, title coverage, the share of the entry's
# ways of asking with the question's question word, and each minus the best other entry's
RANKER = (-0.96, 0.15, -2.04, 2.21, 0.10, 1.24, 2.03, 13.66, -0.32, 1.37, 1.57)


@dataclass(frozen=True)
class Match:
    topic: str
    score: float
    evidence: float  # how many of the question's domain terms this entry matched
    unknown: float  # how much of the question no entry knows (UNKNOWN_NOUN, UNKNOWN_WORD each)
    features: tuple[float, ...] = ()  # what the score is made of (see Index.search)


def logistic(weights: Sequence[float], values: Sequence[float]) -> float:
    """A logistic model's probability: ``weights`` are the bias, then one per value."""
    if len(weights) != len(values) + 1:
        raise ValueError(f"{len(weights)} weights for {len(values)} values")
    z = weights[0] + sum(map(operator.mul, weights[1:], values))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def model_inputs(matches: list[Match]) -> list[list[float]]:
    """Each match's features, then each minus the best of the other matches'."""
    return _model_inputs([m.features for m in matches])


def _model_inputs(features: list[tuple[float, ...]]) -> list[list[float]]:
    """:func:`model_inputs` from the matches' features."""
    relative = []
    for column in zip(*features, strict=True):
        # the largest and the second largest value (0 at least): the best other's is the
        # second largest for the match with the largest, else the largest
        first, second = (*sorted(column, reverse=True)[:2], 0.0)[:2]
        first, second = max(0.0, first), max(0.0, second)
        relative.append([value - (second if value >= first else first) for value in column])
    return [
        [*values, *others]
        for values, others in zip(features, zip(*relative, strict=True), strict=True)
    ]


def ranked(scored: list[tuple[str, float, tuple[float, ...]]], unknown: float) -> list[Match]:
    """Matches with scores from their features (``scored``: topic, evidence, features): a
    logistic model of "this entry answers the question".

    Features per entry: the best cosine with one of its ways of asking, BM25 over its fields,
    the share of the question its text covers, the share its title covers (a bare keyword
    belongs to the entry named by it), the share of its ways of asking that use the question's
    question word ("wann", "how many"), and each of them minus the best other entry's
    (how far it stands out). :data:`RANKER` was fitted by ``bench/fit_ranker.py`` on the
    content's own ways of asking, each asked with itself left out of the index (5 folds): no
    evaluation question was used.
    """
    inputs = _model_inputs([features for _, _, features in scored])
    matches = [
        Match(topic, round(logistic(RANKER, values), 4), evidence, unknown, features)
        for (topic, evidence, features), values in zip(scored, inputs, strict=True)
    ]
    matches.sort(key=lambda m: (-m.score, m.topic))
    return matches
