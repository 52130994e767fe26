"""The Bluesky adapter and the account budget: logins are counted, and the PDS's own
``ratelimit-*`` view is followed once little is left (the reference PDS with its rate
limits on: createSession allows 30 per 5 minutes per account)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bot import budget
from bot.platforms.bluesky_budget import BudgetObserver, platform_view
from bot.secretkey import KeySource
from bot.store import Store, open_store
from tests.bluesky.conftest import new_account

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_platform_view_reads_the_pds_headers() -> None:
    view = platform_view(
        {
            "ratelimit-limit": "30",
            "ratelimit-remaining": "2",
            "ratelimit-reset": "1772442000",
            "ratelimit-policy": "30;w=300",
        }
    )
    assert view == {
        "remaining_units": 2,
        "reset": datetime.fromtimestamp(1772442000, UTC),
        "window": timedelta(seconds=300),
        "capacity": 30,
    }
    assert platform_view({"ratelimit-limit": "30"}) is None
    assert platform_view({}) is None


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def spend_budget(self, platform, account, actions, now) -> None:  # type: ignore[no-untyped-def]
        self.calls.append(("spend", actions))

    def follow_budget(self, platform, account, now, **view) -> None:  # type: ignore[no-untyped-def]
        self.calls.append(("follow", view["remaining_units"]))


def test_observer_counts_logins_and_follows_only_when_scarce() -> None:
    rec = Recorder()
    observe = BudgetObserver(rec, "a", lambda: NOW)
    plenty = {"ratelimit-limit": "30", "ratelimit-remaining": "20", "ratelimit-reset": "1"}
    scarce = {**plenty, "ratelimit-remaining": "1"}
    observe._observe("/xrpc/com.atproto.server.createSession", plenty)
    observe._observe("/xrpc/com.atproto.repo.createRecord", plenty)  # reserved by the claim
    observe._observe("/xrpc/com.atproto.repo.createRecord", scarce)
    assert rec.calls == [("spend", {"login": 1}), ("follow", 1)]
    observe(object())  # a broken response never raises out of the hook


class FreshLogins:
    """The store, minus its session cache: every adapter logs in."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load_session(self, platform: str, account: str) -> str | None:
        return None

    def save_session(self, platform: str, account: str, session: str) -> None:
        pass

    def block_account(self, *args: object) -> None:
        self.store.block_account(*args)  # type: ignore[arg-type]

    def spend_budget(self, *args: object) -> None:
        self.store.spend_budget(*args)  # type: ignore[arg-type]

    def follow_budget(self, *args: object, **view: object) -> None:
        self.store.follow_budget(*args, **view)  # type: ignore[arg-type]


def _left(store: Store, handle: str, name: str = "logins_5m") -> int:
    state, _ = store.budget_states()[("bluesky", handle)]
    limit = next(x for x in budget.limits_for("bluesky") if x.name == name)
    return budget.remaining(limit, state, datetime.now(UTC))


def test_logins_counted_and_the_pds_view_followed(limited_pds, make_platform, tmp_path: Path):
    acct = new_account(limited_pds)
    store = open_store(f"sqlite:///{tmp_path}/s.db", key=KeySource(tmp_path / "k"))
    sessions = FreshLogins(store)
    for _ in range(2):
        platform = make_platform(acct.config(limited_pds.url), sessions)
        assert platform.whoami()["did"] == acct.did
        platform.close()
    assert _left(store, acct.handle) == 30 - 2  # both logins counted
    with httpx.Client(base_url=limited_pds.url, timeout=10) as http:  # logins we never saw
        for _ in range(25):
            got = http.post(
                "/xrpc/com.atproto.server.createSession",
                json={"identifier": acct.handle, "password": acct.password},
            )
            assert got.status_code == 200
    platform = make_platform(acct.config(limited_pds.url), sessions)
    platform.whoami()  # the 28th login: the PDS says 2 are left, we counted 3 so far
    assert _left(store, acct.handle) <= 2
    assert _left(store, acct.handle, "requests_5m") >= 3000 - 3  # the same window, untouched
    store.close()
