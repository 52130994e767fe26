"""Compiled threads: what the compiler produces and the store and adapters consume (pure).

Limits are data: each platform's numbers come from its own published rules
(Bluesky: the ``app.bsky.feed.post`` and ``app.bsky.embed.images`` lexicons;
Reddit: the submit/comment limits its API enforces). Adapters re-export them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FacetKind = Literal["link", "tag", "mention"]
PostKind = Literal["post", "submission", "comment"]

_FACET_TYPES = {
    "link": ("app.bsky.richtext.facet#link", "uri"),
    "tag": ("app.bsky.richtext.facet#tag", "tag"),
    "mention": ("app.bsky.richtext.facet#mention", "did"),
}


@dataclass(frozen=True)
class Facet:
    """A rich-text span over UTF-8 bytes: ``byte_start`` inclusive, ``byte_end`` exclusive.

    ``value`` is the link URI, the tag without '#', or for a mention the handle
    (without '@') until the adapter resolves it to a DID at send time.
    """

    byte_start: int
    byte_end: int
    kind: FacetKind
    value: str

    def to_lexicon(self, did: str | None = None) -> dict[str, Any]:
        """The facet as ``app.bsky.richtext.facet`` JSON (mentions need the resolved DID)."""
        type_, key = _FACET_TYPES[self.kind]
        value = did if self.kind == "mention" and did else self.value
        return {
            "index": {"byteStart": self.byte_start, "byteEnd": self.byte_end},
            "features": [{"$type": type_, key: value}],
        }


@dataclass(frozen=True)
class ImageRef:
    """An image to upload: ``src`` is a URL or a path relative to the article file."""

    src: str
    alt: str


@dataclass(frozen=True)
class ImagesEmbed:
    images: tuple[ImageRef, ...]


@dataclass(frozen=True)
class LinkCard:
    """An external link card (``app.bsky.embed.external``)."""

    uri: str
    title: str
    description: str
    thumb: str | None = None


@dataclass(frozen=True)
class QuoteEmbed:
    """A quote of a published post (``app.bsky.embed.record``): evergreen re-shares."""

    uri: str
    cid: str


Embed = ImagesEmbed | LinkCard | QuoteEmbed


@dataclass(frozen=True)
class PostDraft:
    """One post as it will be sent. For Reddit, ``kind`` is submission or comment;
    a submission has a ``title`` and either ``text`` (self post) or ``link_url``."""

    text: str
    facets: tuple[Facet, ...] = ()
    embed: Embed | None = None
    langs: tuple[str, ...] = ()
    kind: PostKind = "post"
    title: str | None = None
    link_url: str | None = None
    # Bluesky reader controls: reply rules on a root (None: everyone may reply; (): nobody),
    # whether the post may be quoted, self-labels (bot.platforms.bluesky_gates)
    gate: tuple[str, ...] | None = None
    quotes: bool = True
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThreadDraft:
    """The posts of one section (or the whole article in ``article`` mode), in order.

    ``section`` indexes ``Article.sections`` (the first section for article mode).
    ``continues`` is True when the first post replies to the previous thread's last
    post (Reddit: sections after the first are a comment chain under the submission).
    """

    platform: str
    section: int
    posts: tuple[PostDraft, ...]
    continues: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    platform: str
    max_graphemes: int | None = None
    max_bytes: int | None = None
    max_chars: int | None = None
    max_title_chars: int | None = None
    max_body_chars: int | None = None
    max_images: int = 0
    max_image_bytes: int = 0
    max_langs: int = 0


# app.bsky.feed.post: text maxGraphemes 300, maxLength 3000 (bytes); langs maxLength 3.
# app.bsky.embed.images: images maxLength 4; image blob maxSize 1000000.
BLUESKY_LIMITS = Limits(
    platform="bluesky",
    max_graphemes=300,
    max_bytes=3000,
    max_images=4,
    max_image_bytes=1_000_000,
    max_langs=3,
)

# Reddit: title 300 chars, self text 40,000 chars, comment 10,000 chars.
REDDIT_LIMITS = Limits(
    platform="reddit",
    max_chars=10_000,
    max_title_chars=300,
    max_body_chars=40_000,
)

LIMITS = {"bluesky": BLUESKY_LIMITS, "reddit": REDDIT_LIMITS}
# Characters the compiler leaves free at the end of every Reddit body for the invisible
# idempotency marker the adapter appends (bot.platforms.reddit).
MARKER_RESERVE = 64
# Every state a post can be in (DESIGN.md, "Store").
STATES = (
    "awaiting_approval",  # a contributor's post: never claimed until an editor approves it
    "queued",
    "sending",
    "published",
    "failed",
    "needs_review",
    "cancelled",
    "retracted",  # deleted from the platform after publishing (`sharebot retract`)
)


def draft_to_dict(draft: PostDraft) -> dict[str, Any]:
    """``draft`` as JSON-ready data (the store keeps drafts as JSON); see ``draft_from_dict``."""
    data: dict[str, Any] = {
        "text": draft.text,
        "facets": [[f.byte_start, f.byte_end, f.kind, f.value] for f in draft.facets],
        "langs": list(draft.langs),
        "kind": draft.kind,
        "title": draft.title,
        "link_url": draft.link_url,
        "embed": None,
    }
    if draft.gate is not None:
        data["gate"] = list(draft.gate)
    if not draft.quotes:
        data["quotes"] = False
    if draft.labels:
        data["labels"] = list(draft.labels)
    if isinstance(draft.embed, ImagesEmbed):
        images = [{"src": i.src, "alt": i.alt} for i in draft.embed.images]
        data["embed"] = {"type": "images", "images": images}
    elif isinstance(draft.embed, QuoteEmbed):
        data["embed"] = {"type": "record", "uri": draft.embed.uri, "cid": draft.embed.cid}
    elif isinstance(draft.embed, LinkCard):
        card = draft.embed
        data["embed"] = {"type": "external", "uri": card.uri, "title": card.title,
                         "description": card.description, "thumb": card.thumb}  # fmt: skip
    return data


def draft_from_dict(data: dict[str, Any]) -> PostDraft:
    """The inverse of ``draft_to_dict``."""
    embed: Embed | None = None
    raw = data.get("embed")
    if raw and raw["type"] == "images":
        embed = ImagesEmbed(tuple(ImageRef(i["src"], i["alt"]) for i in raw["images"]))
    elif raw and raw["type"] == "record":
        embed = QuoteEmbed(raw["uri"], raw["cid"])
    elif raw:
        embed = LinkCard(raw["uri"], raw["title"], raw["description"], raw.get("thumb"))
    return PostDraft(
        text=data["text"],
        facets=tuple(Facet(s, e, k, v) for s, e, k, v in data.get("facets", ())),
        embed=embed,
        langs=tuple(data.get("langs", ())),
        kind=data.get("kind", "post"),
        title=data.get("title"),
        link_url=data.get("link_url"),
        gate=tuple(data["gate"]) if data.get("gate") is not None else None,
        quotes=data.get("quotes", True),
        labels=tuple(data.get("labels", ())),
    )


def embed_json(embed: Embed | None) -> dict[str, Any] | None:
    """An embed as lexicon-shaped JSON (images carry their source, not an uploaded blob)."""
    if isinstance(embed, LinkCard):
        external = {"uri": embed.uri, "title": embed.title, "description": embed.description}
        if embed.thumb:
            external["thumb"] = embed.thumb
        return {"$type": "app.bsky.embed.external", "external": external}
    if isinstance(embed, QuoteEmbed):
        return {"$type": "app.bsky.embed.record", "record": {"uri": embed.uri, "cid": embed.cid}}
    if isinstance(embed, ImagesEmbed):
        images = [{"src": i.src, "alt": i.alt} for i in embed.images]
        return {"$type": "app.bsky.embed.images", "images": images}
    return None
