"""Feeds to follow (``[[feeds]]``, ``sharebot feeds add``): what `queue add` would be told
for each new article of a feed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.config.grammar import one_of, parse_duration, parse_every
from bot.errors import ConfigError


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
            one_of(parsed["thread_mode"], ("section", "article"))
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


def read_feeds(tables: Any, source: str) -> tuple[FeedConfig, ...]:
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError("expected an array of tables ([[feeds]])", source=source, key="feeds")
    return tuple(feed_config(t, source=source, where=f"feeds[{i}]") for i, t in enumerate(tables))
