"""Account use-cases: list accounts with their budgets, check an account (log in and say
who it is: `sharebot accounts check` and the desk's "test this account"), rotate the key
sealing the stored sessions. Typed inputs and results, no click: bot/app/ material.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot import budget
from bot.budget import Limit
from bot.config import Settings
from bot.errors import BotError, ConfigError
from bot.secretkey import KeySource, new_key_text, write_key_file
from bot.store import Store
from bot.store.sealed import Sealer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LimitLeft:
    """One limit of an account: units left now, of ``capacity`` per ``window``."""

    limit: str
    left: int
    capacity: int
    window_seconds: int
    next_refill: datetime | None


@dataclass(frozen=True)
class AccountReport:
    """An account as `sharebot accounts` shows it."""

    platform: str
    account: str
    configured: bool
    limits: tuple[LimitLeft, ...]
    out_of_budget_until: datetime | None
    next_refill: datetime | None
    blocked: bool
    blocked_until: datetime | None
    block_reason: str | None
    last_error: str | None
    last_success: datetime | None


def list_accounts(settings: Settings, store: Store, now: datetime) -> list[AccountReport]:
    """Every configured account, and every account the store knows, with budget left."""
    configured = {("bluesky", a.name) for a in settings.bluesky}
    configured |= {("reddit", a.name) for a in settings.reddit}
    status = {(r["platform"], r["account"]): r for r in store.account_status()}
    budgets = store.budget_states()
    keys = sorted(k for k in configured | status.keys() if "/r/" not in k[1])
    return [
        _report(key, key in configured, store.budgets.get(key[0], ()), budgets, status, now)
        for key in keys
    ]


def _report(
    key: tuple[str, str],
    configured: bool,
    limits: Sequence[Limit],
    budgets: Mapping[tuple[str, str], tuple[dict[str, Any], datetime | None]],
    status: Mapping[tuple[str, str], Mapping[str, Any]],
    now: datetime,
) -> AccountReport:
    state, until = budgets.get(key, ({}, None))
    rows = budget.summary(limits, state, now)
    left = tuple(
        LimitLeft(
            r["limit"], r["left"], r["capacity"], int(r["window"].total_seconds()), r["next_refill"]
        )
        for r in rows
    )
    refills = [x.next_refill for x in left if x.left < x.capacity and x.next_refill]
    row = status.get(key, {})
    return AccountReport(
        platform=key[0],
        account=key[1],
        configured=configured,
        limits=left,
        out_of_budget_until=until if until is not None and until > now else None,
        next_refill=min(refills) if refills else None,
        blocked=bool(row.get("blocked")),
        blocked_until=row.get("blocked_until"),
        block_reason=row.get("block_reason"),
        last_error=row.get("last_error"),
        last_success=row.get("last_success"),
    )


class Identified(Protocol):
    """An adapter that can say who its account is."""

    def whoami(self) -> dict[str, str]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class CheckResult:
    """The outcome of logging in as one account."""

    platform: str
    account: str
    ok: bool
    identity: Mapping[str, str]
    error: str | None = None


def check_accounts(
    settings: Settings,
    store: Store,
    build: Callable[[str, str], Any],
    now: datetime,
    name: str | None = None,
) -> list[CheckResult]:
    """Log in as each configured account (or the one called ``name``) and report who it
    is; a failure is reported, not raised. Each check counts against the account's budget
    (a login and one read)."""
    chosen = [("bluesky", a.name) for a in settings.bluesky]
    chosen += [("reddit", a.name) for a in settings.reddit]
    if name is not None:
        chosen = [c for c in chosen if c[1] == name]
        if not chosen:
            raise ConfigError(f"no account named {name!r} in the configuration")
    return [_check(store, build, platform, account, now) for platform, account in chosen]


def _check(
    store: Store, build: Callable[[str, str], Any], platform: str, account: str, now: datetime
) -> CheckResult:
    store.spend_budget(platform, account, {"login": 1, "read": 1}, now)
    adapter: Identified = build(platform, account)
    try:
        return CheckResult(platform, account, True, adapter.whoami())
    except BotError as exc:
        return CheckResult(platform, account, False, {}, str(exc))
    finally:
        adapter.close()


@dataclass(frozen=True)
class Rotation:
    """What rotating the key did: sessions re-sealed, sessions dropped (they did not open
    with the old key: those accounts log in afresh), and where the new key is."""

    resealed: int
    dropped: int
    key_at: str


def rotate_key(store: Store, source: KeySource, new_key_env: str | None = None) -> Rotation:
    """Re-seal every stored session with a new key. With a key file: a new key is written
    beside it (0600), the sessions are re-sealed in one transaction, then the new file
    replaces the old one. With ``SHAREBOT_SECRET_KEY``: the new key is read from the
    variable named ``new_key_env`` (set it, rotate, then make it the new
    SHAREBOT_SECRET_KEY)."""
    if source.env_text:
        return _rotate_env(store, new_key_env)
    staged = source.path.with_name(source.path.name + ".next")
    write_key_file(staged, new_key_text())
    resealed, dropped = store.reseal_sessions(Sealer(KeySource(staged)))
    staged.replace(source.path)
    store.sealer = Sealer(source)
    log.info("sessions re-sealed: %d, dropped: %d", resealed, dropped)
    return Rotation(resealed, dropped, str(source.path))


def _rotate_env(store: Store, new_key_env: str | None) -> Rotation:
    if not new_key_env or not os.environ.get(new_key_env):
        raise ConfigError(
            "the key comes from SHAREBOT_SECRET_KEY: put a new key in another variable and "
            "pass its name with --new-key-env"
        )
    new = KeySource(store.sealer.source.path, os.environ[new_key_env])
    new.load(create=False)  # a bad key stops here, before anything is re-sealed
    resealed, dropped = store.reseal_sessions(Sealer(new))
    store.sealer = Sealer(new)
    return Rotation(resealed, dropped, f"${new_key_env} (now set SHAREBOT_SECRET_KEY to it)")
