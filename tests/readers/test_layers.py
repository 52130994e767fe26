"""Readers are pure and sit high in the layers: they import only the modules above them."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.readers

ALLOWED = ("bot.article", "bot.errors", "bot.config", "bot.controls", "bot.fetch", "bot.readers")
FORBIDDEN_THIRD_PARTY = (
    "atproto",
    "praw",
    "prawcore",
    "sqlalchemy",
    "apscheduler",
    "click",
    "rich",
)
MODULES = sorted(Path(bot.readers.__file__).parent.glob("*.py"))


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_there_are_reader_modules() -> None:
    assert {p.name for p in MODULES} >= {"__init__.py", "plaintext.py", "markdown.py", "html.py"}


def test_readers_import_only_allowed_bot_modules() -> None:
    bad = [
        f"{path.name}: {name}"
        for path in MODULES
        for name in _imports(path)
        if (name == "bot" or name.startswith("bot.")) and not name.startswith(ALLOWED)
    ]
    assert bad == []


def test_readers_import_no_platform_or_store_libraries() -> None:
    bad = [
        f"{path.name}: {name}"
        for path in MODULES
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN_THIRD_PARTY
    ]
    assert bad == []


IMPURE = {"os", "time", "socket", "httpx", "random", "subprocess", "pathlib", "bot.fetch"}


def test_parsing_modules_are_pure() -> None:
    """Only the entry point (``__init__``) touches files and the network."""
    bad = [
        f"{path.name}: {name}"
        for path in MODULES
        if path.name != "__init__.py"
        for name in _imports(path)
        if name in IMPURE or name.split(".")[0] in IMPURE
    ]
    assert bad == []
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        assert "datetime.now" not in source and "os.environ" not in source, path.name
