"""How the Reddit adapter talks through prawcore without ever re-sending a write.

prawcore 4's ``Session._request_with_retries`` repeats a request after a 5xx status,
a read timeout or a connection error -- a POST included, which double-posts -- and
sleeps 0-4 s between tries. Our requestor (praw's documented ``requestor_class`` hook)
turns all of those into a ``RequestException`` around a ``TransportFailure``, which
prawcore does not retry. Only the 401 path stays with prawcore: it refreshes the token
and repeats the request once (safe: Reddit refused it), with the backoff sleep removed.

prawcore's timeout comes from ``PRAWCORE_TIMEOUT`` read at import, and the session
passes it on every call; the requestor applies its own ``timeout`` instead.

prawcore formats every request's data and parameters for its debug log (``pprint``) before
the logger decides to drop them: about a fifth of a millisecond of CPU a request. Each
session's ``_log_request`` is replaced by one that formats only when debug logging of
prawcore is on (the same lines then).

prawcore also paces requests on Reddit's ``x-ratelimit-*`` headers by sleeping (up to
10 s a request, up to the window's reset once the budget is spent), inside a publish
and holding its lease. Its rate limiter is replaced by one that keeps the bookkeeping
and never sleeps: the adapter's :class:`RateBudget` blocks the account in the store
until the reset instead (budgets are data, spent before a request).
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.errors import RejectedError
from bot.platforms.reddit_errors import TransportFailure

TOKEN_PATH = "/api/v1/access_token"
# prawcore.sessions.Session.RETRY_STATUSES, plus every other 5xx.
_FAILED = frozenset({408, 520, 522})


def _refused(exc: BaseException) -> bool:
    """True when the connection was never made, so the request was never sent (requests'
    exceptions, or urllib3's own from the short way of bot.platforms.reddit_http)."""
    import requests.exceptions
    import urllib3.exceptions

    if isinstance(exc, requests.exceptions.ConnectTimeout | urllib3.exceptions.ConnectTimeoutError):
        return True  # (urllib3's NewConnectionError is a ConnectTimeoutError)
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text


log = logging.getLogger("sharebot.reddit")
FOLLOW_BELOW = 0.1  # follow Reddit's count once less than this share of its window is left
WINDOW = timedelta(minutes=10)  # Reddit counts requests per OAuth client over 10 minutes


@dataclass
class RateBudget:
    """Reddit's ``x-ratelimit-remaining``/``-reset`` as last seen.

    When the budget is spent prawcore would sleep until the window resets (up to ten
    minutes, inside a publish); the adapter asks ``exhausted_for`` first and blocks the
    account in the store instead.
    """

    remaining: float | None = None
    reset_at: float = 0.0  # time.monotonic() when the window resets
    # Called with Reddit's view of its window (bot.budget.follow's keywords) once little is
    # left, so the account's stored budget follows what Reddit counts.
    follow: Callable[[dict[str, Any]], None] | None = None

    def observe(self, headers: Any) -> None:
        if "x-ratelimit-remaining" not in headers:
            return
        try:
            self.remaining = float(headers["x-ratelimit-remaining"])
            reset = float(headers.get("x-ratelimit-reset", 0))
            used = float(headers.get("x-ratelimit-used", 0))
        except ValueError:
            return
        self.reset_at = time.monotonic() + reset
        capacity = used + self.remaining
        if self.follow is not None and capacity and self.remaining < capacity * FOLLOW_BELOW:
            resets = datetime.now(UTC) + timedelta(seconds=reset)
            view = {"remaining_units": int(self.remaining), "capacity": int(capacity),
                    "reset": resets, "window": WINDOW}  # fmt: skip
            try:
                self.follow(view)
            except Exception as exc:  # bookkeeping must never break a request
                log.warning("following Reddit's rate-limit view failed: %s", exc)

    def exhausted_for(self) -> float | None:
        """Seconds until the window resets when no request is left, else None."""
        if self.remaining is None or self.remaining >= 1:
            return None
        left = self.reset_at - time.monotonic()
        return left if left > 0 else None


@functools.cache
def requestor_class() -> type[Any]:
    """The prawcore Requestor subclass (built on first use: praw is imported lazily)."""
    from prawcore.exceptions import RequestException
    from prawcore.requestor import Requestor

    class WriteOnceRequestor(Requestor):
        """A requestor whose failures prawcore cannot retry (see module docstring)."""

        def __init__(self, *args: Any, budget: RateBudget | None = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if not hasattr(self, "_http"):  # request() below sends through it
                raise Unsupported("prawcore's Requestor has no _http session")
            self.budget = budget or RateBudget()

        def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
            method, url = [*args, kwargs.get("method"), kwargs.get("url")][:2]
            write = str(method).upper() == "POST" and not str(url).endswith(TOKEN_PATH)
            try:
                http: Any = self._http
                response = http.request(*args, timeout=self.timeout, **kwargs)
            except Exception as exc:
                failure = TransportFailure(
                    f"{type(exc).__name__} on {method} {url}", write=write, sent=not _refused(exc)
                )
                raise RequestException(failure, args, kwargs) from None
            self.budget.observe(response.headers)
            status = response.status_code
            if status >= 500 or status in _FAILED:
                reason = f"HTTP {status} on {str(method).upper()} {url}"
                failure = TransportFailure(reason, write=write, sent=True, status=status)
                raise RequestException(failure, args, kwargs)
            return response

    return WriteOnceRequestor


@functools.cache
def retry_strategy_class() -> type[Any]:
    """prawcore's finite retry strategy without the sleep (used only for the 401 refresh)."""
    from prawcore.sessions import FiniteRetryStrategy

    if "_sleep_seconds" not in vars(FiniteRetryStrategy):
        raise Unsupported("prawcore's FiniteRetryStrategy has no _sleep_seconds")

    class RefreshOnlyRetry(FiniteRetryStrategy):
        def _sleep_seconds(self) -> float | None:
            return None

    return RefreshOnlyRetry


def http_session(urls: tuple[str, str]) -> Any:
    """A requests Session (bot.platforms.reddit_http.LeanSession) that reads the proxy and
    CA-bundle environment once, here: with ``trust_env`` requests reads it again on every
    request (~0.3 ms of CPU a post)."""
    import urllib.request

    import requests.utils as utils

    from bot.platforms.reddit_http import LeanSession

    session = LeanSession()
    bypass = {bool(utils.should_bypass_proxies(url, no_proxy=None)) for url in urls}
    if len(bypass) > 1:  # NO_PROXY treats the two URLs differently: keep per-request reads
        return session
    session.trust_env = False
    session.proxies.update({} if bypass == {True} else urllib.request.getproxies())
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.verify = bundle or True
    return session


SESSIONS = ("_core", "_authorized_core", "_read_only_core")


class Unsupported(RejectedError):
    """The installed praw/prawcore lacks an internal we set: without it prawcore would
    re-send writes, so nothing is sent (pyproject pins the versions checked)."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what}: this praw/prawcore version is not supported (it could re-send writes); "
            "install the versions pinned in sharebot's pyproject.toml",
            platform="reddit",
        )


@functools.cache
def rate_limiter_class() -> type[Any]:
    """prawcore's rate limiter without its sleep (see the module docstring)."""
    from prawcore.rate_limit import RateLimiter

    if "delay" not in vars(RateLimiter):
        raise Unsupported("prawcore's RateLimiter has no delay()")

    class BookkeepingRateLimiter(RateLimiter):
        def delay(self) -> None:
            return None

    return BookkeepingRateLimiter


def lazy_request_log(original: Callable[..., None]) -> Callable[..., None]:
    """prawcore's ``Session._log_request``, called only when prawcore logs at DEBUG."""
    prawcore_log = logging.getLogger("prawcore")

    def log_request(**kwargs: Any) -> None:
        if prawcore_log.isEnabledFor(logging.DEBUG):
            original(**kwargs)

    log_request.lazy = True  # type: ignore[attr-defined]  # (tests look for it)
    return log_request


def harden(reddit: Any) -> None:
    """Give each of praw's prawcore sessions the sleepless retry strategy and rate limiter,
    and a request log that formats nothing unless it is written.

    praw offers no hook for this; ``_retry_strategy_class``, ``_rate_limiter`` and
    ``_log_request`` are the attributes prawcore's Session reads per request (prawcore
    2.4 - 4.0, pinned). Unsupported if one of the first two is missing (without them
    prawcore could re-send writes); a missing ``_log_request`` only costs CPU.
    """
    if getattr(reddit, "_core", None) is None:
        raise Unsupported("praw.Reddit has no _core session")
    for attr in SESSIONS:
        session = getattr(reddit, attr, None)
        if session is None:
            continue
        if not hasattr(session, "_retry_strategy_class"):
            raise Unsupported(f"prawcore's Session ({attr}) has no _retry_strategy_class")
        limiter = getattr(session, "_rate_limiter", None)
        if limiter is None or not hasattr(limiter, "window_size"):
            raise Unsupported(f"prawcore's Session ({attr}) has no _rate_limiter")
        session._retry_strategy_class = retry_strategy_class()
        original = getattr(session, "_log_request", None)
        if original is not None and not getattr(original, "lazy", False):
            session._log_request = lazy_request_log(original)
        if not isinstance(limiter, rate_limiter_class()):
            session._rate_limiter = rate_limiter_class()(window_size=limiter.window_size)
