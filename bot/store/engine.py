"""Engines for the store: SQLite set up for many processes, or PostgreSQL.

SQLite (SQLAlchemy's documented pysqlite recipe): the driver runs in autocommit mode and
SQLAlchemy's ``begin`` event emits the ``BEGIN`` itself, ``BEGIN IMMEDIATE`` for write
transactions, so a writer takes the lock up front and waits (``busy_timeout``) instead of
failing with "database is locked" on a lock upgrade. WAL, ``synchronous=FULL`` and foreign
keys are set on every connection. The file is created 0600 before SQLite opens it (it
holds login sessions); SQLite creates the ``-wal``/``-shm`` files with the same mode.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from bot.errors import StoreError

BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "sharebot_read"  # execution option: a deferred (read) transaction on SQLite


def sqlite_file(url: str) -> Path | None:
    """The database file of an ``sqlite://`` URL (None for memory or other databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    db = parsed.database
    return Path(db) if db and db != ":memory:" else None


def create_private_file(path: Path) -> None:
    """Create ``path`` (and its parent folders) with mode 0600 if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)


def _create_store_file(path: Path) -> None:
    try:
        create_private_file(path)
    except PermissionError:
        raise StoreError(
            f"{path}: cannot create the store (permission denied): choose a writable folder "
            "with store_url or data_dir"
        ) from None
    except (NotADirectoryError, FileExistsError):
        raise StoreError(
            f"{path}: cannot create the store: a part of this path is a file, not a folder"
        ) from None
    except IsADirectoryError:
        raise StoreError(f"{path}: is a folder; store_url must name a database file") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the store: {exc.strerror}") from None


def check_sqlite(engine: Engine) -> None:
    """``PRAGMA quick_check`` on an SQLite store: StoreError naming the file and what to do
    when it is damaged (or not a database at all)."""
    path = sqlite_file(str(engine.url))
    try:
        with engine.connect() as conn:
            rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
    except DBAPIError as exc:
        rows = [str(exc.orig)]
    if rows != ["ok"]:
        raise StoreError(
            f"{path}: the store is damaged ({'; '.join(rows[:3])}): restore it from a backup, "
            "or move it aside to start an empty one"
        )


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``; SQLite files are created 0600 (unless ``create`` is False)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, create=create)
    if backend != "postgresql":
        raise StoreError(f"unsupported store {backend!r}: use sqlite:/// or postgresql+psycopg://")
    try:
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    except NoSuchModuleError as exc:
        raise StoreError(f"no driver for {parsed.drivername!r}: {exc}") from exc


def _sqlite_engine(url: str, *, create: bool) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        if create:
            _create_store_file(path)
        elif not path.exists():
            raise StoreError(
                f"{path}: no store there yet (nothing was queued; check --store/SHAREBOT_STORE "
                "or the configuration's store_url/data_dir)"
            )
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def _on_connect(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (_on_begin)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (persistent, so usually it already is). SQLite answers a
    journal-mode change that races another opener with "database is locked" at once,
    without the busy handler: look again and retry until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _on_begin(conn: Connection) -> None:
    deferred = conn.get_execution_options().get(READ_ONLY, False)
    # Straight to the driver: one statement per transaction, without SQLAlchemy's execute
    # machinery (about a tenth of a publish transaction's CPU).
    driver = conn.connection.driver_connection
    assert driver is not None  # a checked-out connection always has one
    driver.execute("BEGIN" if deferred else "BEGIN IMMEDIATE")
