"""Image checks and re-encoding for uploads (Pillow; no I/O beyond the bytes given).

``prepare_image`` accepts JPEG, PNG and WebP as they are when they fit the size
cap, re-encodes anything larger (or any other image format) smaller, and refuses
bytes that are not an image at all.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.errors import ContentError

Image.MAX_IMAGE_PIXELS = 100_000_000  # refuse decompression bombs well before memory runs out

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_QUALITIES = (90, 82, 75, 65)
_MIN_SIDE = 64


@dataclass(frozen=True)
class PreparedImage:
    """Bytes ready to upload, their MIME type and the displayed width and height."""

    data: bytes
    mime: str
    width: int
    height: int


def prepare_image(data: bytes, *, max_bytes: int, source: str = "image") -> PreparedImage:
    """Check ``data`` is an image and make it fit in ``max_bytes``.

    Raises ContentError naming ``source`` when it is not an image or cannot be made small enough.
    """
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ContentError(source, "not an image (JPEG, PNG or WebP expected)") from exc
    if fmt in _MIME and len(data) <= max_bytes and image.size == _raw_size(data):
        return PreparedImage(data, _MIME[fmt], image.width, image.height)
    return _shrink(image, max_bytes=max_bytes, source=source)


def _raw_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as raw:
        return raw.size


def _shrink(image: Image.Image, *, max_bytes: int, source: str) -> PreparedImage:
    """Re-encode (WebP keeps transparency, JPEG otherwise), scaling down until it fits."""
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    fmt = "WEBP" if alpha else "JPEG"
    image = image.convert("RGBA" if alpha else "RGB")
    while True:
        for quality in _QUALITIES:
            out = io.BytesIO()
            image.save(out, fmt, quality=quality)
            if out.tell() <= max_bytes:
                return PreparedImage(out.getvalue(), _MIME[fmt], image.width, image.height)
        if min(image.size) * 3 // 4 < _MIN_SIDE:
            raise ContentError(source, f"cannot make the image smaller than {max_bytes} bytes")
        size = (image.width * 3 // 4, image.height * 3 // 4)
        image = image.resize(size, Image.Resampling.LANCZOS)
