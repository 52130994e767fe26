"""Embeds for Bluesky posts: link cards (with a thumb) and image sets, uploaded as blobs.

Fetching goes through ``bot.fetch`` (bounded, private addresses refused unless the
policy allows them); images are checked and shrunk by ``bot.images``. The upload
itself is a callable ``(data, mime) -> blob JSON`` the adapter provides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from bot.errors import ContentError, RejectedError
from bot.fetch import FetchPolicy, fetch
from bot.images import PreparedImage, prepare_image
from bot.threads import BLUESKY_LIMITS, ImagesEmbed, LinkCard

log = logging.getLogger("bot.platforms.bluesky")

Upload = Callable[[bytes, str], dict[str, Any]]
IMAGE_TYPES = ("image/",)
PAGE_TYPES = ("text/html", "application/xhtml+xml")


class _OpenGraph(HTMLParser):
    """Collects ``<meta property="og:*" content=...>`` from a page's head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {k.lower(): v or "" for k, v in attrs}
        name = values.get("property") or values.get("name") or ""
        if name.lower().startswith(("og:", "twitter:")) and "content" in values:
            self.meta.setdefault(name.lower(), values["content"].strip())


def og_image(html: str, base_url: str) -> str | None:
    """The page's ``og:image`` (or ``twitter:image``) as an absolute URL, if it names one."""
    parser = _OpenGraph()
    parser.feed(html)
    src = parser.meta.get("og:image") or parser.meta.get("twitter:image")
    return urljoin(base_url, src) if src else None


def load_image_bytes(src: str, *, base_dir: str | None, policy: FetchPolicy) -> bytes:
    """Bytes of ``src``: an http(s) URL (fetched within ``policy``) or a local path."""
    if urlsplit(src).scheme in ("http", "https"):
        return fetch(src, policy=policy, accept=IMAGE_TYPES).content
    path = Path(src)
    if not path.is_absolute() and base_dir:
        path = Path(base_dir) / path
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ContentError(str(path), f"cannot read image: {exc.strerror or exc}") from exc


def images_embed(
    embed: ImagesEmbed, upload: Upload, *, base_dir: str | None, policy: FetchPolicy
) -> dict[str, Any]:
    """``app.bsky.embed.images``: each image checked, shrunk if needed, uploaded."""
    if len(embed.images) > BLUESKY_LIMITS.max_images:
        raise RejectedError(
            f"{len(embed.images)} images in one post (at most {BLUESKY_LIMITS.max_images})",
            platform="bluesky",
        )
    items = []
    for ref in embed.images:
        image = _prepared(ref.src, base_dir=base_dir, policy=policy)
        items.append(
            {
                "image": upload(image.data, image.mime),
                "alt": ref.alt,
                "aspectRatio": {"width": image.width, "height": image.height},
            }
        )
    return {"$type": "app.bsky.embed.images", "images": items}


def _prepared(src: str, *, base_dir: str | None, policy: FetchPolicy) -> PreparedImage:
    try:
        data = load_image_bytes(src, base_dir=base_dir, policy=policy)
        return prepare_image(data, max_bytes=BLUESKY_LIMITS.max_image_bytes, source=src)
    except ContentError as exc:
        raise RejectedError(f"image {exc}", platform="bluesky") from exc


def external_embed(
    card: LinkCard, upload: Upload, *, base_dir: str | None, policy: FetchPolicy
) -> dict[str, Any]:
    """``app.bsky.embed.external``; the thumb is best effort (a card without one still posts)."""
    external: dict[str, Any] = {
        "uri": card.uri,
        "title": card.title,
        "description": card.description,
    }
    thumb = _thumb(card, upload, base_dir=base_dir, policy=policy)
    if thumb is not None:
        external["thumb"] = thumb
    return {"$type": "app.bsky.embed.external", "external": external}


def _thumb(
    card: LinkCard, upload: Upload, *, base_dir: str | None, policy: FetchPolicy
) -> dict[str, Any] | None:
    try:
        src = card.thumb or _page_image(card.uri, policy)
        if src is None:
            return None
        data = load_image_bytes(src, base_dir=base_dir, policy=policy)
        image = prepare_image(data, max_bytes=BLUESKY_LIMITS.max_image_bytes, source=src)
    except ContentError as exc:
        log.warning("link card for %s posts without a thumb: %s", card.uri, exc)
        return None
    return upload(image.data, image.mime)


def _page_image(url: str, policy: FetchPolicy) -> str | None:
    page = fetch(url, policy=policy, accept=PAGE_TYPES)
    return og_image(page.text, page.url)
