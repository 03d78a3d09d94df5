"""The operator's documentation against the code: README.md and deploy/ogbot.example.toml.

An operator follows only the README, so what it names must exist and be right: every
configuration key with its environment variable and its real default, every `ogbot` command
line, every file in deploy/ and scripts/, every link inside the page. The example configuration
must pass `ogbot check` and mean exactly the embedded defaults.
"""

from __future__ import annotations

import argparse
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from ogbot.cli import build_parser
from ogbot.config import (
    DEFAULT_CONFIG_FILE,
    DEFAULT_DATA_DIR,
    DEFAULT_SOURCES,
    ENV_CONFIG,
    ENV_DATA_DIR,
    ENV_START_AFRESH,
    SCHEMA,
    SELECT_KEYS,
    SOURCE_KEYS,
    env_name,
)
from tests.shell import ogbot

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLE = ROOT / "deploy" / "ogbot.example.toml"

# Files the README tells the operator to create from a template in the repository; they are
# not in the repository themselves (the template is).
OPERATOR_FILES = {
    "deploy/ogbot.toml": "deploy/ogbot.example.toml",
    "deploy/ogbot.env": "deploy/ogbot.env.example",
}
# Misspelt variables the README shows on purpose, as examples of the error they cause.
TYPO_EXAMPLES = {"OGBOT_TELEGRAM_TOKNE", "OGBOT_PUBLISH_QUIET_HOUR"}
TABLE_HEADER = "| key | environment variable | default | meaning |"
FENCE = r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```"  # a fenced code block, also indented in a list


def readme() -> str:
    return README.read_text(encoding="utf-8")


def settings_lines(check_output: str) -> list[str]:
    """The effective values printed by `ogbot check`, without its comments (which name the
    config file and where the sources came from)."""
    return [line for line in check_output.splitlines() if not line.startswith("#")]


# --- deploy/ogbot.example.toml ---------------------------------------------------------------


def test_example_config_passes_check_and_means_the_embedded_defaults(tmp_path: Path) -> None:
    example = ogbot(tmp_path, "check", "--config", str(EXAMPLE))
    assert example.returncode == 0, example.stderr
    # its sources were read from the file, not defaulted
    assert f"# sources: {len(DEFAULT_SOURCES)} (config file)" in example.stdout
    defaults = ogbot(tmp_path, "check")
    assert defaults.returncode == 0, defaults.stderr
    assert settings_lines(example.stdout) == settings_lines(defaults.stdout)
    assert not (tmp_path / DEFAULT_DATA_DIR).exists()  # check creates nothing


def test_example_config_sets_every_key_and_keeps_the_token_out() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    document = tomllib.loads(text)
    for section, fields in SCHEMA.items():
        missing = set(fields) - set(document.get(section, {}))
        assert not missing, f"[{section}] lacks {sorted(missing)}"
    assert document["telegram"]["token"] == ""
    assert "set OGBOT_TELEGRAM_TOKEN in the env file instead" in text


def test_example_config_names_every_source_and_selector_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in (*SOURCE_KEYS, *SELECT_KEYS):
        assert re.search(rf"^(# )?{key} =", text, re.MULTILINE), f"{key} is not shown"


def test_example_config_comments_name_each_keys_environment_variable() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, fields in SCHEMA.items():
        for key in fields:
            assert env_name(section, key) in text, f"{section}.{key}: no {env_name(section, key)}"


# --- README: the configuration table --------------------------------------------------------


def config_table() -> dict[str, tuple[str, str]]:
    """The README's configuration table: environment variable -> (key cell, default cell)."""
    lines = readme().splitlines()
    start = lines.index(TABLE_HEADER)
    rows: dict[str, tuple[str, str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        key, env, default = cells[0], cells[1].strip("`"), cells[2]
        assert env not in rows, f"{env} has two rows"
        rows[env] = (key, default)
    return rows


def toml_value(cell: str) -> object:
    assert cell.startswith("`") and cell.endswith("`"), f"default {cell} is not a TOML value"
    return tomllib.loads(f"value = {cell.strip('`')}")["value"]


def test_readme_config_table_has_a_row_per_key_with_its_real_default() -> None:
    rows = config_table()
    expected = {env_name(s, k): (s, k) for s, fields in SCHEMA.items() for k in fields}
    assert set(rows) == {*expected, ENV_DATA_DIR, ENV_CONFIG}
    for env, (section, key) in expected.items():
        cell_key, cell_default = rows[env]
        assert cell_key == f"`{section}.{key}`", env
        assert toml_value(cell_default) == SCHEMA[section][key][0], f"{section}.{key} default"
    assert rows[ENV_DATA_DIR][1] == f"`./{DEFAULT_DATA_DIR}`"
    assert rows[ENV_CONFIG][1].startswith(f"`./{DEFAULT_CONFIG_FILE}`")


def test_readme_names_only_environment_variables_ogbot_knows() -> None:
    known = {env_name(s, k) for s, fields in SCHEMA.items() for k in fields}
    known |= {ENV_DATA_DIR, ENV_CONFIG, ENV_START_AFRESH}
    named = set(re.findall(r"\bOGBOT_[A-Z][A-Z_]*[A-Z]\b", readme()))
    assert named - known == TYPO_EXAMPLES


def test_readme_sources_table_has_a_row_per_source_key() -> None:
    rows = re.findall(r"^\| `(\w+)` \|", readme(), re.MULTILINE)
    assert set(SOURCE_KEYS) <= set(rows)
    assert all(f"`{key}`" in readme() for key in SELECT_KEYS)


