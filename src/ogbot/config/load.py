"""Loading: defaults, then a TOML file, then ``OGBOT_<SECTION>_<KEY>`` environment variables.

Loaded and validated once at start into the frozen, typed settings of
:mod:`ogbot.config.settings`. Every problem is collected and reported with the key it concerns
(``sources.ogp.url: not an http(s) URL``); unknown keys name the nearest known key. The caller
turns a :class:`ConfigError` into exit code 2. :func:`effective_toml` shows what was loaded.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, fields, replace
from pathlib import Path
from typing import Any

from ogbot.config.settings import (
    DEFAULT_CONFIG_FILE,
    DEFAULT_DATA_DIR,
    DEFAULT_SOURCES,
    DESTINATION_KEYS,
    ENV_CONFIG,
    ENV_DATA_DIR,
    ENV_PREFIX,
    ENV_START_AFRESH,
    KEY,
    REQUIRED_SELECTORS,
    SCHEMA,
    SECTIONS,
    SELECT_KEYS,
    SOURCE_KEYS,
    Destination,
    Key,
    Selectors,
    Settings,
    SourceSettings,
    env_name,
    known_keys,
)
from ogbot.config.values import Invalid, Parser, boolean, channel, from_toml, whole

_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


class ConfigError(Exception):
    """The configuration is unusable; ``problems`` holds one line per key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _hint(unknown: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(unknown, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


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
    *,
    start_afresh: bool = False,
) -> Settings:
    """Read, merge and validate the configuration; raise ConfigError listing every problem.
    ``start_afresh``: the command line's --start-afresh (else $OGBOT_START_AFRESH decides)."""
    env = dict(os.environ) if env is None else dict(env)
    cwd = Path.cwd() if cwd is None else cwd
    path = find_config_file(config, env, cwd)
    document: dict[str, Any] = {}
    if path is not None:
        document = read_toml(path)
    settings = build_settings(document, env, cwd, path)
    return replace(settings, start_afresh=True) if start_afresh else settings


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML file's document; a file that cannot be read, is not UTF-8 or not TOML is a
    ConfigError naming the file and the line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"config file {path}: cannot be read ({exc.strerror})"]) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            [
                f"config file {path}: line {line}, column {column}: not UTF-8 (byte "
                f"0x{data[exc.start]:02x}); save the file as UTF-8"
            ]
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"config file {path}: not valid TOML ({exc})"]) from exc


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
    for section, keys in SCHEMA.items():
        raw = document.get(section, {})
        if not isinstance(raw, dict):
            problems.append(f"{section}: must be a table ([{section}])")
            raw = {}
        for key in raw:
            if key not in keys:
                problems.append(
                    f"{section}.{key}: unknown key{_hint(f'{section}.{key}', candidates)}"
                )
        values: dict[str, Any] = {}
        for key, (default, parse) in keys.items():
            origin = f"{section}.{key}"
            name = env_name(section, key)
            try:
                if name in env:
                    origin = name
                    values[key] = parse(env[name])
                elif key in raw:
                    values[key] = from_toml(parse, key, raw[key])
                else:
                    values[key] = parse(default)
            except Invalid as exc:
                problems.append(f"{origin}: {exc}")
        sections[section] = values

    known_env = {env_name(s, k) for s, keys in SCHEMA.items() for k in keys}
    known_env |= {ENV_CONFIG, ENV_DATA_DIR, ENV_START_AFRESH}
    for name in sorted(env):
        if name.startswith(ENV_PREFIX) and name not in known_env:
            problems.append(f"{name}: unknown environment variable{_hint(name, sorted(known_env))}")

    from_defaults = "sources" not in document
    raw_sources = document.get("sources", list(DEFAULT_SOURCES))
    sources = _parse_sources(raw_sources, problems, candidates)
    if "destinations" in sections["telegram"]:
        sections["telegram"]["destinations"] = _parse_destinations(
            sections["telegram"]["destinations"],
            sections["telegram"].get("channel"),
            sources,
            problems,
            candidates,
        )

    data_dir = Path(env.get(ENV_DATA_DIR) or DEFAULT_DATA_DIR)
    if not data_dir.is_absolute():
        data_dir = cwd / data_dir
    start_afresh = _check(problems, ENV_START_AFRESH, boolean, env.get(ENV_START_AFRESH, "0"))

    warnings: list[str] = []
    telegram = document.get("telegram")
    if isinstance(telegram, dict) and telegram.get("token"):
        where = config_file or "the TOML file"
        overridden = (
            " (OGBOT_TELEGRAM_TOKEN overrides it here)"
            if env_name("telegram", "token") in env
            else ""
        )
        warnings.append(
            f"telegram.token is set in {where}{overridden}: the token is a password; put it "
            "only into the env file (OGBOT_TELEGRAM_TOKEN=...) and remove it from the TOML file"
        )

    if problems:
        raise ConfigError(problems)
    return Settings(
        **{section: kind(**sections[section]) for section, kind in SECTIONS.items()},
        sources=tuple(sources),
        data_dir=data_dir,
        config_file=config_file,
        sources_from_defaults=from_defaults,
        start_afresh=bool(start_afresh),
        warnings=tuple(warnings),
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
        values: dict[str, Any] = {}
        for f in fields(SourceSettings):
            spec: Key | None = f.metadata.get(KEY)
            where = f"{label}.{f.name}"
            if f.name == "select":  # wanted or not by the type, given or not
                kind = entry.get("type", "feed")
                values[f.name] = _parse_select(entry.get(f.name), kind, label, problems, candidates)
            elif spec is None:  # the name, read above
                continue
            elif f.name in entry:
                values[f.name] = _check_toml(problems, where, spec.parse, entry[f.name])
            elif f.default is MISSING:
                problems.append(f"{where}: missing")
            else:
                values[f.name] = f.default
        if len(problems) == before and isinstance(name, str):
            sources.append(SourceSettings(name=name, **values))
    return sources


_CARRIES = ("all", "consultations", "announcements")


def _parse_destinations(
    raw: tuple[Any, ...],
    main: str | None,
    sources: list[SourceSettings],
    problems: list[str],
    candidates: list[str],
) -> tuple[Destination, ...]:
    """``[[telegram.destinations]]``: each a chat other than the channel, an optional forum
    topic, and what it carries; every problem named by its path
    (``telegram.destinations[1].carries``)."""
    names = {source.name for source in sources}
    destinations: list[Destination] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        label = f"telegram.destinations[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{label}: must be a table")
            continue
        before = len(problems)
        for key in entry:
            if key not in DESTINATION_KEYS:
                where = f"telegram.destinations.{key}"
                problems.append(f"{label}.{key}: unknown key{_hint(where, candidates)}")
        chat = _check_toml(problems, f"{label}.chat", channel, entry.get("chat", ""))
        if chat == "":
            problems.append(f'{label}.chat: missing (a channel or group, "@name" or -100...)')
        elif chat is not None and main and chat.lower() == main.lower():
            problems.append(f"{label}.chat: is telegram.channel, which gets its posts anyway")
        thread = None
        if "thread" in entry:
            thread = _check_toml(problems, f"{label}.thread", whole(1), entry["thread"])
        carries = _carries(entry.get("carries", "all"), names, f"{label}.carries", problems)
        if len(problems) == before:
            destination = Destination(chat, thread, carries)
            if destination.key in seen:
                problems.append(f"{label}: the same chat and thread as an earlier destination")
            seen.add(destination.key)
            destinations.append(destination)
    return tuple(destinations)


