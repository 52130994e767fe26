"""Inline Markdown helpers shared by the readers: escaping, plain text, slugs (pure)."""

from __future__ import annotations

import re
import unicodedata

URL_RE = re.compile(r"https?://[^\s<>\"'\u201c\u201d]+[^\s<>\"'\u201c\u201d.,;:!?)\]]")
_SPECIAL = re.compile(r"([\\*_`\[\]])")
_LINK = re.compile(r"!?\[((?:[^\[\]\\]|\\.)*)\]\((?:<[^>]*>|[^()\s]*(?:\([^()\s]*\))?[^()\s]*)\)")
_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!~|<>])")
_MARKERS = re.compile(r"(?<!\\)(\*\*|\*|__|~~|`)")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})


def escape(text: str) -> str:
    """Backslash-escape ``\\ * _ ` [ ]`` so they read literally, leaving URLs untouched."""
    out: list[str] = []
    last = 0
    for match in URL_RE.finditer(text):
        out.append(_SPECIAL.sub(r"\\\1", text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_SPECIAL.sub(r"\\\1", text[last:]))
    return "".join(out)


def plain(markdown: str) -> str:
    """The visible text of inline Markdown: link texts, no markers, no escapes."""
    text = _LINK.sub(lambda m: m.group(1), markdown)
    text = _MARKERS.sub("", text)
    return _UNESCAPE.sub(r"\1", text)


def link(text: str, url: str) -> str:
    """``[text](url)``, wrapping a URL with spaces or parentheses in angle brackets."""
    if re.search(r"[\s()<>]", url):
        url = "<" + url.replace(">", "%3E") + ">"
    return f"[{text}]({url})"


def code_span(text: str) -> str:
    """A code span with enough backticks to hold ``text``."""
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    kept = []
    for ch in heading.strip().lower():
        category = unicodedata.category(ch)
        if ch in "-_" or category[0] in "LNM":
            kept.append(ch)
        elif ch == " ":
            kept.append("-")
    return "".join(kept)


def normalize(text: str) -> str:
    """Fold case, dashes and spacing so two renderings of one line compare equal."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).casefold()
    return " ".join(text.split())


_SCRIPTS = (
    ("ja", "\u3040-\u30ff"),
    ("zh", "\u4e00-\u9fff\u3400-\u4dbf"),
    ("ko", "\uac00-\ud7af"),
    ("ru", "\u0400-\u04ff"),
    ("ar", "\u0600-\u06ff"),
    ("he", "\u0590-\u05ff"),
    ("el", "\u0370-\u03ff"),
    ("th", "\u0e00-\u0e7f"),
    ("hi", "\u0900-\u097f"),
)
_SCRIPT_RES = tuple((lang, re.compile(f"[{chars}]")) for lang, chars in _SCRIPTS)
_NOT_LETTER = re.compile(r"[\W\d_]+")


def guess_lang(text: str) -> str | None:
    """A language from the script most letters use, for non-Latin scripts only.

    Latin text gives None: the script alone cannot tell English from French.
    Japanese (kana) wins over Chinese when both appear.
    """
    letters = _NOT_LETTER.sub("", text[:20_000])
    if not letters:
        return None
    for lang, script in _SCRIPT_RES:
        share = len(script.findall(letters))
        threshold = 0.05 if lang == "ja" else 0.3
        if share / len(letters) >= threshold:
            return lang
    return None
