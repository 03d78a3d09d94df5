"""Composition root: settings -> the store, the HTTP client for the sources, the pool of workers
that extract large documents, the publisher with its outbox and Telegram sender. Every command
gets them here (``ogbot run`` adds the scheduler, the bot and the web server in
:mod:`ogbot.app.service`); nothing else builds clients."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import httpx

from ogbot import logs
from ogbot.app.pool import ExtractPool
from ogbot.config import Settings
from ogbot.models import Clock, utc_now
from ogbot.publish import TelegramRefused
from ogbot.publish.budget import SendBudget
from ogbot.publish.outbox import Outbox, Sleep
from ogbot.publish.pacing import HISTORY
from ogbot.publish.publisher import Publisher
from ogbot.publish.sender import Sender, SendError, classify_error, make_bot
from ogbot.store import AsyncStore, Store
from ogbot.watch.fetch import make_client

log = logs.get_logger(__name__)


def build_publisher(
    settings: Settings,
    store: AsyncStore,
    sender: Sender | None,
    *,
    clock: Clock = utc_now,
    sleep: Sleep = asyncio.sleep,
    offline: str | None = None,
) -> Publisher:
    """The publisher and its outbox, sending through ``sender`` (None: posts wait queued)."""
    outbox = Outbox(settings, store, sender, clock=clock, sleep=sleep, offline=offline)
    return Publisher(settings, store, outbox, clock=clock)


def sources_client(settings: Settings) -> httpx.AsyncClient:
    """The one HTTP client for fetching the sources (public addresses only, unless allowed)."""
    return make_client(settings.fetch.timeout, settings.fetch.allow_private)


async def sent_lately(store: AsyncStore, clock: Clock = utc_now) -> list[tuple[str, datetime]]:
    """The stored log of the sends within Telegram's longest window (a restart forgets none)."""
    return await store.call(Store.recent_sends, clock() - HISTORY)


@contextlib.asynccontextmanager
async def extract_pool() -> AsyncIterator[ExtractPool]:
    """The process's one pool of workers that extract large documents (one per core), shut
    down when the block ends; its workers start when the first large document comes."""
    pool = ExtractPool()
    try:
        yield pool
    finally:
        await asyncio.to_thread(pool.close)  # a document being extracted is let finish


@contextlib.asynccontextmanager
async def publishing(
    settings: Settings,
    store: AsyncStore,
    *,
    clock: Clock = utc_now,
    sleep: Sleep = asyncio.sleep,
    request_timeout: float = 20.0,
) -> AsyncIterator[Publisher]:
    """A publisher whose outbox sends through Telegram when a token is set (else feeds only)."""
    from telegram.error import TelegramError

    sender: Sender | None = None
    bot = None
    if settings.telegram.enabled:
        # the command's one send budget, on its clock, knowing the sends of the last minute
        budget = SendBudget(clock=clock, sleep=sleep, history=await sent_lately(store, clock))
        bot = make_bot(settings.telegram, timeout=request_timeout, budget=budget)
    offline: str | None = None
    if bot is not None:
        try:
            await bot.initialize()  # getMe: is the token accepted?
        except TelegramError as exc:
            error: SendError = classify_error(exc)
            if error.outcome == "fatal":
                raise TelegramRefused("Telegram refused the token") from None
            # unreachable now: watching and the feeds go on, posts stay queued
            offline = f"Telegram cannot be reached: {error.reason}"
            log.warning("telegram_unreachable", reason=error.reason)
        else:
            sender = Sender(bot)
            log.info("telegram_on", bot=bot.username, channel=settings.telegram.channel or "none")
    else:
        log.info("telegram_off", reason="no token")
    try:
        yield build_publisher(settings, store, sender, clock=clock, sleep=sleep, offline=offline)
    finally:
        if sender is not None:
            await sender.bot.shutdown()
