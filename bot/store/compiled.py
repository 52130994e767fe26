"""The publish path's statements, compiled once and run on SQLite's own cursor.

A publisher confirms a post and claims the next in one transaction of six statements
(bot.store.claims). Through ``Connection.execute`` each costs SQLAlchemy's per-execution
work (cache key, execution context, result metadata: 30–40 µs, about as much as SQLite
takes to run it), which made that work most of a post's CPU. A :class:`Statement` is
compiled by SQLAlchemy once per dialect (the same SQL ``execute`` would send); on SQLite
its values are bound and its rows read through the columns' own types (``UTCTime`` and
the rest), and it runs on the driver connection of the caller's transaction. Database
errors come back as SQLAlchemy's ``DBAPIError`` (so ``Store.write`` reports them as
usual, without parameters). On PostgreSQL, where a statement's network round trip
dwarfs that work, it goes through ``Connection.execute``.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    binds: tuple[tuple[str | None, Any, Processor], ...]  # (key, or None: fixed value)
    row: Callable[..., Any]  # a namedtuple class: rows read like SQLAlchemy's
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, its result processor)


class Statement:
    """One statement with named bind parameters, compiled once per dialect."""

    def __init__(self, stmt: Executable) -> None:
        self.stmt = stmt
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Run it inside ``conn``'s transaction; its rows (attribute access by name)."""
        if conn.dialect.name != "sqlite":
            return list(conn.execute(self.stmt, params))
        plan = self._plan(conn.dialect)
        fetched = self._cursor(conn, plan, params).fetchall()
        if not plan.results:
            return [plan.row(*raw) for raw in fetched]
        out = []
        for raw in fetched:
            values = list(raw)
            for column, process in plan.results:
                values[column] = process(values[column])
            out.append(plan.row(*values))
        return out

    def run(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run it inside ``conn``'s transaction; how many rows it changed."""
        if conn.dialect.name != "sqlite":
            return int(conn.execute(self.stmt, params).rowcount)
        return int(self._cursor(conn, self._plan(conn.dialect), params).rowcount)

    @staticmethod
    def _cursor(conn: Connection, plan: _Plan, params: Mapping[str, Any]) -> Any:
        values = [
            value if key is None else params[key] if bind is None else bind(params[key])
            for key, value, bind in plan.binds
        ]
        driver = conn.connection.driver_connection
        assert driver is not None  # a connection inside a transaction has one
        error = conn.dialect.loaded_dbapi.Error
        try:
            return driver.execute(plan.sql, values)
        except error as exc:
            raise DBAPIError.instance(plan.sql, None, exc, error, hide_parameters=True) from exc

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            with self._lock:
                plan = self._plans.get(dialect.name) or _compile(self.stmt, dialect)
                self._plans[dialect.name] = plan
        return plan


def _compile(stmt: Executable, dialect: Dialect) -> _Plan:
    compiled = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]
    sql = str(compiled)
    if (
        "POSTCOMPILE" in sql
        or not dialect.positional
        or compiled.positiontup is None
        or compiled.insert_prefetch  # defaults computed in Python at each execution
        or compiled.update_prefetch
    ):
        raise ValueError(f"not a statement to compile once: {sql[:80]}")
    binds = []
    for name in compiled.positiontup:
        param = compiled.binds[name]
        bind = param.type.dialect_impl(dialect).bind_processor(dialect)
        if param.required:  # given at each run, by its own name
            binds.append((param.key, None, bind))
        else:  # a literal of the statement (a state name, a platform)
            value = param.effective_value
            binds.append((None, value if bind is None else bind(value), None))
    columns = list(getattr(stmt, "exported_columns", ()))
    names = [str(column.key) for column in columns]
    processors = (c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    results = tuple((n, p) for n, p in enumerate(processors) if p is not None)
    return _Plan(sql, tuple(binds), namedtuple("Row", names, rename=True), results)