def _carries(value: Any, names: set[str], where: str, problems: list[str]) -> Any:
    if isinstance(value, str) and value in _CARRIES:
        return value
    if isinstance(value, list) and value and all(isinstance(name, str) for name in value):
        unknown = [name for name in value if name not in names]
        if unknown:
            known = ", ".join(sorted(names)) or "none"
            problems.append(f"{where}: no source named {', '.join(unknown)} (known: {known})")
        return tuple(value)
    problems.append(f'{where}: "all", "consultations", "announcements" or a list of source names')
    return None


def _check(problems: list[str], key: str, parse: Parser, value: Any) -> Any:
    try:
        return parse(value)
    except Invalid as exc:
        problems.append(f"{key}: {exc}")
        return None


def _check_toml(problems: list[str], key: str, parse: Parser, value: Any) -> Any:
    try:
        return from_toml(parse, key.rsplit(".", 1)[-1], value)
    except Invalid as exc:
        problems.append(f"{key}: {exc}")
        return None


def _parse_select(
    raw: Any, kind: Any, label: str, problems: list[str], candidates: list[str]
) -> Selectors | None:
    if raw is None:
        if kind == "html":
            required = ", ".join(REQUIRED_SELECTORS)
            problems.append(f"{label}.select: required for an html source ({required})")
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
    values: dict[str, Any] = {}
    for key in SELECT_KEYS:
        value = raw.get(key)
        if value is None:
            if key in REQUIRED_SELECTORS:
                problems.append(f"{label}.select.{key}: missing")
            values[key] = None
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{label}.select.{key}: not a CSS selector")
            values[key] = None
            continue
        values[key] = value.strip()
    if any(values[k] is None for k in REQUIRED_SELECTORS):
        return None
    return Selectors(**values)


# --- showing the effective configuration -----------------------------------------------------

MASK = "********"


def effective_toml(settings: Settings) -> str:
    """The effective configuration as TOML, the token and the webhook secret masked."""
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
            if section == "telegram" and key == "destinations":
                continue  # tables: after the section's keys
            if section == "telegram" and key == "token":
                shown = f'"{MASK}"  # set' if value else '""  # empty: Telegram is off'
                lines.append(f"token = {shown}")
                continue
            if section == "telegram" and key == "webhook_secret":
                shown = f'"{MASK}"  # set' if value else '""  # empty: kept in the data directory'
                lines.append(f"webhook_secret = {shown}")
                continue
            lines.append(f"{key} = {_toml_value(value)}")
        if section == "telegram":
            for destination in settings.telegram.destinations:
                lines += ["", "[[telegram.destinations]]"]
                lines.append(f"chat = {_toml_value(destination.chat)}")
                if destination.thread is not None:
                    lines.append(f"thread = {destination.thread}")
                lines.append(f"carries = {_toml_value(destination.carries)}")
    origin = "shipped defaults" if settings.sources_from_defaults else "config file"
    lines += ["", f"# sources: {len(settings.sources)} ({origin})"]
    for source in settings.sources:
        lines += ["", "[[sources]]"]
        for f in fields(SourceSettings):
            value = getattr(source, f.name)
            if value is None or value == ():  # left out (name, url and type never are)
                continue
            if f.name.startswith("review") and value == f.default:  # not under review
                continue
            if isinstance(value, Selectors):
                parts = [
                    f"{key} = {_toml_value(getattr(value, key))}"
                    for key in SELECT_KEYS
                    if getattr(value, key) is not None
                ]
                lines.append(f"{f.name} = {{ " + ", ".join(parts) + " }")
            else:
                lines.append(f"{f.name} = {_toml_value(value)}")
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
