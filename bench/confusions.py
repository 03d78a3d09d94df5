"""Which ways of asking an entry does the engine give to another entry? (held out, 5 folds)

Run by hand: `.venv/bin/python bench/confusions.py [ID ...]`. Each fold leaves out every fifth
way of asking of every entry, builds the index without them and asks them: what comes back shows
where entries overlap, and which variants only work because they are written down. It uses no
evaluation set, so content writers may use it freely.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ogbot.knowledge.answer import Answerer
from ogbot.knowledge.content import Library, load_library

FOLDS = 5


def main() -> None:
    wanted = set(sys.argv[1:])
    library = load_library()
    results: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for fold in range(FOLDS):
        kept = {}
        asked = []
        for key, entry in library.entries.items():
            questions = [q for i, q in enumerate(entry.questions) if i % FOLDS != fold]
            asked += [
                (entry.id, entry.lang, q)
                for i, q in enumerate(entry.questions)
                if i % FOLDS == fold
            ]
            kept[key] = replace(entry, questions=tuple(questions))
        answerer = Answerer(Library(kept))
        for topic, lang, question in asked:
            if wanted and topic not in wanted:
                continue
            answer = answerer.answer(question, lang)
            got = answer.matched if answer.lang == lang else f"{answer.matched}/{answer.lang}"
            results[topic].append((lang, question, got))
    total = sum(len(v) for v in results.values())
    right = sum(got == topic for topic, v in results.items() for _, _, got in v)
    print(
        f"{right}/{total} held-out ways of asking answered by their own entry ({right / total:.1%})"
    )
    confused: Counter[tuple[str, str | None]] = Counter()
    for topic in sorted(results):
        misses = [(lang, q, got) for lang, q, got in results[topic] if got != topic]
        if not misses:
            continue
        print(f"\n{topic}: {len(results[topic]) - len(misses)}/{len(results[topic])}")
        for lang, question, got in misses:
            confused[(topic, got)] += 1
            print(f"   [{lang}] {question!r} -> {got}")
    print("\nmost confused pairs:")
    for (topic, got), n in confused.most_common(25):
        print(f"   {n} x {topic} -> {got}")


if __name__ == "__main__":
    main()
