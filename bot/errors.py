"""The sharebot error tree.

Every failure sharebot reports is one of these; foreign exceptions (httpx,
atproto, praw, SQLAlchemy) are translated at the boundary that meets them,
with ``raise ... from exc``::

    BotError
    ├── ConfigError          bad configuration or command-line value (exit 2)
    ├── ContentError         a bad article: names the file, the place, the reason
    ├── StoreError           the store refused or is unreachable
    │   └── NotFoundError    no such article / thread / post
    └── PlatformError        a platform call failed
        ├── TransientError   try again later (network, 5xx, rate limit)
        │   └── RateLimitedError   the account is blocked until ``until``
        ├── RejectedError    the platform refused the content: an editor must act
        │   ├── AuthError    wrong credentials: the account is blocked, no retries
        │   └── UnresolvedError  reconcile cannot tell whether it was sent: review
        ├── AmbiguousError   outcome unknown: reconcile before any resend
        └── PendingError     reconcile cannot tell yet (a listing lags): look again at ``until``

Only ``bot.cli`` turns these into exit codes and messages; the daemon logs and
carries on.
"""

from __future__ import annotations

from datetime import datetime


class BotError(Exception):
    """Base of every error sharebot raises on purpose."""

    exit_code = 1


class ConfigError(BotError):
    """Bad configuration, environment or command-line value."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None):
        self.source = source
        self.key = key
        where = ", ".join(p for p in (source, f"key {key!r}" if key else None) if p)
        super().__init__(f"{where}: {message}" if where else message)


class ContentError(BotError):
    """A bad article. ``source`` is the file or URL, ``line`` the place when known."""

    def __init__(self, source: str, reason: str, *, line: int | None = None):
        self.source = source
        self.reason = reason
        self.line = line
        place = f"{source}:{line}" if line is not None else source
        super().__init__(f"{place}: {reason}")


class StoreError(BotError):
    """The store refused an operation or cannot be reached."""


class NotFoundError(StoreError):
    """No such article, thread or post."""


class PlatformError(BotError):
    """A platform call failed. ``platform`` names it ("bluesky", "reddit")."""

    def __init__(self, message: str, *, platform: str = ""):
        self.platform = platform
        super().__init__(f"{platform}: {message}" if platform else message)


class TransientError(PlatformError):
    """Worth retrying later. ``retry_after`` (seconds) when the platform said."""

    def __init__(self, message: str, *, platform: str = "", retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message, platform=platform)


class RateLimitedError(TransientError):
    """The account (or subreddit) may not post before ``until`` (UTC)."""

    def __init__(self, message: str, *, platform: str = "", until: datetime, scope: str = ""):
        self.until = until
        self.scope = scope
        super().__init__(message, platform=platform)


class RejectedError(PlatformError):
    """The platform refused the content; it goes to review with this message."""


class AuthError(RejectedError):
    """Credentials refused; the account is blocked until an operator fixes them."""


class AmbiguousError(PlatformError):
    """The request may or may not have taken effect: reconcile, never resend blindly."""


class UnresolvedError(RejectedError):
    """Reconcile cannot decide whether an earlier attempt was published (a listing cut
    off before the first send, ...): an editor checks; nothing is sent blindly."""


class PendingError(PlatformError):
    """Reconcile cannot decide *yet*: the platform's listings may lag behind a write made
    at most a listing lag ago. Look again at ``until`` (not an attempt)."""

    def __init__(self, message: str, *, platform: str = "", until: datetime):
        self.until = until
        super().__init__(message, platform=platform)
