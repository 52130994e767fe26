"""Reader controls of the Bluesky posts of a plan, decided once for every face (command
line > front-matter > configuration; pure): who may reply (a threadgate beside each
thread's root), whether posts may be quoted (a postgate beside every post, or the root
only: ``quotes_on``), self-labels on every post, and each post's ``langs`` from a function
the caller passes (``bot.app.langs`` detects them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.article import Article
from bot.config import Settings
from bot.controls import parse_labels, parse_replies
from bot.errors import ConfigError
from bot.threads import PostDraft, ThreadDraft

Langs = Callable[[PostDraft], tuple[str, ...]]


@dataclass(frozen=True)
class Controls:
    """What the command line chose (None: front-matter, then configuration)."""

    replies: tuple[str, ...] | None = None
    quotes: bool | None = None
    labels: tuple[str, ...] | None = None
    lang: str | None = None


def apply(threads: Sequence[ThreadDraft], article: Article, settings: Settings,
          chosen: Controls, *, langs: Langs | None = None) -> tuple[ThreadDraft, ...]:  # fmt: skip
    """``threads`` with Bluesky reader controls set, and ``langs(post)`` as each post's
    languages (the compiler's when None); other platforms as they are. ConfigError for a
    bad value, before anything is queued."""
    gate = _replies(chosen, article, settings)
    quotes = _first(chosen.quotes, article.options.quotes, settings.quotes)
    labels = _labels(chosen, article, settings)
    out = []
    for thread in threads:
        if thread.platform != "bluesky":
            out.append(thread)
            continue
        posts = tuple(
            replace(post, gate=gate if i == 0 else None, labels=labels,
                    langs=langs(post) if langs else post.langs,
                    quotes=quotes or (settings.quotes_on == "root" and i > 0))
            for i, post in enumerate(thread.posts)
        )  # fmt: skip
        out.append(replace(thread, posts=posts))
    return tuple(out)


def _first(*values: Any) -> Any:
    return next(v for v in values if v is not None)


def _replies(chosen: Controls, article: Article, settings: Settings) -> tuple[str, ...] | None:
    written = chosen.replies if chosen.replies is not None else article.options.replies
    if written is None:
        return settings.replies
    try:
        return parse_replies(written)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--replies") from None


def _labels(chosen: Controls, article: Article, settings: Settings) -> tuple[str, ...]:
    written = chosen.labels if chosen.labels is not None else article.options.labels
    if written is None:
        return settings.labels
    try:
        return parse_labels(written)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--label") from None
