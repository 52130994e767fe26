"""A throwaway PostgreSQL cluster for tests (bot.sandbox.postgres: initdb + pg_ctl on a temp
dir and a free loopback port). Reuse it from any test folder's conftest.py::

    from tests.pg import pg_server  # noqa: F401  (registers the session fixture)

``pg_server.new_database()`` returns a fresh ``postgresql+psycopg://`` URL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.postgres import BIN, USER, PgServer, free_port, start_cluster, stop_cluster

__all__ = ["BIN", "USER", "PgServer", "free_port", "pg_server", "start_cluster", "stop_cluster"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL cluster for the whole test session."""
    server = start_cluster()
    try:
        yield server
    finally:
        stop_cluster(server)
