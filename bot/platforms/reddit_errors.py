"""praw and prawcore exceptions translated onto the sharebot error tree (imports neither).

Every class of ``praw.exceptions`` and ``prawcore.exceptions`` has an entry in
``EXCEPTION_KINDS`` (a test enumerates them). The kind decides the error:

    transient   TransientError (reads) -- for a write: AmbiguousError, it may have landed
    ambiguous   AmbiguousError on a write, TransientError on a read
    rejected    RejectedError: the content or the target is wrong, an editor must act
    auth        AuthError: credentials or app configuration; the account is blocked
    api         RedditAPIException: decided by Reddit's error codes (RATELIMIT, TOO_LONG, ...)
    limited     TooManyRequests (HTTP 429): RateLimitedError until now + retry-after
    transport   prawcore RequestException: see ``TransportFailure``
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.errors import (
    AmbiguousError,
    AuthError,
    PlatformError,
    RateLimitedError,
    RejectedError,
    TransientError,
)

PLATFORM = "reddit"

EXCEPTION_KINDS: dict[str, str] = {
    # praw.exceptions
    "PRAWException": "rejected",
    "ClientException": "rejected",
    "DuplicateReplaceException": "rejected",
    "InvalidFlairTemplateID": "rejected",
    "InvalidImplicitAuth": "auth",
    "InvalidURL": "rejected",
    "MissingRequiredAttributeException": "rejected",
    "ReadOnlyException": "auth",
    "RedditAPIException": "api",
    "TooLargeMediaException": "rejected",
    "WebSocketException": "ambiguous",
    "MediaPostFailed": "ambiguous",
    # prawcore.exceptions
    "PrawcoreException": "ambiguous",
    "InvalidInvocation": "auth",
    "OAuthException": "auth",
    "RequestException": "transport",
    "ResponseException": "ambiguous",
    "BadJSON": "ambiguous",
    "BadRequest": "rejected",
    "Conflict": "rejected",
    "Forbidden": "rejected",
    "InsufficientScope": "auth",
    "InvalidToken": "auth",
    "NotFound": "rejected",
    "Redirect": "rejected",
    "ServerError": "ambiguous",
    "SpecialError": "rejected",
    "TooLarge": "rejected",
    "TooManyRequests": "limited",
    "URITooLong": "rejected",
    "UnavailableForLegalReasons": "rejected",
}

_AMOUNT = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)s?", re.IGNORECASE)
_DEFAULT_BLOCK = timedelta(minutes=10)
_DEFAULT_RETRY_AFTER = 60.0


class TransportFailure(Exception):
    """Raised inside prawcore's RequestException by the adapter's requestor.

    prawcore retries a request on its own after 5xx, timeouts and connection errors,
    which would send a write twice; wrapping the cause in this class (not one of
    prawcore's retryable exceptions) stops that. ``sent`` is False only when the request
    provably never left (the connection was refused).
    """

    def __init__(self, reason: str, *, write: bool, sent: bool, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.write = write
        self.sent = sent
        self.status = status


@dataclass(frozen=True)
class ApiError:
    """One entry of Reddit's ``json.errors``: code, message, field."""

    code: str
    message: str
    field: str

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.code}: {self.message}{where}"


def rate_limit_until(message: str, now: datetime) -> datetime:
    """When Reddit's "take a break for N minutes" / "try again in N minutes" ends."""
    found = _AMOUNT.search(message)
    if not found:
        return now + _DEFAULT_BLOCK
    amount, unit = int(found.group(1)), found.group(2).lower()
    seconds = {"millisecond": amount / 1000, "second": amount, "minute": amount * 60}.get(
        unit, amount * 3600
    )
    return now + timedelta(seconds=seconds)


def kind_of(exc: BaseException) -> str:
    """The mapping kind of a praw/prawcore exception (most specific class first)."""
    for cls in type(exc).__mro__:
        if cls.__module__.startswith(("praw", "prawcore")) and cls.__name__ in EXCEPTION_KINDS:
            return EXCEPTION_KINDS[cls.__name__]
    return "ambiguous"


def api_errors(exc: Any) -> list[ApiError]:
    """The items of a praw RedditAPIException."""
    return [
        ApiError(str(i.error_type), str(i.message or ""), str(i.field or ""))
        for i in getattr(exc, "items", [])
    ]


def map_api_exception(exc: Any, *, now: datetime, scope: str) -> PlatformError:
    """RedditAPIException -> RateLimitedError (RATELIMIT) or RejectedError (the rest)."""
    return map_api_errors(api_errors(exc), now=now, scope=scope, fallback=str(exc))


def map_api_errors(
    items: list[ApiError], *, now: datetime, scope: str, fallback: str = ""
) -> PlatformError:
    """Reddit's error items -> RateLimitedError (RATELIMIT) or RejectedError (the rest)."""
    for item in items:
        if item.code == "RATELIMIT":
            until = rate_limit_until(item.message, now)
            return RateLimitedError(str(item), platform=PLATFORM, until=until, scope=scope)
    text = "; ".join(str(i) for i in items) or fallback
    return RejectedError(text, platform=PLATFORM)


def map_exception(exc: BaseException, *, write: bool, now: datetime, scope: str) -> PlatformError:
    """Translate a praw/prawcore exception; ``write`` says whether a POST was under way."""
    kind = kind_of(exc)
    name = type(exc).__name__
    if kind == "api":
        return map_api_exception(exc, now=now, scope=scope)
    if kind == "transport":
        return _map_transport(exc, write=write)
    if kind == "limited":
        retry_after = _retry_after(exc)
        until = now + timedelta(seconds=retry_after)
        message = f"HTTP 429 too many requests; retry after {retry_after:g}s"
        return RateLimitedError(message, platform=PLATFORM, until=until, scope="account")
    if kind == "auth":
        return AuthError(f"{name}: {exc}", platform=PLATFORM)
    if kind == "rejected":
        return RejectedError(f"{name}: {exc}", platform=PLATFORM)
    if write:
        return AmbiguousError(f"{name} during a write: {exc}", platform=PLATFORM)
    return TransientError(f"{name}: {exc}", platform=PLATFORM)


def _retry_after(exc: BaseException) -> float:
    try:
        return float(getattr(exc, "retry_after", None) or _DEFAULT_RETRY_AFTER)
    except ValueError:
        return _DEFAULT_RETRY_AFTER


def _map_transport(exc: BaseException, *, write: bool) -> PlatformError:
    cause = getattr(exc, "original_exception", None)
    if not isinstance(cause, TransportFailure):
        if write:
            return AmbiguousError(f"request failed during a write: {cause}", platform=PLATFORM)
        return TransientError(f"request failed: {cause}", platform=PLATFORM)
    if cause.write and cause.sent:
        return AmbiguousError(f"{cause.reason} after sending a write", platform=PLATFORM)
    return TransientError(cause.reason, platform=PLATFORM)
