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
from ogbot.config import ConfigError, Settings, effective_toml, load_settings
from ogbot.knowledge.content import ContentError

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

    command("check", "validate the configuration and print the effective values")
    return parser


# --- commands -------------------------------------------------------------------------------


def cmd_ask(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from ogbot.knowledge.answer import Answerer, AnswerSettings

    answerer = Answerer.load(
        AnswerSettings(
            contact=settings.publish.contact,
            contact_url=settings.publish.contact_url,
            site_url=settings.site_url,
        )
    )

    def reply(question: str) -> None:
        answer = answerer.answer(question, args.lang)
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


def cmd_check(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    out.write(effective_toml(settings))
    return EXIT_OK


COMMANDS: dict[str, Command] = {"ask": cmd_ask, "check": cmd_check}


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
    except ContentError as exc:
        print(f"ogbot: the explainer content is broken: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
