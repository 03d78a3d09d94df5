"""The settings: every configuration key declared once, as a field of a frozen dataclass.

A key's field carries its type, and in its metadata (:func:`key`) its default as a TOML file
would write it and the parser that reads and checks a value. Everything else is derived from
these declarations: the sections (the dataclass fields of :class:`Settings`), :data:`SCHEMA`,
the environment variables, the known keys that unknown ones are matched against, and the keys
of a source and of its selectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, get_type_hints
from zoneinfo import ZoneInfo

from ogbot.config import values as v
from ogbot.config.values import Parser, parse_quiet_hours, parse_weekly

ENV_PREFIX = "OGBOT_"
ENV_CONFIG = "OGBOT_CONFIG"
ENV_DATA_DIR = "OGBOT_DATA_DIR"
# the operator's "yes, an empty database" where the data directory shows it was in use (the
# store refuses otherwise: ogbot.store.opening); an option or a variable, never a TOML key
ENV_START_AFRESH = "OGBOT_START_AFRESH"
START_AFRESH_OPTION = "--start-afresh"
DEFAULT_CONFIG_FILE = "ogbot.toml"
DEFAULT_DATA_DIR = "data"
PROJECT_URL = "https://opengovpartnership.de"

KEY = "ogbot.config.key"  # the metadata entry of a field that is a configuration key


@dataclass(frozen=True)
class Key:
    """How a key is read: its parser, and for a key of a section its ``default`` as a TOML file
    would write it (``parse(default)`` is the value when the key is given nowhere)."""

    default: Any
    parse: Parser


def key(default: Any, parse: Parser) -> Mapping[str, Key]:
    """The metadata of a key of a section."""
    return {KEY: Key(default, parse)}


def source_key(parse: Parser) -> Mapping[str, Key]:
    """The metadata of a key of a source; left out, it is the field's default (if it has none,
    the key must be given)."""
    return {KEY: Key(MISSING, parse)}


# --- the sections ---------------------------------------------------------------------------


Carries = Literal["all", "consultations", "announcements"]


@dataclass(frozen=True)
class Destination:
    """A chat besides ``telegram.channel`` (``[[telegram.destinations]]``): another channel, a
    group, or a forum topic of a group (``thread``), and what it carries: ``"all"`` (what the
    channel gets), ``"consultations"`` (consultation items and their reminders),
    ``"announcements"``, or a tuple of source names (their items and reminders)."""

    chat: str
    thread: int | None = None
    carries: Carries | tuple[str, ...] = "all"

    @property
    def key(self) -> str:
        """The chat's name in the outbox: ``to:@chat`` or, for a forum topic, ``to:@chat#7``."""
        return f"to:{self.chat}" + (f"#{self.thread}" if self.thread is not None else "")


DESTINATION_KEYS = ("chat", "thread", "carries")


@dataclass(frozen=True)
class TelegramSettings:
    token: str = field(metadata=key("", v.bot_token))
    api_url: str = field(metadata=key("https://api.telegram.org", v.url))
    channel: str = field(metadata=key("", v.channel))
    coordinators: tuple[int, ...] = field(metadata=key([], v.user_ids))
    # webhook mode: Telegram posts the updates to this public https URL (ogbot's own web server
    # answers at its path, behind the reverse proxy); empty = long polling
    webhook_url: str = field(metadata=key("", v.webhook_url))
    # the secret Telegram sends with each update (X-Telegram-Bot-Api-Secret-Token); empty = one
    # generated once and kept in the data directory
    webhook_secret: str = field(metadata=key("", v.webhook_secret))
    # [[telegram.destinations]]: read as a list of tables by ogbot.config.load
    destinations: tuple[Destination, ...] = field(metadata=key([], v.tables))

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class PublishSettings:
    contact: str = field(metadata=key("@OpenGovGermany", v.nonempty))
    contact_url: str = field(metadata=key("https://x.com/OpenGovGermany", v.url))
    site_url: str = field(metadata=key("", v.optional_url))
    title: str = field(metadata=key("Open Government – Neuigkeiten", v.nonempty))
    backlog: int = field(metadata=key(0, v.whole(0)))
    max_age: float = field(metadata=key(3, v.number(0)))
    window: int = field(metadata=key(100, v.whole(1, 10_000)))
    digest_after: int = field(metadata=key(5, v.whole(0)))
    digest_size: int = field(metadata=key(10, v.whole(2, 50)))
    wait: float = field(metadata=key(300, v.number(0)))
    timezone: str = field(metadata=key("Europe/Berlin", v.timezone))
    quiet_hours: str = field(metadata=key("22-7", v.quiet_hours))
    reminder_days: int = field(metadata=key(3, v.whole(0, 60)))
    privacy_url: str = field(metadata=key("", v.optional_url))
    imprint_url: str = field(metadata=key("", v.optional_url))
    weekly: str = field(metadata=key("", v.weekly))
    # skipped items of a source under review ([[sources]] review) leave the feeds too
    feeds_follow_review: bool = field(metadata=key(False, v.boolean))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet_window(self) -> tuple[int, int] | None:
        """(start hour, end hour) in local time, or None when there are no quiet hours."""
        return parse_quiet_hours(self.quiet_hours)

    @property
    def weekly_slot(self) -> tuple[int, int, int] | None:
        """The weekly round-up's (weekday, Monday 0; hour; minute) local, or None when off."""
        return parse_weekly(self.weekly)


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = field(metadata=key(20, v.number(0, exclusive=True)))
    interval: float = field(metadata=key(30, v.number(0, exclusive=True)))
    max_bytes: int = field(metadata=key(10_000_000, v.whole(1024)))
    allow_private: bool = field(metadata=key(False, v.boolean))


