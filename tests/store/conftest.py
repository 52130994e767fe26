"""Every store test runs on SQLite and on a real PostgreSQL cluster (tests/pg.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.secretkey import KeySource
from bot.store import Store, open_store
from tests.pg import PgServer


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/data/sharebot.db"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database()


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """An opened store (migrated to head), its session key in ``tmp_path``."""
    opened = open_store(store_url, key=KeySource(tmp_path / "secret.key"))
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _key_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores opened without a key source (and child processes) keep the session key in
    the test's folder, not in ./data."""
    monkeypatch.setenv("SHAREBOT_DATA_DIR", str(tmp_path / "data"))
