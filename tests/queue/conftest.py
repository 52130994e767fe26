"""Fixtures for the editors' queue tests: a config, a store URL and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.errors import BotError

DATA = Path(__file__).parent / "data"

CONFIG = """
timezone = "Europe/Berlin"
slots = ["Daily 09:00", "Daily 13:00", "Daily 17:00"]
every = "next slot"

[[bluesky]]
name = "desk"
handle = "desk.test"
password_env = "TEST_BSKY_PASSWORD"
"""


@dataclass
class Run:
    """A command's outcome as ``bot.cli.main`` would report it."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        import json

        return json.loads(self.out)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A temp dir with sharebot.toml and a posts/ folder holding the test articles."""
    (tmp_path / "sharebot.toml").write_text(CONFIG, encoding="utf-8")
    posts = tmp_path / "posts"
    posts.mkdir()
    for name in ("essay.md", "note.txt"):
        shutil.copy(DATA / name, posts / name)
    return tmp_path


@pytest.fixture
def store_url(workdir: Path) -> str:
    """A fresh SQLite store URL in the temp dir."""
    return f"sqlite:///{workdir}/sharebot.db"


@pytest.fixture
def sharebot(workdir: Path, store_url: str) -> Callable[..., Run]:
    """Run ``sharebot --config … --store … ARGS`` through click's runner."""

    def run(*args: str, env: dict[str, str] | None = None) -> Run:
        runner = CliRunner()
        argv = ["--config", str(workdir / "sharebot.toml"), "--store", store_url, *args]
        result = runner.invoke(
            cli, argv, env={"SHAREBOT_STORE": None, "TEST_BSKY_PASSWORD": "pw", **(env or {})}
        )
        exc = result.exception
        if isinstance(exc, BotError):  # what bot.cli.main turns into a message + exit code
            return Run(exc.exit_code, result.stdout, f"Error: {exc}")
        if exc is not None and not isinstance(exc, SystemExit):
            raise exc
        return Run(result.exit_code, result.stdout, result.stderr)

    return run
