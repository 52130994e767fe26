"""Front-matter: split it off a Markdown file, parse it (YAML ``---`` or TOML ``+++``)
and check the keys an editor may set, naming the key and line of a bad value (pure).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import yaml

from bot.article import OVERFLOWS, Options
from bot.controls import parse_labels, parse_replies
from bot.errors import ContentError

PLATFORMS = ("bluesky", "reddit")
THREAD_MODES = ("section", "article")
_SUMMARY_KEYS = ("summary", "description", "excerpt")
_URL_KEYS = ("url", "canonical_url", "canonical", "source_url", "original_url")


@dataclass(frozen=True)
class FrontMatter:
    """The parsed block: values, the file line of each top-level key, body start line."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    body_line: int = 1


@dataclass(frozen=True)
class Meta:
    """Article fields taken from front-matter (None = not given)."""

    title: str | None = None
    url: str | None = None
    lang: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    image: str | None = None
    options: Options = field(default_factory=Options)


def split(text: str, source: str) -> tuple[FrontMatter, str]:
    """Front-matter and the Markdown body after it (no front-matter: empty values)."""
    lines = text.split("\n")
    fence = lines[0].rstrip() if lines else ""
    if fence not in ("---", "+++"):
        return FrontMatter(), text
    for end in range(1, len(lines)):
        if lines[end].rstrip() == fence or (fence == "---" and lines[end].rstrip() == "..."):
            raw = "\n".join(lines[1:end])
            values = _parse_yaml(raw, source) if fence == "---" else _parse_toml(raw, source)
            keys = _key_lines(lines[1:end])
            body = "\n".join(lines[end + 1 :])
            return FrontMatter(values, keys, end + 2), body
    raise ContentError(source, f"front-matter opened with {fence!r} is never closed", line=1)


def _parse_yaml(raw: str, source: str) -> dict[str, Any]:
    try:
        values = yaml.safe_load(raw)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1
        raise ContentError(source, f"broken YAML front-matter: {exc.problem}", line=line) from exc
    except yaml.YAMLError as exc:
        raise ContentError(source, f"broken YAML front-matter: {exc}", line=1) from exc
    return _mapping(values, source)


def _parse_toml(raw: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) + 1 if found else raw.count("\n") + 2
        reason = str(exc).split(" (at")[0]
        raise ContentError(source, f"broken TOML front-matter: {reason}", line=line) from exc


def _mapping(values: object, source: str) -> dict[str, Any]:
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ContentError(source, "front-matter must be a mapping of keys to values", line=2)
    return {str(k): v for k, v in values.items()}


