"""Account budgets in the store: spent in the claim transaction, so daemons sharing a
PostgreSQL store share one budget per account (bot.budget holds the rules).

Each account row keeps its budget state (JSON), ``budget_until`` (no post of the account
is claimable before: the claim query skips it like a block, so other accounts' posts
are claimed instead) and ``budget_held_at`` (when it last ran out: a post due before
that waited for the budget, not for an outage, and is never treated as stale).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot import budget
from bot.budget import Limit
from bot.store.compiled import Statement
from bot.store.schema import accounts
from bot.threads import PostDraft

Budgets = Mapping[str, Sequence[Limit]]


def post_actions(row: Any, draft: PostDraft) -> budget.Actions:
    """The requests sending this claimed row (its draft parsed) will make."""
    embed = draft.embed
    images = len(getattr(embed, "images", ())) + int(getattr(embed, "thumb", None) is not None)
    mentions = sum(1 for f in draft.facets if f.kind == "mention")
    again = row.state != "queued" or row.attempts > 0
    return budget.post_actions(row.platform, images=images, mentions=mentions, reconcile=again)


class Ledger:
    """The budgets of the accounts one claim touches (rows locked on PostgreSQL)."""

    def __init__(self, conn: Connection, limits: Budgets, now: datetime) -> None:
        self.conn, self.limits, self.now = conn, limits, now
        self.states: dict[tuple[str, str], budget.State] = {}
        self.held: dict[tuple[str, str], datetime | None] = {}
        self.held_at: dict[tuple[str, str], datetime | None] = {}
        self.left: dict[tuple[str, str], dict[str, int]] = {}  # units left per limit
        self.spent: dict[tuple[str, str], dict[str, int]] = {}  # actions taken, summed

    def take(self, platform: str, account: str, actions: budget.Actions) -> bool:
        """Spend ``actions`` from the account's budget if it allows them; otherwise
        remember when it will, and take nothing more of this account in this claim.
        (Every spend of one claim lands in the same bucket, so the units left are read
        once and counted down; the state is updated once, in ``write``.)"""
        key = (platform, account)
        if key in self.held:
            return False
        limits = self.limits.get(platform, ())
        left = self._left(key, limits)
        costs = {x.name: x.cost(actions) for x in limits}
        if all(costs[name] <= units for name, units in left.items()):
            for name, cost in costs.items():
                left[name] -= cost
            spent = self.spent.setdefault(key, {})
            for action, n in actions.items():
                spent[action] = spent.get(action, 0) + n
            return True
        state = budget.spend(limits, self.states[key], self.spent.get(key, {}), self.now)
        self.held[key] = budget.refill_at(limits, state, actions, self.now)
        return False

    def _left(self, key: tuple[str, str], limits: Sequence[Limit]) -> dict[str, int]:
        if key not in self.left:
            state = self._state(key)
            self.left[key] = {x.name: budget.remaining(x, state, self.now) for x in limits}
        return self.left[key]

    def _state(self, key: tuple[str, str]) -> budget.State:
        if key not in self.states:
            self.states[key], self.held_at[key] = load(self.conn, *key, lock=True)
        return self.states[key]

    def lock(self, keys: Sequence[tuple[str, str]]) -> None:
        """Read (and lock) these accounts' budgets, in one order for every daemon (two
        claims locking two accounts in opposite orders would deadlock)."""
        for key in sorted(set(keys)):
            self._state(key)

    def paced(self, platform: str, account: str, due_at: datetime) -> bool:
        """Whether the account ran out of budget after this post fell due (its lateness
        is pacing, not an outage)."""
        held_at = self.held_at.get((platform, account))
        return held_at is not None and held_at >= due_at

    def write(self) -> None:
        """Store every budget spent from (and the hold of the accounts that ran out)."""
        for key, state in self.states.items():
            if key not in self.spent and key not in self.held:
                continue  # read, nothing taken: unchanged
            limits = self.limits.get(key[0], ())
            state = budget.spend(limits, state, self.spent.get(key, {}), self.now)
            values: dict[str, Any] = {"budget": _dumps(state)}
            if key in self.held:
                values |= {"budget_until": self.held[key] or _FAR, "budget_held_at": self.now}
            upsert(self.conn, *key, **values)


_FAR = datetime(9999, 1, 1, tzinfo=UTC)  # a cost above a capacity: held until fixed


def _dumps(state: budget.State) -> str:
    """A budget state as stored (compact JSON)."""
    return json.dumps(state, separators=(",", ":"))


# Built once (building a statement costs about as much as running it): an account's
# budget row, plain or locked FOR UPDATE (PostgreSQL).
_ONE_ACCOUNT = and_(
    accounts.c.platform == bindparam("b_platform", type_=accounts.c.platform.type),
    accounts.c.account == bindparam("b_account", type_=accounts.c.account.type),
)
_QUERY = select(accounts.c.budget, accounts.c.budget_held_at).where(_ONE_ACCOUNT)
_BUDGET, _BUDGET_LOCKED = Statement(_QUERY), Statement(_QUERY.with_for_update())


def load(
    conn: Connection, platform: str, account: str, *, lock: bool = False
) -> tuple[budget.State, datetime | None]:
    """An account's budget state and when it last ran out (``lock``: the row is created
    if missing and locked FOR UPDATE on PostgreSQL, so two daemons spending one account's
    budget take turns, even the first time)."""
    locking = lock and conn.dialect.name == "postgresql"
    query = _BUDGET_LOCKED if locking else _BUDGET
    key = {"b_platform": platform, "b_account": account}
    row = next(iter(query.rows(conn, key)), None)
    if row is None and locking:  # nothing to lock yet: create the row, then lock it
        stmt = postgresql.insert(accounts).values(platform=platform, account=account)
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["platform", "account"]))
        row = next(iter(query.rows(conn, key)), None)
    if row is None or not row.budget:
        return {}, None if row is None else row.budget_held_at
    return dict(json.loads(row.budget)), row.budget_held_at


def upsert(conn: Connection, platform: str, account: str, **values: Any) -> None:
    """Insert or update one account row (the row is there for every claim but an
    account's first: an UPDATE compiled once per column set, else an upsert)."""
    params = {"b_platform": platform, "b_account": account}
    params |= {f"b_{name}": value for name, value in values.items()}
    if _update(tuple(sorted(values))).run(conn, params):
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(accounts).values(platform=platform, account=account, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["platform", "account"], set_=values))


