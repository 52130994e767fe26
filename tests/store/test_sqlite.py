"""SQLite specifics: a private file, WAL/FULL/foreign keys, index-driven claims and lists."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.store import open_store
from bot.store.claims import claimable_query
from bot.store.engine import READ_ONLY
from tests.store.helpers import NOW, bluesky_thread, enqueue


def test_file_created_0600_with_parent_dirs(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "sharebot.db"
    store = open_store(f"sqlite:///{path}")
    enqueue(store, [bluesky_thread(0, 1)])
    store.close()
    for name in ("sharebot.db", "sharebot.db-wal", "sharebot.db-shm"):
        target = path.with_name(name)
        if target.exists() or name == "sharebot.db":
            assert stat.S_IMODE(target.stat().st_mode) == 0o600, name


def test_connection_pragmas(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    with store.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        pragmas = {
            p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
            for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    store.close()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 30000,
    }


def _plan(store: object, sql: str) -> str:
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all()
    return "\n".join(r[-1] for r in rows)


def test_claim_and_list_use_indexes(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    enqueue(store, [bluesky_thread(0, 2)])
    compiled = claimable_query(NOW, 50, ["bluesky"], None).compile(
        store.engine, compile_kwargs={"literal_binds": True}
    )
    claim_plan = _plan(store, str(compiled))
    list_plan = _plan(
        store, "SELECT * FROM posts WHERE state='queued' ORDER BY due_at, id LIMIT 50"
    )
    all_plan = _plan(store, "SELECT * FROM posts ORDER BY due_at, id LIMIT 50")
    store.close()
    assert "ix_posts_state_due" in claim_plan and "ix_posts_state_lease" in claim_plan
    # The claim reads each state's index in order (no sort of every due post) and fetches
    # the chosen rows by id.
    assert "SEARCH posts USING INTEGER PRIMARY KEY" in claim_plan
    assert "TEMP B-TREE" not in claim_plan.split("UNION ALL")[0], claim_plan
    for plan in (claim_plan, list_plan, all_plan):
        scans = [
            line
            for line in plan.splitlines()
            if line.startswith("SCAN") and "INDEX" not in line and not line.startswith("SCAN anon")
        ]
        assert scans == [], plan


def test_writers_take_the_lock_up_front(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    with store.write() as conn:
        assert conn.exec_driver_sql("PRAGMA main.data_version").scalar() is not None
        other = store.engine.raw_connection()
        try:
            other.execute("PRAGMA busy_timeout=0")  # type: ignore[attr-defined]
            try:
                other.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
                locked = False
            except Exception as exc:  # the first writer already holds the RESERVED lock
                locked = "locked" in str(exc)
        finally:
            other.close()
    store.close()
    assert locked


def test_bad_store_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store there yet"):
        open_store(f"sqlite:///{tmp_path}/missing.db", create=False)
    with pytest.raises(StoreError, match="unsupported store 'mysql'"):
        open_store("mysql://u@127.0.0.1/x")
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("not a url")
    assert not (tmp_path / "missing.db").exists()


def test_store_errors_never_show_parameters(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.db")
    with store.write() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER no_sessions BEFORE UPDATE ON accounts BEGIN "
            "SELECT RAISE(ABORT, 'refused'); END"
        )
    store.save_session("bluesky", "b", "first")
    with pytest.raises(StoreError, match="refused") as caught:
        store.save_session("bluesky", "b", "secret-token-123")
    store.close()
    assert "secret-token-123" not in str(caught.value)
