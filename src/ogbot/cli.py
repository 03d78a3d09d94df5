"""The ``ogbot`` command: parses arguments, loads settings, calls the app, maps errors to exits.

Exit codes: 0 done, 1 a runtime failure, 2 bad usage or bad configuration. Global options go
before or after the command. Heavy libraries are imported by the commands that need them, so
``ogbot ask`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from ogbot import __version__, logs
from ogbot.app.errors import ContentError, RunError, StoreError, TelegramRefused, UsageError
from ogbot.config import (
    ENV_START_AFRESH,
    START_AFRESH_OPTION,
    ConfigError,
    Settings,
    effective_toml,
    load_settings,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace, Settings, TextIO], int]


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
    parser.add_argument(
        START_AFRESH_OPTION,
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="begin an empty database although the data directory shows it was in use (its "
        f"database missing or empty, backups or feeds there); also {ENV_START_AFRESH}=1. "
        "Without it ogbot refuses and names the backup to restore",
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
        "--at",
        metavar="TIME",
        help="schedule it: an ISO date-time or a time such as 'morgen 9:00', in publish.timezone",
    )
    announce.add_argument(
        "--photo",
        metavar="FILE",
        help="a JPEG or PNG: the channel gets the photo with the text as its caption "
        "(at most 1,024 characters); kept in the data directory's public/media/ for the feeds",
    )
    announce.add_argument("text", nargs="+", metavar="TEXT", help="the text, or - for stdin")
    command("announcements", "the latest announcements with their state")
    sources = command(
        "sources",
        "the sources and their state; `sources check NAME` tries one, `sources import FILE.opml`"
        " prints [[sources]] TOML, `sources find URL` finds a site's feeds or select rules",
    )
    sources.add_argument(
        "action",
        nargs="?",
        choices=("check", "import", "find"),
        help="check: fetch one source now; import: an OPML file as TOML to paste; find: the "
        "feeds of a site, or select rules for its listing",
    )
    sources.add_argument("name", nargs="?", help="the source to check, the OPML file, the URL")
    sources.add_argument(
        "--opml", action="store_true", help="print the configured sources as OPML 2.0"
    )
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
    demo = command(
        "demo", "run ogbot offline on bundled sample feeds (no Telegram), to see the page and feeds"
    )
    demo.add_argument(
        "--data",
        metavar="DIR",
        help="keep the demo's data here (default: a temporary directory, deleted at the end)",
    )
    demo.add_argument(
        "--port",
        type=_port,
        metavar="N",
        help="the page's port on 127.0.0.1 (default: 8080 when it is free; 0: any free port)",
    )
    review = command(
        "review", "items waiting for a coordinator's review; `review post|skip ID` decides"
    )
    review.add_argument("action", nargs="?", choices=("post", "skip"), help="decide one item")
    review.add_argument("id", nargs="?", type=_positive, help="the item's id (see `ogbot review`)")
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


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text!r}")
    return int(text)


# --- commands: each calls the application and prints -------------------------------------


def _say(out: TextIO) -> Callable[[str], None]:
    def say(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    return say


def cmd_ask(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.commands import Asker

    asker = Asker(settings)

    def reply(question: str) -> None:
        answer = asker.answer(question, args.lang)
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
    from ogbot.app.commands import run

    try:
        run(settings)
    except RunError as exc:
        print(f"ogbot: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def cmd_check(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    out.write(effective_toml(settings))
    return EXIT_OK


def cmd_poll(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.commands import poll

    poll(settings, _say(out))
    return EXIT_OK


def cmd_announce(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.commands import announce

    text = sys.stdin.read() if args.text == ["-"] else " ".join(args.text)
    announce(settings, text, args.at, _say(out), args.photo)
    return EXIT_OK


def cmd_announcements(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.commands import announcements

    for line in announcements(settings):
        out.write(line + "\n")
    return EXIT_OK


def cmd_sources(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.commands import check_source, sources
    from ogbot.app.sources_tools import find_sources, import_file, sources_opml

    if args.opml:
        if args.action or args.name:
            raise UsageError("sources: --opml takes no command; use `ogbot sources --opml`")
        out.write(sources_opml(settings).decode())
        out.flush()
        return EXIT_OK
    if args.action == "check":
        return EXIT_OK if check_source(settings, args.name, _say(out)) else EXIT_FAILURE
    if args.action in ("import", "find") and not args.name:
        what = "FILE.opml" if args.action == "import" else "URL"
        raise UsageError(f"sources {args.action} {what}: which {what}?")
    if args.action == "import":
        for line in import_file(settings, args.name):
            out.write(line + "\n")
        return EXIT_OK
    if args.action == "find":
        return EXIT_OK if find_sources(settings, args.name, _say(out)) else EXIT_FAILURE
    if args.name:
        raise UsageError("sources: use `ogbot sources check NAME` to try one source")
    for line in sources(settings):
        out.write(line + "\n")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.commands import backup

    for line in backup(settings, args.path, args.keep):
        out.write(line + "\n")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.commands import restore

    for line in restore(settings, args.path):
        out.write(line + "\n")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.demo import demo

    try:
        demo(settings, args.data, args.port, _say(out))
    except RunError as exc:
        print(f"ogbot: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def cmd_review(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.app.commands import review

    review(settings, args.action, args.id, _say(out))
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "ask": cmd_ask,
    "run": cmd_run,
    "check": cmd_check,
    "poll": cmd_poll,
    "announce": cmd_announce,
    "announcements": cmd_announcements,
    "sources": cmd_sources,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "demo": cmd_demo,
    "review": cmd_review,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(args.log_format, args.log_level)
    try:
        settings = load_settings(args.config, start_afresh=args.start_afresh)
    except ConfigError as exc:
        print("ogbot: the configuration is not valid:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_USAGE
    for warning in settings.warnings:
        print(f"ogbot: warning: {warning}", file=sys.stderr)
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
