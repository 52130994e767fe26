"""Configuration: one frozen Settings, loaded from flag > SHAREBOT_* env > file > defaults.

Secrets never live in the file: it names the environment variable (or a 0600
file) that holds each one (``bot.config.accounts``). Values are parsed by the grammar of
``bot.config.grammar``; feeds are ``bot.config.feeds``. Every public name of those modules
is importable from here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.accounts import (
    SECRETS,
    BlueskyAccount,
    MissingSecret,
    RedditAccount,
    Secret,
    read_accounts,
    subreddit_name,
)
from bot.config.feeds import FEED_KEYS, FeedConfig, feed_config, read_feeds
from bot.config.grammar import (
    DAYS,
    NEXT_SLOT,
    OVERFLOWS,
    STALE_POLICIES,
    QuietHours,
    Slot,
    one_of,
    parse_duration,
    parse_every,
    parse_intervals,
    parse_quiet_hours,
    parse_slot,
    zone,
)
from bot.controls import parse_labels, parse_replies
from bot.errors import ConfigError

__all__ = [
    "DAYS", "FEED_KEYS", "NEXT_SLOT", "OVERFLOWS", "STALE_POLICIES", "BlueskyAccount",
    "FeedConfig", "MissingSecret", "QuietHours", "RedditAccount", "Secret", "Settings", "Slot",
    "env_name", "feed_config", "from_mapping", "load", "parse_duration", "parse_every",
    "parse_intervals", "parse_quiet_hours", "parse_slot", "subreddit_name", "zone",
]  # fmt: skip


def _slots(*specs: str) -> tuple[Slot, ...]:
    return tuple(parse_slot(s) for s in specs)


@dataclass(frozen=True)
class Settings:
    """Everything sharebot is configured with, parsed (see config/sharebot.example.toml).

    Durations are timedeltas, slots are :class:`Slot` values; ``every`` is None for
    "next slot". Build one from raw values with :func:`from_mapping` (or :func:`load`).
    """

    store_url: str = "sqlite:///data/sharebot.db"
    data_dir: str = "data"
    secret_key_file: str = ""  # the key sealing sessions; "" = <data_dir>/secret.key
    timezone: str = "UTC"
    slots: tuple[Slot, ...] = field(
        default_factory=lambda: _slots("Mon-Fri 09:00", "Mon-Fri 13:00", "Mon-Fri 17:00")
    )
    every: timedelta | None = timedelta(hours=3)
    stale_after: timedelta = timedelta(hours=6)
    stale_policy: str = "review"
    utm: bool = True
    counters: bool = False
    bluesky: tuple[BlueskyAccount, ...] = field(default_factory=tuple)
    reddit: tuple[RedditAccount, ...] = field(default_factory=tuple)
    allow_private_fetch: bool = False
    fetch_networks: tuple[str, ...] = ()  # private networks that may be fetched all the same
    posts_dir: str = "posts"
    concurrency: int = 4
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 5
    max_ambiguous: int = 3
    tick: timedelta = timedelta(seconds=30)
    listing_lag: timedelta = timedelta(seconds=60)
    max_posts_per_article: int = 200
    quiet_hours: QuietHours | None = None
    feeds: tuple[FeedConfig, ...] = field(default_factory=tuple)
    max_posts_per_thread: int = 12
    overflow: str = "continue"
    fetch_deadline: timedelta = timedelta(seconds=20)
    # Bluesky reader controls (bot.controls): reply rules (None: everyone may reply,
    # (): nobody), quotes allowed, on every post of a thread or on its root only
    replies: tuple[str, ...] | None = None
    quotes: bool = True
    quotes_on: str = "thread"
    labels: tuple[str, ...] = ()
    # [budgets.<platform>] <limit> = N | "N/<duration>" (bot.budget checks the names)
    budgets: tuple[tuple[str, str, int | str], ...] = ()
    stats_intervals: tuple[timedelta, ...] = field(
        default_factory=lambda: tuple(timedelta(hours=h) for h in (1, 6, 24, 72, 168, 720))
    )  # engagement stats are fetched this long after publishing (+1h, +6h, +24h, +3d, …)
    config_path: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return zone(self.timezone)


_ENV_NAMES = {"store_url": "SHAREBOT_STORE"}
_SCALARS = {f.name for f in fields(Settings)} - {
    "bluesky", "reddit", "feeds", "budgets", "config_path"
}  # fmt: skip
# Settings whose raw form (TOML, environment) is text or a list of text, and their parsers.
_DURATIONS = ("stale_after", "lease", "tick", "fetch_deadline", "listing_lag")
_RAW_KINDS: dict[str, type] = {"slots": tuple, "every": str, "quiet_hours": str,
                               "replies": tuple, "stats_intervals": tuple}  # fmt: skip
_RAW_KINDS |= dict.fromkeys(_DURATIONS, str)


def _checked_zone(name: str) -> str:
    zone(name)
    return name


def _networks(specs: tuple[str, ...]) -> tuple[str, ...]:
    import ipaddress

    for spec in specs:
        try:
            ipaddress.ip_network(spec)
        except ValueError:
            raise ValueError(f"not a network: {spec!r} (use e.g. 10.0.0.0/8)") from None
    return specs


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "fetch_networks": _networks,
    "timezone": _checked_zone,
    "every": parse_every,
    "slots": lambda specs: tuple(parse_slot(s) for s in specs),
    "stale_policy": lambda value: one_of(value, STALE_POLICIES),
    "overflow": lambda value: one_of(value, OVERFLOWS),
    "replies": parse_replies,
    "labels": parse_labels,
    "quotes_on": lambda value: one_of(value, ("thread", "root")),
    "quiet_hours": parse_quiet_hours,
    "stats_intervals": parse_intervals,
    **dict.fromkeys(_DURATIONS, parse_duration),
}


def env_name(key: str) -> str:
    """The SHAREBOT_* variable that overrides setting ``key``."""
    return _ENV_NAMES.get(key, f"SHAREBOT_{key.upper()}")


def load(
    config_path: str | None,
    *,
    store_url: str | None = None,
    env: Mapping[str, str] | None = None,
    secrets: bool = True,
) -> Settings:
    """Settings from flag > SHAREBOT_* environment > TOML file > defaults.

    Raises ConfigError naming the file (or variable) and key for anything invalid. With
    ``secrets=False`` (commands that only read the store) an account secret whose variable
    or file is missing is not an error until something asks for its value.
    """
    env = os.environ if env is None else env
    source = config_path or "<defaults>"
    raw = _read_toml(config_path) if config_path else {}
    values: dict[str, tuple[Any, str, str]] = {}  # key -> (raw value, source, key as named)
    for key, value in raw.items():
        if key not in _SCALARS and key not in SECRETS and key not in ("feeds", "budgets"):
            raise ConfigError("unknown key", source=source, key=key)
        if key in _SCALARS:
            values[key] = (value, source, key)
    for key in sorted(_SCALARS):
        name = env_name(key)
        if env.get(name, "") != "":
            values[key] = (_from_env(key, env[name]), "environment", name)
    if store_url:
        values["store_url"] = (store_url, "command line", "--store")
    settings = _build(values, config_path)
    return replace(
        settings,
        bluesky=read_accounts("bluesky", raw.get("bluesky", []), source, env, secrets),
        reddit=read_accounts("reddit", raw.get("reddit", []), source, env, secrets),
        feeds=read_feeds(raw.get("feeds", []), source),
        budgets=_budgets(raw.get("budgets", {}), source),
    )


def from_mapping(values: Mapping[str, Any], *, source: str = "<settings>") -> Settings:
    """Settings from raw values as a TOML file would give them (``{"every": "1h"}``),
    validated like :func:`load` (accounts are not read here)."""
    for key in values:
        if key not in _SCALARS:
            raise ConfigError("unknown key", source=source, key=key)
    return _build({k: (v, source, k) for k, v in values.items()}, None)


def _build(values: Mapping[str, tuple[Any, str, str]], config_path: str | None) -> Settings:
    parsed: dict[str, Any] = {}
    for key, (value, source, where) in values.items():
        typed = _typed(key, value, source, where)
        try:
            parsed[key] = _PARSERS[key](typed) if key in _PARSERS else typed
        except ValueError as exc:
            raise ConfigError(str(exc), source=source, key=where) from None
    if "store_url" not in parsed:
        data_dir = str(parsed.get("data_dir", "data")).rstrip("/") or "/"
        parsed["store_url"] = f"sqlite:///{data_dir}/sharebot.db"
    return Settings(**parsed, config_path=config_path)


def _budgets(table: Any, source: str) -> tuple[tuple[str, str, int | str], ...]:
    """``[budgets.bluesky] points_hour = 500``: (platform, limit, value) in file order."""
    if not isinstance(table, dict):
        raise ConfigError("expected a table ([budgets.<platform>])", source=source, key="budgets")
    out: list[tuple[str, str, int | str]] = []
    for platform, limits in table.items():
        where = f"budgets.{platform}"
        if platform not in SECRETS:
            raise ConfigError("unknown platform (bluesky, reddit)", source=source, key=where)
        if not isinstance(limits, dict):
            raise ConfigError("expected a table of limits", source=source, key=where)
        for name, value in limits.items():
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ConfigError(
                    f'expected a count or "count/duration", got {value!r}',
                    source=source,
                    key=f"{where}.{name}",
                )
            out.append((platform, name, value))
    return tuple(out)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", source=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", source=path) from None


def _raw_kind(key: str) -> type:
    return _RAW_KINDS.get(key) or type(getattr(Settings(), key))


def _typed(key: str, value: Any, source: str, where: str) -> Any:
    kind = _raw_kind(key)
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    elif kind is tuple:
        if key in ("replies", "labels") and isinstance(value, str):
            value = [value]  # replies = "nobody", labels = "nudity"
        ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
        value = tuple(value) if ok else value
    else:
        ok = isinstance(value, str)
    if not ok:
        name = {bool: "bool", int: "a positive integer", tuple: "list of strings"}.get(kind, "str")
        raise ConfigError(f"expected {name}, got {value!r}", source=source, key=where)
    return value


def _from_env(key: str, text: str) -> Any:
    kind = _raw_kind(key)
    value: Any = text
    if kind is bool:
        flags = {"1": True, "true": True, "yes": True, "on": True}
        flags |= {"0": False, "false": False, "no": False, "off": False}
        value = flags.get(text.strip().lower(), text)
    elif kind is int:
        value = int(text) if text.strip().isdigit() else text
    elif kind is tuple:
        value = [s.strip() for s in text.split(";" if ";" in text else ",") if s.strip()]
    return value
