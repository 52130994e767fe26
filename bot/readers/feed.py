"""Feeds -> entries (pure): RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed 1.x by
its specification. Nothing is fetched here; ``bot.app.feeds`` fetches and decides.

Each entry has a stable ``guid`` (the feed's id/guid, else its link), its ``link``, a
title, the full content when the feed carries it (``content:encoded``, Atom content,
JSON Feed ``content_html``/``content_text``), and a ``version`` that changes when the
entry is updated (its updated/published date and a hash of its content).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from typing import Any

from bot.errors import ContentError

MAX_ENTRIES = 500  # a feed listing more is read for its newest 500


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed."""

    guid: str
    link: str | None
    title: str
    content: str | None  # HTML (or text for JSON Feed content_text)
    content_type: str  # "html" or "text"
    version: str


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its title and entries, newest first as the feed lists them."""

    title: str
    entries: tuple[FeedEntry, ...]


def parse_feed(data: bytes, *, source: str, content_type: str = "") -> Feed:
    """Parse a feed document; ContentError naming the feed when it is none of the formats."""
    head = data.lstrip()[:1]
    if "json" in content_type.lower() or head in (b"{", b"["):
        return _json_feed(data, source)
    return _xml_feed(data, source)


def _version(*parts: str | None) -> str:
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:24]


def _json_feed(data: bytes, source: str) -> Feed:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ContentError(source, f"not a JSON Feed: {exc}") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise ContentError(source, "not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        raise ContentError(source, "JSON Feed without an items list")
    entries = [_json_entry(item) for item in items[:MAX_ENTRIES] if isinstance(item, dict)]
    return Feed(str(doc.get("title") or ""), tuple(e for e in entries if e is not None))


def _json_entry(item: dict[str, Any]) -> FeedEntry | None:
    link = item.get("url") or item.get("external_url")
    guid = str(item.get("id") or link or "")
    if not guid:
        return None
    html, text = item.get("content_html"), item.get("content_text")
    content = html or text
    kind = "html" if html else "text"
    stamp = item.get("date_modified") or item.get("date_published")
    return FeedEntry(guid, str(link) if link else None, str(item.get("title") or ""),
                     str(content) if content else None, kind,
                     _version(str(stamp or ""), str(content or "")))  # fmt: skip


def _xml_feed(data: bytes, source: str) -> Feed:
    import feedparser  # ~50 ms to import: only when a feed is read

    with warnings.catch_warnings():  # feedparser warns about its own updated/published alias
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed = feedparser.parse(data)
        entries = [_xml_entry(e) for e in parsed.get("entries", [])[:MAX_ENTRIES]]
    kept = tuple(e for e in entries if e is not None)
    broken = parsed.get("bozo") and not kept
    if broken or (not parsed.get("version") and not kept):
        reason = parsed.get("bozo_exception") or "no RSS, Atom or JSON Feed document"
        raise ContentError(source, f"not a feed: {reason}")
    return Feed(str(parsed.get("feed", {}).get("title") or ""), kept)


def _xml_entry(entry: Any) -> FeedEntry | None:
    link = entry.get("link")
    guid = str(entry.get("id") or link or "")
    if not guid:
        return None
    content = None
    for part in entry.get("content") or ():
        if part.get("value"):
            content = str(part["value"])
            break
    stamp = entry.get("updated") or entry.get("published")
    version = _version(str(stamp or ""), content or entry.get("summary"))
    title = str(entry.get("title") or "")
    return FeedEntry(guid, str(link) if link else None, title, content, "html", version)
