"""What the bot's handlers may use: the domain, never clients of their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ogbot.config import Settings
from ogbot.knowledge.answer import Answerer
from ogbot.publish.publisher import Publisher
from ogbot.store import AsyncStore


@dataclass(frozen=True)
class BotServices:
    settings: Settings
    store: AsyncStore
    answerer: Answerer
    publisher: Publisher  # announcements; its outbox queues private posts too
    clock: Callable[[], datetime]
    wake_outbox: Callable[[], None]  # ask the running process to drain the outbox now
