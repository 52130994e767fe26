"""A throwaway PostgreSQL cluster (initdb + pg_ctl on a temp dir and a free loopback port),
for the test suite (tests/pg.py), the benchmarks and the AppView sandbox::

    with cluster() as pg:
        url = pg.new_database()           # postgresql+psycopg://… of an empty database

initdb refuses to run as root, so as root the cluster runs as the system user
``sharebot-test`` (created with useradd if missing).
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg


def _pg_bin() -> Path:
    """SHAREBOT_PG_BIN, else the newest Debian cluster binaries, else initdb on PATH."""
    if "SHAREBOT_PG_BIN" in os.environ:
        return Path(os.environ["SHAREBOT_PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else Path("/usr/lib/postgresql/15/bin")


BIN = _pg_bin()
USER = "sharebot-test"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", USER], check=True)
    return ["runuser", "-u", USER, "--"]


@dataclass
class PgServer:
    """A running cluster; trust authentication for ``postgres`` on 127.0.0.1."""

    port: int
    root: Path
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database``."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database; its SQLAlchemy URL."""
        name = f"t{next(self._names)}"
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_cluster() -> PgServer:
    """initdb and start a cluster (the caller stops it with ``stop_cluster``)."""
    root = Path(tempfile.mkdtemp(prefix="sharebot-pg-"))
    run_as = _as_user()
    if run_as:
        shutil.chown(root, USER)
    data, port = root / "data", free_port()
    subprocess.run(
        [
            *run_as,
            str(BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    )
    subprocess.run(
        [
            *run_as,
            str(BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    return PgServer(port, root)


def stop_cluster(server: PgServer) -> None:
    """Stop the cluster and remove its files."""
    data = server.root / "data"
    subprocess.run(
        [*_as_user(), str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
        check=False,
        capture_output=True,
    )
    shutil.rmtree(server.root, ignore_errors=True)


@contextmanager
def cluster() -> Iterator[PgServer]:
    """A running cluster for the duration of the ``with`` block (its files removed after)."""
    server = start_cluster()
    try:
        yield server
    finally:
        stop_cluster(server)
