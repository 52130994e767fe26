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

from bot.controls import parse_labels, parse_replies
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


@dataclass(frozen=True)
class FeedConfig:
    """A feed to follow and what `queue add` would be told for each new article of it."""

    url: str
    platforms: tuple[str, ...] | None = None
    subreddit: str | None = None
    flair: str | None = None
    thread_mode: str | None = None
    every: str | None = None  # as --every: a duration or "next slot"
    approval: bool = False
    backfill: int = 0  # how many existing entries the first poll takes
    poll: timedelta = timedelta(minutes=15)
    evergreen: str | None = None  # share each article again every this long ("30d")
    max_reshares: int | None = None

    def options(self) -> dict[str, Any]:
        """The raw options (as the store keeps them)."""
        raw = {k: getattr(self, k) for k in FEED_KEYS if k != "url"}
        raw["poll"] = f"{int(self.poll.total_seconds())}s"
        raw["platforms"] = list(self.platforms) if self.platforms else None
        return {k: v for k, v in raw.items() if v is not None}


FEED_KEYS = ("url", "platforms", "subreddit", "flair", "thread_mode", "every", "approval",
             "backfill", "poll", "evergreen", "max_reshares")  # fmt: skip


def feed_config(values: Mapping[str, Any], *, source: str, where: str) -> FeedConfig:
    """A FeedConfig from raw values (a ``[[feeds]]`` table, CLI options or the store);
    ConfigError naming the source and key for anything invalid."""
    for key in values:
        if key not in FEED_KEYS:
            raise ConfigError("unknown key", source=source, key=f"{where}.{key}")
    url = values.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError("expected an http(s) URL", source=source, key=f"{where}.url")
    parsed: dict[str, Any] = {"url": url}
    kinds: dict[str, type] = {"subreddit": str, "flair": str, "thread_mode": str, "every": str,
                              "approval": bool, "backfill": int, "poll": str, "evergreen": str,
                              "max_reshares": int}  # fmt: skip
    for key, kind in kinds.items():
        value: Any = values.get(key)
        if value is None:
            continue
        negative = isinstance(value, int) and (value < 0 or isinstance(value, bool))
        if not isinstance(value, kind) or (kind is int and negative):
            raise ConfigError(f"expected {kind.__name__}, got {value!r}", source=source,
                              key=f"{where}.{key}")  # fmt: skip
        parsed[key] = value
    try:
        if "poll" in parsed:
            parsed["poll"] = parse_duration(parsed["poll"])
        if "evergreen" in parsed:
            parse_duration(parsed["evergreen"])
        if "every" in parsed:
            parse_every(parsed["every"])
        if "thread_mode" in parsed:
            _one_of(parsed["thread_mode"], ("section", "article"))
    except ValueError as exc:
        raise ConfigError(str(exc), source=source, key=where) from None
    platforms = values.get("platforms")
    if platforms is not None:
        if not isinstance(platforms, list | tuple) or not all(
            p in ("bluesky", "reddit") for p in platforms
        ):
            raise ConfigError("expected a list of bluesky, reddit", source=source,
                              key=f"{where}.platforms")  # fmt: skip
        parsed["platforms"] = tuple(platforms)
    return FeedConfig(**parsed)


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


# --- grammar shared with bot.schedule (which sits below this layer) -----------------

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}
_SLOT = re.compile(r"^\s*(?P<days>[A-Za-z,\- ]+?)\s+(?P<h>\d{1,2}):(?P<m>\d{2})\s*$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
NEXT_SLOT = "next slot"
STALE_POLICIES = ("review", "reslot")
OVERFLOWS = ("continue", "link")  # bot.article.OVERFLOWS: a section over max_posts_per_thread


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
_SCALARS = {f.name for f in fields(Settings)} - {
    "bluesky", "reddit", "feeds", "budgets", "config_path"
}  # fmt: skip
_SECRETS = {"bluesky": ("password",), "reddit": ("client_secret", "password", "refresh_token")}
_ACCOUNT_TYPES: dict[str, Any] = {"bluesky": BlueskyAccount, "reddit": RedditAccount}
# Settings whose raw form (TOML, environment) is text or a list of text, and their parsers.
_DURATIONS = ("stale_after", "lease", "tick", "fetch_deadline", "listing_lag")
_RAW_KINDS: dict[str, type] = {"slots": tuple, "every": str, "quiet_hours": str,
                               "replies": tuple, "stats_intervals": tuple}  # fmt: skip
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


def parse_intervals(specs: Any) -> tuple[timedelta, ...]:
    """``["1h", "6h", "1d"]`` (or ``"1h, 6h, 1d"``) -> increasing timedeltas after publishing."""
    items = specs.split(",") if isinstance(specs, str) else list(specs)
    values = tuple(parse_duration(str(item)) for item in items if str(item).strip())
    if list(values) != sorted(set(values)):
        raise ValueError("stats intervals must increase, e.g. ['1h', '6h', '1d']")
    return values


def _checked_zone(name: str) -> str:
    zone(name)
    return name


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return value


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
    "stale_policy": lambda value: _one_of(value, STALE_POLICIES),
    "overflow": lambda value: _one_of(value, OVERFLOWS),
    "replies": parse_replies,
    "labels": parse_labels,
    "quotes_on": lambda value: _one_of(value, ("thread", "root")),
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
        if key not in _SCALARS and key not in _SECRETS and key not in ("feeds", "budgets"):
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
        feeds=_feeds(raw.get("feeds", []), source),
        budgets=_budgets(raw.get("budgets", {}), source),
    )


def _feeds(tables: Any, source: str) -> tuple[FeedConfig, ...]:
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError("expected an array of tables ([[feeds]])", source=source, key="feeds")
    return tuple(feed_config(t, source=source, where=f"feeds[{i}]") for i, t in enumerate(tables))


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
        if platform not in _SECRETS:
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
