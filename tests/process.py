"""The bot as ``ogbot run`` wires it, against the fake Bot API: one Bot for the handlers and the
outbox (so one send budget), the real store, answer engine and publisher, real time.

Used by tests/test_budget.py and bench/fanout.py::

    async with running(tmp_path, telegram) as bot:
        telegram.push_message(1001, "/subscribe")
        await bot.settle()
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ogbot.app.coordination import Coordination
from ogbot.app.house import publishing
from ogbot.app.people import People
from ogbot.bot.conversation import set_commands
from ogbot.bot.services import BotServices
from ogbot.bot.wiring import build_application
from ogbot.config import Settings, build_settings
from ogbot.knowledge.answer import Answerer
from ogbot.publish.budget import SendBudget
from ogbot.publish.publisher import Publisher
from ogbot.store import AsyncStore
from tests.fakes.telegram import CHANNEL, TOKEN, FakeTelegram

SETTLE_TIMEOUT = 120.0  # a bound for a broken run, never an expectation


@dataclass
class Running:
    telegram: FakeTelegram
    settings: Settings
    store: AsyncStore
    publisher: Publisher
    application: Any

    @property
    def budget(self) -> SendBudget:
        limiter = self.application.bot.rate_limiter
        assert isinstance(limiter, SendBudget)
        return limiter

    async def settle(self) -> None:
        """Every pushed update fetched and fully handled."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        while self.telegram.pending_updates:
            assert loop.time() < deadline, "the bot did not fetch the updates"
            await asyncio.sleep(0.01)
        await asyncio.wait_for(self.application.update_queue.join(), SETTLE_TIMEOUT)
        # the last handlers may still be replying: PTB counts an update done when taken
        while not self.budget.idle:
            assert loop.time() < deadline, "the replies did not go out"
            await asyncio.sleep(0.01)


def settings_for(data: Path, telegram: FakeTelegram) -> Settings:
    document = {
        "telegram": {"token": TOKEN, "api_url": telegram.api_url, "channel": CHANNEL},
        "publish": {"site_url": "https://feeds.example.org", "quiet_hours": ""},
    }
    return build_settings(document, {"OGBOT_DATA_DIR": str(data)}, data)


@contextlib.asynccontextmanager
async def running(
    data: Path, telegram: FakeTelegram, answerer: Answerer | None = None
) -> AsyncIterator[Running]:
    settings = settings_for(data, telegram)
    store = AsyncStore.open(settings.data_dir)
    answerer = answerer or Answerer.load()
    try:
        async with publishing(settings, store) as publisher:
            services = BotServices(
                settings,
                answerer,
                People(store, answerer, tz=settings.publish.tz),
                Coordination(store, publisher),
                publisher.clock,
            )
            assert publisher.outbox.sender is not None
            application = build_application(services, publisher.outbox.sender.bot)
            await application.initialize()
            await set_commands(application.bot)
            await application.updater.start_polling(poll_interval=0, timeout=1)
            await application.start()
            try:
                yield Running(telegram, settings, store, publisher, application)
            finally:
                await application.updater.stop()
                await application.stop()
                await application.shutdown()
    finally:
        store.close()
