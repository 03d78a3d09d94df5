"""The python-telegram-bot Application: built here, started by hand by ``ogbot run``.

Not ``run_polling`` (it blocks, installs signal handlers and closes the loop): the caller runs
``initialize``, ``updater.start_polling``, ``start`` and the reverse on shutdown. PTB's JobQueue
is not used: ogbot's own scheduler runs with or without Telegram.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from ogbot import logs
from ogbot.bot import conversation, coordinator
from ogbot.bot.services import BotServices
from ogbot.publish.sender import make_bot

log = logs.get_logger(__name__)


def build_application(services: BotServices, bot: Bot | None = None) -> Application:  # type: ignore[type-arg]
    """The Application for ``services``; ``bot`` is the one Bot of the process (the outbox
    sends through it too), else one is made from ``telegram.*``."""
    application = (
        ApplicationBuilder()
        .bot(bot or make_bot(services.settings.telegram))
        .job_queue(None)
        .concurrent_updates(8)
        .build()
    )
    coordinator.register(application, services)
    conversation.register(application, services)
    application.add_error_handler(on_error)
    return application


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One place for every handler's error: logged with its type, never the user's text."""
    kind = type(context.error).__name__ if context.error else "unknown"
    where: dict[str, Any] = {}
    if isinstance(update, Update):
        where["update"] = update.update_id
        if update.effective_chat is not None:
            where["chat_type"] = update.effective_chat.type
    log.error("handler_failed", error=kind, **where, exc_info=context.error)
