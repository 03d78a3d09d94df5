"""The configuration contract (SPEC "Configuration"): defaults, then a TOML file, then OGBOT_*
environment variables; unknown keys and bad values stop with a message naming the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ogbot.config import ConfigError, Settings, build_settings, effective_toml, load_settings

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef012"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, toml: str | None = None, env: dict[str, str] | None = None) -> Settings:
    """Settings from an optional ./ogbot.toml in tmp_path and an explicit environment."""
    if toml is not None:
        write(tmp_path / "ogbot.toml", toml)
    return load_settings(env=env or {}, cwd=tmp_path)


def problems(
    tmp_path: Path, toml: str | None = None, env: dict[str, str] | None = None
) -> list[str]:
    """The problems a configuration is rejected with (fails the test when it is accepted)."""
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, toml, env)
    assert caught.value.problems, "a ConfigError must say what is wrong"
    return caught.value.problems


def one_problem(tmp_path: Path, toml: str | None = None, env: dict[str, str] | None = None) -> str:
    found = problems(tmp_path, toml, env)
    assert len(found) == 1, found
    return found[0]


# --- defaults ---------------------------------------------------------------------------------


def test_defaults_ship_the_four_sources(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert [s.name for s in settings.sources] == ["ogp", "netzwerk", "bundesregierung", "kommunen"]
    assert settings.sources_from_defaults is True
    assert settings.config_file is None
    for source in settings.sources:
        assert source.url.startswith(("http://", "https://")), source


def test_defaults_bundesregierung_is_an_html_listing_with_selectors(tmp_path: Path) -> None:
    sources = {s.name: s for s in load(tmp_path).sources}
    federal = sources["bundesregierung"]
    assert federal.type == "html"
    assert federal.select is not None
    assert federal.select.item and federal.select.title and federal.select.link
    assert sources["ogp"].type == "feed"
    assert sources["ogp"].select is None


def test_defaults_telegram_is_off_without_token(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.telegram.token == ""
    assert settings.telegram.enabled is False
    assert settings.telegram.coordinators == ()
    assert settings.telegram.api_url == "https://api.telegram.org"


def test_defaults_telegram_is_on_with_token(tmp_path: Path) -> None:
    settings = load(tmp_path, env={"OGBOT_TELEGRAM_TOKEN": TOKEN})
    assert settings.telegram.enabled is True
    assert settings.telegram.token == TOKEN


def test_defaults_publish_values_match_the_spec(tmp_path: Path) -> None:
    publish = load(tmp_path).publish
    assert publish.contact == "@OpenGovGermany"
    assert publish.contact_url == "https://x.com/OpenGovGermany"
    assert publish.timezone == "Europe/Berlin"
    assert publish.quiet_hours == "22-7"
    assert publish.quiet_window == (22, 7)
    assert publish.backlog == 0
    assert publish.max_age == 3
    assert publish.window == 100


def test_defaults_site_url_is_derived_from_web_host_and_port(tmp_path: Path) -> None:
    assert load(tmp_path).site_url == "http://127.0.0.1:8080"
    settings = load(tmp_path, "[web]\nhost = '10.1.2.3'\nport = 9000\n")
    assert settings.site_url == "http://10.1.2.3:9000"


def test_defaults_site_url_from_publish_drops_trailing_slash(tmp_path: Path) -> None:
    settings = load(tmp_path, "[publish]\nsite_url = 'https://feeds.example.org/og/'\n")
    assert settings.site_url == "https://feeds.example.org/og"


def test_defaults_data_dir_is_data_in_cwd(tmp_path: Path) -> None:
    assert load(tmp_path).data_dir == tmp_path / "data"


# --- the TOML file and the environment -------------------------------------------------------


def test_toml_overrides_defaults(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [publish]
        quiet_hours = "23-6"
        backlog = 2
        timezone = "Europe/Vienna"

        [fetch]
        interval = 15

        [web]
        host = "0.0.0.0"
        """,
    )
    assert settings.publish.quiet_window == (23, 6)
    assert settings.publish.backlog == 2
    assert settings.publish.timezone == "Europe/Vienna"
    assert settings.fetch.interval == 15
    assert settings.web.host == "0.0.0.0"
    assert settings.web.port == 8080  # untouched keys keep their defaults
    assert settings.config_file == tmp_path / "ogbot.toml"


