"""atproto and httpx exceptions -> the sharebot error tree (the Bluesky boundary).

Every exception class of ``atproto_client.exceptions`` and of ``httpx`` has an
entry in ``ATPROTO_KINDS`` / ``HTTPX_KINDS`` (a test fails if one is missing).
A kind says what the failure means for a write and for a read::

    connect    the request never left: TransientError
    ambiguous  it may have taken effect: AmbiguousError on a write, TransientError on a read
    status     decided by the HTTP status the PDS answered (see ``_by_status``)
    rejected   the PDS refused the content: RejectedError with its message
    auth       credentials refused: AuthError
    rate       429: RateLimitedError until ``ratelimit-reset`` / ``retry-after``
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from bot.errors import (
    AmbiguousError,
    AuthError,
    PlatformError,
    RateLimitedError,
    RejectedError,
    TransientError,
)

Kind = Literal["connect", "ambiguous", "status", "rejected", "auth", "rate"]
PLATFORM = "bluesky"
DEFAULT_RATE_WAIT = timedelta(minutes=5)

ATPROTO_KINDS: dict[str, Kind] = {
    "AtProtocolError": "ambiguous",
    "ModelError": "ambiguous",  # the answer did not parse: it may have been a success
    "ModelFieldNotFoundError": "ambiguous",
    "RequestErrorBase": "status",
    "NetworkError": "status",  # a transport failure (cause mapped) or 409/413/502
    "InvokeTimeoutError": "ambiguous",
    "UnauthorizedError": "auth",
    "RequestException": "status",
    "BadRequestError": "rejected",
    "RateLimitExceededError": "rate",
    "LoginRequiredError": "auth",
}

HTTPX_KINDS: dict[str, Kind] = {
    "HTTPError": "ambiguous",
    "RequestError": "ambiguous",
    "TransportError": "ambiguous",
    "TimeoutException": "ambiguous",
    "ConnectTimeout": "connect",
    "ReadTimeout": "ambiguous",
    "WriteTimeout": "ambiguous",
    "PoolTimeout": "connect",
    "NetworkError": "ambiguous",
    "ConnectError": "connect",
    "ReadError": "ambiguous",
    "WriteError": "ambiguous",
    "CloseError": "ambiguous",
    "ProtocolError": "ambiguous",
    "LocalProtocolError": "connect",  # our request was malformed before it was sent
    "RemoteProtocolError": "ambiguous",  # e.g. the connection dropped after the write
    "ProxyError": "connect",
    "UnsupportedProtocol": "rejected",  # a bad service URL
    "InvalidURL": "rejected",
    "DecodingError": "ambiguous",
    "TooManyRedirects": "ambiguous",
    "HTTPStatusError": "status",
    "CookieConflict": "ambiguous",
    "StreamError": "ambiguous",
    "StreamConsumed": "ambiguous",
    "StreamClosed": "ambiguous",
    "ResponseNotRead": "ambiguous",
    "RequestNotRead": "ambiguous",
}


def kind_of(exc: BaseException) -> Kind | None:
    """The kind of the nearest mapped class in ``exc``'s MRO (None: not an SDK error)."""
    for cls in type(exc).__mro__:
        module = cls.__module__
        if module.startswith(("atproto_client", "atproto_core")) and cls.__name__ in ATPROTO_KINDS:
            return ATPROTO_KINDS[cls.__name__]
        if module.startswith("httpx") and cls.__name__ in HTTPX_KINDS:
            return HTTPX_KINDS[cls.__name__]
    return None


def map_error(
    exc: BaseException, *, write: bool, what: str, now: datetime, account: str = ""
) -> PlatformError:
    """Translate ``exc`` (raised while doing ``what``) into a PlatformError."""
    if isinstance(exc, PlatformError):
        return exc
    kind = kind_of(exc) or "ambiguous"
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if kind == "status":
        if status is None and exc.__cause__ is not None:
            return map_error(exc.__cause__, write=write, what=what, now=now, account=account)
        kind = _by_status(status)
    detail = _detail(exc, status)
    if kind == "rate":
        until = _rate_until(exc, now)
        return RateLimitedError(
            f"{what}: rate limited until {until.isoformat()}",
            platform=PLATFORM,
            until=until,
            scope=account,
        )
    if kind == "auth":
        return AuthError(f"{what}: credentials refused ({detail})", platform=PLATFORM)
    if kind == "rejected":
        return RejectedError(f"{what}: {detail}", platform=PLATFORM)
    if kind == "ambiguous" and write:
        return AmbiguousError(f"{what}: outcome unknown ({detail})", platform=PLATFORM)
    return TransientError(f"{what}: {detail}", platform=PLATFORM)


def _by_status(status: int | None) -> Kind:
    if status is None or status == 409 or status >= 500:
        return "ambiguous"
    if status == 429:
        return "rate"
    if status in (401, 403):
        return "auth"
    return "rejected"


def _detail(exc: BaseException, status: int | None) -> str:
    """The PDS's own message when it sent one, else the exception's text or class name."""
    response = getattr(exc, "response", None)
    content: Any = getattr(response, "content", None)
    error, message = getattr(content, "error", None), getattr(content, "message", None)
    if isinstance(content, dict):
        error, message = content.get("error"), content.get("message")
    if error or message:
        text = ": ".join(str(p) for p in (error, message) if p)
        return f"HTTP {status} {text}" if status else text
    if status is not None:
        return f"HTTP {status}"
    cause = exc.__cause__
    text = str(exc) or (str(cause) if cause else "") or type(cause or exc).__name__
    return f"{type(cause or exc).__name__}: {text}" if text else type(exc).__name__


def _rate_until(exc: BaseException, now: datetime) -> datetime:
    """``ratelimit-reset`` (epoch seconds) or ``retry-after``; five minutes if neither."""
    reset_at = getattr(exc, "reset_at", None)
    if isinstance(reset_at, datetime):
        return max(reset_at, now)
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float):
        return now + timedelta(seconds=float(retry_after))
    return now + DEFAULT_RATE_WAIT