@dataclass(frozen=True)
class WebSettings:
    host: str = field(metadata=key("127.0.0.1", v.host))
    port: int = field(metadata=key(8080, v.whole(0, 65535)))
    # GET /metrics (Prometheus text format); off = 404
    metrics: bool = field(metadata=key(False, v.boolean))


# --- the sources ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Selectors:
    """CSS selectors of an HTML listing; those without a default must be given."""

    item: str
    title: str
    link: str
    date: str | None = None
    summary: str | None = None


SourceType = Literal["feed", "html"]
ReviewTimeoutAction = Literal["post", "drop"]


@dataclass(frozen=True)
class SourceSettings:
    # name and select are read apart: the name labels the source's problems, and whether
    # select is wanted depends on the type
    name: str
    url: str = field(metadata=source_key(v.url))
    # the name people see on the page, in posts, the bot's lists and the feeds; None: the feed's
    # own title (remembered from its last successful parse), else the name
    title: str | None = field(default=None, metadata=source_key(v.source_title))
    type: SourceType = field(default="feed", metadata=source_key(v.source_type))
    select: Selectors | None = None
    interval: float | None = field(default=None, metadata=source_key(v.number(0, exclusive=True)))
    user_agent: str | None = field(default=None, metadata=source_key(v.nonempty))
    include: tuple[str, ...] = field(default=(), metadata=source_key(v.string_list))
    exclude: tuple[str, ...] = field(default=(), metadata=source_key(v.string_list))
    # new items wait for a coordinator's Posten/Überspringen before any chat gets them
    review: bool = field(default=False, metadata=source_key(v.boolean))
    # hours an item waits for that decision; then review_timeout_action decides (None: forever)
    review_timeout: float | None = field(
        default=None, metadata=source_key(v.number(0, exclusive=True))
    )
    review_timeout_action: ReviewTimeoutAction = field(
        default="drop", metadata=source_key(v.review_timeout_action)
    )


@dataclass(frozen=True)
class Settings:
    # the sections: each a [table] of the TOML file, in this order
    telegram: TelegramSettings
    publish: PublishSettings
    fetch: FetchSettings
    web: WebSettings
    # the rest
    sources: tuple[SourceSettings, ...]
    data_dir: Path
    config_file: Path | None = None
    sources_from_defaults: bool = field(default=True)
    start_afresh: bool = False  # --start-afresh or OGBOT_START_AFRESH=1
    warnings: tuple[str, ...] = ()  # accepted, but worth telling (a token in the TOML file)

    @property
    def site_url(self) -> str:
        """The public base URL of the feeds, without a trailing slash."""
        if self.publish.site_url:
            return self.publish.site_url.rstrip("/")
        host = self.web.host
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        return f"http://{host}:{self.web.port}"


# --- derived from the declarations ----------------------------------------------------------


def _sections() -> dict[str, type[Any]]:
    hints = get_type_hints(Settings)
    return {
        f.name: hints[f.name]
        for f in fields(Settings)
        if isinstance(hints[f.name], type) and is_dataclass(hints[f.name])
    }


SECTIONS: dict[str, type[Any]] = _sections()  # section name -> its settings class

# section -> key -> (default as a TOML file writes it, parser)
SCHEMA: dict[str, dict[str, tuple[Any, Parser]]] = {
    section: {f.name: (f.metadata[KEY].default, f.metadata[KEY].parse) for f in fields(kind)}
    for section, kind in SECTIONS.items()
}

SOURCE_KEYS = tuple(f.name for f in fields(SourceSettings))
SELECT_KEYS = tuple(f.name for f in fields(Selectors))
REQUIRED_SELECTORS = tuple(f.name for f in fields(Selectors) if f.default is MISSING)


def known_keys() -> list[str]:
    keys = [f"{section}.{key}" for section, entries in SCHEMA.items() for key in entries]
    keys += [f"sources.{key}" for key in SOURCE_KEYS]
    keys += [f"sources.select.{key}" for key in SELECT_KEYS]
    keys += [f"telegram.destinations.{key}" for key in DESTINATION_KEYS]
    return keys


def env_name(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper()}_{key.upper()}"


# The four sites of the SPEC. Selectors of the HTML listings are best guesses until checked
# against the live sites with `ogbot sources check NAME`.
DEFAULT_SOURCES: tuple[dict[str, Any], ...] = (
    {"name": "ogp", "url": "https://www.opengovpartnership.org/feed/"},
    {"name": "netzwerk", "url": "https://opengovpartnership.de/feed/"},
    {
        "name": "bundesregierung",
        "url": "https://www.open-government-deutschland.de/opengov-de",
        "title": "Open Government Deutschland",  # an HTML listing has no feed title to take
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
        "title": "Modellkommunen Open Government",
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
