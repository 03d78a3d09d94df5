"""The ``ogbot`` command: parses arguments, loads settings, calls the app, maps errors to exits.

Exit codes: 0 done, 1 a runtime failure, 2 bad usage or bad configuration. Global options go
before or after the command. Heavy libraries are imported by the commands that need them, so
``ogbot ask`` starts fast.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TextIO

from ogbot import __version__, logs
from ogbot.config import ConfigError, Settings, effective_toml, load_settings
from ogbot.knowledge.content import ContentError
from ogbot.publish import TelegramRefused
from ogbot.store import DB_NAME, Store, StoreError

CACHE_DIR = "cache"  # in the data directory: the answer engine's index, rebuilt when stale

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace, Settings, TextIO], int]


class UsageError(Exception):
    """Bad usage of a command (exit 2); the message says what is wrong."""


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # On subcommands the defaults are suppressed, so an option given before the command is not
    # overwritten by the subcommand's default.
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--config", metavar="PATH", default=default, help="TOML configuration file")
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text" if top else argparse.SUPPRESS,
        help="one event per line as key=value (text) or JSON",
    )
    parser.add_argument(
        "--log-level",
        choices=logs.LEVELS,
        default="info" if top else argparse.SUPPRESS,
        help="the least important events to log",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ogbot",
        description="Telegram bot and news feed of the German Open Government network.",
    )
    parser.add_argument("--version", action="version", version=f"ogbot {__version__}")
    _global_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, top=False)
        return sub

    ask = command("ask", "answer a question from the explainer content")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.add_argument(
        "--lang",
        choices=("de", "en"),
        help="the asker's language, used when the question's own language is not clear",
    )
    ask.add_argument("question", nargs="+", metavar="QUESTION", help="the question, or - for stdin")

    command("run", "watch, publish, serve the web page and answer on Telegram, until stopped")
    command("check", "validate the configuration and print the effective values")
    command("poll", "run one watch cycle now, write the feeds, send queued posts")
    announce = command("announce", "publish an announcement to the feeds and the channel")
    announce.add_argument(
        "--at", metavar="TIME", help="schedule it: an ISO date-time in publish.timezone"
    )
    announce.add_argument("text", nargs="+", metavar="TEXT", help="the text, or - for stdin")
    sources = command("sources", "the sources and their state; `sources check NAME` tries one")
    sources.add_argument("action", nargs="?", choices=("check",), help="fetch one source now")
    sources.add_argument("name", nargs="?", help="the source to check")
    backup = command("backup", "an online copy of the database, safe while ogbot run runs")
    backup.add_argument(
        "--keep",
        type=_positive,
        metavar="N",
        help="when PATH is a directory: keep only the newest N backups in it",
    )
    backup.add_argument(
        "path", metavar="PATH", help="the copy's file, or a directory for a file named by time"
    )
    restore = command("restore", "put a backup in place of the database (ogbot must be stopped)")
    restore.add_argument("path", metavar="PATH", help="the backup file")
    return parser


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return number


# --- commands -------------------------------------------------------------------------------


def cmd_ask(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.knowledge.answer import Answerer, AnswerSettings, Pending

    answerer = Answerer.load(
        AnswerSettings.from_settings(settings), cache=settings.data_dir / CACHE_DIR
    )

    @functools.cache
    def stored_items() -> Store | None:
        """The database, for questions about consultations and news; never created here."""
        return Store.open(settings.data_dir) if (settings.data_dir / DB_NAME).exists() else None

    def reply(question: str) -> None:
        answer = answerer.prepare(question, args.lang)
        if isinstance(answer, Pending):  # open consultations, news: from the stored items
            answer = answerer.answer_live(answer, stored_items(), tz=settings.publish.tz)
        if args.json:
            out.write(json.dumps(answer.as_json(), ensure_ascii=False) + "\n")
        else:
            out.write(answer.plain() + "\n")
        out.flush()

    if args.question == ["-"]:
        first = True
        while line := sys.stdin.readline():
            if not line.strip():
                continue
            if not args.json and not first:
                out.write("\n")
            reply(line.strip())
            first = False
        return EXIT_OK
    question = " ".join(args.question).strip()
    if not question:
        raise UsageError("ask: the question is empty")
    reply(question)
    return EXIT_OK


def cmd_run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    import asyncio

    from ogbot.service import RunError, run

    try:
        asyncio.run(run(settings))
    except RunError as exc:
        print(f"ogbot: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def cmd_check(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    out.write(effective_toml(settings))
    return EXIT_OK


def _local(moment: datetime | None, settings: Settings) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(settings.publish.tz).strftime("%Y-%m-%d %H:%M")


def _channel_state(settings: Settings) -> str | None:
    """Why nothing goes to the channel now, or None when it does."""
    if not settings.telegram.channel:
        return "channel: off (telegram.channel is not set)"
    if not settings.telegram.enabled:
        # posts are queued for the configured channel all the same (publish.max_age still holds)
        return "channel: no Telegram token here: posts wait in the outbox for an ogbot with one"
    return None


def cmd_poll(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    import asyncio

    from ogbot.app.house import publishing
    from ogbot.lock import DataLock
    from ogbot.models import utc_now
    from ogbot.store import AsyncStore, Store
    from ogbot.watch.cycle import poll_once
    from ogbot.watch.fetch import make_client

    lock = DataLock(settings.data_dir)
    if not lock.acquire():
        out.write(
            f"another ogbot process (ogbot run) holds {lock.path}: it runs the cycle; "
            "nothing done here\n"
        )
        return EXIT_OK
    try:
        store = AsyncStore.open(settings.data_dir)

        async def cycle() -> None:
            async with (
                make_client(settings.fetch.timeout, settings.fetch.allow_private) as client,
                publishing(settings, store) as publisher,
            ):
                await publisher.outbox.recover()
                await store.call(Store.housekeep, utc_now())
                report = await poll_once(
                    settings, client, store, force=True, on_cycle=publisher.after_cycle
                )
                for source in report.sources:
                    out.write(source.line() + "\n")
                await publisher.publish_due()
                off = _channel_state(settings)
                if off:
                    out.write(off + "\n")
                    return
                out.flush()
                drained = await publisher.outbox.drain_for_wait()
                out.write(drained.line() + "\n")

        try:
            asyncio.run(cycle())
        finally:
            store.close()
    finally:
        lock.release()
    return EXIT_OK


def cmd_announce(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    import asyncio

    from ogbot.app.house import publishing
    from ogbot.lock import DataLock
    from ogbot.models import utc_now
    from ogbot.publish.post import announcement_fits
    from ogbot.store import AsyncStore

    text = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    text = text.strip()
    if not text:
        raise UsageError("announce: the text is empty")
    if not announcement_fits(text, settings.publish):
        raise UsageError("announce: the text is too long for one Telegram post; shorten it")
    at = _parse_at(args.at, settings) if args.at else None
    if at is not None and at <= utc_now():
        raise UsageError(f"announce: --at {args.at} is in the past")

    lock = DataLock(settings.data_dir)
    holder = lock.acquire()
    store = AsyncStore.open(settings.data_dir)

    async def announce() -> None:
        async with publishing(settings, store) as publisher:
            done = await publisher.announce(text, "shell", at)
            if done.scheduled is not None:
                when = _local(done.scheduled, settings)
                zone = settings.publish.timezone
                out.write(f"announcement {done.id} scheduled for {when} ({zone})\n")
                if not holder:
                    out.write("the running ogbot publishes it when its time comes\n")
                return
            out.write(f"announcement {done.id} published to the feeds\n")
            off = _channel_state(settings)
            if off:
                out.write(off + "\n")
                return
            if not holder:
                out.write(
                    "queued for the channel: the running ogbot (it holds the lock) sends it\n"
                )
                return
            await publisher.outbox.recover()
            drained = await publisher.outbox.drain_for_wait()
            out.write(drained.line() + "\n")

    try:
        asyncio.run(announce())
    finally:
        store.close()
        if holder:
            lock.release()
    return EXIT_OK


def _parse_at(text: str, settings: Settings) -> datetime:
    """An ISO date-time; without an offset it is local time in publish.timezone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"announce: --at {text!r} is not an ISO date-time such as 2026-12-01T09:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.publish.tz)
    return moment


