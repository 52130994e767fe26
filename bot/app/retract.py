"""Retract: delete what was published of an article or a thread, last reply first.

``plan_retraction`` lists what would be deleted (the command shows it before asking);
``retract`` cancels the unsent posts first (so nothing replies to a deleted post later), then
deletes post by post and records each deletion in the store (state ``retracted`` with the
time) before the next. It stops at the first failure; running it again deletes only what is
left, and a post already gone on the platform counts as retracted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.app.editing import NothingToDo
from bot.errors import ConfigError, PlatformError
from bot.platforms.base import Platform, Ref, Retractor
from bot.store import PostView, Store

PLATFORMS = ("bluesky", "reddit")


@dataclass(frozen=True)
class RetractPlan:
    """What ``retract`` would delete, in order (last reply first)."""

    ident: str
    platform: str | None
    posts: tuple[PostView, ...]


@dataclass(frozen=True)
class Retracted:
    """What ``retract`` did: the deleted posts in order, the unsent ones it cancelled, and the
    post it stopped at with the platform's reason (None when everything was deleted)."""

    ident: str
    deleted: tuple[PostView, ...]
    cancelled: int
    failed: PostView | None = None
    error: str | None = None


def plan_retraction(store: Store, ident: str, platform: str | None) -> RetractPlan:
    """The published posts ``retract`` would delete (NothingToDo when there are none)."""
    if platform is not None and platform not in PLATFORMS:
        raise ConfigError(f"unknown platform {platform!r} (bluesky or reddit)", key="--platform")
    posts = tuple(store.retraction_targets(ident, platform))
    if not posts:
        states = store.post_states(ident)
        found = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no posts"
        where = f" on {platform}" if platform else ""
        raise NothingToDo(f"{ident}: nothing published to retract{where}: {found}")
    return RetractPlan(ident, platform, posts)


def retract(
    store: Store,
    ident: str,
    platform: str | None,
    *,
    factory: Callable[[str, str], Platform],
    clock: Callable[[], datetime],
) -> Retracted:
    """Cancel the unsent posts, then delete the published ones last reply first. The adapters
    are built first, so a missing account stops it before anything changes."""
    adapters: dict[tuple[str, str], Retractor] = {}
    deleted: list[PostView] = []
    try:
        for post in store.retraction_targets(ident, platform):
            _adapter(adapters, factory, post)
        cancelled = store.cancel_unsent(ident, platform, clock())
        for post in store.retraction_targets(ident, platform):
            try:
                _adapter(adapters, factory, post).delete(Ref(post.uri or "", "", post.url or ""))
            except PlatformError as err:
                return Retracted(ident, tuple(deleted), cancelled, post, str(err))
            store.mark_retracted(post.id, clock())
            deleted.append(post)
    finally:
        for adapter in adapters.values():
            close = getattr(adapter, "close", None)
            if close is not None:
                close()
    return Retracted(ident, tuple(deleted), cancelled)


def _adapter(
    adapters: dict[tuple[str, str], Retractor],
    factory: Callable[[str, str], Platform],
    post: PostView,
) -> Retractor:
    key = (post.platform, post.account)
    if key not in adapters:
        built = factory(*key)
        if not isinstance(built, Retractor):
            raise ConfigError(f"the {post.platform} adapter cannot delete posts")
        adapters[key] = built
    return adapters[key]
