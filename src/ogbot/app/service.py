"""``ogbot run``: one asyncio process, written out in the order it starts and stops.

1. the data directory's lock (one process drains the outbox and runs the cycle);
2. the store, the answer index, the HTTP client for the sources, the publisher and its outbox;
3. the web server (feeds, page, health; /metrics with ``web.metrics``, and the webhook's path in
   webhook mode);
4. ogbot's own APScheduler ``AsyncIOScheduler`` (so it runs with or without Telegram): the watch
   cycle (:func:`ogbot.app.cycle.run_cycle`) every ``fetch.interval`` minutes (first at start,
   jittered, never two at once), scheduled announcements every minute (missed ones: at start),
   consultation reminders daily at 9:00 local and at start, housekeeping daily, the weekly
   round-up at ``publish.weekly`` (and at start, for a slot passed meanwhile); beside it the
   outbox task, which drains every 30 seconds and at once when woken (something was queued);
5. the python-telegram-bot Application, started by hand (``initialize``, then long polling, or
   with ``telegram.webhook_url`` the webhook registered with its secret: ``telegram.webhook_secret``
   or one made once and kept in the data directory), when a token is set; otherwise the log says
   Telegram is off;
6. signal handlers for SIGTERM and SIGINT: no job and no send starts any more (the scheduler
   is paused, the outbox told to stop); running jobs get ``STOP_GRACE`` seconds to finish, the
   outbox's send in flight ``SEND_GRACE`` (longer than a send can take, so its outcome is
   recorded and a restart never repeats it); only what is still running then is cancelled (a
   post cut off mid-send follows the outbox's documented rule: sent once more at the next
   start, never a third time); then polling, the web server, the store and the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import random
import secrets
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from ogbot import logs, metrics
from ogbot.app.answers import load_answerer
from ogbot.app.coordination import Coordination
from ogbot.app.cycle import run_cycle
from ogbot.app.errors import RunError
from ogbot.app.house import build_publisher, extract_pool, sent_lately, sources_client
from ogbot.app.people import People
from ogbot.bot import notices
from ogbot.bot.services import BotServices
from ogbot.config import Invalid, Settings
from ogbot.config.values import webhook_secret
from ogbot.lock import DataLock
from ogbot.models import Clock, Retention, ServiceHealth, SourceState, TelegramState, utc_now
from ogbot.publish import TelegramRefused
from ogbot.publish.budget import SendBudget
from ogbot.publish.outbox import CHANNEL
from ogbot.publish.roundup import weekly_roundup
from ogbot.publish.sender import SEND_DEADLINE, Sender, make_bot
from ogbot.store import AsyncStore, Store, StoreError
from ogbot.web import Webhook, start_web

log = logs.get_logger(__name__)

OUTBOX_EVERY = timedelta(seconds=30)
OUTBOX_FIRST = 1.0  # seconds after start: the first drain (sends what waited while ogbot was down)
DRAIN_SLICE = timedelta(seconds=25)  # one outbox run sends for at most this long
STOP_GRACE = 3.0  # seconds running jobs (a cycle, a notice) get to finish on SIGTERM
# seconds the outbox gets on SIGTERM to finish a send in flight: longer than a send can take,
# so a stop never cuts one off (deploy/: TimeoutStopSec and stop_grace_period leave room for it)
SEND_GRACE = SEND_DEADLINE + 5.0
TELEGRAM_RETRY = 30.0  # seconds between attempts to reach Telegram at start
FAILING_FOR = timedelta(days=1)  # a source failing this long is reported to the coordinators
# in the data directory, when no secret is configured
WEBHOOK_SECRET_FILE = "telegram-webhook-secret"  # noqa: S105 (a file name)


class Service:
    def __init__(self, settings: Settings, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.application: Any = None  # the PTB Application when Telegram is on
        self._untold: dict[str, str] = {}  # problem -> notice, from before Telegram was online
        self._wake = asyncio.Event()  # something was queued: the outbox drains now
        self._outbox_task: asyncio.Task[None] | None = None
        # what /healthz hears of the service (see ServiceHealth)
        self._telegram: TelegramState = "starting" if settings.telegram.enabled else "off"
        self._refused: str | None = None
        self._failed_jobs: dict[str, str] = {}
        self._outbox_moved: datetime | None = None
        self._last_run: dict[str, datetime] = {}  # job -> when it last started (for /metrics)
        self._webhook_secret = ""

    def health(self) -> ServiceHealth:
        """What only the running service knows, for /healthz."""
        return ServiceHealth(
            self._telegram, self._refused, tuple(self._failed_jobs.items()), self._outbox_moved
        )

    def _job_done(self, name: str, error: BaseException | None = None) -> None:
        """A job failing on the database is reported by /healthz until it succeeds again."""
        if isinstance(error, StoreError):
            self._failed_jobs[name] = str(error)
        elif error is None:
            self._failed_jobs.pop(name, None)

    async def run(self) -> None:
        settings = self.settings
        lock = DataLock(settings.data_dir)
        if not lock.acquire():
            raise RunError(f"another ogbot process holds {lock.path}")
        store = AsyncStore.open(settings.data_dir, start_afresh=settings.start_afresh)
        try:
            await self._run(store)
        finally:
            store.close()
            lock.release()
            log.info("stopped")

    async def _run(self, store: AsyncStore) -> None:
        # first of all: a stop while ogbot starts (building the answer index, starting Telegram;
        # an upgrade restarts the service) must end as cleanly as any other, not kill it mid-way
        self._install_signals()
        settings = self.settings
        self.store = store
        self.answerer = load_answerer(settings)
        # the one Bot of the process: the outbox and the handlers share it and its send budget
        self.bot = bot = None
        if settings.telegram.enabled:
            history = await sent_lately(store, self.clock)
            budget = SendBudget(clock=self.clock, history=history)
            self.bot = bot = make_bot(settings.telegram, budget=budget)
        self.publisher = build_publisher(
            settings, store, Sender(bot) if bot else None, clock=self.clock, offline="Telegram off"
        )
        self.outbox = self.publisher.outbox
        self.services = BotServices(
            settings,
            self.answerer,
            People(store, self.answerer, clock=self.clock, tz=settings.publish.tz),
            Coordination(store, self.publisher, clock=self.clock, wake_outbox=self.wake_outbox),
            self.clock,
        )
        await self.outbox.recover()
        from ogbot.web import WebError

        metrics.sources_known(source.name for source in settings.sources)
        webhook = None
        if bot is not None and settings.telegram.webhook_url:
            self._webhook_secret = kept_webhook_secret(settings)
            path = urlsplit(settings.telegram.webhook_url).path or "/"
            webhook = Webhook(path, self._webhook_secret, self._webhook_update)
        try:
            web = await start_web(
                settings,
                store,
                clock=self.clock,
                service=self.health,
                metrics=self.scrape if settings.web.metrics else None,
                webhook=webhook,
            )
        except WebError as exc:
            raise RunError(str(exc)) from exc
        async with extract_pool() as self.pool, sources_client(settings) as self.client:
            self.scheduler = self._schedule()
            self.scheduler.start()
            self._outbox_task = asyncio.create_task(self._outbox_loop(), name="outbox")
            self._track(self._outbox_task)
            try:
                if bot is None:
                    log.info("telegram_off", reason="no token: watching, feeds and web only")
                else:
                    await self._start_telegram()
                log.info("running", web=web.url, sources=len(settings.sources))
                await self.stopping.wait()
            finally:
                await self._stop_jobs()
                await self._stop_telegram()
                await web.stop()
                if bot is not None:
                    with contextlib.suppress(Exception):
                        await bot.shutdown()

    # -- jobs --------------------------------------------------------------------------------

    def _schedule(self) -> AsyncIOScheduler:
        settings = self.settings
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            # a busy loop must not silently skip runs (APScheduler's default grace is 1 s)
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = datetime.now(UTC)
        interval = timedelta(minutes=settings.fetch.interval)
        jitter = min(60.0, interval.total_seconds() / 10)
        scheduler.add_job(
            self._job(self.watch),
            IntervalTrigger(seconds=interval.total_seconds(), jitter=jitter, timezone=UTC),
            id="watch",
            next_run_time=now + timedelta(seconds=random.uniform(0.5, 2)),  # noqa: S311
        )
        scheduler.add_job(
            self._job(self.announcements),
            IntervalTrigger(minutes=1, timezone=UTC),
            id="announcements",
            next_run_time=now,
        )
        scheduler.add_job(
            self._job(self.reminders),
            CronTrigger(hour=9, timezone=settings.publish.tz),
            id="reminders",
        )
        scheduler.add_job(self._job(self.reminders), id="reminders-at-start", next_run_time=now)
        scheduler.add_job(
            self._job(self.housekeep),
            CronTrigger(hour=4, timezone=settings.publish.tz),
            id="housekeeping",
            next_run_time=now + timedelta(seconds=5),
        )
        weekly = settings.publish.weekly_slot
        if weekly is not None:  # the round-up at its slot, and at start (a slot passed meanwhile)
            day, hour, minute = weekly
            tz = settings.publish.tz
            scheduler.add_job(
                self._job(self.weekly),
                CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=tz),
                id="weekly",
                next_run_time=now + timedelta(seconds=10),
            )
        return scheduler

    def _job(self, work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """A job that is tracked (so a stop can wait for it) and never dies silently."""

        async def job() -> None:
            if self.stopping.is_set():
                return
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
            self._last_run[work.__name__] = self.clock()
            try:
                await work()
                self._job_done(work.__name__)
            except asyncio.CancelledError:
                # cancelled by a stop after its grace: end quietly (APScheduler would log a
                # cancelled job as a crash with its traceback)
                log.info("job_cancelled", job=work.__name__)
            except Exception as exc:
                self._job_done(work.__name__, exc)
                log.exception("job_failed", job=work.__name__)
            finally:
                if task is not None:
                    self._tasks.discard(task)

        job.__name__ = work.__name__
        return job

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def wake_outbox(self) -> None:
        """Drain now (something was queued); a drain already running reads the outbox again
        before every send, and drains once more after it ends."""
        self._wake.set()

    async def _outbox_loop(self) -> None:
        """Drain the outbox every 30 seconds and whenever woken, until ogbot stops."""
        await asyncio.sleep(OUTBOX_FIRST)
        while not self.stopping.is_set():
            self._wake.clear()
            self._last_run["drain"] = self.clock()
            try:
                await self.drain()
                self._job_done("drain")
            except asyncio.CancelledError:
                log.info("job_cancelled", job="drain")
                raise
            except Exception as exc:
                self._job_done("drain", exc)
                log.exception("job_failed", job="drain")
            if self.stopping.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), OUTBOX_EVERY.total_seconds())

    async def watch(self) -> None:
        report = await run_cycle(
            self.settings,
            self.client,
            self.store,
            self.clock,
            force=False,
            publisher=self.publisher,
            wake=self.wake_outbox,
            pool=self.pool,
        )
        for source in report.sources:
            if source.error:
                metrics.fetched(source.name, "failed")
            elif not source.skipped:
                metrics.fetched(source.name, "not_modified" if source.not_modified else "ok")
        await self._report_failing_sources()

    async def drain(self) -> None:
        report = await self.outbox.drain(self.clock() + DRAIN_SLICE)
        if report.sent or report.private or report.edited or report.failed or report.unknown:
            log.info(
                "outbox_drained",
                sent=report.sent,
                private=report.private,
                edited=report.edited,
                failed=report.failed,
                unknown=report.unknown,
                left=report.left,
            )
        moved = report.sent + report.private + report.edited + report.failed + report.unknown
        if moved + report.expired or not await self._work_due():
            self._outbox_moved = self.clock()  # a post left the outbox, or none is due
        if report.sent or report.edited:
            self._refused = None  # the channel takes posts again
        if self.outbox.refused:
            self._refused = self.outbox.refused
            await self._tell("channel-refuses", notices.channel_refuses(self.outbox.refused))

    async def _work_due(self) -> bool:
        """Whether a post or an edit may go now: the outbox's own indexed queries."""
        now = self.clock()
        if await self.store.call(Store.has_work, CHANNEL, now):
            return True
        return bool(await self.store.call(Store.next_private_chats, now, 1))

    async def announcements(self) -> None:
        published, missed = await self.publisher.publish_due()
        if published:
            self.wake_outbox()
        tz = self.settings.publish.tz
        for announcement in missed:
            await self._tell(
                f"missed-{announcement.id}", notices.announcement_missed(announcement, tz)
            )

    async def reminders(self) -> None:
        today = self.clock().astimezone(self.settings.publish.tz).date()
        if await self.outbox.enqueue_reminders(today):
            self.wake_outbox()

    async def weekly(self) -> None:
        if await weekly_roundup(self.publisher) is not None:
            self.wake_outbox()

    async def housekeep(self) -> None:
        """Once a day: delete what is stored about people once it is no longer needed."""
        gone = await self.store.call(Store.housekeep, self.clock(), Retention())
        if gone.total:
            log.info("housekept", **dataclasses.asdict(gone))

    async def _report_failing_sources(self) -> None:
        now = self.clock()
        for state in await self.store.call(Store.sources):
            if state.failing_since is not None and now - state.failing_since >= FAILING_FOR:
                await self._tell(f"source-{state.name}", notices.source_failing(state))

    async def _tell(self, problem: str, text: str) -> None:
        """Tell the coordinators privately, at most once a day per problem. A notice from
        before Telegram is online (a missed announcement is found at start) waits for it."""
        if not self.settings.telegram.enabled or not self.settings.telegram.coordinators:
            return
        if self.application is None:
            self._untold[problem] = text
            return
        from ogbot.bot.coordinator import tell_coordinators
        from ogbot.publish.html import escape

        await tell_coordinators(self.application.bot, self.services, problem, escape(text))

    async def scrape(self, accept: str = "") -> tuple[bytes, str]:
        """GET /metrics: what the store knows (one visit to its thread), what the service knows,
        and the counters (:mod:`ogbot.metrics`), as the scraper accepts them."""
        sources, waiting = await self.store.call(_metric_figures)
        figures = metrics.Figures(
            now=self.clock(),
            sources=tuple(sources),
            waiting=tuple(
                metrics.Waiting(destination, *waiting.get(destination, (0, None)))
                for destination in sorted({"channel", "private", *waiting})
            ),
            jobs=tuple(sorted(self._last_run.items())),
            telegram=self._telegram,
        )
        return metrics.render(figures, accept)

    # -- Telegram ----------------------------------------------------------------------------

    async def _start_telegram(self) -> None:
        """Start the bot; a refused token stops ogbot (exit 1), an unreachable Telegram is
        tried again in the background while watching and the web go on."""
        from telegram.error import InvalidToken, TelegramError

        from ogbot.bot.wiring import build_application

        application = build_application(self.services, self.bot)
        try:
            await application.initialize()
        except InvalidToken:
            raise TelegramRefused("Telegram refused the token") from None
        except TelegramError as exc:
            log.warning("telegram_unreachable", reason=type(exc).__name__, retry=TELEGRAM_RETRY)
            self._track(asyncio.create_task(self._retry_telegram(application)))
            return
        await self._go_online(application)

    async def _retry_telegram(self, application: Any) -> None:
        from telegram.error import InvalidToken, TelegramError

        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), TELEGRAM_RETRY)
            if self.stopping.is_set():
                return
            try:
                await application.initialize()
            except InvalidToken:
                log.error("telegram_refused_token")
                self._refused = "Telegram refused the token"
                self.stopping.set()
                return
            except TelegramError as exc:
                log.warning("telegram_unreachable", reason=type(exc).__name__)
                continue
            await self._go_online(application)
            return

    async def _go_online(self, application: Any) -> None:
        from ogbot.bot.conversation import set_commands
        from ogbot.bot.wiring import start_receiving

        await set_commands(application.bot)
        telegram = self.settings.telegram
        await start_receiving(application, telegram.webhook_url, self._webhook_secret)
        self.application = application
        self._telegram, self._outbox_moved = "on", self.clock()
        log.info(
            "telegram_on",
            bot=application.bot.username,
            channel=telegram.channel or "none",
            updates="webhook" if telegram.webhook_url else "polling",
        )
        untold, self._untold = self._untold, {}
        for problem, text in untold.items():
            await self._tell(problem, text)

    async def _webhook_update(self, update: dict[str, Any]) -> bool:
        """An update Telegram posted to the webhook, for the bot; False while it is not online
        (the web server answers 503 and Telegram sends it again later)."""
        if self.application is None:
            return False
        from ogbot.bot.wiring import feed_update

        await feed_update(self.application, update)
        return True

    async def _stop_telegram(self) -> None:
        application, self.application = self.application, None
        if application is None:
            return
        with contextlib.suppress(Exception):
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()

    # -- stopping ----------------------------------------------------------------------------

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self._on_signal, number)

    def _on_signal(self, number: int) -> None:
        log.info("stopping", signal=signal.Signals(number).name)
        self._begin_stop()

    def _begin_stop(self) -> None:
        """From now on no job and no send starts; the outbox task stops waiting."""
        self.stopping.set()
        self._wake.set()
        if hasattr(self, "outbox"):
            self.outbox.stop()

    async def _stop_jobs(self) -> None:
        """Let what runs finish (jobs within STOP_GRACE, a send within SEND_GRACE), then cancel
        what is left. APScheduler's own shutdown cancels its running jobs at once, so it is
        paused first and shut down only afterwards."""
        self._begin_stop()
        self.scheduler.pause()
        running = {task for task in self._tasks if not task.done()}
        if running:
            _done, late = await asyncio.wait(running, timeout=STOP_GRACE)
            sending = {task for task in late if task is self._outbox_task}
            await self._cancel(late - sending)
            if sending:
                log.info("stop_waits_for_send", up_to=SEND_GRACE)
                _done, sending = await asyncio.wait(sending, timeout=SEND_GRACE - STOP_GRACE)
                await self._cancel(sending)
        self.scheduler.shutdown(wait=False)
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)

    @staticmethod
    async def _cancel(late: set[asyncio.Task[Any]]) -> None:
        """Cancel what is still running after its grace (logged as ``job_cancelled`` by each)."""
        if not late:
            return
        for task in late:
            task.cancel()
        await asyncio.wait(late, timeout=STOP_GRACE)
        log.warning("jobs_cancelled", jobs=len(late))


def _metric_figures(store: Store) -> tuple[list[SourceState], dict[str, tuple[int, datetime]]]:
    """In the store's thread: the sources with their items, and the outbox's waiting posts."""
    return store.sources(), store.waiting_posts()


def kept_webhook_secret(settings: Settings) -> str:
    """``telegram.webhook_secret``, else the one kept in the data directory: made once (readable
    by ogbot's user only), the same after every restart."""
    if settings.telegram.webhook_secret:
        return settings.telegram.webhook_secret
    path = settings.data_dir / WEBHOOK_SECRET_FILE
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            return str(webhook_secret(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, Invalid) as exc:
            raise RunError(f"{path}: {exc}; delete the file to have a new secret made") from None
    secret = secrets.token_urlsafe(32)  # 43 characters of A-Z, a-z, 0-9, _ and -
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
    log.info("webhook_secret_made", file=str(path))
    return secret


async def run(settings: Settings, *, clock: Clock = utc_now) -> None:
    await Service(settings, clock=clock).run()
