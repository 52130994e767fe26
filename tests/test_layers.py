"""DESIGN.md's layer rule: a module imports only from its own layer or layers above it,
and the pure core never touches the clock, the environment, files or the network."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "bot"

# Lower number = higher layer (imported by more). Prefix match, longest wins.
LAYERS: dict[str, int] = {
    "bot": 0,
    "bot.errors": 0,
    "bot.config": 0,
    "bot.logs": 0,
    "bot.secretkey": 0,
    "bot.fetch": 0,
    "bot.article": 1,
    "bot.readers": 1,
    "bot.threads": 2,
    "bot.richtext": 2,
    "bot.compile": 2,
    "bot.links": 3,
    "bot.schedule": 4,
    "bot.budget": 4,
    "bot.platforms.base": 4,  # the adapter protocol and its value types: no I/O
    "bot.store": 5,
    "bot.platforms": 6,
    "bot.images": 6,
    "bot.publish": 7,
    "bot.accounts": 7,  # account use-cases (list, check, rotate-key): to move into bot/app/
    "bot.daemon": 8,
    "bot.cli": 9,
    "bot.commands": 9,
    "bot.demo": 9,
    "bot.__main__": 9,
}

PURE = (
    "bot.article",
    "bot.threads",
    "bot.richtext",
    "bot.compile",
    "bot.links",
    "bot.schedule",
    "bot.budget",
)
IMPURE_IMPORTS = {"os", "time", "socket", "httpx", "random", "sqlalchemy", "subprocess", "pathlib"}
IMPURE_CALLS = ("datetime.now", "datetime.utcnow", "date.today", "time.time", "os.environ")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(name: str) -> int | None:
    best: tuple[int, int] | None = None
    for prefix, layer in LAYERS.items():
        if (name == prefix or name.startswith(prefix + ".")) and (
            best is None or len(prefix) > best[0]
        ):
            best = (len(prefix), layer)
    return None if best is None else best[1]


def imports(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


MODULES = sorted(ROOT.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_respect_layers(path: Path) -> None:
    name = module_name(path)
    own = layer_of(name)
    assert own is not None, f"{name} has no layer: add it to LAYERS (and DESIGN.md)"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for imported in imports(tree):
        if not imported.startswith("bot"):
            continue
        theirs = layer_of(imported)
        assert theirs is not None, f"{name} imports {imported}, which has no layer"
        assert theirs <= own, f"{name} (layer {own}) imports {imported} (layer {theirs})"


@pytest.mark.parametrize(
    "path", [p for p in MODULES if module_name(p).startswith(PURE)], ids=module_name
)
def test_pure_core_has_no_io(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    for imported in imports(tree):
        assert imported.split(".")[0] not in IMPURE_IMPORTS, f"{path.name} imports {imported}"
    for call in IMPURE_CALLS:
        assert call not in source, f"{path.name} uses {call}: take it as an argument"


def test_every_module_checked() -> None:
    assert len(MODULES) >= 10