@functools.lru_cache(maxsize=32)
def _update(columns: tuple[str, ...]) -> Statement:
    """UPDATE of ``columns`` of one account row (bound as ``b_`` + the column's name)."""
    return Statement(
        update(accounts)
        .where(_ONE_ACCOUNT)
        .values({n: bindparam(f"b_{n}", type_=accounts.c[n].type) for n in columns})
    )


def spend(
    conn: Connection,
    limits: Sequence[Limit],
    platform: str,
    account: str,
    actions: budget.Actions,
    now: datetime,
    *,
    reserve: float | None = None,
) -> bool:
    """Count requests made outside a claim (a login, a read-back, a lookup). ``reserve``:
    only if the budget keeps that share of every limit left afterwards
    (``budget.allows_above``); False, spending nothing, when it would not."""
    state, _ = load(conn, platform, account, lock=True)
    if reserve is not None and not budget.allows_above(limits, state, actions, now, reserve):
        return False
    upsert(conn, platform, account, budget=_dumps(budget.spend(limits, state, actions, now)))
    return True


def follow(
    conn: Connection,
    limits: Sequence[Limit],
    platform: str,
    account: str,
    now: datetime,
    **view: Any,
) -> None:
    """Follow the platform's reported remaining/reset (see ``budget.follow``)."""
    state, _ = load(conn, platform, account, lock=True)
    state = budget.follow(limits, state, now=now, **view)
    values: dict[str, Any] = {"budget": _dumps(state)}
    post = budget.post_actions(platform, reconcile=False)
    if not budget.allows(limits, state, post, now):
        until = budget.refill_at(limits, state, post, now)
        values |= {"budget_until": until or _FAR, "budget_held_at": now}
    upsert(conn, platform, account, **values)
