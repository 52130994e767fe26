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
    "bot.controls": 0,
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
    "bot.sandbox": 4,  # the local servers: nothing of sharebot below them
    "bot.store": 5,
    "bot.platforms": 6,
    "bot.images": 6,
    "bot.publish": 7,
    "bot.app": 8,  # every use-case once
    "bot.daemon": 9,  # faces over the application layer
    "bot.sandbox.demo": 9,
    "bot.desk": 9,  # the editors' web desk: routes call bot.app
    "bot.cli": 10,
    "bot.commands": 10,
    "bot.__main__": 10,
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


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_only_the_cli_imports_commands(path: Path) -> None:
    """A behaviour two faces need lives in bot.app, never in a command module."""
    name = module_name(path)
    if name == "bot.cli" or name.startswith("bot.commands"):
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for imported in imports(tree):
        assert not imported.startswith("bot.commands"), f"{name} imports {imported}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_import_probes_and_no_tests_package(path: Path) -> None:
    """Parts of the project are imported by name, never probed; nothing imports tests/."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert not any(i == "tests" or i.startswith("tests.") for i in imports(tree)), path
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            arg = node.args[0] if node.args else None
            literal = isinstance(arg, ast.Constant) and str(arg.value).startswith("bot")
            assert not literal, f"{path.name}: import_module({arg.value!r}): import it by name"  # type: ignore[union-attr]
        if isinstance(node, ast.ExceptHandler) and path.name != "cli.py":
            caught = ast.unparse(node.type) if node.type is not None else ""
            assert "ModuleNotFoundError" not in caught, f"{path.name}: probes for a module"


def test_a_wrong_arrow_is_caught() -> None:
    """The rule itself: publish (7) importing the application layer (8) is refused."""
    assert layer_of("bot.publish.options") == 7 and layer_of("bot.app.plan") == 8
    assert layer_of("bot.app.plan") > layer_of("bot.publish")  # type: ignore[operator]
    assert layer_of("bot.commands.queue") > layer_of("bot.app")  # type: ignore[operator]
    assert layer_of("bot.sandbox.demo") == 9 and layer_of("bot.sandbox.pds") == 4


def test_every_module_checked() -> None:
    assert len(MODULES) >= 10
