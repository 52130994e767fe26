"""`sharebot queue edit`: find a post and re-check its new text against the limits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.compile import MARKER_RESERVE
from bot.errors import ConfigError, StoreError
from bot.richtext import graphemes, render_inline, utf8_len
from bot.threads import LIMITS, Facet, PostDraft


def find_post(store: Any, post_id: int) -> Any:
    """The PostView of ``post_id`` (NotFoundError when there is none)."""
    return store.get_post(post_id)


def edited_draft(post: Any, text: str) -> PostDraft:
    """``post``'s draft with ``text``; ContentError-free: ConfigError when over a limit,
    StoreError once the post is published or in flight."""
    if post.state in ("published", "sending"):
        raise StoreError(f"post {post.id} is {post.state}: it can no longer be edited")
    if not text.strip():
        raise ConfigError("the new text is empty", key="--text")
    draft: PostDraft = post.draft
    if post.platform == "bluesky":
        return _bluesky(draft, text)
    return _reddit(draft, text)


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
