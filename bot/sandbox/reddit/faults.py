"""Switchable faults of the Reddit stand-in.

A fault is named, matches requests by method/route, and fires on every ``every``-th
matching request, at most ``times`` times (None: unlimited)::

    create_then_502       the write happens, then the reply is 502 with an empty body
    slow_reply            the write happens, the reply waits until the client hung up
    ratelimit             200 with json.errors [["RATELIMIT", "... N minutes ...", "ratelimit"]]
    too_many_requests     429 with a retry-after header and Reddit's HTML page
    unauthorized_once     401 with www-authenticate invalid_token (the token is revoked)
    server_error          5xx (``status``) with an empty body, nothing written
    api_error             200 with json.errors [[code, message, field]] (e.g. SUBREDDIT_NOTALLOWED)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

WRITE_ROUTES = frozenset({"/api/submit", "/api/comment", "/api/editusertext", "/api/del"})

# Which requests a fault touches unless told otherwise.
DEFAULT_SCOPE = {
    "create_then_502": "write",
    "slow_reply": "write",
    "ratelimit": "write",
    "api_error": "write",
    "too_many_requests": "any",
    "unauthorized_once": "any",
    "server_error": "any",
}

RATELIMIT_MESSAGES = {
    "break": "Looks like you've been doing that a lot. Take a break for {n} {unit} "
    "before trying again.",
    "again": "you are doing that too much. try again in {n} {unit}.",
}


@dataclass
class Fault:
    """One armed fault; ``params`` are the keyword arguments given to ``set_fault``."""

    name: str
    params: dict[str, Any]
    seen: int = 0
    fired: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _matches(self, method: str, route: str) -> bool:
        routes = self.params.get("routes")
        if routes is not None:
            return route in routes
        scope = self.params.get("scope", DEFAULT_SCOPE[self.name])
        if scope == "write":
            return method == "POST" and route in WRITE_ROUTES
        if scope == "read":
            return method == "GET"
        return route != "/api/v1/access_token"

    def take(self, method: str, route: str) -> bool:
        """Count this request; True when the fault fires on it."""
        if not self._matches(method, route):
            return False
        with self.lock:
            times = self.params.get("times", 1 if self.name == "unauthorized_once" else None)
            if times is not None and self.fired >= times:
                return False
            self.seen += 1
            if self.seen % int(self.params.get("every", 1)):
                return False
            self.fired += 1
            return True


def ratelimit_message(params: dict[str, Any]) -> str:
    """Reddit's RATELIMIT wording: style "break" or "again", ``n`` minutes (or seconds)."""
    n = int(params.get("n", 5))
    unit = params.get("unit", "minutes")
    if n == 1:
        unit = unit.rstrip("s")
    return RATELIMIT_MESSAGES[params.get("style", "break")].format(n=n, unit=unit)


TOO_MANY_REQUESTS_PAGE = """
<!doctype html>
<html>
  <head>
    <title>Too Many Requests</title>
  </head>
  <body>
    <h1>whoa there, pardner!</h1>
<p>we're sorry, but you appear to be a bot and we've seen too many requests
from you lately. we enforce a hard speed limit on requests that appear to come
from bots to prevent abuse.</p>
<p>please wait {n} second(s) and try again.</p>
  </body>
</html>
"""
