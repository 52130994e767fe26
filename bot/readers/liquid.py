"""Template leftovers in blog sources (Jekyll/Eleventy Liquid, Go templates) -> Markdown (pure).

Only forms whose meaning is clear are rewritten, so code that merely contains
braces (Rust format strings, JSX) is left alone:
``{{ "/path/" | url }}`` -> ``/path/``; ``{{raw "<"}}`` -> ``<``;
``{% image "src" "alt" %}`` -> ``![alt](src)``; any other ``{% … %}`` line is dropped.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"""\{\{-?\s*(["'])(.*?)\1\s*(?:\|[^}]*)?-?\}\}""")
_RAW = re.compile(r"""\{\{-?\s*raw\s+(["'])(.*?)\1\s*-?\}\}""")
_IMAGE = re.compile(
    r"""\{%-?\s*image\s+(["'])(?P<src>.*?)\1(?:\s+(["'])(?P<alt>.*?)\3)?[^%]*-?%\}"""
)
_TAG_LINE = re.compile(r"^[ \t]*\{%.*?%\}[ \t]*$", re.MULTILINE)


def expand(text: str) -> str:
    """Rewrite the template forms above into plain Markdown."""
    text = _IMAGE.sub(lambda m: f"![{_alt(m.group('alt') or '')}]({_src(m.group('src'))})", text)
    text = _RAW.sub(lambda m: m.group(2), text)
    text = _QUOTED.sub(lambda m: m.group(2), text)
    return _TAG_LINE.sub("", text)


def _alt(alt: str) -> str:
    return alt.replace("[", "\\[").replace("]", "\\]")


def _src(src: str) -> str:
    return f"<{src}>" if re.search(r"[\s()]", src) else src
