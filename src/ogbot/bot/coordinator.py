"""Handlers for the coordinators (filled in by the coordinator work)."""

from __future__ import annotations

from telegram.ext import Application

from ogbot.bot.services import BotServices


def register(application: Application, services: BotServices) -> None:  # type: ignore[type-arg]
    """Add the coordinator's handlers to ``application``."""
