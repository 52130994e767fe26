"""Unit tests: bot.images (checks and re-encoding), og:image lookup, lazy SDK import."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from PIL import Image

from bot.errors import ContentError
from bot.images import prepare_image
from bot.platforms.bluesky_embeds import og_image


def encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    channels = len(mode)
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * channels))


@pytest.mark.parametrize(
    ("fmt", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_small_supported_images_pass_unchanged(fmt, mime):
    data = encoded(Image.new("RGB", (30, 20), (1, 2, 3)), fmt)
    image = prepare_image(data, max_bytes=1_000_000)
    assert (image.data, image.mime, image.width, image.height) == (data, mime, 30, 20)


def test_large_png_is_reencoded_under_the_cap():
    data = encoded(noise((900, 600)), "PNG")
    assert len(data) > 1_000_000
    image = prepare_image(data, max_bytes=1_000_000)
    assert len(image.data) <= 1_000_000
    assert image.mime == "image/jpeg"
    assert Image.open(io.BytesIO(image.data)).size == (image.width, image.height)


def test_transparency_survives_as_webp():
    data = encoded(noise((800, 800), "RGBA"), "PNG")
    image = prepare_image(data, max_bytes=500_000)
    assert image.mime == "image/webp"
    assert len(image.data) <= 500_000
    assert Image.open(io.BytesIO(image.data)).mode == "RGBA"


def test_tight_cap_scales_down():
    image = prepare_image(encoded(noise((1000, 500)), "PNG"), max_bytes=60_000)
    assert len(image.data) <= 60_000
    assert image.width < 1000 and image.width == 2 * image.height


def test_other_formats_are_converted():
    image = prepare_image(encoded(Image.new("RGB", (10, 10)), "GIF"), max_bytes=1_000_000)
    assert (image.mime, image.width, image.height) == ("image/jpeg", 10, 10)


def test_impossible_cap_is_a_clear_error():
    with pytest.raises(ContentError, match="cannot make the image smaller than 100 bytes"):
        prepare_image(encoded(noise((300, 300)), "PNG"), max_bytes=100, source="x.png")


def test_not_an_image_names_the_source():
    with pytest.raises(ContentError, match=r"^notes\.txt: not an image"):
        prepare_image(b"hello", max_bytes=1_000_000, source="notes.txt")
    with pytest.raises(ContentError, match="not an image"):
        truncated = encoded(noise((200, 200)), "PNG")[:5000]
        prepare_image(truncated, max_bytes=1_000_000)


def test_og_image_is_made_absolute():
    html = (
        '<head><meta property="og:image" content="/img/a.png">'
        '<meta name="twitter:image" content="b.png"></head>'
    )
    assert og_image(html, "https://example.com/post/x") == "https://example.com/img/a.png"
    twitter = '<meta name="twitter:image" content="b.png">'
    assert og_image(twitter, "https://example.com/post/x") == "https://example.com/post/b.png"
    assert og_image("<p>nothing</p>", "https://example.com/") is None


def test_adapter_module_does_not_import_the_sdk():
    code = "import sys, bot.platforms.bluesky; print('atproto_client' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
