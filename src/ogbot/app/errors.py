"""The failures a command reports to the person who ran it (the CLI maps them to exit codes)."""

from __future__ import annotations

from ogbot.knowledge.content import ContentError
from ogbot.publish import TelegramRefused
from ogbot.store import StoreError

__all__ = ["ContentError", "RunError", "StoreError", "TelegramRefused", "UsageError"]


class UsageError(Exception):
    """Bad usage of a command (exit 2); the message says what is wrong."""


class RunError(Exception):
    """``ogbot run`` cannot start (the lock is held, the port is taken): exit 1."""