def _key_lines(lines: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for number, line in enumerate(lines, start=2):
        match = re.match(r"""^["']?([A-Za-z_][\w-]*)["']?\s*[:=]""", line)
        if match:
            found.setdefault(match.group(1), number)
    return found


def interpret(front: FrontMatter, source: str) -> Meta:
    """Check and convert the keys sharebot knows; other keys are ignored."""
    check = _Checker(front, source)
    summary_key = next((k for k in _SUMMARY_KEYS if front.values.get(k)), None)
    url_key = next((k for k in _URL_KEYS if front.values.get(k)), None)
    options = Options(
        publish_at=check.when("publish_at"),
        platforms=check.platforms("platforms"),
        subreddit=check.subreddit("subreddit"),
        flair=check.text("flair"),
        split_level=check.level("split_level"),
        thread_mode=check.choice("thread_mode", THREAD_MODES),  # type: ignore[arg-type]
        evergreen=check.duration("evergreen"),
        replies=check.grammar("replies", parse_replies),
        quotes=check.flag("quotes"),
        labels=check.grammar("labels", parse_labels),
        max_reshares=check.count("max_reshares", least=0),
        max_posts_per_thread=check.count("max_posts_per_thread"),
        overflow=check.choice("overflow", OVERFLOWS),  # type: ignore[arg-type]
    )
    return Meta(
        title=check.text("title"),
        url=check.url(url_key) if url_key else None,
        lang=check.lang("lang") or check.lang("language"),
        tags=check.words("tags"),
        summary=check.text(summary_key) if summary_key else None,
        image=check.text("image"),
        options=options,
    )


class _Checker:
    """Reads one key at a time; a bad value is a ContentError naming key and line."""

    def __init__(self, front: FrontMatter, source: str) -> None:
        self.values = front.values
        self.lines = front.lines
        self.source = source

    def fail(self, key: str, reason: str) -> ContentError:
        return ContentError(
            self.source, f"front-matter key {key!r}: {reason}", line=self.lines.get(key)
        )

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, (dict, list)):
            raise self.fail(key, f"expected text, got {type(value).__name__}")
        return " ".join(str(value).split())

    def words(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [v for v in re.split(r"[,\n]", value)]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise self.fail(key, "expected a list of words")
        return tuple(str(v).strip() for v in value if str(v).strip())

    def url(self, key: str) -> str:
        value = self.text(key) or ""
        if not re.match(r"^https?://[^\s/]+", value):
            raise self.fail(key, f"expected an http(s) URL, got {value!r}")
        return value

    def lang(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", value):
            raise self.fail(key, f"expected a language tag such as 'en' or 'pt-BR', got {value!r}")
        return value.replace("_", "-") if value else None

    def level(self, key: str) -> int | None:
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 6:
            raise self.fail(key, f"expected a heading level 1-6, got {value!r}")
        return value

    def grammar(self, key: str, parse: Callable[[Sequence[str]], Any]) -> tuple[str, ...] | None:
        """A word or list of words checked by ``parse`` (None when the key is absent)."""
        if key not in self.values:
            return None
        words = self.words(key)
        try:
            parse(words)
        except ValueError as exc:
            raise self.fail(key, str(exc)) from None
        return words

    def flag(self, key: str) -> bool | None:
        value = self.values.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def duration(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not re.fullmatch(r"(\d+d)?(\d+h)?(\d+m)?", value.strip()):
            raise self.fail(key, f"expected a duration such as 30d or 12h, got {value!r}")
        return value.strip() if value else None

    def count(self, key: str, least: int = 1) -> int | None:
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise self.fail(key, f"expected a whole number of at least {least}, got {value!r}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self.text(key)
        if value is not None and value not in allowed:
            raise self.fail(key, f"expected one of {', '.join(allowed)}, got {value!r}")
        return value

    def platforms(self, key: str) -> tuple[str, ...] | None:
        if key not in self.values:
            return None
        names = tuple(n.lower() for n in self.words(key))
        unknown = [n for n in names if n not in PLATFORMS]
        if unknown or not names:
            raise self.fail(key, f"expected some of {', '.join(PLATFORMS)}, got {unknown or names}")
        return names

    def subreddit(self, key: str) -> str | None:
        value = self.text(key)
        if value is None:
            return None
        name = re.sub(r"^/?r/", "", value)
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_]{1,20}", name):
            raise self.fail(key, f"not a subreddit name: {value!r}")
        return name

    def when(self, key: str) -> datetime | None:
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime.combine(value, time())
        try:
            return datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise self.fail(key, f"expected an ISO date-time, got {value!r}") from None


# Keys sharebot reads (interpret) and keys static-site generators use that it ignores on
# purpose; anything else is probably a typo and gets a warning.
KNOWN_KEYS = frozenset(
    {"title", "lang", "language", "tags", "image", "publish_at", "platforms", "subreddit",
     "flair", "split_level", "thread_mode", "evergreen", "max_reshares",
     "max_posts_per_thread", "overflow", "replies", "quotes", "labels", *_SUMMARY_KEYS,
     *_URL_KEYS}
)  # fmt: skip
IGNORED_KEYS = frozenset(
    {"layout", "date", "author", "authors", "categories", "category", "permalink", "draft",
     "slug", "weight", "aliases", "lastmod", "updated", "published", "redirect_from",
     "modified_time", "published_time", "hero", "thumbnail", "series", "toc", "type", "id",
     "keywords", "cover", "sidebar", "excerpt_separator", "comments", "share", "menu", "nav",
     "related", "subtitle"}
)  # fmt: skip


def front_matter_warnings(text: str, source: str) -> list[str]:
    """One warning per front-matter key sharebot neither reads nor knows to ignore, naming
    the file, the line and (when one is close) the key that was probably meant."""
    import difflib

    front, _ = split(text, source)
    warnings = []
    for key in front.values:
        if key in KNOWN_KEYS or key in IGNORED_KEYS:
            continue
        close = difflib.get_close_matches(key, sorted(KNOWN_KEYS), n=1, cutoff=0.7)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        line = front.lines.get(key)
        where = f"{source}:{line}" if line else source
        warnings.append(f"{where}: unknown front-matter key {key!r} is ignored{hint}")
    return warnings
