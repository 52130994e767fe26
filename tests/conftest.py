"""Session-wide fixtures: one PostgreSQL cluster, one Bluesky test network (PDS + AppView), and
the read-back of every post a test wrote to it (tests/readback.py)."""

from tests.pg import pg_server
from tests.readback import (
    _read_back,
    network,
    pds,
    pytest_runtest_makereport,
    pytest_terminal_summary,
    read_back_memory,
)

__all__ = [
    "_read_back",
    "network",
    "pds",
    "pg_server",
    "pytest_runtest_makereport",
    "pytest_terminal_summary",
    "read_back_memory",
]
