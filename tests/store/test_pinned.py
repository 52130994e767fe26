"""``Store.pinned``: one thread's write transactions share one connection while inside (a
publisher's chain of confirm-and-claims), each still its own committed transaction."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from bot.errors import StoreError
from bot.store import Store


def _driver(store: Store) -> object:
    with store.write() as conn:
        return conn.connection.driver_connection


def test_writes_inside_share_one_connection_and_each_commits(store: Store) -> None:
    with store.write() as conn:
        conn.execute(text("CREATE TABLE pin_t (n INTEGER)"))
    checkouts = store.engine.pool.checkedout()
    with store.pinned():
        first = _driver(store)
        for n in range(3):
            with store.write() as conn:
                conn.execute(text("INSERT INTO pin_t VALUES (:n)"), {"n": n})
                assert conn.connection.driver_connection is first
            with store.read() as reader:  # another connection sees each one committed
                assert reader.scalar(text("SELECT count(*) FROM pin_t")) == n + 1
        assert store.engine.pool.checkedout() == checkouts + 1
    assert store.engine.pool.checkedout() == checkouts  # given back on the way out


def test_a_failed_write_inside_rolls_back_and_the_next_one_works(store: Store) -> None:
    with store.write() as conn:
        conn.execute(text("CREATE TABLE pin_u (n INTEGER PRIMARY KEY)"))
    with store.pinned():
        with store.write() as conn:
            conn.execute(text("INSERT INTO pin_u VALUES (1)"))
        with pytest.raises(StoreError, match="store write failed"), store.write() as conn:
            conn.execute(text("INSERT INTO pin_u VALUES (2)"))
            conn.execute(text("INSERT INTO pin_u VALUES (1)"))  # duplicate key
        with pytest.raises(RuntimeError), store.write() as conn:
            conn.execute(text("INSERT INTO pin_u VALUES (3)"))
            raise RuntimeError("the caller fails mid-transaction")
        with store.write() as conn:
            conn.execute(text("INSERT INTO pin_u VALUES (4)"))
    with store.read() as conn:
        assert list(conn.scalars(text("SELECT n FROM pin_u ORDER BY n"))) == [1, 4]


def test_pinning_is_per_thread_and_nests(store: Store) -> None:
    with store.pinned():
        mine = _driver(store)
        with store.pinned():  # nested: the outer pin's connection
            assert _driver(store) is mine
        assert _driver(store) is mine
        other: list[object] = []
        thread = threading.Thread(target=lambda: other.append(_driver(store)))
        thread.start()
        thread.join()
        assert other and other[0] is not mine  # another thread is not pinned to it
