"""Configuration: one frozen Settings, loaded from flag > SHAREBOT_* env > file > defaults.

Secrets never live in the file: it names the environment variable (or a 0600
file) that holds each one, and ``Secret`` keeps the value out of every repr,
log line and error message.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


@dataclass(frozen=True)
class Slot:
    """A weekly posting slot: local ``hour:minute`` on ``days`` (0 = Monday)."""

    days: frozenset[int]
    hour: int
    minute: int


@dataclass(frozen=True)
class QuietHours:
    """A daily window (local times, may wrap midnight) in which nothing falls due."""

    start: time
    end: time


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
    posts_dir: str = "posts"
    concurrency: int = 4
    lease: timedelta = timedelta(minutes=2)
    max_attempts: int = 5
    max_ambiguous: int = 3
    tick: timedelta = timedelta(seconds=30)
    listing_lag: timedelta = timedelta(seconds=60)
    max_posts_per_article: int = 200
    quiet_hours: QuietHours | None = None
    config_path: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return zone(self.timezone)


# --- grammar shared with bot.schedule (which sits below this layer) -----------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}
_SLOT = re.compile(r"^\s*(?P<days>[A-Za-z,\- ]+?)\s+(?P<h>\d{1,2}):(?P<m>\d{2})\s*$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
NEXT_SLOT = "next slot"
STALE_POLICIES = ("review", "reslot")


def parse_duration(text: str) -> timedelta:
    """``"3h"``, ``"90m"``, ``"1d"``, ``"1h30m"``, ``"45s"`` -> a positive timedelta."""
    match = _DURATION.match(text.strip().lower().replace(" ", ""))
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"not a duration: {text!r} (use e.g. 90m, 3h, 1d)")
    d, h, m, s = (int(g or 0) for g in match.groups())
    try:
        value = timedelta(days=d, hours=h, minutes=m, seconds=s)
    except OverflowError:
        raise ValueError(f"duration out of range: {text!r}") from None
    if value <= timedelta(0):
        raise ValueError(f"duration must be positive: {text!r}")
    return value


def parse_every(text: str) -> timedelta | None:
    """Section spacing: a duration, or None for ``"next slot"``."""
    if " ".join(text.lower().split()) == NEXT_SLOT:
        return None
    return parse_duration(text)


def _days(spec: str) -> frozenset[int]:
    days: set[int] = set()
    for part in spec.lower().replace(" ", "").split(","):
        if part in _DAY_GROUPS:
            days.update(_DAY_GROUPS[part])
            continue
        ends = [p[:3] for p in part.split("-")]
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            raise ValueError(f"unknown day {part!r} (use Mon..Sun, Mon-Fri, Daily)")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return frozenset(days)


def parse_slot(text: str) -> Slot:
    """``"Mon-Fri 09:00"``, ``"Sat 11:30"``, ``"Daily 08:00"``, ``"Mon,Wed 17:00"`` -> Slot."""
    match = _SLOT.match(text)
    if match is None:
        raise ValueError(f"malformed slot {text!r} (use e.g. 'Mon-Fri 09:00', 'Daily 08:00')")
    hour, minute = int(match["h"]), int(match["m"])
    if hour > 23 or minute > 59:
        raise ValueError(f"malformed slot {text!r}: no such time of day")
    return Slot(_days(match["days"]), hour, minute)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r} (use an IANA name such as Europe/Berlin)"
        ) from None


# --- loading ------------------------------------------------------------------------

_ENV_NAMES = {"store_url": "SHAREBOT_STORE"}
_SCALARS = {f.name for f in fields(Settings)} - {"bluesky", "reddit", "config_path"}
_SECRETS = {"bluesky": ("password",), "reddit": ("client_secret", "password", "refresh_token")}
_ACCOUNT_TYPES: dict[str, Any] = {"bluesky": BlueskyAccount, "reddit": RedditAccount}
# Settings whose raw form (TOML, environment) is text or a list of text, and their parsers.
_DURATIONS = ("stale_after", "lease", "tick", "listing_lag")
_RAW_KINDS: dict[str, type] = {"slots": tuple, "every": str, "quiet_hours": str}
_RAW_KINDS |= dict.fromkeys(_DURATIONS, str)


def parse_quiet_hours(text: str) -> QuietHours | None:
    """``"22:00-07:00"`` -> QuietHours (local times; may wrap midnight); ``""`` -> None."""
    if not text.strip():
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    if match is None:
        raise ValueError(f"malformed quiet hours {text!r} (use e.g. '22:00-07:00')")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise ValueError(f"malformed quiet hours {text!r}: no such window")
    return QuietHours(time(h1, m1), time(h2, m2))


def _checked_zone(name: str) -> str:
    zone(name)
    return name


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "timezone": _checked_zone,
    "every": parse_every,
    "slots": lambda specs: tuple(parse_slot(s) for s in specs),
    "stale_policy": lambda value: _one_of(value, STALE_POLICIES),
    "quiet_hours": parse_quiet_hours,
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
        if key not in _SCALARS and key not in _SECRETS:
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
        bluesky=_accounts("bluesky", raw.get("bluesky", []), source, env, secrets),
        reddit=_accounts("reddit", raw.get("reddit", []), source, env, secrets),
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


def _accounts(
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
    plain = {f.name for f in fields(cls)} - set(_SECRETS[platform])
    secret_keys = {f"{s}_{k}" for s in _SECRETS[platform] for k in ("env", "file")}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in plain and key not in secret_keys:
            raise ConfigError("unknown key", source=source, key=f"{where}.{key}")
        if key in plain:
            values[key] = _account_value(cls, key, value, source, f"{where}.{key}")
    for secret in _SECRETS[platform]:
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
