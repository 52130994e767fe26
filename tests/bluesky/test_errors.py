"""Every atproto and httpx exception class maps onto the sharebot error tree."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import atproto_client.exceptions as atproto_exceptions
import httpx
import pytest
from atproto_client.models.common import XrpcError
from atproto_client.request import Response

from bot.errors import (
    AmbiguousError,
    AuthError,
    PlatformError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from bot.platforms.bluesky_errors import ATPROTO_KINDS, HTTPX_KINDS, kind_of, map_error

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def exception_classes(module: object) -> list[type[BaseException]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, BaseException)
    ]


def test_every_atproto_exception_class_is_mapped():
    classes = exception_classes(atproto_exceptions)
    assert len(classes) >= 10
    assert sorted(c.__name__ for c in classes if c.__name__ not in ATPROTO_KINDS) == []


def test_every_httpx_exception_class_is_mapped():
    classes = exception_classes(httpx)
    assert len(classes) >= 20
    assert sorted(c.__name__ for c in classes if c.__name__ not in HTTPX_KINDS) == []


def response(status: int, error: str = "", message: str = "", **headers: str) -> Response:
    content = XrpcError(error=error, message=message) if error else None
    return Response(success=False, status_code=status, content=content, headers=headers)


def mapped(exc: BaseException, *, write: bool = True) -> PlatformError:
    return map_error(exc, write=write, what="createRecord", now=NOW)


@pytest.mark.parametrize(
    ("exc", "write", "expected"),
    [
        (
            atproto_exceptions.RequestException(response(500, "InternalServerError")),
            True,
            AmbiguousError,
        ),
        (atproto_exceptions.RequestException(response(500)), False, TransientError),
        (atproto_exceptions.RequestException(response(503)), True, AmbiguousError),
        (atproto_exceptions.NetworkError(response(502)), True, AmbiguousError),
        (
            atproto_exceptions.NetworkError(response(413, "PayloadTooLarge", "too big")),
            True,
            RejectedError,
        ),
        (
            atproto_exceptions.BadRequestError(response(400, "InvalidRecord", "bad")),
            True,
            RejectedError,
        ),
        (
            atproto_exceptions.UnauthorizedError(response(401, "AuthenticationRequired")),
            True,
            AuthError,
        ),
        (atproto_exceptions.InvokeTimeoutError(), True, AmbiguousError),
        (atproto_exceptions.InvokeTimeoutError(), False, TransientError),
        (atproto_exceptions.LoginRequiredError(), True, AuthError),
        (atproto_exceptions.ModelError("bad answer"), True, AmbiguousError),
        (httpx.ConnectError("refused"), True, TransientError),
        (httpx.RemoteProtocolError("Server disconnected"), True, AmbiguousError),
        (httpx.ReadTimeout("slow"), True, AmbiguousError),
        (httpx.UnsupportedProtocol("ftp"), True, RejectedError),
    ],
)
def test_mapping(exc, write, expected):
    assert type(mapped(exc, write=write)) is expected


def test_network_error_without_response_maps_its_cause():
    try:
        try:
            raise httpx.ConnectError("Connection refused")
        except httpx.ConnectError as cause:
            raise atproto_exceptions.NetworkError() from cause
    except atproto_exceptions.NetworkError as exc:
        error = mapped(exc)
    assert type(error) is TransientError
    assert "ConnectError" in str(error)


def test_rejection_carries_the_pds_message():
    exc = atproto_exceptions.BadRequestError(
        response(400, "InvalidRecord", "Record/text must not be longer than 300 graphemes")
    )
    assert str(mapped(exc)) == (
        "bluesky: createRecord: HTTP 400 InvalidRecord: "
        "Record/text must not be longer than 300 graphemes"
    )


def test_rate_limit_until_from_reset_then_retry_after():
    reset = int((NOW + timedelta(minutes=7)).timestamp())
    exc = atproto_exceptions.RateLimitExceededError(
        response(429, **{"ratelimit-reset": str(reset)})
    )
    error = mapped(exc)
    assert isinstance(error, RateLimitedError)
    assert error.until == NOW + timedelta(minutes=7)
    later = atproto_exceptions.RateLimitExceededError(response(429, **{"retry-after": "90"}))
    assert mapped(later).until == NOW + timedelta(seconds=90)  # type: ignore[attr-defined]
    bare = atproto_exceptions.RateLimitExceededError(response(429))
    assert mapped(bare).until == NOW + timedelta(minutes=5)  # type: ignore[attr-defined]


def test_foreign_exceptions_have_no_kind_and_default_to_ambiguous():
    assert kind_of(ValueError("x")) is None
    assert type(mapped(ValueError("x"))) is AmbiguousError
    assert type(mapped(ValueError("x"), write=False)) is TransientError
