"""Settings: defaults, then a TOML file, then ``OGBOT_<SECTION>_<KEY>`` environment variables.

Loaded and validated once at start into frozen, typed settings. Every problem is collected and
reported with the key it concerns (``sources.ogp.url: not an http(s) URL``); unknown keys name the
nearest known key. The caller turns a :class:`ConfigError` into exit code 2.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "OGBOT_"
ENV_CONFIG = "OGBOT_CONFIG"
ENV_DATA_DIR = "OGBOT_DATA_DIR"
DEFAULT_CONFIG_FILE = "ogbot.toml"
DEFAULT_DATA_DIR = "data"
PROJECT_URL = "https://opengovpartnership.de"


class ConfigError(Exception):
    """The configuration is unusable; ``problems`` holds one line per key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


# --- typed settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    api_url: str
    channel: str
    coordinators: tuple[int, ...]

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class PublishSettings:
    contact: str
    contact_url: str
    site_url: str
    title: str
    backlog: int
    max_age: float
    window: int
    digest_after: int
    digest_size: int
    wait: float
    timezone: str
    quiet_hours: str
    reminder_days: int
    privacy_url: str
    imprint_url: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet_window(self) -> tuple[int, int] | None:
        """(start hour, end hour) in local time, or None when there are no quiet hours."""
        return parse_quiet_hours(self.quiet_hours)


@dataclass(frozen=True)
class FetchSettings:
    timeout: float
    interval: float
    max_bytes: int
    allow_private: bool


@dataclass(frozen=True)
class WebSettings:
    host: str
    port: int


@dataclass(frozen=True)
class Selectors:
    item: str
    title: str
    link: str
    date: str | None = None
    summary: str | None = None


SourceType = Literal["feed", "html"]


@dataclass(frozen=True)
class SourceSettings:
    name: str
    url: str
    type: SourceType = "feed"
    select: Selectors | None = None
    interval: float | None = None
    user_agent: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    telegram: TelegramSettings
    publish: PublishSettings
    fetch: FetchSettings
    web: WebSettings
    sources: tuple[SourceSettings, ...]
    data_dir: Path
    config_file: Path | None = None
    sources_from_defaults: bool = field(default=True)

    @property
    def site_url(self) -> str:
        """The public base URL of the feeds, without a trailing slash."""
        if self.publish.site_url:
            return self.publish.site_url.rstrip("/")
        host = self.web.host
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        return f"http://{host}:{self.web.port}"


# --- the schema: every key, its default and how to read it ----------------------------------

Parser = Callable[[Any], Any]


class Invalid(ValueError):
    """A value that does not fit its key; the message says why."""


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("not a string")
    return value


def _url(value: Any) -> str:
    text = _string(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("not an http(s) URL")
    return text


def _optional_url(value: Any) -> str:
    text = _string(value).strip()
    return _url(text) if text else ""


def _int(minimum: int, maximum: int | None = None) -> Parser:
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


def _number(minimum: float, *, exclusive: bool = False) -> Parser:
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


def _bool(value: Any) -> bool:
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


def _token(value: Any) -> str:
    text = _string(value).strip()
    if text and not _TOKEN.match(text):
        # never echo the value: it is a secret even when malformed
        raise Invalid("not a bot token (expected <digits>:<secret> as BotFather gives it)")
    return text


_CHANNEL = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d+)$")


def _channel(value: Any) -> str:
    text = _string(value).strip()
    if text and not _CHANNEL.match(text):
        raise Invalid('not a channel ("@name" or a numeric id such as -100123...)')
    return text


def _user_ids(value: Any) -> tuple[int, ...]:
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


def _string_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("not a list of strings")
    return tuple(v for v in value if v.strip())


def _timezone(value: Any) -> str:
    name = _string(value).strip()
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


def _quiet_hours(value: Any) -> str:
    text = _string(value).strip()
    parse_quiet_hours(text)
    return text


def _nonempty(value: Any) -> str:
    text = _string(value).strip()
    if not text:
        raise Invalid("must not be empty")
    return text


