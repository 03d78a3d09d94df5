"""Fits the answer engine's ranking model (ranking.RANKER) on the content's own ways of asking.

Run by hand after the content or the features change: `.venv/bin/python bench/fit_ranker.py`.
Each of 5 folds leaves out every fifth way of asking of every entry, builds the index without
them and asks them; every candidate entry of every such question is one example (its features,
and whether it is the entry the question belongs to). A logistic regression with a little L2
weight decay is fitted by gradient descent. No evaluation set is used: the development and
held-out sets stay a measure of how this generalises. Prints the RANKER line to paste.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ogbot.knowledge.content import Library, load_library
from ogbot.knowledge.index import Index
from ogbot.knowledge.ranking import model_inputs

FOLDS = 5
TOP = 10  # the candidates a question's ranking is decided among


def examples() -> list[tuple[list[float], int]]:
    library = load_library()
    rows: list[tuple[list[float], int]] = []
    for fold in range(FOLDS):
        kept, asked = {}, []
        for key, entry in library.entries.items():
            questions = [q for i, q in enumerate(entry.questions) if i % FOLDS != fold]
            asked += [(entry.id, q) for i, q in enumerate(entry.questions) if i % FOLDS == fold]
            kept[key] = replace(entry, questions=tuple(questions))
        index = Index(Library(kept).entries.values())
        for topic, question in asked:
            matches = index.search(question)
            top = matches[:TOP]
            for match, values in zip(top, model_inputs(top), strict=True):
                rows.append((values, int(match.topic == topic)))
    return rows


def fit(rows: list[tuple[list[float], int]], decay: float = 1e-2, steps: int = 12) -> list[float]:
    """Logistic regression by Newton's method (a 7x7 system per step), with L2 on the weights."""
    width = len(rows[0][0]) + 1
    weights = [0.0] * width
    for _ in range(steps):
        gradient = [0.0] * width
        hessian = [[0.0] * width for _ in range(width)]
        for values, label in rows:
            x = [1.0, *values]
            z = sum(w * v for w, v in zip(weights, x, strict=True))
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            for i in range(width):
                gradient[i] += (p - label) * x[i]
                for j in range(i, width):
                    hessian[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(width):
            for j in range(i):
                hessian[i][j] = hessian[j][i]
            if i:
                gradient[i] += decay * weights[i]
                hessian[i][i] += decay
        step = solve(hessian, gradient)
        weights = [w - d for w, d in zip(weights, step, strict=True)]
    return weights


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting."""
    n = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            for c in range(col, n + 1):
                rows[r][c] -= factor * rows[col][c]
    result = [0.0] * n
    for r in range(n - 1, -1, -1):
        total = rows[r][n] - sum(rows[r][c] * result[c] for c in range(r + 1, n))
        result[r] = total / rows[r][r]
    return result


def main() -> None:
    rows = examples()
    random.Random(0).shuffle(rows)
    positives = sum(label for _, label in rows)
    print(f"{len(rows)} examples, {positives} right entries")
    weights = fit(rows)
    print("RANKER = (" + ", ".join(f"{w:.2f}" for w in weights) + ")")


if __name__ == "__main__":
    main()
