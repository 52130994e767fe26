"""A Markdown file's relative image, read, compiled and uploaded from disk to the real PDS."""

from __future__ import annotations

from typing import Any

from bot.compile import compile_article
from bot.readers import read_source
from bot.threads import ImagesEmbed
from tests.bluesky.conftest import get_record, png_bytes
from tests.bluesky.test_embeds import blob_bytes, send


def test_relative_image_is_uploaded_from_beside_the_file(
    pds: Any, account: Any, make_platform: Any, tmp_path: Any
) -> None:
    folder = tmp_path / "posts"
    (folder / "img").mkdir(parents=True)
    picture = png_bytes((90, 60))
    (folder / "img" / "wall.png").write_bytes(picture)
    post = folder / "harbour.md"
    post.write_text(
        "---\ntitle: Harbour\nurl: https://news.example/harbour/\n---\n\n"
        "The board met on Tuesday and chose the new wall.\n\n![The new wall](img/wall.png)\n",
        encoding="utf-8",
    )
    threads = compile_article(read_source(str(post)), "bluesky")
    draft = next(p for t in threads for p in t.posts if isinstance(p.embed, ImagesEmbed))
    platform = make_platform(account.config(pds.url), base_dir=folder)
    ref = send(platform, draft, "md-image-1")

    image = get_record(pds, ref.uri)["value"]["embed"]["images"][0]
    assert image["alt"] == "The new wall"
    assert blob_bytes(pds, account.did, image["image"]) == picture
