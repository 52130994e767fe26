"""Accounts in the configuration, and their secrets: never in the file, which names the
environment variable (or a 0600 file) holding each; ``Secret`` keeps the value out of
every repr, log line and error message."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from bot.errors import ConfigError


class Secret:
    """A secret value whose repr and str are redacted."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value itself: pass it to the SDK, never to a log or an error."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class MissingSecret(Secret):
    """A secret that could not be read: harmless until something asks for its value
    (commands that only read the store load the configuration without secrets)."""

    __slots__ = ("_error",)

    def __init__(self, error: ConfigError) -> None:
        super().__init__("")
        self._error = error

    def reveal(self) -> str:
        """Raise the ConfigError that reading the secret gave."""
        raise self._error


@dataclass(frozen=True)
class BlueskyAccount:
    """A Bluesky account: handle (or DID), the PDS/entryway URL and its app password."""

    name: str
    handle: str
    password: Secret
    service: str = "https://bsky.social"
    # Engagement stats are public reads: asked of this AppView without logging in ("" asks
    # through the account's PDS instead, e.g. a self-hosted PDS with a private AppView).
    appview: str = "https://public.api.bsky.app"


def subreddit_name(name: str) -> str:
    """A subreddit as stored and sent: ``r/news`` and ``/r/news`` become ``news``."""
    return name.removeprefix("/").removeprefix("r/")


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


SECRETS = {"bluesky": ("password",), "reddit": ("client_secret", "password", "refresh_token")}
_ACCOUNT_TYPES: dict[str, Any] = {"bluesky": BlueskyAccount, "reddit": RedditAccount}


def read_accounts(
    platform: str, tables: Any, source: str, env: Mapping[str, str], required: bool
) -> tuple[Any, ...]:
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"expected an array of tables ([[{platform}]])", source=source,
                          key=platform)  # fmt: skip
    accounts = tuple(
        _account(platform, table, source, f"{platform}[{i}]", env, required)
        for i, table in enumerate(tables)
    )
    names = [a.name for a in accounts]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"two accounts named {name!r}", source=source, key=platform)
    return accounts


def _account(
    platform: str,
    table: dict[str, Any],
    source: str,
    where: str,
    env: Mapping[str, str],
    required: bool,
) -> Any:
    cls = _ACCOUNT_TYPES[platform]
    plain = {f.name for f in fields(cls)} - set(SECRETS[platform])
    secret_keys = {f"{s}_{k}" for s in SECRETS[platform] for k in ("env", "file")}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in plain and key not in secret_keys:
            raise ConfigError("unknown key", source=source, key=f"{where}.{key}")
        if key in plain:
            values[key] = _account_value(cls, key, value, source, f"{where}.{key}")
    for secret in SECRETS[platform]:
        try:
            value = _secret(table, secret, source, where, env)
        except ConfigError as exc:
            if required:
                raise
            value = MissingSecret(exc)
        if value is not None:
            values[secret] = value
    return _build_account(cls, values, source, where)


def _account_value(cls: Any, key: str, value: Any, source: str, where: str) -> Any:
    if key == "subreddits":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError("expected a list of strings", source=source, key=where)
        return tuple(subreddit_name(v) for v in value)
    expected = bool if key == "link_post" else str
    if not isinstance(value, expected):
        raise ConfigError(f"expected {expected.__name__}", source=source, key=where)
    return value


def _build_account(cls: Any, values: dict[str, Any], source: str, where: str) -> Any:
    required = ("handle", "password") if cls is BlueskyAccount else ("client_id", "user_agent")
    for key in required:
        if key not in values:
            hint = f"{key}_env or {key}_file" if key == "password" else key
            raise ConfigError(f"missing {hint}", source=source, key=f"{where}.{hint.split()[0]}")
    if cls is RedditAccount and not ({"refresh_token", "client_secret"} & set(values)):
        raise ConfigError(
            "needs client_secret_env (script app) or refresh_token_env (installed app)",
            source=source,
            key=f"{where}.client_secret_env",
        )
    values.setdefault("name", values.get("handle") or values.get("username") or values["client_id"])
    return cls(**values)


def _secret(
    table: dict[str, Any], secret: str, source: str, where: str, env: Mapping[str, str]
) -> Secret | None:
    env_key, file_key = f"{secret}_env", f"{secret}_file"
    if env_key in table:
        name = table[env_key]
        if not isinstance(name, str) or not name:
            raise ConfigError("expected an environment variable name", source=source,
                              key=f"{where}.{env_key}")  # fmt: skip
        if not env.get(name):
            raise ConfigError(f"environment variable {name} is not set", source=source,
                              key=f"{where}.{env_key}")  # fmt: skip
        return Secret(env[name])
    if file_key in table:
        return Secret(_secret_file(table[file_key], source, f"{where}.{file_key}"))
    return None


def _secret_file(path: Any, source: str, key: str) -> str:
    if not isinstance(path, str):
        raise ConfigError("expected a file path", source=source, key=key)
    try:
        info = os.stat(path)
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            mode = oct(stat.S_IMODE(info.st_mode))
            raise ConfigError(f"{path} is mode {mode}: run chmod 600 {path}", source=source,
                              key=key)  # fmt: skip
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", source=source, key=key) from None
