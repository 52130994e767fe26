"""Values the store hands out (claims, post and article views) and small helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.article import canonical_json
from bot.errors import NotFoundError
from bot.platforms.base import Outgoing
from bot.threads import PostDraft, draft_from_dict

_IDENT = re.compile(r"^\s*([atp]?)(\d+)\s*$", re.IGNORECASE)
_IDENT_KINDS = {"a": "article", "t": "thread", "p": "post", "": "post"}


@dataclass(frozen=True)
class Claim:
    """One claimed post: publish ``outgoing``, then confirm/fail/release it."""

    post_id: int
    thread_id: int
    article_id: int
    platform: str
    account: str
    outgoing: Outgoing
    attempts: int
    reclaimed: bool
    due_at: datetime
    paced: bool = False  # its account ran out of budget after it fell due: not stale
    ambiguous: int = 0
    transient: int = 0
    sent_before: bool = False

    # ``attempts``: failures recorded before this claim (a claim whose process died is not
    # one); ``ambiguous``/``transient``: how many of them were unknown outcomes / transient
    # errors (editors' retry starts those afresh); ``sent_before``: an earlier claim may
    # have sent the post, so it is reconciled before anything is sent.


@dataclass(frozen=True)
class PostView:
    """A post as editors see it."""

    id: int
    article_id: int
    thread_id: int
    seq: int
    platform: str
    account: str
    state: str
    due_at: datetime
    attempts: int
    draft: PostDraft
    parent_post_id: int | None = None
    next_attempt_at: datetime | None = None
    error: str | None = None
    uri: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    cid: str | None = None
    published_by: str | None = None
    retracted_at: datetime | None = None

    @property
    def text(self) -> str:
        """The post's text."""
        return self.draft.text


@dataclass(frozen=True)
class ArticleView:
    """An article with its posts and share links."""

    id: int
    source: str
    title: str
    url: str | None
    slug: str
    content_hash: str
    created_at: datetime
    data: Mapping[str, Any]
    posts: tuple[PostView, ...] = ()
    share_links: tuple[Mapping[str, str], ...] = field(default=())


def parse_ident(ident: str | int, *, bare: str = "post") -> tuple[str, int]:
    """``"a12"`` -> ("article", 12), ``"t34"`` -> thread, ``"p56"`` -> post; a bare number
    (``"56"``) is a ``bare`` (post unless the caller expects another kind)."""
    match = _IDENT.match(str(ident))
    if not match:
        raise NotFoundError(
            f"not an id: {ident!r} (use a12 for an article, t34 for a thread, p56 or 56 for a post)"
        )
    prefix = match.group(1).lower()
    return (_IDENT_KINDS[prefix] if prefix else bare), int(match.group(2))


dumps = canonical_json  # compact, stable JSON for the store


def load_draft(raw: str) -> PostDraft:
    """A draft from its stored JSON."""
    return draft_from_dict(json.loads(raw))
