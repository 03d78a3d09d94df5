"""The house rules, read from the imports (docs/ARCHITECTURE.md draws them).

Every import counts, also those inside functions (ogbot imports heavy libraries lazily) and
those only for type checking: a rule broken lazily is broken all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "ogbot"
STAGES = ("watch", "store", "publish", "bot", "web", "knowledge", "app")

# part -> the parts it must not import
FORBIDDEN: dict[str, set[str]] = {
    "models": {
        *STAGES,
        "config",
        "cli",
        "logs",
        "sanitize",
        "text",
        "dates",
        "feed_dates",
        "backup",
        "lock",
    },
    "watch": {"store", "publish", "bot", "web", "knowledge", "app"},
    "store": {"watch", "publish", "bot", "web", "knowledge", "app"},
    "knowledge": {"watch", "store", "publish", "bot", "web", "app"},
    "publish": {"watch", "bot", "web", "app"},
    "bot": {"watch", "web"},
    "web": {"bot", "watch", "knowledge", "app"},
    # neutral helpers any stage may use import no stage themselves
    "config": set(STAGES),
    "sanitize": set(STAGES),
    "logs": set(STAGES),
    "text": set(STAGES),
    "dates": set(STAGES),
    "feed_dates": set(STAGES),
    "metrics": set(STAGES),
}
CLI_MAY_IMPORT = {"app", "config", "models", "logs", ""}  # "": the package itself (__version__)


def part_of(path: Path) -> str:
    relative = path.relative_to(SRC)
    return relative.parts[0].removesuffix(".py")


def ogbot_imports(path: Path) -> set[str]:
    """The parts of ogbot a module imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = ".".join(("ogbot", *path.relative_to(SRC).parent.parts))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            elif node.module:
                names = [node.module]
                if node.module == "ogbot":  # from ogbot import logs, __version__
                    names = [f"ogbot.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "ogbot":
                found.add(parts[1] if len(parts) > 1 else "")
    found.discard("__version__")
    found.discard("USER_AGENT")
    return {"" if name in {"__version__", "USER_AGENT"} else name for name in found}


MODULES = sorted(SRC.rglob("*.py"))


def test_the_modules_are_found():
    parts = {part_of(path) for path in MODULES}
    assert {"models", "watch", "store", "publish", "bot", "web", "knowledge", "app", "cli"} <= parts


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_each_part_imports_only_what_the_house_rules_allow(path: Path):
    part = part_of(path)
    imported = ogbot_imports(path) - {part}
    if part == "cli":
        assert imported <= CLI_MAY_IMPORT, f"cli imports {sorted(imported - CLI_MAY_IMPORT)}"
        return
    broken = imported & FORBIDDEN.get(part, set())
    assert not broken, f"{part} must not import {sorted(broken)}"
