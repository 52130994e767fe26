"""Static-site markers in Markdown sources that are not article text (pure).

Rewritten before parsing: Hugo ``{{< figure src="…" alt="…" >}}`` (and
``{{% figure %}}``) -> ``![alt](src)``; any other shortcode alone on its line,
kramdown attribute lists (``{: .loud}``) and Pandoc class lines (``{.note}``)
are dropped; an attribute list at the end of a line is cut off.
After parsing, ``is_marker`` tells a paragraph that is only a marker: a class
name (``.loud``), a bare image file name (``photo.jpg``) or ``[TOC]``.
"""

from __future__ import annotations

import re

_FIGURE = re.compile(r"""\{\{[<%]\s*figure\s+(?P<attrs>[^}]*?)\s*[>%]\}\}""")
_ATTR = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHORTCODE_LINE = re.compile(r"^[ \t]*\{\{[<%].*?[>%]\}\}[ \t]*$", re.MULTILINE)
_ATTR_LINE = re.compile(r"^[ \t]*\{:?[ \t]*[.#:][^}\n]*\}[ \t]*$", re.MULTILINE)
_TRAILING_ATTR = re.compile(r"[ \t]+\{:[ \t]*[.#][^}\n]*\}[ \t]*$", re.MULTILINE)
_MARKER = re.compile(
    r"^(\.[a-z][\w-]*(\s+\.[a-z][\w-]*)*|[\w-]+\.(png|jpe?g|gif|webp|svg|avif)|\[toc\]|toc)$",
    re.IGNORECASE,
)


def expand(text: str) -> str:
    """Figures to Markdown images; other markers removed."""
    text = _FIGURE.sub(_figure, text)
    text = _SHORTCODE_LINE.sub("", text)
    text = _ATTR_LINE.sub("", text)
    return _TRAILING_ATTR.sub("", text)


def _figure(match: re.Match[str]) -> str:
    attrs = {m.group(1): m.group(2) or m.group(3) or "" for m in _ATTR.finditer(match["attrs"])}
    src = attrs.get("src", "")
    alt = (attrs.get("alt") or attrs.get("caption") or "").replace("[", "\\[").replace("]", "\\]")
    if not src:
        return ""
    return f"![{alt}](<{src}>)" if re.search(r"[\s()]", src) else f"![{alt}]({src})"


def is_marker(text: str) -> bool:
    """A paragraph that is only a site marker, not text."""
    return bool(_MARKER.match(text.strip()))
