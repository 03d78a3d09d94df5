"""The python-telegram-bot Application: built here, started by hand by ``ogbot run``.

Not ``run_polling`` (it blocks, installs signal handlers and closes the loop): the caller runs
``initialize``, ``updater.start_polling``, ``start`` and the reverse on shutdown. PTB's JobQueue
is not used: ogbot's own scheduler runs with or without Telegram.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from ogbot import logs
from ogbot.bot import conversation, coordinator, flood, review
from ogbot.bot.services import BotServices
from ogbot.publish.sender import make_bot

log = logs.get_logger(__name__)


def build_application(services: BotServices, bot: Bot | None = None) -> Application:  # type: ignore[type-arg]
    """The Application for ``services``; ``bot`` is the one Bot of the process (the outbox
    sends through it too, so replies and posts share one send budget: replies first, see
    :mod:`ogbot.publish.budget`), else one is made from ``telegram.*`` with a budget of its
    own."""
    application = (
        ApplicationBuilder()
        .bot(bot or make_bot(services.settings.telegram))
        .job_queue(None)
        .concurrent_updates(8)
        .build()
    )
    # one flood gate for every reply: a stranger's refused /announce counts like any message
    gate = flood.FloodGate()
    coordinator.register(application, services, gate)
    review.register(application, services, gate)
    conversation.register(application, services, gate)
    application.add_error_handler(on_error)
    return application


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One place for every handler's error: logged with its type, never the user's text.

    What Telegram is expected to answer now and then is one warning line, no traceback: a flood
    limit (429, ``RetryAfter``: the send budget paces every reply and sends one refused with 429
    again after ``retry_after``, so this is a reply it gave up after a minute, logged there as
    ``reply_not_sent``) or a network failure (a timeout, a connection cut). Anything else is an
    error with its traceback.
    """
    error = context.error
    kind = type(error).__name__ if error else "unknown"
    where: dict[str, Any] = {}
    if isinstance(update, Update):
        where["update"] = update.update_id
        if update.effective_chat is not None:
            where["chat_type"] = update.effective_chat.type
    if isinstance(error, RetryAfter):
        log.warning("reply_flood_limited", retry_after=_seconds(error.retry_after), **where)
    elif isinstance(error, TimedOut) or type(error) is NetworkError:  # not BadRequest, a subclass
        log.warning("reply_failed", error=kind, reason=str(error), **where)
    else:
        log.error("handler_failed", error=kind, **where, exc_info=error)


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
