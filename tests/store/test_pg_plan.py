"""PostgreSQL: the claim reads each state's index in due order under its row locks (the
SQLite plan is checked in test_sqlite.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from bench.store import NOW, build
from bot.store.claims import claimable_query
from tests.pg import PgServer


def _plan(store: object, sql: str) -> str:
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.exec_driver_sql("EXPLAIN " + sql).all()
    return "\n".join(r[0] for r in rows)


def test_postgresql_claim_uses_the_state_indexes_with_skip_locked(pg_server: PgServer) -> None:
    store = build(pg_server.new_database(), 20_000, backlog=True)  # analyzed
    query = claimable_query(NOW + timedelta(days=1), 50, ["bluesky"], None, locking=True)
    sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    plan = _plan(store, sql)
    store.close()
    assert sql.count("FOR UPDATE OF due_") == 3 and "SKIP LOCKED" in sql
    # queued posts in due order from an index on (state, due_at, id) or (due_at, id): the
    # planner picks either, both stop after the limit
    assert re.search(r"Index Scan using ix_posts_(state_)?due on posts due_queued", plan), plan
    assert "ix_posts_state_lease on posts due_sending" in plan, plan
    assert "Seq Scan on posts" not in plan, plan
    # Each state's scan stops at its limit: no sort of every due post before the limit.
    assert plan.count("LockRows") >= 3, plan
