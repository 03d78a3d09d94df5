"""Operator logging: one event per line (key=value or JSON), never a bot token, whichever logger
emitted it; httpx's request log (its URLs contain the token) held at WARNING."""

from __future__ import annotations

import asyncio
import errno
import io
import json
import logging
import re
import socket
from collections.abc import Iterator

import pytest

from ogbot import logs

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012"
SECRET_PART = TOKEN.split(":")[1]
BOT_URL = f"https://api.telegram.org/bot{TOKEN}/getMe"
TEXT_LINE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"
    r" (?P<level>\w+) (?P<logger>\S+) (?P<rest>.*)$"
)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure() rewires the root logger; put everything back for the rest of the session."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = {"httpx", "httpcore", "telegram", *logs.QUIET_LOGGERS}
    quiet = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)


def capture(
    fmt: str = "text", level: str = "info", secrets: tuple[str, ...] = (TOKEN,)
) -> io.StringIO:
    stream = io.StringIO()
    logs.configure(fmt, level, stream=stream, secrets=secrets)
    return stream


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def assert_no_token(output: str) -> None:
    assert TOKEN not in output
    assert SECRET_PART not in output


# --- format -----------------------------------------------------------------------------------


def test_text_line_is_ts_level_logger_event_fields() -> None:
    stream = capture()
    logs.get_logger("ogbot.watch").info("cycle_done", sources=4, new=3)
    (line,) = lines(stream)
    match = TEXT_LINE.match(line)
    assert match, line
    assert match["level"] == "info"
    assert match["logger"] == "ogbot.watch"
    assert match["rest"] == "cycle_done sources=4 new=3"


def test_text_values_with_spaces_are_quoted() -> None:
    stream = capture()
    logs.get_logger("ogbot.watch").warning("source_failed", source="ogp", error="read timed out")
    (line,) = lines(stream)
    assert line.endswith(' warning ogbot.watch source_failed source=ogp error="read timed out"')


def test_text_empty_value_is_visible() -> None:
    stream = capture()
    logs.get_logger("ogbot.x").info("ev", channel="")
    assert lines(stream)[0].endswith(' ev channel=""')


def test_json_is_one_object_per_line_with_fields() -> None:
    stream = capture("json")
    log = logs.get_logger("ogbot.publish")
    log.info("post_sent", channel="@ogchannel", items=2)
    log.warning("post_failed", reason="too long for one post")
    first, second = (json.loads(line) for line in lines(stream))
    assert first["level"] == "info"
    assert first["logger"] == "ogbot.publish"
    assert first["event"] == "post_sent"
    assert first["channel"] == "@ogchannel"
    assert first["items"] == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", first["ts"])
    assert second["level"] == "warning"
    assert second["reason"] == "too long for one post"


def test_json_stdlib_records_are_json_too() -> None:
    stream = capture("json")
    logging.getLogger("apscheduler.scheduler").warning("Run time of job %s was missed", "cycle")
    (record,) = (json.loads(line) for line in lines(stream))
    assert record["logger"] == "apscheduler.scheduler"
    assert record["event"] == "Run time of job cycle was missed"
    assert record["level"] == "warning"


def test_level_hides_less_important_events() -> None:
    stream = capture(level="warning")
    log = logs.get_logger("ogbot.x")
    log.debug("detail")
    log.info("happened")
    log.warning("worked_around")
    assert [line.split()[3] for line in lines(stream)] == ["worked_around"]


def test_configure_twice_keeps_one_handler() -> None:
    capture()
    stream = capture()
    logs.get_logger("ogbot.x").info("once")
    assert len(lines(stream)) == 1


