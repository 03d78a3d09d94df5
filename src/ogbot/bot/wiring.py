"""The python-telegram-bot Application: built here, started by hand by ``ogbot run``.

Not ``run_polling`` (it blocks, installs signal handlers and closes the loop): the caller runs
``initialize``, then :func:`start_receiving`, and the reverse on shutdown. PTB's JobQueue is not
used: ogbot's own scheduler runs with or without Telegram.

Updates come by long polling (the default; PTB deletes a webhook left from webhook mode before
it polls) or, with ``telegram.webhook_url``, by webhook: registered with ``setWebhook`` and its
``secret_token``, received by ogbot's own web server, which hands each update to
:func:`feed_update` (PTB's Updater and its web server are not used). The webhook stays
registered across a restart, so Telegram keeps the updates of that time for ogbot.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from ogbot import logs
from ogbot.bot import conversation, coordinator, flood, review
from ogbot.bot.services import BotServices
from ogbot.publish import TelegramRefused
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


async def start_receiving(
    application: Application,  # type: ignore[type-arg]
    webhook_url: str = "",
    secret: str = "",
) -> None:
    """Start taking updates: long polling, or with ``webhook_url`` the webhook, registered with
    ``secret`` as its ``secret_token`` (Telegram refusing the URL: :class:`TelegramRefused`)."""
    if not webhook_url:
        assert application.updater is not None
        await application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=30
        )
        await application.start()
        return
    await application.start()
    try:
        await application.bot.set_webhook(
            webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
    except BadRequest as exc:
        await application.stop()
        raise TelegramRefused(f"Telegram refused the webhook: {exc.message}") from None
    log.info("webhook_set")


async def feed_update(application: Application, data: dict[str, Any]) -> None:  # type: ignore[type-arg]
    """An update as Telegram posted it to the webhook: into the Application's queue, handled
    as a polled one is."""
    try:
        update = Update.de_json(data, application.bot)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("webhook_update_unreadable", error=type(exc).__name__)
        return
    await application.update_queue.put(update)


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