def test_env_overrides_toml(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        '[web]\nhost = "127.0.0.1"\n[publish]\nquiet_hours = "22-7"\n',
        env={
            "OGBOT_WEB_HOST": "0.0.0.0",
            "OGBOT_PUBLISH_QUIET_HOURS": "21-6",
            "OGBOT_TELEGRAM_COORDINATORS": "1,2",
            "OGBOT_FETCH_ALLOW_PRIVATE": "true",
        },
    )
    assert settings.web.host == "0.0.0.0"
    assert settings.publish.quiet_window == (21, 6)
    assert settings.telegram.coordinators == (1, 2)
    assert settings.fetch.allow_private is True


def test_env_empty_quiet_hours_means_none(tmp_path: Path) -> None:
    settings = load(tmp_path, env={"OGBOT_PUBLISH_QUIET_HOURS": ""})
    assert settings.publish.quiet_window is None


def test_env_numbers_are_read_from_strings(tmp_path: Path) -> None:
    settings = load(tmp_path, env={"OGBOT_WEB_PORT": "9090", "OGBOT_PUBLISH_BACKLOG": "3"})
    assert settings.web.port == 9090
    assert settings.publish.backlog == 3
    assert settings.site_url == "http://127.0.0.1:9090"


def test_env_data_dir_is_relative_to_cwd(tmp_path: Path) -> None:
    assert load(tmp_path, env={"OGBOT_DATA_DIR": "var/ogbot"}).data_dir == tmp_path / "var/ogbot"
    absolute = tmp_path / "elsewhere"
    assert load(tmp_path, env={"OGBOT_DATA_DIR": str(absolute)}).data_dir == absolute


# --- finding the file -------------------------------------------------------------------------


def test_discovery_explicit_config_wins(tmp_path: Path) -> None:
    write(tmp_path / "ogbot.toml", "[web]\nport = 1111\n")
    write(tmp_path / "env.toml", "[web]\nport = 2222\n")
    write(tmp_path / "explicit.toml", "[web]\nport = 3333\n")
    settings = load_settings(config="explicit.toml", env={"OGBOT_CONFIG": "env.toml"}, cwd=tmp_path)
    assert settings.web.port == 3333
    assert settings.config_file == tmp_path / "explicit.toml"


def test_discovery_env_config_before_cwd_file(tmp_path: Path) -> None:
    write(tmp_path / "ogbot.toml", "[web]\nport = 1111\n")
    write(tmp_path / "env.toml", "[web]\nport = 2222\n")
    settings = load_settings(env={"OGBOT_CONFIG": "env.toml"}, cwd=tmp_path)
    assert settings.web.port == 2222


def test_discovery_cwd_file_when_nothing_named(tmp_path: Path) -> None:
    write(tmp_path / "ogbot.toml", "[web]\nport = 1111\n")
    assert load_settings(env={}, cwd=tmp_path).web.port == 1111


def test_discovery_no_file_means_defaults(tmp_path: Path) -> None:
    settings = load_settings(env={}, cwd=tmp_path)
    assert settings.config_file is None
    assert settings.web.port == 8080


@pytest.mark.parametrize("how", ["option", "env"])
def test_discovery_named_missing_file_is_an_error(tmp_path: Path, how: str) -> None:
    write(tmp_path / "ogbot.toml", "")  # present, but the named file wins and is missing
    with pytest.raises(ConfigError) as caught:
        if how == "option":
            load_settings(config="missing.toml", env={}, cwd=tmp_path)
        else:
            load_settings(env={"OGBOT_CONFIG": "missing.toml"}, cwd=tmp_path)
    assert "missing.toml" in str(caught.value)
    assert "not found" in str(caught.value)


