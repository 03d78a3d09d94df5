"""Settings: defaults, then a TOML file, then ``OGBOT_<SECTION>_<KEY>`` environment variables.

Every key is declared once, as a field of a frozen dataclass in :mod:`ogbot.config.settings`
(type, default, parser); :mod:`ogbot.config.values` holds the parsers, :mod:`ogbot.config.load`
reads, merges and validates, and shows the effective configuration.
"""

from ogbot.config.load import (
    ConfigError,
    build_settings,
    effective_toml,
    find_config_file,
    load_settings,
)
from ogbot.config.settings import (
    DEFAULT_CONFIG_FILE,
    DEFAULT_DATA_DIR,
    DEFAULT_SOURCES,
    ENV_CONFIG,
    ENV_DATA_DIR,
    ENV_PREFIX,
    ENV_START_AFRESH,
    PROJECT_URL,
    SCHEMA,
    SECTIONS,
    SELECT_KEYS,
    SOURCE_KEYS,
    START_AFRESH_OPTION,
    Carries,
    Destination,
    FetchSettings,
    PublishSettings,
    Selectors,
    Settings,
    SourceSettings,
    SourceType,
    TelegramSettings,
    WebSettings,
    env_name,
    known_keys,
)
from ogbot.config.values import Invalid, Parser, parse_quiet_hours

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_DATA_DIR",
    "DEFAULT_SOURCES",
    "ENV_CONFIG",
    "ENV_DATA_DIR",
    "ENV_PREFIX",
    "ENV_START_AFRESH",
    "PROJECT_URL",
    "SCHEMA",
    "SECTIONS",
    "SELECT_KEYS",
    "SOURCE_KEYS",
    "START_AFRESH_OPTION",
    "Carries",
    "ConfigError",
    "Destination",
    "FetchSettings",
    "Invalid",
    "Parser",
    "PublishSettings",
    "Selectors",
    "Settings",
    "SourceSettings",
    "SourceType",
    "TelegramSettings",
    "WebSettings",
    "build_settings",
    "effective_toml",
    "env_name",
    "find_config_file",
    "known_keys",
    "load_settings",
    "parse_quiet_hours",
]
