"""Link cards (thumb from the card or the page's og:image) and image sets, on the real PDS."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from PIL import Image

from bot.errors import RejectedError
from bot.platforms.base import Outgoing
from bot.threads import ImageRef, ImagesEmbed, LinkCard, PostDraft
from tests.bluesky.conftest import get_record, png_bytes, xrpc_get
from tests.bluesky.test_send import NOW


def send(platform: Any, draft: PostDraft, key: str, **kwargs: Any) -> Any:
    prepared = platform.prepare(draft, key, NOW)
    return platform.send(
        Outgoing(post_id=1, key=key, account="a", draft=draft, prepared=prepared, **kwargs)
    )


def blob_bytes(pds: Any, did: str, blob: dict[str, Any]) -> bytes:
    import httpx

    response = httpx.get(
        f"{pds.url}/xrpc/com.atproto.sync.getBlob",
        params={"did": did, "cid": blob["ref"]["$link"]},
        timeout=30,
    )
    assert response.status_code == 200
    return response.content


def test_link_card_thumb_from_open_graph(pds, account, make_platform, web):
    thumb = png_bytes((120, 63))
    web.routes["/thumb.png"] = ("image/png", thumb)
    page = '<html><head><meta property="og:image" content="/thumb.png"></head></html>'
    web.routes["/article"] = ("text/html; charset=utf-8", page.encode())
    card = LinkCard(uri=f"{web.url}/article#part", title="Title", description="Desc")
    ref = send(make_platform(account.config(pds.url)), PostDraft("card", embed=card), "c1")

    embed = get_record(pds, ref.uri)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    external = embed["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        card.uri,
        "Title",
        "Desc",
    )
    assert external["thumb"]["mimeType"] == "image/png"
    assert blob_bytes(pds, account.did, external["thumb"]) == thumb
    assert web.hits == ["/article", "/thumb.png"]


def test_link_card_thumb_given_skips_the_page(pds, account, make_platform, web):
    web.routes["/t.png"] = ("image/png", png_bytes((40, 40)))
    card = LinkCard(uri=f"{web.url}/x", title="T", description="D", thumb=f"{web.url}/t.png")
    ref = send(make_platform(account.config(pds.url)), PostDraft("card", embed=card), "c2")
    assert "thumb" in get_record(pds, ref.uri)["value"]["embed"]["external"]
    assert web.hits == ["/t.png"]


def test_link_card_without_any_image_still_posts(pds, account, make_platform, web):
    web.routes["/bare"] = ("text/html", b"<html><head><title>x</title></head></html>")
    card = LinkCard(uri=f"{web.url}/bare", title="T", description="D")
    ref = send(make_platform(account.config(pds.url)), PostDraft("card", embed=card), "c3")
    external = get_record(pds, ref.uri)["value"]["embed"]["external"]
    assert "thumb" not in external
    assert external["uri"] == card.uri


def noisy_png(size: tuple[int, int]) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_six_images_make_two_posts_under_the_size_limit(pds, account, make_platform, tmp_path):
    big = noisy_png((1000, 1000))
    assert len(big) > 3_000_000
    (tmp_path / "big.png").write_bytes(big)
    for i in range(5):
        (tmp_path / f"small{i}.png").write_bytes(png_bytes((100 + i, 50), (i * 40, 0, 0)))
    refs = [ImageRef("big.png", "a 3 MB picture")] + [
        ImageRef(f"small{i}.png", f"small picture {i}") for i in range(5)
    ]
    platform = make_platform(account.config(pds.url))
    first = send(platform, PostDraft("four", embed=ImagesEmbed(tuple(refs[:4]))), "i1")
    second = send(
        platform,
        PostDraft("two", embed=ImagesEmbed(tuple(refs[4:]))),
        "i2",
        root=first,
        parent=first,
    )

    posts = [get_record(pds, r.uri)["value"]["embed"] for r in (first, second)]
    assert [len(p["images"]) for p in posts] == [4, 2]
    images = posts[0]["images"] + posts[1]["images"]
    assert [i["alt"] for i in images] == [r.alt for r in refs]
    assert all(i["image"]["size"] <= 1_000_000 for i in images)
    assert images[0]["image"]["mimeType"] == "image/jpeg"
    assert images[0]["aspectRatio"] == {"width": 1000, "height": 1000}
    assert images[5]["aspectRatio"] == {"width": 104, "height": 50}
    stored = blob_bytes(pds, account.did, images[0]["image"])
    assert len(stored) <= 1_000_000
    assert Image.open(io.BytesIO(stored)).size == (1000, 1000)


def test_non_image_is_refused_clearly(pds, account, make_platform, tmp_path):
    (tmp_path / "notes.txt").write_text("not a picture")
    draft = PostDraft("x", embed=ImagesEmbed((ImageRef("notes.txt", "alt"),)))
    platform = make_platform(account.config(pds.url))
    with pytest.raises(RejectedError, match=r"notes\.txt.*not an image"):
        send(platform, draft, "n1")
    records = xrpc_get(
        pds,
        "com.atproto.repo.listRecords",
        {"repo": account.did, "collection": "app.bsky.feed.post"},
    )
    assert records["records"] == []