# --- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_token_in_message_is_masked(fmt: str) -> None:
    stream = capture(fmt)
    logs.get_logger("ogbot.telegram").info(f"token {TOKEN} rejected")
    logging.getLogger("ogbot.other").error("token %s rejected", TOKEN)
    output = stream.getvalue()
    assert_no_token(output)
    assert len(lines(stream)) == 2
    assert "rejected" in output


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_token_in_field_is_masked(fmt: str) -> None:
    stream = capture(fmt)
    logs.get_logger("ogbot.telegram").warning("bot_refused", token=TOKEN, url=BOT_URL)
    output = stream.getvalue()
    assert_no_token(output)
    assert "https://api.telegram.org/bot" in output
    assert "/getMe" in output


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_token_in_non_string_field_is_masked(fmt: str) -> None:
    """Call sites pass exceptions and URL objects as fields (error=exc); their text holds the
    token just as well as a string does."""
    stream = capture(fmt)
    error = RuntimeError(f"Client error for url {BOT_URL}")
    logs.get_logger("ogbot.telegram").warning("bot_refused", error=error, urls=[BOT_URL])
    output = stream.getvalue()
    assert "Client error for url" in output
    assert_no_token(output)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_token_in_traceback_is_masked(fmt: str) -> None:
    stream = capture(fmt)
    log = logs.get_logger("ogbot.telegram")
    try:
        raise ConnectionError(f"cannot reach {BOT_URL}")
    except ConnectionError:
        log.exception("getme_failed")
    try:
        raise ValueError("bad token " + TOKEN)
    except ValueError:
        logging.getLogger("telegram.ext.Application").exception("stdlib too")
    output = stream.getvalue()
    assert "ConnectionError" in output
    assert "ValueError" in output
    assert "Traceback" in output
    assert_no_token(output)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_token_in_httpx_warning_is_masked(fmt: str) -> None:
    stream = capture(fmt)
    logging.getLogger("httpx").warning('HTTP Request: POST %s "HTTP/1.1 401 Unauthorized"', BOT_URL)
    logging.getLogger("telegram.ext.Updater").error("Error while getting updates: %s", BOT_URL)
    logging.getLogger("apscheduler.executors.default").error("job failed: %s", BOT_URL)
    output = stream.getvalue()
    assert len(lines(stream)) == 3
    assert "401 Unauthorized" in output
    assert_no_token(output)


def test_token_shaped_strings_are_masked_without_being_configured() -> None:
    other = "987654321:ZYXWVUTSRQPONMLKJIHGFEDCBAzyxw_-"
    stream = capture(secrets=())
    logging.getLogger("somelib").warning("GET https://api.telegram.org/bot%s/getUpdates", other)
    output = stream.getvalue()
    assert other not in output
    assert "getUpdates" in output


def test_configured_secret_of_any_shape_is_masked() -> None:
    stream = capture(secrets=("hunter2-odd-shape",))
    logs.get_logger("ogbot.x").info("login hunter2-odd-shape", pw="hunter2-odd-shape")
    output = stream.getvalue()
    assert "hunter2" not in output
    assert "login" in output


def test_httpx_is_held_at_warning() -> None:
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    stream = capture(level="debug")
    assert logging.getLogger("httpx").level == logging.WARNING
    logging.getLogger("httpx").info('HTTP Request: GET %s "HTTP/1.1 200 OK"', BOT_URL)
    logs.get_logger("ogbot.x").debug("debug_still_shown")
    output = stream.getvalue()
    assert "HTTP Request" not in output
    assert "debug_still_shown" in output
    assert_no_token(output)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_line_breaks_stay_inside_one_line(fmt: str) -> None:
    stream = capture(fmt)
    logs.get_logger("ogbot.x").info("ev", title="first\nsecond")
    logging.getLogger("somelib").warning("line one\nline two")
    assert len(lines(stream)) == 2


# --- storms ---------------------------------------------------------------------------------


def _accept_failed(loop: asyncio.AbstractEventLoop, server: socket.socket) -> None:
    """What asyncio's selector loop reports when accept() finds no file descriptor left."""
    loop.call_exception_handler(
        {
            "message": "socket.accept() out of system resource",
            "exception": OSError(errno.EMFILE, "Too many open files"),
            "socket": server,
        }
    )


def test_a_failing_accept_is_logged_once_per_interval_not_per_try() -> None:
    stream = capture()
    loop = asyncio.new_event_loop()
    try:
        with socket.socket() as server:
            for _ in range(1000):
                _accept_failed(loop, server)
    finally:
        loop.close()
    [line] = lines(stream)
    assert " error asyncio " in line and "out of system resource" in line
    assert "Too many open files" in line


def test_after_the_interval_the_next_one_says_how_many_were_held_back() -> None:
    now = [0.0]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.KeyValueFormatter())
    handler.addFilter(logs.RateLimitFilter(interval=60.0, clock=lambda: now[0]))
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    try:
        for step in range(300):  # five minutes, one try a second
            now[0] = float(step)
            logger.error("socket.accept() out of system resource\nsocket: <socket>")
        logger.error("Task exception was never retrieved")  # other asyncio errors all pass
        logger.error("Task exception was never retrieved")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert output.count("out of system resource") == 5
    assert output.count("suppressed=59") == 4
    assert output.count("Task exception was never retrieved") == 2
