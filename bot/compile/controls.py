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
    options = article.options
    gate = _written(chosen.replies, options.replies, settings.replies, parse_replies, "--replies")
    quotes = _first(chosen.quotes, options.quotes, settings.quotes)
    labels = _written(chosen.labels, options.labels, settings.labels, parse_labels, "--label")
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


def _written(
    chosen: Sequence[str] | None,
    front: Sequence[str] | None,
    default: Any,
    parse: Callable[[Sequence[str]], Any],
    key: str,
) -> Any:
    """The command line's words, else front-matter's, parsed (ConfigError naming ``key``);
    the configuration's parsed ``default`` when neither wrote any."""
    written = chosen if chosen is not None else front
    if written is None:
        return default
    try:
        return parse(written)
    except ValueError as exc:
        raise ConfigError(str(exc), key=key) from None
