"""What the Bluesky adapter tells the account's budget about its requests (an httpx
response hook on the SDK's client): logins and session refreshes, which no claim
reserved, are counted; and where the PDS reports its own view of a limit
(``ratelimit-limit/remaining/reset/policy``) and little is left, the budget in the store
follows it (bot.budget.follow), so the claims slow down before the PDS says 429."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.platforms.bluesky_errors import PLATFORM

log = logging.getLogger("bot.platforms.bluesky")

# Requests a claim does not reserve (it reserves the write, uploads, lookups, read-backs).
UNRESERVED = {
    "com.atproto.server.createSession": {"login": 1},
    "com.atproto.server.refreshSession": {"read": 1},
}
FOLLOW_BELOW = 0.1  # follow the PDS's view once less than this share of a limit is left
_POLICY = re.compile(r"^\s*(\d+)\s*;\s*w=(\d+)")


def platform_view(headers: Mapping[str, str]) -> dict[str, Any] | None:
    """The PDS's view of the limit a response counted against: remaining, reset (aware
    UTC), window, capacity; None without (complete) ratelimit headers."""
    try:
        limit = int(headers["ratelimit-limit"])
        remaining = int(headers["ratelimit-remaining"])
        reset = datetime.fromtimestamp(int(headers["ratelimit-reset"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return None
    policy = _POLICY.match(headers.get("ratelimit-policy", ""))
    window = timedelta(seconds=int(policy.group(2))) if policy else None
    return {"remaining_units": remaining, "reset": reset, "window": window, "capacity": limit}


class BudgetObserver:
    """The response hook: count unreserved requests, follow a scarce limit."""

    def __init__(self, sessions: Any, account: str, clock: Callable[[], datetime]) -> None:
        self.sessions, self.account, self.clock = sessions, account, clock

    def __call__(self, response: Any) -> None:
        try:
            self._observe(response.request.url.path, response.headers)
        except Exception as exc:  # bookkeeping must never break a send
            log.warning("budget bookkeeping for %s failed: %s", self.account, exc)

    def _observe(self, path: str, headers: Mapping[str, str]) -> None:
        method = path.rsplit("/", 1)[-1]
        spend = getattr(self.sessions, "spend_budget", None)
        if method in UNRESERVED and spend is not None:
            spend(PLATFORM, self.account, UNRESERVED[method], self.clock())
        view = platform_view(headers)
        follow = getattr(self.sessions, "follow_budget", None)
        if view is None or follow is None:
            return
        if view["remaining_units"] < view["capacity"] * FOLLOW_BELOW:
            follow(PLATFORM, self.account, self.clock(), **view)
