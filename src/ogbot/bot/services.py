"""What the bot's handlers may use: the domain services, never a store or clients of their own.

The composition root builds them::

    BotServices(
        settings,
        answerer,
        People(store, answerer, clock=clock, tz=settings.publish.tz),
        Coordination(store, publisher, clock=clock, wake_outbox=wake_outbox),
        clock,
    )
"""

from __future__ import annotations

from dataclasses import dataclass

from ogbot.app.coordination import Coordination
from ogbot.app.people import People
from ogbot.config import Settings
from ogbot.knowledge.answer import Answerer
from ogbot.models import Clock


@dataclass(frozen=True)
class BotServices:
    settings: Settings
    answerer: Answerer  # an entry's answer (a "did you mean" button), the general resources
    people: People  # answers, stored items, subscriptions
    coordination: Coordination  # drafts, announcements, posts, sources, notices
    clock: Clock
