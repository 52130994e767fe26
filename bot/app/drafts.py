"""Articles given as text (pasted or uploaded in the desk) rather than a path or URL: read
with the same readers, planned and guarded by the same code as ``queue add``."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath

from bot.app.plan import Choices, Plan, build_plan
from bot.app.queueing import Queued, add_article
from bot.article import Article
from bot.config import Settings
from bot.errors import ContentError
from bot.readers import Format, read_text, sniff
from bot.store import Store

SUFFIX_FORMATS: dict[str, Format] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


def text_article(text: str, name: str) -> Article:
    """Read ``text``; ``name`` (an uploaded file's name, or "pasted text") picks the
    format by its suffix, else the text is sniffed. ContentError names ``name``."""
    suffix = PurePath(name).suffix.lower()
    if suffix and suffix not in SUFFIX_FORMATS:
        raise ContentError(name, f"unknown format {suffix!r}: expected .txt, .md or .html")
    fmt = SUFFIX_FORMATS.get(suffix) or sniff(text)
    return read_text(text, source=name, fmt=fmt)


def plan_text(
    store: Store, settings: Settings, text: str, name: str, choices: Choices, now: datetime
) -> Plan:
    """The plan of an article given as text (nothing is written)."""
    article = text_article(text, name)
    return build_plan(store, settings, article, f"desk://{name}", now=now, choices=choices)


def add_text(
    store: Store,
    settings: Settings,
    text: str,
    name: str,
    choices: Choices,
    now: datetime,
    *,
    again: bool = False,
    force: bool = False,
    submitted_by: int | None = None,
) -> Queued:
    """Read, plan, guard and queue an article given as text."""
    article = text_article(text, name)
    return add_article(store, settings, f"desk://{name}", now=now, choices=choices, again=again,
                       force=force, article=article, submitted_by=submitted_by)  # fmt: skip