def test_discovery_invalid_toml_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "broken.toml", "[web\nport = = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config="broken.toml", env={}, cwd=tmp_path)
    message = str(caught.value)
    assert "broken.toml" in message
    assert "TOML" in message


# --- unknown names ----------------------------------------------------------------------------


def test_unknown_key_hints_nearest_known_key(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, '[publish]\nquiet_hour = "22-7"\n')
    assert "publish.quiet_hour" in problem
    assert "unknown" in problem
    assert "did you mean publish.quiet_hours" in problem


def test_unknown_section_hints_nearest_section(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, '[publsh]\ntitle = "x"\n')
    assert problem.startswith("publsh:")
    assert "did you mean publish" in problem


def test_unknown_source_key_hints_nearest_key(tmp_path: Path) -> None:
    problem = one_problem(
        tmp_path, '[[sources]]\nname = "a"\nurl = "https://example.org/feed"\nintervall = 5\n'
    )
    assert "sources.a.intervall" in problem
    assert "did you mean sources.interval" in problem


def test_unknown_select_key_hints_nearest_key(tmp_path: Path) -> None:
    problem = one_problem(
        tmp_path,
        """
        [[sources]]
        name = "a"
        url = "https://example.org/"
        type = "html"
        select = { item = "li", title = "a", link = "a", summry = "p" }
        """,
    )
    assert "sources.a.select.summry" in problem
    assert "did you mean sources.select.summary" in problem


def test_unknown_env_var_hints_nearest_name(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, env={"OGBOT_WEB_HOTS": "0.0.0.0"})
    assert "OGBOT_WEB_HOTS" in problem
    assert "did you mean OGBOT_WEB_HOST" in problem


def test_unknown_env_var_other_prefixes_are_ignored(tmp_path: Path) -> None:
    settings = load(tmp_path, env={"HOME": "/root", "OGBOTX": "1", "PATH": "/bin"})
    assert settings.web.port == 8080


# --- bad values -------------------------------------------------------------------------------


def test_bad_source_url_message_is_exact(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, '[[sources]]\nname = "ogp"\nurl = "ftp://example.org/feed"\n')
    assert problem == "sources.ogp.url: not an http(s) URL"


def test_bad_timezone_names_the_key(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, '[publish]\ntimezone = "Mars/Olympus"\n')
    assert problem.startswith("publish.timezone:")
    assert "Mars/Olympus" in problem


@pytest.mark.parametrize("value", ["22", "25-3", "7-7", "night", "22-7-1"])
def test_bad_quiet_hours_names_the_key(tmp_path: Path, value: str) -> None:
    problem = one_problem(tmp_path, f'[publish]\nquiet_hours = "{value}"\n')
    assert problem.startswith("publish.quiet_hours:")


def test_bad_quiet_hours_from_env_names_the_variable(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, env={"OGBOT_PUBLISH_QUIET_HOURS": "late"})
    assert problem.startswith("OGBOT_PUBLISH_QUIET_HOURS:")


def test_bad_backlog_negative_is_rejected(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, "[publish]\nbacklog = -1\n")
    assert problem.startswith("publish.backlog:")
    assert "at least 0" in problem


def test_bad_bool_given_for_int_is_rejected(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, "[web]\nport = true\n")
    assert problem.startswith("web.port:")
    assert "whole number" in problem


def test_bad_port_from_env_is_rejected(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, env={"OGBOT_WEB_PORT": "eighty"})
    assert problem.startswith("OGBOT_WEB_PORT:")


def test_bad_coordinators_are_rejected(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, env={"OGBOT_TELEGRAM_COORDINATORS": "1,bob"})
    assert problem.startswith("OGBOT_TELEGRAM_COORDINATORS:")


def test_bad_allow_private_is_rejected(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, env={"OGBOT_FETCH_ALLOW_PRIVATE": "perhaps"})
    assert problem.startswith("OGBOT_FETCH_ALLOW_PRIVATE:")