def cmd_sources(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    if args.action == "check":
        return _check_source(args, settings, out)
    if args.name:
        raise UsageError("sources: use `ogbot sources check NAME` to try one source")
    from ogbot.store import Store

    store = Store.open(settings.data_dir)
    try:
        states = {state.name: state for state in store.sources()}
    finally:
        store.close()
    for source in settings.sources:
        state = states.get(source.name)
        out.write(f"{source.name} ({source.type}) {source.url}\n")
        if state is None or state.last_fetch is None:
            out.write("  never fetched\n")
            continue
        status = state.last_status or "?"
        if state.paused:
            status += ", paused"
        out.write(
            f"  last fetch {_local(state.last_fetch, settings)}: {status}; "
            f"last success {_local(state.last_success, settings)}; {state.items} items\n"
        )
        if state.failures:
            out.write(
                f"  failing {state.failures}x since {_local(state.failing_since, settings)}: "
                f"{state.last_error}; next try {_local(state.next_due, settings)}\n"
            )
    return EXIT_OK


def _check_source(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    import asyncio
    from datetime import UTC

    from ogbot.models import Validators
    from ogbot.watch.cycle import extract
    from ogbot.watch.fetch import FetchPolicy, fetch, make_client
    from ogbot.watch.model import NotModified, WatchError

    names = [source.name for source in settings.sources]
    if not args.name:
        raise UsageError(f"sources check NAME: which source? (known: {', '.join(names)})")
    source = next((s for s in settings.sources if s.name == args.name), None)
    if source is None:
        raise UsageError(
            f"sources check: no source named {args.name!r} (known: {', '.join(names)})"
        )
    policy = FetchPolicy.for_source(settings.fetch, source)

    async def check() -> int:
        async with make_client(settings.fetch.timeout, settings.fetch.allow_private) as client:
            result = await fetch(client, source.name, source.url, Validators(), policy)
        if isinstance(result, NotModified):  # pragma: no cover - no validators were sent
            out.write(f"{source.name}: not modified\n")
            return EXIT_OK
        now = datetime.now(UTC)
        extracted = await asyncio.to_thread(extract, source, result, settings.publish.tz, now)
        out.write(f"{source.name}: {len(extracted.items)} items from {result.url}\n")
        if extracted.problem:
            out.write(f"  (recoverable problem: {extracted.problem})\n")
        for item in extracted.items:
            when = _local(item.published, settings) if item.date_known else "no date"
            kind = "CONSULTATION" if item.kind == "consultation" else "news"
            out.write(f"\n- {item.title}\n  {item.link}\n  {when} · {kind}")
            if item.deadline:
                guessed = " (year guessed)" if item.deadline_guessed else ""
                out.write(f" · deadline {item.deadline.isoformat()}{guessed}")
            out.write("\n")
            if item.summary:
                out.write(f"  {item.summary[:160]}\n")
        return EXIT_OK

    try:
        return asyncio.run(check())
    except WatchError as exc:
        out.write(f"{exc}\n")
        return EXIT_FAILURE


def cmd_backup(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from pathlib import Path

    from ogbot.backup import backup
    from ogbot.models import utc_now

    target = Path(args.path)
    if args.path.endswith("/") and not target.exists():
        target.mkdir(mode=0o700, parents=True)
    try:
        report = backup(settings.data_dir, target, utc_now(), args.keep)
    except ValueError as exc:
        raise UsageError(f"backup: {exc}") from None
    out.write(f"backup written to {report.path}: {report.summary.line()}; integrity ok\n")
    if report.removed:
        out.write(f"removed {len(report.removed)} older backups (--keep {args.keep})\n")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from pathlib import Path

    from ogbot.backup import restore
    from ogbot.lock import DataLock

    lock = DataLock(settings.data_dir)
    if not lock.acquire():
        raise StoreError(
            f"another ogbot process (ogbot run) holds {lock.path}: stop it first "
            "(systemctl stop ogbot, or docker compose stop), then restore"
        )
    try:
        report = restore(settings.data_dir, Path(args.path))
    except ValueError as exc:
        raise UsageError(f"restore: {exc}") from None
    finally:
        lock.release()
    if report.previous is not None:
        out.write(f"the replaced database is kept in {report.previous}\n")
    out.write(
        f"restored {report.source}: {report.restored.line()}\n"
        "items that arrived after the backup go to the feeds again at the next fetch, "
        "not to the channel\n"
    )
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "ask": cmd_ask,
    "run": cmd_run,
    "check": cmd_check,
    "poll": cmd_poll,
    "announce": cmd_announce,
    "sources": cmd_sources,
    "backup": cmd_backup,
    "restore": cmd_restore,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(args.log_format, args.log_level)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print("ogbot: the configuration is not valid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    logs.configure(args.log_format, args.log_level, secrets=(settings.telegram.token,))
    try:
        return COMMANDS[args.command](args, settings, sys.stdout)
    except UsageError as exc:
        print(f"ogbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (StoreError, TelegramRefused) as exc:
        print(f"ogbot: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except ContentError as exc:
        print(f"ogbot: the explainer content is broken: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