def _host(value: Any) -> str:
    text = _nonempty(value)
    if any(c.isspace() for c in text) or "/" in text:
        raise Invalid("not a host name or address")
    return text


SCHEMA: dict[str, dict[str, tuple[Any, Parser]]] = {
    "telegram": {
        "token": ("", _token),
        "api_url": ("https://api.telegram.org", _url),
        "channel": ("", _channel),
        "coordinators": ([], _user_ids),
    },
    "publish": {
        "contact": ("@OpenGovGermany", _nonempty),
        "contact_url": ("https://x.com/OpenGovGermany", _url),
        "site_url": ("", _optional_url),
        "title": ("Open Government – Neuigkeiten", _nonempty),
        "backlog": (0, _int(0)),
        "max_age": (3, _number(0)),
        "window": (100, _int(1, 10_000)),
        "digest_after": (5, _int(0)),
        "digest_size": (10, _int(2, 50)),
        "wait": (300, _number(0)),
        "timezone": ("Europe/Berlin", _timezone),
        "quiet_hours": ("22-7", _quiet_hours),
        "reminder_days": (3, _int(0, 60)),
        "privacy_url": ("", _optional_url),
        "imprint_url": ("", _optional_url),
    },
    "fetch": {
        "timeout": (20, _number(0, exclusive=True)),
        "interval": (30, _number(0, exclusive=True)),
        "max_bytes": (10_000_000, _int(1024)),
        "allow_private": (False, _bool),
    },
    "web": {
        "host": ("127.0.0.1", _host),
        "port": (8080, _int(0, 65535)),
    },
}

SOURCE_KEYS = ("name", "url", "type", "select", "interval", "user_agent", "include", "exclude")
SELECT_KEYS = ("item", "title", "link", "date", "summary")
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")

# The four sites of the SPEC. Selectors of the HTML listings are best guesses until checked
# against the live sites with `ogbot sources check NAME`.
DEFAULT_SOURCES: tuple[dict[str, Any], ...] = (
    {"name": "ogp", "url": "https://www.opengovpartnership.org/feed/"},
    {"name": "netzwerk", "url": "https://opengovpartnership.de/feed/"},
    {
        "name": "bundesregierung",
        "url": "https://www.open-government-deutschland.de/opengov-de",
        "type": "html",
        "select": {
            "item": "div.teaser",
            "title": "h3",
            "link": "h3 a",
            "date": "time",
            "summary": "p.teaser-text",
        },
        "interval": 120,
    },
    {
        "name": "kommunen",
        "url": "https://open-government-kommunen.de/",
        "type": "html",
        "select": {
            "item": "article",
            "title": "h2",
            "link": "h2 a",
            "date": "p.meta",
            "summary": "div.entry-summary p",
        },
        "interval": 1440,
    },
)


def known_keys() -> list[str]:
    keys = [f"{section}.{key}" for section, fields in SCHEMA.items() for key in fields]
    keys += [f"sources.{key}" for key in SOURCE_KEYS]
    keys += [f"sources.select.{key}" for key in SELECT_KEYS]
    return keys


