"""Configuration: one frozen Settings, loaded from flag > SHAREBOT_* env > file > defaults.

Secrets never live in the file: it names the environment variable (or a 0600
file) that holds each one, and ``Secret`` keeps the value out of every repr,
log line and error message.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Secret:
    """A secret value whose repr and str are redacted."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class BlueskyAccount:
    """A Bluesky account: handle (or DID), the PDS/entryway URL and its app password."""

    name: str
    handle: str
    password: Secret
    service: str = "https://bsky.social"


@dataclass(frozen=True)
class RedditAccount:
    """A Reddit script app (secret + password) or an installed app (refresh token)."""

    name: str
    client_id: str
    user_agent: str
    username: str | None = None
    client_secret: Secret | None = None
    password: Secret | None = None
    refresh_token: Secret | None = None
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    subreddits: tuple[str, ...] = ()
    flair: str | None = None
    link_post: bool = False


@dataclass(frozen=True)
class Settings:
    store_url: str = "sqlite:///data/sharebot.db"
    data_dir: str = "data"
    timezone: str = "UTC"
    slots: tuple[str, ...] = ("Mon-Fri 09:00", "Mon-Fri 13:00", "Mon-Fri 17:00")
    every: str = "3h"
    stale_after: str = "6h"
    stale_policy: str = "review"
    utm: bool = True
    counters: bool = False
    bluesky: tuple[BlueskyAccount, ...] = field(default_factory=tuple)
    reddit: tuple[RedditAccount, ...] = field(default_factory=tuple)
    allow_private_fetch: bool = False
