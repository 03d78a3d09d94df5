"""How a configuration value is read: one parser per kind of value.

A parser takes what the TOML file or an environment variable gives (environment values are always
strings) and returns the typed value, or raises :class:`Invalid` saying why it does not fit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Parser = Callable[[Any], Any]

# Parsers that read text only because environment variables are text: in the TOML file such a
# value is written as what it is (timeout = 20, coordinators = [123]), and a quoted one is
# refused rather than silently converted (see :func:`from_toml`). Parser -> an example.
_NOT_TEXT_IN_TOML: dict[Parser, str] = {}


class Invalid(ValueError):
    """A value that does not fit its key; the message says why."""


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("not a string")
    return value


def url(value: Any) -> str:
    """An http(s) URL as the fetcher reads it: httpx's own parser (imported only here, when a
    URL is read) refuses what it would refuse at every fetch (``http://0177.0.0.1/``: an IPv4
    address with a leading zero; a port that is not a number), and a port must exist."""
    import httpx

    text = string(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("not an http(s) URL")
    try:
        port = httpx.URL(text).port
    except httpx.InvalidURL as exc:
        raise Invalid(f"not a URL the fetcher can use: {exc}") from None
    if port is not None and not 0 < port < 65536:
        raise Invalid(f"not a URL the fetcher can use: port {port} is out of range")
    return text


def not_text_in_toml(example: str) -> Callable[[Parser], Parser]:
    """Marks a parser whose values are no strings in the TOML file; ``example`` shows how one is
    written (``{key}`` is replaced by the key)."""

    def mark(parse: Parser) -> Parser:
        _NOT_TEXT_IN_TOML[parse] = example
        return parse

    return mark


def from_toml(parse: Parser, key: str, value: Any) -> Any:
    """``parse(value)`` for a value from the TOML file: a quoted number, boolean or list is
    refused with the way to write it (an environment variable, always text, is not)."""
    example = _NOT_TEXT_IN_TOML.get(parse)
    if example is not None and isinstance(value, str):
        raise Invalid(
            f"{value!r} is a string; write it without quotes in the TOML file, e.g. "
            + example.format(key=key)
        )
    return parse(value)


def optional_url(value: Any) -> str:
    text = string(value).strip()
    return url(text) if text else ""


def whole(minimum: int, maximum: int | None = None) -> Parser:
    @not_text_in_toml("{key} = 20")
    def parse(value: Any) -> int:
        if isinstance(value, str):
            try:
                value = int(value.strip().replace("_", ""))
            except ValueError:
                raise Invalid("not a whole number") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("not a whole number")
        if value < minimum:
            raise Invalid(f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise Invalid(f"must be at most {maximum}")
        return value

    return parse


def number(minimum: float, *, exclusive: bool = False) -> Parser:
    @not_text_in_toml("{key} = 20")
    def parse(value: Any) -> float:
        if isinstance(value, str):
            try:
                value = float(value.strip().replace("_", ""))
            except ValueError:
                raise Invalid("not a number") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid("not a number")
        if value != value or value in (float("inf"), float("-inf")):
            raise Invalid("not a number")
        if value < minimum or (exclusive and value == minimum):
            raise Invalid(f"must be {'greater than' if exclusive else 'at least'} {minimum:g}")
        return float(value)

    return parse


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@not_text_in_toml("{key} = true")
def boolean(value: Any) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise Invalid("not true or false")
    if not isinstance(value, bool):
        raise Invalid("not true or false")
    return value


_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


def bot_token(value: Any) -> str:
    text = string(value).strip()
    if text and not _TOKEN.match(text):
        # never echo the value: it is a secret even when malformed
        raise Invalid("not a bot token (expected <digits>:<secret> as BotFather gives it)")
    return text


# Telegram's rules for a webhook: HTTPS, on one of these ports; a secret_token of 1-256 characters
WEBHOOK_PORTS = (443, 80, 88, 8443)
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def webhook_url(value: Any) -> str:
    text = optional_url(value)
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme != "https":
        raise Invalid("Telegram sends updates only to an https:// URL")
    if (parts.port or 443) not in WEBHOOK_PORTS:
        raise Invalid("Telegram sends updates only to the ports 443, 80, 88 and 8443")
    if parts.fragment:
        raise Invalid("a webhook URL has no #fragment")
    return text


def webhook_secret(value: Any) -> str:
    text = string(value).strip()
    if text and not _WEBHOOK_SECRET.match(text):
        # never echo the value: it is a secret
        raise Invalid("not a webhook secret (1-256 characters: letters, digits, _ and -)")
    return text


_CHANNEL = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d+)$")


def channel(value: Any) -> str:
    text = string(value).strip()
    if text and not _CHANNEL.match(text):
        raise Invalid('not a channel ("@name" or a numeric id such as -100123...)')
    return text


@not_text_in_toml('[[telegram.{key}]] tables (or {key} = [{{ chat = "@name" }}])')
def tables(value: Any) -> tuple[Any, ...]:
    """A list of tables (``[[telegram.destinations]]``); in an environment variable as JSON
    (``[{"chat": "@name", "carries": "consultations"}]``). Each table is read by
    :mod:`ogbot.config.load`."""
    if isinstance(value, str):  # environment: JSON
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            raise Invalid('not JSON (e.g. [{"chat": "@name", "carries": "all"}])') from None
    if not isinstance(value, list | tuple):
        raise Invalid("must be a list of tables ([[...]])")
    return tuple(value)


@not_text_in_toml("{key} = [123456789]")
def user_ids(value: Any) -> tuple[int, ...]:
    if isinstance(value, str):  # environment: "123,456" or "[123, 456]"
        items: list[Any] = [p for p in re.split(r"[\s,\[\]]+", value) if p]
    elif isinstance(value, list):
        items = value
    else:
        raise Invalid("not a list of Telegram user ids")
    ids: list[int] = []
    for item in items:
        try:
            number = int(item) if isinstance(item, str) else item
        except ValueError:
            raise Invalid(f"{item!r} is not a Telegram user id") from None
        if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
            raise Invalid(f"{item!r} is not a Telegram user id")
        ids.append(number)
    return tuple(ids)


@not_text_in_toml('{key} = ["Konsultation", "Beteiligung"]')
def string_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("not a list of strings")
    return tuple(v for v in value if v.strip())


def timezone(value: Any) -> str:
    name = string(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin)"
        ) from None
    return name


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    if not text.strip():
        return None
    match = re.fullmatch(r"\s*(\d{1,2})\s*-\s*(\d{1,2})\s*", text)
    if not match:
        raise Invalid('not a range of hours such as "22-7"')
    start, end = int(match[1]), int(match[2])
    if not (0 <= start <= 23 and 0 <= end <= 24) or start == end:
        raise Invalid('not a range of hours such as "22-7"')
    return start, end


def quiet_hours(value: Any) -> str:
    text = string(value).strip()
    parse_quiet_hours(text)
    return text


WEEKDAYS: dict[str, int] = {  # German and English abbreviations (and full names): Monday = 0
    **{name: day for day, name in enumerate(("mo", "di", "mi", "do", "fr", "sa", "so"))},
    **{name: day for day, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        name: day
        for day, name in enumerate(
            ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
        )
    },
    **{
        name: day
        for day, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tu": 1,
    "we": 2,
    "th": 3,
    "su": 6,
}
_WEEKLY = re.compile(
    r"\s*([A-Za-z]+)\.?,?\s+(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr)?\s*", re.IGNORECASE
)


def parse_weekly(text: str) -> tuple[int, int, int] | None:
    """``publish.weekly``: (weekday with Monday 0, hour, minute), or None when it is off ("")."""
    if not text.strip():
        return None
    match = _WEEKLY.fullmatch(text)
    day = WEEKDAYS.get(match[1].lower()) if match else None
    if match is None or day is None:
        raise Invalid('not a weekday and a time such as "Mo 09:00" (or "" for off)')
    hour, minute = int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59:
        raise Invalid('not a weekday and a time such as "Mo 09:00" (or "" for off)')
    return day, hour, minute


def weekly(value: Any) -> str:
    text = string(value).strip()
    parse_weekly(text)
    return text


def nonempty(value: Any) -> str:
    text = string(value).strip()
    if not text:
        raise Invalid("must not be empty")
    return text


SOURCE_TITLE_MAX = 100  # characters of a source's title (posts show at most 40 of them)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # bidi controls too


def source_title(value: Any) -> str:
    """The name people see of a source: one line of text, 1 to 100 characters."""
    text = nonempty(value)
    if len(text.splitlines()) > 1 or _CONTROL.search(text):
        raise Invalid("one line of text, without control characters")
    if len(text) > SOURCE_TITLE_MAX:
        raise Invalid(f"at most {SOURCE_TITLE_MAX} characters")
    return " ".join(text.split())


def host(value: Any) -> str:
    text = nonempty(value)
    if any(c.isspace() for c in text) or "/" in text:
        raise Invalid("not a host name or address")
    return text


def source_type(value: Any) -> str:
    if value not in ("feed", "html"):
        raise Invalid('must be "feed" or "html"')
    return str(value)


def review_timeout_action(value: Any) -> str:
    if value not in ("post", "drop"):
        raise Invalid('must be "post" or "drop"')
    return str(value)
