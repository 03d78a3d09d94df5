"""`bash scripts/setup` (and so `bash scripts/run`) as a newcomer and a returning developer meet
it: pip runs on the first run, when pyproject.toml changed, for the test tools, and when the venv
is broken; a warm start runs no pip and prints nothing. The real script runs in a copy of the
checkout whose Python is a fake that records how it was called (no pip, no network)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Plays both the system's Python (PYTHON=...) and the venv's: `-m venv` makes a venv whose
# python is this script; `-m pip` "installs" (mends a broken venv, not an unfixable one);
# `-c CODE` (does ogbot import from here?) succeeds unless the venv is broken.
FAKE_PYTHON = """#!/usr/bin/env bash
here=$(cd "$(dirname "$0")" && pwd)
echo "$*" >>"$CALLS"
case "$1" in
  -m)
    if [ "$2" = venv ]; then
      mkdir -p "${@: -1}/bin" && cp "$FAKE" "${@: -1}/bin/python"
    fi
    if [ "$2" = pip ]; then rm -f "$here/../broken"; fi
    ;;
  -c)
    [ ! -e "$here/../broken" ] && [ ! -e "$here/../unfixable" ]
    ;;
esac
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "ogbot"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup", root / "scripts" / "setup")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PYTHON, encoding="utf-8")
    fake.chmod(0o755)
    return root


def setup(checkout: Path, *args: str) -> tuple[str, list[str]]:
    """Run scripts/setup; what it told the user (stderr), and the pip installs it ran."""
    calls = checkout.parent / "calls.log"
    calls.unlink(missing_ok=True)
    fake = checkout.parent / "python3"
    env = {**os.environ, "PYTHON": str(fake), "FAKE": str(fake), "CALLS": str(calls)}
    done = subprocess.run(
        ["bash", "scripts/setup", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout == ""
    lines = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    return done.stderr, [line for line in lines if line.startswith("-m pip")]


def test_first_run_sets_up_and_says_so_then_a_warm_start_is_silent_and_runs_no_pip(checkout):
    told, pip = setup(checkout)
    assert told.startswith("Setting up .venv (first run, ~1 min)")
    assert pip == ["-m pip install --quiet --disable-pip-version-check -e ."]
    assert (checkout / ".venv" / "ogbot-setup.stamp").exists()

    for _ in range(2):
        assert setup(checkout) == ("", [])


def test_a_changed_pyproject_installs_again_once(checkout):
    setup(checkout)
    pyproject = checkout / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# a new dependency\n", encoding="utf-8")

    told, pip = setup(checkout)
    assert told.startswith("pyproject.toml changed: updating .venv")
    assert len(pip) == 1
    assert setup(checkout) == ("", [])


def test_the_test_tools_are_installed_once_and_then_cover_a_plain_setup(checkout):
    setup(checkout)
    told, pip = setup(checkout, "dev")
    assert told.startswith("Adding the test tools to .venv")
    assert pip == ["-m pip install --quiet --disable-pip-version-check -e .[dev]"]
    assert setup(checkout, "dev") == ("", [])
    assert setup(checkout) == ("", [])


def test_a_broken_venv_or_a_lost_stamp_installs_again(checkout):
    setup(checkout)
    (checkout / ".venv" / "broken").touch()  # its Python no longer imports this ogbot
    told, pip = setup(checkout)
    assert told.startswith("Setting up .venv again")
    assert len(pip) == 1

    assert setup(checkout) == ("", [])  # mended

    (checkout / ".venv" / "ogbot-setup.stamp").unlink()
    told, pip = setup(checkout)
    assert told.startswith("Updating .venv to pyproject.toml")
    assert len(pip) == 1
    assert setup(checkout) == ("", [])


def test_a_failed_install_leaves_no_stamp(checkout):
    setup(checkout)
    (checkout / ".venv" / "ogbot-setup.stamp").unlink()
    (checkout / ".venv" / "unfixable").touch()
    calls = checkout.parent / "calls.log"
    fake = checkout.parent / "python3"
    env = {**os.environ, "PYTHON": str(fake), "FAKE": str(fake), "CALLS": str(calls)}
    failed = subprocess.run(
        ["bash", "scripts/setup"], cwd=checkout, env=env, capture_output=True, text=True, timeout=30
    )
    assert failed.returncode == 1
    assert "installing ogbot failed" in failed.stderr
    assert not (checkout / ".venv" / "ogbot-setup.stamp").exists()