# --- README: the first screen, files, links ---------------------------------------------------


def test_readme_first_screen_has_the_two_commands_and_ci_runs_the_test_command() -> None:
    first_screen = "\n".join(readme().splitlines()[:40])
    assert "bash scripts/run " in first_screen
    assert "bash scripts/test " in first_screen
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^exec bash scripts/test\b", ci, re.MULTILINE)


REPO_PATH = re.compile(r"(?<![\w.-])((?:deploy|scripts|src|tests|bench|content|\.ci)/[\w./-]*)")


def test_readme_names_only_files_that_exist() -> None:
    named = {path.rstrip("./") for path in REPO_PATH.findall(readme())}
    assert {"deploy/ogbot.service", "scripts/setup"} <= named  # the pattern finds paths
    missing = []
    for path in sorted(named):
        exists = (ROOT / OPERATOR_FILES.get(path, path)).exists()
        if not exists:
            missing.append(path)
    assert not missing, f"the README names files that do not exist: {missing}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_readme_links_within_the_page_point_at_headings() -> None:
    # a "# comment" in a code block is no heading
    text = re.sub(FENCE, "", readme(), flags=re.MULTILINE | re.DOTALL)
    anchors = {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links, "no links within the page found"
    assert links <= anchors, f"dangling: {sorted(links - anchors)}"


# --- README: every ogbot command line ---------------------------------------------------------


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("ogbot has no subcommands")


# `ogbot` where it is the program: at the start of a command (after a prompt and variable
# assignments, or a shell operator), as .../bin/ogbot, after `bash scripts/run`, or inside the
# compose service (`exec [-T] ogbot ogbot ...`; `run --rm [-v X] ogbot ...` uses the image's
# entrypoint, which is ogbot). Elsewhere "ogbot" is a user, a group or a service name.
PROGRAM = re.compile(
    r"(?:^(?:\$ )?(?:[A-Z_]+=\S* )*ogbot|/bin/ogbot|[;&|] *ogbot|\bscripts/run"
    r"|\bexec (?:-T )?ogbot ogbot|\brun --rm (?:-v \S+ )?ogbot) +(?P<rest>[a-z-][^\n]*)",
    re.MULTILINE,
)


def code_texts(text: str) -> tuple[list[str], list[str]]:
    """(lines of the fenced code blocks, inline code spans outside them)."""
    blocks = re.findall(FENCE, text, re.MULTILINE | re.DOTALL)
    outside = re.sub(FENCE, "", text, flags=re.MULTILINE | re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    # a span may wrap to the next line of the paragraph
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", outside)]
    return lines, spans


def command_lines() -> tuple[list[str], list[str]]:
    """The ogbot arguments of every command in a code block, and of every inline span."""
    lines, spans = code_texts(readme())
    in_blocks = [m["rest"] for line in lines for m in PROGRAM.finditer(line)]
    in_spans = [m["rest"] for span in spans for m in PROGRAM.finditer(span)]
    return in_blocks, in_spans


GLOBAL_OPTIONS_WITH_VALUE = {"--config", "--log-format", "--log-level"}


def command_name(rest: str) -> str:
    """The command of an ogbot command line; global options may come before it."""
    words = iter(rest.split())
    for word in words:
        if word in GLOBAL_OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            return word
    raise AssertionError(f"no command in `ogbot {rest}`")


def test_readme_names_only_commands_ogbot_knows_and_documents_them_all() -> None:
    known = set(subcommands(build_parser()))
    in_blocks, in_spans = command_lines()
    named = {command_name(rest) for rest in in_blocks + in_spans}
    assert {"run", "ask", "check", "poll", "announce", "sources"} <= named  # the pattern works
    assert named - known == set(), f"unknown commands in the README: {sorted(named - known)}"
    assert known - named == set(), f"commands the README leaves out: {sorted(known - named)}"


def test_readme_command_lines_in_code_blocks_parse() -> None:
    parser = build_parser()
    in_blocks, _ = command_lines()
    checked = 0
    for rest in in_blocks:
        # the ogbot part ends where the shell takes over again: a quote, pipe, redirection,
        # operator or comment
        args = shlex.split(re.split(r"'| [|<>;#]|&&", rest)[0])
        if any("$" in arg for arg in args):
            continue  # "$@" and friends: filled in by the shell
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"`ogbot {' '.join(args)}` does not parse")
        checked += 1
    assert checked >= 10


ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
MODULE_PATH = re.compile(
    r"`((?:app|watch|store|publish|bot|web|knowledge|config)/[\w./]*|"
    r"(?:models|text|dates|sanitize|logs|cli)\.py)"
)


def test_the_architecture_map_names_only_modules_that_exist() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    full = {path.rstrip("./") for path in REPO_PATH.findall(text)}
    short = {match.rstrip("`") for match in MODULE_PATH.findall(text)}
    assert "src/ogbot/app/cycle.py" in full and "watch/rules.py" in short  # the patterns work
    missing = sorted(p for p in full if not (ROOT / p).exists())
    missing += sorted(p for p in short if not (ROOT / "src" / "ogbot" / p).exists())
    assert not missing, f"docs/ARCHITECTURE.md names modules that do not exist: {missing}"


def test_the_item_path_reads_in_six_files() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## An item's path", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\d+\. `(src/ogbot/[\w/]+\.py)`", section, re.MULTILINE)
    assert len(steps) == 6 and len(set(steps)) == 6, steps
    for path in steps:
        assert (ROOT / path).exists(), path
