"""Editors' changes to queued posts: edit, reschedule, cancel, retry — each says what it did,
and when it did nothing, why (the states the posts are in)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.config import Settings
from bot.controls import parse_labels, parse_replies
from bot.errors import ConfigError, StoreError
from bot.richtext import graphemes, render_inline, utf8_len
from bot.schedule import quiet_end
from bot.store import PostView, Store
from bot.store.editors import Move
from bot.threads import (
    LIMITS,
    MARKER_RESERVE,
    Embed,
    Facet,
    ImageRef,
    ImagesEmbed,
    LinkCard,
    PostDraft,
)

# Which states each change takes, and a phrase for the message when none is.
TAKES = {
    "cancel": ("awaiting_approval", "queued", "failed", "needs_review"),
    "retry": ("failed", "needs_review"),
    "reschedule": ("queued", "failed"),
}


class NothingToDo(StoreError):
    """A change that matched no post in a state it takes (the message says which)."""


@dataclass(frozen=True)
class Changed:
    """What cancel / retry did: how many posts."""

    ident: str
    verb: str
    count: int


@dataclass(frozen=True)
class Rescheduled:
    """What a reschedule did: each thread's old and new time; ``quiet`` when the requested
    time fell in quiet hours and was moved to their end."""

    ident: str
    moves: tuple[Move, ...]
    requested: datetime
    at: datetime

    @property
    def quiet(self) -> bool:
        """True when quiet hours moved the requested time."""
        return self.at != self.requested


def _explain(store: Store, ident: str, verb: str) -> NothingToDo:
    states = store.post_states(ident)
    found = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no posts"
    takes = " or ".join(TAKES[verb])
    return NothingToDo(f"{ident}: nothing to {verb}: {found} ({verb} takes {takes} posts)")


def cancel(store: Store, ident: str, now: datetime) -> Changed:
    """Cancel the unpublished, not in-flight posts of an article/thread/post."""
    count = store.cancel(ident, now)
    if count == 0:
        raise _explain(store, ident, "cancel")
    return Changed(ident, "cancelled", count)


def retry(store: Store, ident: str, now: datetime) -> Changed:
    """Queue failed / needs_review posts again, due now (the publisher reconciles any that
    may have been sent before sending again)."""
    count = store.retry(ident, now)
    if count == 0:
        raise _explain(store, ident, "retry")
    return Changed(ident, "requeued", count)


def reschedule(
    store: Store, settings: Settings, ident: str, at: datetime, *, now: datetime, allow_past: bool
) -> Rescheduled:
    """Move queued/failed posts so the earliest is due at ``at`` (out of quiet hours)."""
    if at < now and not allow_past:
        raise ConfigError(f"{at.isoformat()} is in the past (use --now)", key="--at")
    when = quiet_end(at, settings.quiet_hours, settings.tz) or at
    moves = store.move(ident, when)
    if not moves:
        raise _explain(store, ident, "reschedule")
    return Rescheduled(ident, tuple(moves), at, when)


@dataclass(frozen=True)
class Edit:
    """A change to one post: new text, new images (path, alt), a new link card, or none."""

    text: str | None = None
    images: tuple[tuple[str, str], ...] = ()
    card: str | None = None
    card_title: str | None = None
    no_embed: bool = False
    replies: tuple[str, ...] | None = None  # Bluesky reader controls (bot.controls)
    quotes: bool | None = None
    labels: tuple[str, ...] | None = None


def edit(store: Store, post_id: int, change: Edit) -> PostView:
    """Apply ``change`` to an unpublished post, re-checked against the platform's limits."""
    post = store.get_post(post_id)
    draft = edited_draft(post, change)
    store.edit_post(post.id, draft)
    return store.get_post(post.id)


