"""Desk users and logins: argon2 password hashes, server-side sessions with an idle
timeout, and a login throttle per user name and per address.

The session token lives only in the editor's cookie; the store keeps its SHA-256. The
throttle is per process (one desk process serves an SQLite store; behind several desks on
PostgreSQL each counts its own attempts, which still bounds guessing per desk).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.errors import BotError, ConfigError
from bot.store import Store
from bot.store.users import Session, User

ROLES = ("editor", "contributor")
MIN_PASSWORD = 8
IDLE = timedelta(minutes=30)  # a session unused this long is over
TOUCH_EVERY = timedelta(minutes=1)  # how stale seen_at may get before a write refreshes it
ATTEMPTS = 5  # failed logins allowed per user name, and per address, in WINDOW
WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()
# Verified against when the user does not exist, so an unknown name costs the same time.
_DUMMY = (  # a hash of "not a password of anyone"
    "$argon2id$v=19$m=65536,t=3,p=4$LOyXBju3wsVMTukgqLxgMg$NRrATxBkeoi+MCgsa0xO/0tXHJ4M/en2inWdgSoYScE"
)


class LoginRefused(BotError):
    """Wrong name or password (the message never says which)."""


class TooManyAttempts(BotError):
    """Too many failed logins for this user name or address: wait ``retry_after``."""

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def add_user(store: Store, name: str, role: str, password: str, now: datetime) -> User:
    """Create (or reset) a desk user with an argon2 hash of ``password``."""
    name = name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        raise ConfigError(f"bad user name {name!r}", key="NAME")
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} (use {' or '.join(ROLES)})", key="--role")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password needs at least {MIN_PASSWORD} characters", key="password")
    return store.add_user(name, role, _hasher.hash(password), now)


def token_hash(token: str) -> str:
    """What the store keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class LoginThrottle:
    """Failed login times per key ("user:NAME", "addr:IP"), forgotten after ``window``."""

    attempts: int = ATTEMPTS
    window: timedelta = WINDOW
    failures: dict[str, deque[datetime]] = field(default_factory=dict)

    def check(self, keys: tuple[str, ...], now: datetime) -> None:
        """TooManyAttempts when any key has used up its attempts."""
        for key in keys:
            seen = self._recent(key, now)
            if len(seen) >= self.attempts:
                wait = seen[0] + self.window - now
                raise TooManyAttempts(
                    "too many failed logins: try again in "
                    f"{max(1, int(wait.total_seconds() // 60) + 1)} minutes",
                    wait,
                )

    def failed(self, keys: tuple[str, ...], now: datetime) -> None:
        """Count a failed attempt against every key."""
        for key in keys:
            self._recent(key, now).append(now)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        seen = self.failures.setdefault(key, deque())
        while seen and seen[0] + self.window <= now:
            seen.popleft()
        return seen


@dataclass(frozen=True)
class Login:
    """A successful login: the cookie's token and the session it opens."""

    token: str
    session: Session


def login(
    store: Store, throttle: LoginThrottle, name: str, password: str, address: str, now: datetime
) -> Login:
    """Check the password (throttled per name and address) and open a session."""
    keys = (f"user:{name.strip().lower()}", f"addr:{address}")
    throttle.check(keys, now)
    user = store.find_user(name.strip())
    matches = _verify(user.password_hash if user else _DUMMY, password)
    if user is None or not matches:
        throttle.failed(keys, now)
        raise LoginRefused("wrong user name or password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    store.start_session(token_hash(token), user.id, csrf, now)
    return Login(token, Session(user, csrf, now))


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def session(store: Store, token: str, now: datetime, idle: timedelta = IDLE) -> Session | None:
    """The live session of a cookie token (None: unknown, logged out or idle too long);
    using it restarts the idle timeout (written at most once a minute)."""
    if not token:
        return None
    digest = token_hash(token)
    found = store.find_session(digest, now, idle)
    if found is not None and now - found.seen_at >= TOUCH_EVERY:
        store.touch_session(digest, now)
    return found