def test_bad_html_source_without_select_is_rejected(tmp_path: Path) -> None:
    problem = one_problem(
        tmp_path, '[[sources]]\nname = "liste"\nurl = "https://example.org/"\ntype = "html"\n'
    )
    assert problem.startswith("sources.liste.select:")


def test_bad_html_source_missing_required_selector(tmp_path: Path) -> None:
    problem = one_problem(
        tmp_path,
        """
        [[sources]]
        name = "liste"
        url = "https://example.org/"
        type = "html"
        select = { item = "li", title = "a" }
        """,
    )
    assert problem.startswith("sources.liste.select.link:")


def test_bad_source_type_is_rejected(tmp_path: Path) -> None:
    problem = one_problem(
        tmp_path, '[[sources]]\nname = "a"\nurl = "https://example.org/"\ntype = "json"\n'
    )
    assert problem.startswith("sources.a.type:")


def test_bad_duplicate_source_names_are_rejected(tmp_path: Path) -> None:
    problem = one_problem(
        tmp_path,
        """
        [[sources]]
        name = "same"
        url = "https://example.org/a"

        [[sources]]
        name = "same"
        url = "https://example.org/b"
        """,
    )
    assert problem.startswith("sources.same.name:")


def test_bad_source_without_name_is_rejected(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, '[[sources]]\nurl = "https://example.org/"\n')
    assert problem.startswith("sources[0].name:")


@pytest.mark.parametrize(
    "secret", ["not-a-token-SeCrEtVaLuE", "123456:ABC DEF SeCrEtVaLuE", "SeCrEtVaLuE:123456"]
)
def test_bad_token_is_rejected_without_echoing_it(tmp_path: Path, secret: str) -> None:
    from_env = problems(tmp_path, env={"OGBOT_TELEGRAM_TOKEN": secret})
    from_file = problems(tmp_path, f'[telegram]\ntoken = "{secret}"\n')
    assert from_env[0].startswith("OGBOT_TELEGRAM_TOKEN:")
    assert from_file[0].startswith("telegram.token:")
    for message in (*from_env, *from_file):
        assert "SeCrEtVaLuE" not in message
        assert secret not in message


def test_bad_values_are_all_reported_together(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """
        [publish]
        timezone = "Nowhere/City"
        backlog = -5
        quiet_hour = "22-7"

        [web]
        port = 70000

        [[sources]]
        name = "ogp"
        url = "not a url"
        """,
        env={"OGBOT_FETCH_ALLOW_PRIVATE": "maybe"},
    )
    text = "\n".join(found)
    for key in (
        "publish.timezone:",
        "publish.backlog:",
        "publish.quiet_hour:",
        "web.port:",
        "sources.ogp.url:",
        "OGBOT_FETCH_ALLOW_PRIVATE:",
    ):
        assert key in text, (key, found)
    assert len(found) == 6, found


# --- sources ----------------------------------------------------------------------------------


def test_sources_list_replaces_the_defaults(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [[sources]]
        name = "eigene"
        url = "https://example.org/feed.xml"
        interval = 60
        include = ["Germany", "Deutschland"]
        exclude = ["Webinar"]
        """,
    )
    assert [s.name for s in settings.sources] == ["eigene"]
    assert settings.sources_from_defaults is False
    (source,) = settings.sources
    assert source.type == "feed"
    assert source.interval == 60
    assert source.include == ("Germany", "Deutschland")
    assert source.exclude == ("Webinar",)


def test_sources_html_listing_keeps_its_selectors(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [[sources]]
        name = "liste"
        url = "https://example.org/news"
        type = "html"
        select = { item = "article.teaser", title = "h3 a", link = "h3 a", date = "time" }
        """,
    )
    select = settings.sources[0].select
    assert select is not None
    assert (select.item, select.title, select.link, select.date, select.summary) == (
        "article.teaser",
        "h3 a",
        "h3 a",
        "time",
        None,
    )


