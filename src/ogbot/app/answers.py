"""The answer engine as every command gets it (kept apart from the composition root's heavier
imports, so ``ogbot ask`` starts fast)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ogbot.config import Settings

if TYPE_CHECKING:
    from ogbot.knowledge.answer import Answerer

__all__ = ["CACHE_DIR", "load_answerer"]

CACHE_DIR = "cache"  # in the data directory: the answer engine's index, rebuilt when stale


def load_answerer(settings: Settings) -> Answerer:
    """The answer engine, its index read from the data directory's cache when still fresh."""
    from ogbot.knowledge.answer import Answerer, AnswerSettings

    return Answerer.load(
        AnswerSettings.from_settings(settings), cache=settings.data_dir / CACHE_DIR
    )
