"""Fixtures for the daemon tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """bot.logs.setup replaces the root handlers: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores opened without a key source (and child processes) keep the session key in
    the test's folder, not in ./data."""
    monkeypatch.setenv("SHAREBOT_DATA_DIR", str(tmp_path / "data"))