def test_sources_title_is_the_name_people_see_and_optional(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [[sources]]
        name = "stadt"
        url = "https://example.org/feed.xml"
        title = "  Stadt Musterhausen –  Pressemitteilungen "

        [[sources]]
        name = "land"
        url = "https://example.org/land.xml"
        """,
    )
    titles = {s.name: s.title for s in settings.sources}
    # whitespace as a reader sees it; no title: the feed's own (known once it is fetched)
    assert titles == {"stadt": "Stadt Musterhausen – Pressemitteilungen", "land": None}


def test_defaults_title_the_html_listings_which_have_no_feed_title(tmp_path: Path) -> None:
    titles = {s.name: s.title for s in load(tmp_path).sources}
    assert titles == {
        "ogp": None,  # the feeds' own titles
        "netzwerk": None,
        "bundesregierung": "Open Government Deutschland",
        "kommunen": "Modellkommunen Open Government",
    }


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('""', "must not be empty"),
        ('"   "', "must not be empty"),
        ('"Zwei\\nZeilen"', "one line"),
        ('"RTL \\u202eTXT.EXE"', "control characters"),
        ('"Tab\\tTitel"', "control characters"),
        (f'"{"x" * 101}"', "at most 100 characters"),
        ("42", "not a string"),
    ],
)
def test_bad_source_title_is_rejected(tmp_path: Path, value: str, why: str) -> None:
    problem = one_problem(
        tmp_path, f'[[sources]]\nname = "a"\nurl = "https://example.org/"\ntitle = {value}\n'
    )
    assert problem.startswith("sources.a.title:")
    assert why in problem


# --- build_settings and the effective configuration -------------------------------------------


def test_build_settings_takes_a_parsed_document(tmp_path: Path) -> None:
    settings = build_settings({"web": {"port": 8181}}, {"OGBOT_WEB_HOST": "::1"}, tmp_path)
    assert settings.site_url == "http://[::1]:8181"


def test_effective_toml_masks_the_token_and_parses_back(tmp_path: Path) -> None:
    settings = load(tmp_path, env={"OGBOT_TELEGRAM_TOKEN": TOKEN})
    text = effective_toml(settings)
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text
    parsed = tomllib.loads(text)
    assert parsed["telegram"]["token"] != ""
    assert parsed["web"] == {"host": "127.0.0.1", "port": 8080, "metrics": False}
    assert [s["name"] for s in parsed["sources"]] == [s.name for s in settings.sources]


def test_effective_toml_masks_the_webhook_secret(tmp_path: Path) -> None:
    secret = "hook_Secret-0815"
    settings = load(tmp_path, env={"OGBOT_TELEGRAM_WEBHOOK_SECRET": secret})
    text = effective_toml(settings)
    assert secret not in text
    assert tomllib.loads(text)["telegram"]["webhook_secret"] == "********"
    unset = tomllib.loads(effective_toml(load(tmp_path)))
    assert unset["telegram"]["webhook_secret"] == ""


def test_effective_toml_round_trips_awkward_strings(tmp_path: Path) -> None:
    """Any accepted value must come back unchanged from the printed TOML (quotes, backslashes,
    and a line break in a title)."""
    write(tmp_path / "ogbot.toml", '[publish]\ntitle = "Neu: \\"OG\\" \\\\ Liste\\nZeile 2"\n')
    settings = load_settings(env={}, cwd=tmp_path)
    parsed = tomllib.loads(effective_toml(settings))
    assert parsed["publish"]["title"] == 'Neu: "OG" \\ Liste\nZeile 2'


def test_effective_toml_feeds_back_into_the_same_settings(tmp_path: Path) -> None:
    original = load(
        tmp_path,
        """
        [publish]
        max_age = 1.5
        quiet_hours = ""
        [telegram]
        coordinators = [5, 7]
        channel = "@ogchannel"
        """,
    )
    text = effective_toml(original).replace('token = "********"', 'token = ""')
    again = build_settings(tomllib.loads(text), {}, tmp_path)
    assert again.publish == original.publish
    assert again.telegram == original.telegram
    assert again.fetch == original.fetch
    assert again.web == original.web
    assert again.sources == original.sources


# --- odd configuration, through the real command ----------------------------------------------


def test_a_non_utf8_byte_names_the_file_and_line(tmp_path: Path) -> None:
    from tests.shell import ogbot

    config = tmp_path / "ogbot.toml"
    # saved as Latin-1 by an editor: "Straße" with the byte 0xdf
    config.write_bytes(b'[publish]\ntitle = "Neuigkeiten"\ncontact = "Stra\xdfe 1"\n')
    result = ogbot(tmp_path, "check")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        "ogbot: the configuration is not valid:\n"
        f"  config file {config}: line 3, column 16: not UTF-8 (byte 0xdf);"
        " save the file as UTF-8\n"
    )


def test_a_url_the_fetcher_cannot_read_is_refused_at_check(tmp_path: Path) -> None:
    from tests.shell import ogbot

    write(
        tmp_path / "ogbot.toml",
        '[[sources]]\nname = "lokal"\nurl = "http://0177.0.0.1/feed"\n\n'
        '[[sources]]\nname = "port"\nurl = "https://example.org:99999/feed"\n',
    )
    result = ogbot(tmp_path, "check")
    assert result.returncode == 2
    assert result.stderr.splitlines()[1:] == [
        "  sources.lokal.url: not a URL the fetcher can use: Invalid IPv4 address: '0177.0.0.1'",
        "  sources.port.url: not a URL the fetcher can use: port 99999 is out of range",
    ]


def test_quoted_numbers_and_ids_in_toml_are_refused_with_the_way_to_write_them(
    tmp_path: Path,
) -> None:
    from tests.shell import ogbot

    write(
        tmp_path / "ogbot.toml",
        '[telegram]\ncoordinators = "123"\n\n[fetch]\ntimeout = "20"\nallow_private = "yes"\n\n'
        '[[sources]]\nname = "eigene"\nurl = "https://example.org/feed"\ninterval = "60"\n',
    )
    result = ogbot(tmp_path, "check")
    assert result.returncode == 2
    assert result.stderr.splitlines()[1:] == [
        "  telegram.coordinators: '123' is a string; write it without quotes in the TOML file,"
        " e.g. coordinators = [123456789]",
        "  fetch.timeout: '20' is a string; write it without quotes in the TOML file,"
        " e.g. timeout = 20",
        "  fetch.allow_private: 'yes' is a string; write it without quotes in the TOML file,"
        " e.g. allow_private = true",
        "  sources.eigene.interval: '60' is a string; write it without quotes in the TOML file,"
        " e.g. interval = 20",
    ]


def test_the_environment_still_gives_numbers_and_ids_as_text(tmp_path: Path) -> None:
    settings = load(
        tmp_path, env={"OGBOT_TELEGRAM_COORDINATORS": "123", "OGBOT_FETCH_TIMEOUT": "20"}
    )
    assert settings.telegram.coordinators == (123,)
    assert settings.fetch.timeout == 20


def test_a_token_in_the_toml_file_is_accepted_with_a_warning(tmp_path: Path) -> None:
    from tests.shell import clean_env, ogbot

    config = write(tmp_path / "ogbot.toml", f'[telegram]\ntoken = "{TOKEN}"\n')
    result = ogbot(tmp_path, "check")
    assert result.returncode == 0
    assert result.stderr == (
        f"ogbot: warning: telegram.token is set in {config}: the token is a password; put it "
        "only into the env file (OGBOT_TELEGRAM_TOKEN=...) and remove it from the TOML file\n"
    )
    assert TOKEN not in result.stderr + result.stdout

    config.write_text("", encoding="utf-8")
    from_env = ogbot(tmp_path, "check", env=clean_env(OGBOT_TELEGRAM_TOKEN=TOKEN))
    assert from_env.returncode == 0
    assert from_env.stderr == ""