def _hint(unknown: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(unknown, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


# --- loading --------------------------------------------------------------------------------


def find_config_file(explicit: str | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    """The file to read: --config, else $OGBOT_CONFIG, else ./ogbot.toml if present."""
    if explicit:
        path = Path(explicit)
    elif env.get(ENV_CONFIG):
        path = Path(env[ENV_CONFIG])
    else:
        candidate = cwd / DEFAULT_CONFIG_FILE
        return candidate if candidate.is_file() else None
    if not path.is_absolute():
        path = cwd / path
    if not path.is_file():
        raise ConfigError([f"config file {path}: not found"])
    return path


def load_settings(
    config: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Read, merge and validate the configuration; raise ConfigError listing every problem."""
    env = dict(os.environ) if env is None else dict(env)
    cwd = Path.cwd() if cwd is None else cwd
    path = find_config_file(config, env, cwd)
    document: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                document = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"config file {path}: not valid TOML ({exc})"]) from exc
        except OSError as exc:
            raise ConfigError([f"config file {path}: cannot be read ({exc.strerror})"]) from exc
    return build_settings(document, env, cwd, path)


def build_settings(
    document: Mapping[str, Any],
    env: Mapping[str, str],
    cwd: Path,
    config_file: Path | None = None,
) -> Settings:
    problems: list[str] = []
    candidates = known_keys()

    for top in document:
        if top not in SCHEMA and top != "sources":
            problems.append(f"{top}: unknown section{_hint(top, [*SCHEMA, 'sources'])}")

    sections: dict[str, dict[str, Any]] = {}
    for section, fields in SCHEMA.items():
        raw = document.get(section, {})
        if not isinstance(raw, dict):
            problems.append(f"{section}: must be a table ([{section}])")
            raw = {}
        for key in raw:
            if key not in fields:
                problems.append(
                    f"{section}.{key}: unknown key{_hint(f'{section}.{key}', candidates)}"
                )
        values: dict[str, Any] = {}
        for key, (default, parse) in fields.items():
            origin = f"{section}.{key}"
            value = raw.get(key, default)
            name = env_name(section, key)
            if name in env:
                value, origin = env[name], name
            try:
                values[key] = parse(value)
            except Invalid as exc:
                problems.append(f"{origin}: {exc}")
        sections[section] = values

    known_env = {env_name(s, k) for s, fields in SCHEMA.items() for k in fields}
    known_env |= {ENV_CONFIG, ENV_DATA_DIR}
    for name in sorted(env):
        if name.startswith(ENV_PREFIX) and name not in known_env:
            problems.append(f"{name}: unknown environment variable{_hint(name, sorted(known_env))}")

    from_defaults = "sources" not in document
    raw_sources = document.get("sources", list(DEFAULT_SOURCES))
    sources = _parse_sources(raw_sources, problems, candidates)

    data_dir = Path(env.get(ENV_DATA_DIR) or DEFAULT_DATA_DIR)
    if not data_dir.is_absolute():
        data_dir = cwd / data_dir

    if problems:
        raise ConfigError(problems)
    return Settings(
        telegram=TelegramSettings(**sections["telegram"]),
        publish=PublishSettings(**sections["publish"]),
        fetch=FetchSettings(**sections["fetch"]),
        web=WebSettings(**sections["web"]),
        sources=tuple(sources),
        data_dir=data_dir,
        config_file=config_file,
        sources_from_defaults=from_defaults,
    )


def _parse_sources(raw: Any, problems: list[str], candidates: list[str]) -> list[SourceSettings]:
    if not isinstance(raw, list):
        problems.append("sources: must be a list of tables ([[sources]])")
        return []
    sources: list[SourceSettings] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        label = f"sources[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{label}: must be a table")
            continue
        name = entry.get("name")
        if isinstance(name, str) and _SOURCE_NAME.match(name):
            label = f"sources.{name}"
            if name in seen:
                problems.append(f"{label}.name: used by two sources")
            seen.add(name)
        elif name is None:
            problems.append(f"{label}.name: missing")
        else:
            problems.append(
                f"{label}.name: not a source name (letters, digits, '-' and '_', up to 40)"
            )
        for key in entry:
            if key not in SOURCE_KEYS:
                problems.append(f"{label}.{key}: unknown key{_hint(f'sources.{key}', candidates)}")

        before = len(problems)
        url = ""
        if "url" not in entry:
            problems.append(f"{label}.url: missing")
        else:
            url = _check(problems, f"{label}.url", _url, entry["url"])
        kind = entry.get("type", "feed")
        if kind not in ("feed", "html"):
            problems.append(f'{label}.type: must be "feed" or "html"')
        select = _parse_select(entry.get("select"), kind, label, problems, candidates)
        interval = None
        if "interval" in entry:
            interval = _check(
                problems, f"{label}.interval", _number(0, exclusive=True), entry["interval"]
            )
        user_agent = None
        if "user_agent" in entry:
            user_agent = _check(problems, f"{label}.user_agent", _nonempty, entry["user_agent"])
        include = _check(problems, f"{label}.include", _string_list, entry.get("include", []))
        exclude = _check(problems, f"{label}.exclude", _string_list, entry.get("exclude", []))
        if len(problems) == before and isinstance(name, str):
            sources.append(
                SourceSettings(
                    name=name,
                    url=url,
                    type=kind,
                    select=select,
                    interval=interval,
                    user_agent=user_agent,
                    include=include,
                    exclude=exclude,
                )
            )
    return sources


def _check(problems: list[str], key: str, parse: Parser, value: Any) -> Any:
    try:
        return parse(value)
    except Invalid as exc:
        problems.append(f"{key}: {exc}")
        return None


def _parse_select(
    raw: Any, kind: Any, label: str, problems: list[str], candidates: list[str]
) -> Selectors | None:
    if raw is None:
        if kind == "html":
            problems.append(f"{label}.select: required for an html source (item, title, link)")
        return None
    if kind != "html":
        problems.append(f'{label}.select: only for type = "html"')
        return None
    if not isinstance(raw, dict):
        problems.append(f"{label}.select: must be a table of CSS selectors")
        return None
    for key in raw:
        if key not in SELECT_KEYS:
            problems.append(
                f"{label}.select.{key}: unknown key{_hint(f'sources.select.{key}', candidates)}"
            )
    values: dict[str, str | None] = {}
    for key in SELECT_KEYS:
        value = raw.get(key)
        if value is None:
            if key in ("item", "title", "link"):
                problems.append(f"{label}.select.{key}: missing")
            values[key] = None
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{label}.select.{key}: not a CSS selector")
            values[key] = None
            continue
        values[key] = value.strip()
    if any(values[k] is None for k in ("item", "title", "link")):
        return None
    return Selectors(
        item=str(values["item"]),
        title=str(values["title"]),
        link=str(values["link"]),
        date=values["date"],
        summary=values["summary"],
    )


# --- showing the effective configuration -----------------------------------------------------

MASK = "********"


def effective_toml(settings: Settings) -> str:
    """The effective configuration as TOML, the token masked."""
    lines = [
        "# effective configuration of ogbot",
        f"# config file: {settings.config_file or '(none: defaults and environment)'}",
        f"# data dir ({ENV_DATA_DIR}): {settings.data_dir}",
        f"# feeds served at: {settings.site_url}/feed.rss and {settings.site_url}/feed.atom",
    ]
    for section in SCHEMA:
        lines += ["", f"[{section}]"]
        values = getattr(settings, section)
        for key in SCHEMA[section]:
            value = getattr(values, key)
            if section == "telegram" and key == "token":
                shown = f'"{MASK}"  # set' if value else '""  # empty: Telegram is off'
                lines.append(f"token = {shown}")
                continue
            lines.append(f"{key} = {_toml_value(value)}")
    origin = "shipped defaults" if settings.sources_from_defaults else "config file"
    lines += ["", f"# sources: {len(settings.sources)} ({origin})"]
    for source in settings.sources:
        lines += ["", "[[sources]]"]
        lines.append(f"name = {_toml_value(source.name)}")
        lines.append(f"url = {_toml_value(source.url)}")
        lines.append(f"type = {_toml_value(source.type)}")
        if source.select is not None:
            parts = [
                f"{key} = {_toml_value(getattr(source.select, key))}"
                for key in SELECT_KEYS
                if getattr(source.select, key) is not None
            ]
            lines.append("select = { " + ", ".join(parts) + " }")
        if source.interval is not None:
            lines.append(f"interval = {_toml_value(source.interval)}")
        if source.user_agent is not None:
            lines.append(f"user_agent = {_toml_value(source.user_agent)}")
        if source.include:
            lines.append(f"include = {_toml_value(list(source.include))}")
        if source.exclude:
            lines.append(f"exclude = {_toml_value(list(source.exclude))}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # a JSON string is a valid TOML basic string: quotes, backslashes and control characters escaped
    return json.dumps(str(value), ensure_ascii=False)