def edited_draft(post: PostView, change: Edit) -> PostDraft:
    """``post``'s draft with ``change`` applied; ConfigError when over a limit or invalid,
    StoreError once the post is published or in flight."""
    if post.state in ("published", "sending"):
        raise StoreError(f"post {post.id} is {post.state}: it can no longer be edited")
    draft = post.draft
    if change.text is not None:
        if not change.text.strip():
            raise ConfigError("the new text is empty", key="--text")
        draft = _bluesky(draft, change.text) if post.platform == "bluesky" else _reddit(
            draft, change.text)  # fmt: skip
    embed = _embed(post, change)
    if embed is not None or change.no_embed:
        draft = replace(draft, embed=embed)
    draft = _controls(post, draft, change)
    if draft == post.draft:
        raise ConfigError(
            "nothing to change: give --text, --image, --card, --no-embed, --replies, "
            "--quotes/--no-quotes or --label"
        )
    return draft


def _controls(post: PostView, draft: PostDraft, change: Edit) -> PostDraft:
    if change.replies is None and change.quotes is None and change.labels is None:
        return draft
    if post.platform != "bluesky":
        raise ConfigError("reader controls are Bluesky's", key="--replies")
    try:
        if change.replies is not None:
            if post.seq != 0:
                raise ConfigError("reply rules go on a thread's first post", key="--replies")
            draft = replace(draft, gate=parse_replies(change.replies))
        if change.labels is not None:
            draft = replace(draft, labels=parse_labels(change.labels))
    except ValueError as exc:
        raise ConfigError(str(exc), key="--replies/--label") from None
    return draft if change.quotes is None else replace(draft, quotes=change.quotes)


def _embed(post: PostView, change: Edit) -> Embed | None:
    if not change.images and change.card is None:
        return None
    if post.platform != "bluesky":
        raise ConfigError("images and link cards can be set on Bluesky posts only", key="--image")
    if change.images and change.card:
        raise ConfigError("a Bluesky post has images or a link card, not both", key="--card")
    if change.card is not None:
        if not change.card.startswith(("http://", "https://")):
            raise ConfigError(f"not an http(s) URL: {change.card!r}", key="--card")
        return LinkCard(change.card, change.card_title or change.card, "")
    return ImagesEmbed(tuple(_image(path, alt) for path, alt in change.images))


def _image(path: str, alt: str) -> ImageRef:
    if path.startswith(("http://", "https://")):
        return ImageRef(path, alt)
    full = os.path.abspath(path)
    if not os.path.isfile(full):
        raise ConfigError(f"{path}: no such image file", key="--image")
    return ImageRef(full, alt)


def _bluesky(draft: PostDraft, text: str) -> PostDraft:
    rich = render_inline(text, collapse=False)
    limits = LIMITS["bluesky"]
    count, size = graphemes(rich.text), utf8_len(rich.text)
    if limits.max_graphemes is not None and count > limits.max_graphemes:
        raise ConfigError(f"{count} graphemes, Bluesky allows {limits.max_graphemes}", key="--text")
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise ConfigError(f"{size} UTF-8 bytes, Bluesky allows {limits.max_bytes}", key="--text")
    facets = tuple(
        Facet(utf8_len(rich.text[: s.start]), utf8_len(rich.text[: s.end]), s.kind, s.value)
        for s in rich.spans
    )
    return replace(draft, text=rich.text, facets=facets)


def _reddit(draft: PostDraft, text: str) -> PostDraft:
    limits = LIMITS["reddit"]
    if draft.kind == "submission" and draft.link_url is not None:
        raise ConfigError("a link post has no text to edit", key="--text")
    limit = (limits.max_body_chars if draft.kind == "submission" else limits.max_chars) or 0
    limit -= MARKER_RESERVE
    if len(text) > limit:
        raise ConfigError(f"{len(text)} characters, Reddit allows {limit} here", key="--text")
    return replace(draft, text=text)


def pair_images(paths: Sequence[str], alts: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--image`` paths with their ``--alt`` texts (in order; missing alts are empty)."""
    if len(alts) > len(paths):
        raise ConfigError("more --alt texts than --image files", key="--alt")
    if len(paths) > 4:
        raise ConfigError(f"{len(paths)} images: Bluesky takes at most 4", key="--image")
    return tuple((p, alts[i] if i < len(alts) else "") for i, p in enumerate(paths))
