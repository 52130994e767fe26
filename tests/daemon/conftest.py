"""Fixtures for the daemon tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.pds import PdsServer, start_pds


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


@pytest.fixture(scope="session")
def limited_pds() -> Iterator[PdsServer]:
    """The plain reference PDS with its rate limits on (PDS_RATE_LIMITS_ENABLED), not the test
    network's: its limits would throttle every other test of the session."""
    with start_pds(rate_limits=True) as server:
        yield server
