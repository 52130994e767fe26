"""Statements compiled once (bot.store.compiled) give what ``Connection.execute`` gives:
the same rows with the same Python values, the same changes, the same errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Integer, bindparam, insert, literal, select, update

from bot.article import Article, Paragraph, Section
from bot.errors import StoreError
from bot.secretkey import KeySource
from bot.store import Store, open_store
from bot.store.claims import _claimable
from bot.store.compiled import Statement
from bot.store.schema import accounts, posts
from bot.threads import PostDraft, ThreadDraft

NOW = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def queue_thread(store: Store, count: int = 3) -> None:
    section = Section("S", 2, ("S",), "s", (Paragraph("x"),))
    article = Article("A", "https://example.org/a", "en", (), None, None, (section,))
    drafts = tuple(PostDraft(text=f"post {i}") for i in range(count))
    store.enqueue(
        article, source="a.md", threads=[ThreadDraft("bluesky", 0, drafts)],
        due={("bluesky", 0): NOW}, spacing=timedelta(minutes=1), accounts={"bluesky": "me"},
        now=NOW,
    )  # fmt: skip


def test_rows_match_sqlalchemy_values_and_types(store: Store) -> None:
    queue_thread(store)
    query = _claimable(("bluesky",), False, bounded=True)
    params = {"now": NOW + timedelta(hours=1), "limit": 10, "article_id": None}
    with store.write() as conn:
        expected = [row._asdict() for row in conn.execute(query, params)]
        got = [row._asdict() for row in Statement(query).rows(conn, params)]
    assert expected, "the query should find the thread's first post"
    assert got == expected
    assert got[0]["due_at"] == NOW  # UTCTime read back as an aware datetime, to the µs
    assert got[0]["due_at"].tzinfo is not None


def test_binds_go_through_the_column_types(store: Store) -> None:
    queue_thread(store)
    later = NOW + timedelta(days=2, microseconds=7)
    stmt = Statement(
        update(posts)
        .where(posts.c.seq == bindparam("b_seq", type_=Integer))
        .values(due_at=bindparam("b_due", type_=posts.c.due_at.type), state=literal("failed"))
    )
    with store.write() as conn:
        assert stmt.run(conn, {"b_seq": 1, "b_due": later}) == 1
        assert stmt.run(conn, {"b_seq": 99, "b_due": later}) == 0
        row = conn.execute(select(posts.c.due_at, posts.c.state).where(posts.c.seq == 1)).one()
    assert (row.due_at, row.state) == (later, "failed")


def test_a_database_error_is_a_store_error_without_parameters(store: Store) -> None:
    secret = "token-that-must-not-leak"
    stmt = Statement(
        insert(accounts).values(
            platform=bindparam("b_platform"),
            account=bindparam("b_account"),
            blocked=False,
            session=bindparam("b_session"),
        )
    )
    params = {"b_platform": "bluesky", "b_account": "me", "b_session": secret}
    with store.write() as conn:
        stmt.run(conn, params)
    with pytest.raises(StoreError) as caught, store.write() as conn:
        stmt.run(conn, params)  # the same (platform, account) again
    assert "store write failed" in str(caught.value)
    assert secret not in str(caught.value)
    assert secret not in repr(caught.value.__cause__)


def test_statements_needing_python_side_defaults_are_refused(tmp_path: Path) -> None:
    """``accounts.blocked`` has a Python-side default, which SQLAlchemy fills in at each
    execution: compiled once, the INSERT would send NULL instead. (SQLite only: on
    PostgreSQL statements go through ``Connection.execute``.)"""
    store = open_store(f"sqlite:///{tmp_path}/s.db", key=KeySource(tmp_path / "k"))
    stmt = Statement(insert(accounts).values(platform=bindparam("p"), account=bindparam("a")))
    with pytest.raises(ValueError, match="compile once"), store.write() as conn:
        stmt.rows(conn, {"p": "bluesky", "a": "me"})
    store.close()
