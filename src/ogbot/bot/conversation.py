"""Handlers for everyone (filled in by the conversation work)."""

from __future__ import annotations

from telegram.ext import Application

from ogbot.bot.services import BotServices


def register(application: Application, services: BotServices) -> None:  # type: ignore[type-arg]
    """Add the handlers for everyone to ``application``."""
