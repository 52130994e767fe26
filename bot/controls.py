"""Reader controls as editors write them (pure grammar, shared by the configuration,
front-matter and the CLI): who may reply to a Bluesky thread, and self-labels. The records
they become are built in ``bot.platforms.bluesky_gates``."""

from __future__ import annotations

from collections.abc import Sequence

SELF_LABELS = ("porn", "sexual", "nudity", "graphic-media")
REPLY_RULES = ("mentioned", "following", "followers")  # and "list:<at-uri>"
MAX_RULES = 5


def parse_replies(specs: Sequence[str]) -> tuple[str, ...] | None:
    """``["everyone"]`` -> None (no gate), ``["nobody"]`` -> () (nobody may reply), else the
    rules (``mentioned``, ``following``, ``followers``, ``list:at://…``, at most 5);
    ValueError naming what is wrong."""
    names = tuple(s.strip() for s in specs if s.strip())
    if names in ((), ("everyone",)):
        return None
    if names == ("nobody",):
        return ()
    for name in names:
        if name in ("everyone", "nobody"):
            raise ValueError(f"{name!r} cannot be combined with other reply rules")
        if name not in REPLY_RULES and not name.startswith("list:at://"):
            raise ValueError(
                f"unknown reply rule {name!r} (use everyone, nobody, mentioned, following, "
                "followers or list:<at-uri>)"
            )
    if len(names) > MAX_RULES:
        raise ValueError(f"{len(names)} reply rules: Bluesky allows at most {MAX_RULES}")
    return tuple(dict.fromkeys(names))


def parse_labels(values: Sequence[str]) -> tuple[str, ...]:
    """Self-labels, checked against the values Bluesky allows (ValueError otherwise)."""
    labels = tuple(dict.fromkeys(v.strip().lower() for v in values if v.strip()))
    for label in labels:
        if label not in SELF_LABELS:
            raise ValueError(f"unknown label {label!r} (use {', '.join(SELF_LABELS)})")
    return labels
