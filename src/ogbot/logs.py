"""Operator logging: one event per line, ``key=value`` or JSON, never a secret.

Use :func:`get_logger` and log events with fields::

    log = get_logger(__name__)
    log.info("cycle_done", sources=4, new=3)

Lines look like ``2026-11-23T18:00:00Z info ogbot.app.cycle cycle_done sources=4 new=3``.
Levels: ``debug`` for detail while developing, ``info`` for what happened (cycles, posts),
``warning`` for a problem ogbot works around (a failing source), ``error`` for something that
needs an operator. The text of users' messages is never passed to a logger. Bot tokens are
masked in every record, whatever logger emitted it, and httpx's request log (whose URLs contain
the token) is held at WARNING. A few records that come in storms (asyncio's failed ``accept()``
when the process is out of file descriptors, logged on every try) pass once per
:data:`RATE_INTERVAL`; the next one that passes says how many were held back (``suppressed=N``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO

# a Bot API token, alone or inside a URL path such as /bot123:abc/getMe
_TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
# httpx logs request URLs (Bot API URLs hold the token); PTB logs whole updates (users' text) at
# debug; APScheduler and aiohttp's access log say at info what ogbot's own events already say
QUIET_LOGGERS = ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp.access")


# (logger, first words of the message): records that repeat by the thousand in a storm
RATE_LIMITED = (("asyncio", "socket.accept() out of system resource"),)
RATE_INTERVAL = 60.0  # seconds


class RateLimitFilter(logging.Filter):
    """Lets one record of each :data:`RATE_LIMITED` kind through per ``interval`` seconds; the
    next one that passes carries ``suppressed``: how many were dropped meanwhile."""

    def __init__(
        self,
        interval: float = RATE_INTERVAL,
        limited: tuple[tuple[str, str], ...] = RATE_LIMITED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval = interval
        self.limited = limited
        self.clock = clock
        self._passed: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def _kind(self, record: logging.LogRecord) -> tuple[str, str] | None:
        message = record.msg if isinstance(record.msg, str) else ""
        for name, start in self.limited:
            if record.name == name and message.startswith(start):
                return name, start
        return None

    def filter(self, record: logging.LogRecord) -> bool:
        kind = self._kind(record)
        if kind is None:
            return True
        now = self.clock()
        passed = self._passed.get(kind)
        if passed is not None and now - passed < self.interval:
            self._held[kind] = self._held.get(kind, 0) + 1
            return False
        self._passed[kind] = now
        held = self._held.pop(kind, 0)
        if held:
            record.fields = {**_fields(record), "suppressed": held}
        return True


class RedactingFilter(logging.Filter):
    """Masks bot tokens (the configured one, and anything shaped like one)."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return _TOKEN_PATTERN.sub("***", text)

    def _safe(self, value: Any) -> Any:
        """Numbers stay numbers; anything else becomes its text, redacted."""
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.redact(str(value))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {k: self._safe(v) for k, v in fields.items()}
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = getattr(record, "fields", None)
    return dict(fields) if isinstance(fields, dict) else {}


def _plain(value: Any) -> str:
    text = str(value)
    if text == "" or any(c.isspace() or c in '"=' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        parts = [
            _timestamp(record),
            record.levelname.lower(),
            record.name,
            _plain(record.getMessage()),
        ]
        parts += [f"{key}={_plain(value)}" for key, value in _fields(record).items()]
        line = " ".join(parts)
        if record.exc_text:
            line += " error=" + json.dumps(record.exc_text, ensure_ascii=False)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in _fields(record).items():
            data[key if key not in data else f"field_{key}"] = value
        if record.exc_text:
            data["error"] = record.exc_text
        return json.dumps(data, ensure_ascii=False, default=str)


LEVELS = ("debug", "info", "warning", "error")


def configure(
    fmt: str = "text",
    level: str = "info",
    stream: TextIO | None = None,
    secrets: tuple[str, ...] = (),
) -> None:
    """Install ogbot's one handler on the root logger (idempotent)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    handler.addFilter(RateLimitFilter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class EventLogger:
    """A thin wrapper so call sites read ``log.info("event", key=value)``."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger

    def _log(
        self, level: int, event: str, fields: dict[str, Any], exc: bool | BaseException = False
    ) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, event, extra={"fields": fields}, exc_info=exc, stacklevel=3)

    def debug(self, event: str, **fields: Any) -> None:
        self._log(logging.DEBUG, event, fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, fields)

    def error(self, event: str, exc_info: BaseException | None = None, **fields: Any) -> None:
        """An error; ``exc_info`` adds that exception's traceback (masked like the rest)."""
        self._log(logging.ERROR, event, fields, exc=exc_info or False)

    def exception(self, event: str, **fields: Any) -> None:
        self._log(logging.ERROR, event, fields, exc=True)


def get_logger(name: str) -> EventLogger:
    return EventLogger(logging.getLogger(name))


__all__ = ["LEVELS", "EventLogger", "configure", "get_logger"]
