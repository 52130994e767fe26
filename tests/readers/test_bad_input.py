"""Bad input gives a ContentError naming the source, the reason and the line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.article import Paragraph
from bot.errors import ContentError
from bot.readers import MAX_BYTES, read_source, read_text

Write = Callable[[str, "str | bytes"], str]


def _error(source: str) -> ContentError:
    with pytest.raises(ContentError) as caught:
        read_source(source)
    assert caught.value.source == source
    return caught.value


@pytest.mark.parametrize("content", ["", "   \n\n\t\n"])
def test_empty_file(write: Write, content: str) -> None:
    error = _error(write("empty.md", content))
    assert "empty" in error.reason


def test_binary_file_with_text_extension(write: Write) -> None:
    error = _error(write("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert "binary" in error.reason and "byte 8" in error.reason and error.line == 3


def test_known_binary_extension_is_an_unknown_format(write: Write) -> None:
    error = _error(write("photo.png", b"\x89PNG\r\n"))
    assert "unknown format" in error.reason


def test_invalid_utf8_names_line_and_byte(write: Write) -> None:
    error = _error(write("latin1.txt", "Title\n\nCaf\u00e9 au lait.\n".encode("latin-1")))
    assert error.line == 3
    assert "not valid UTF-8" in error.reason and "byte 0xe9 at byte 10" in error.reason
    assert str(error).startswith(f"{error.source}:3: ")


def test_twenty_megabyte_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.md"
    with big.open("wb") as handle:  # sparse: nothing is written, nothing must be read
        handle.truncate(20_000_000)
    error = _error(str(big))
    assert "20.0 MB" in error.reason and f"{MAX_BYTES / 1e6:g} MB limit" in error.reason


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in _error(str(tmp_path / "nope.md")).reason
    assert "directory" in _error(str(tmp_path)).reason


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("---\ntitle: [unclosed\n---\nBody.\n", 2, "broken YAML"),
        ("---\ntitle: a\nbad: : :\n---\nBody.\n", 3, "broken YAML"),
        ("---\ntitle: never closed\n\nBody.\n", 1, "never closed"),
        ("---\n- a\n- b\n---\nBody.\n", 2, "mapping"),
        ("+++\ntitle = \n+++\nBody.\n", 2, "broken TOML"),
    ],
)
def test_broken_front_matter(write: Write, text: str, line: int, words: str) -> None:
    error = _error(write("post.md", text))
    assert error.line == line and words in error.reason


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("split_level", "9", "heading level 1-6"),
        ("split_level", "two", "heading level 1-6"),
        ("thread_mode", "thread", "section, article"),
        ("platforms", "[bluesky, twitter]", "twitter"),
        ("publish_at", "tomorrow", "ISO date-time"),
        ("url", "example.com/post", "http(s) URL"),
        ("lang", "English language", "language tag"),
        ("subreddit", "r/not a sub", "subreddit"),
        ("flair", "[a, b]", "expected text"),
        ("tags", "{a: 1}", "list of words"),
    ],
)
def test_bad_front_matter_value_names_key_and_line(
    write: Write, key: str, value: str, words: str
) -> None:
    error = _error(write("post.md", f"---\ntitle: T\nlayout: post\n{key}: {value}\n---\nBody.\n"))
    assert error.line == 4
    assert repr(key) in error.reason and words in error.reason


def test_single_five_thousand_character_word_is_a_paragraph(write: Write) -> None:
    word = "x" * 5000
    for name in ("word.txt", "word.md"):
        article = read_source(write(name, word + "\n"))
        assert article.sections[0].blocks == (Paragraph(word),)
        assert article.title == "Word"


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Nothing</title></head><body></body></html>",
        "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>",
        "<html><head><title>Only head</title></head></html>",
    ],
)
def test_html_without_article_body(write: Write, page: str) -> None:
    assert "no article body" in _error(write("page.html", page)).reason


def test_unknown_format_in_read_text() -> None:
    with pytest.raises(ContentError, match="unknown format 'pdf'"):
        read_text("Hello", source="x", fmt="pdf")  # type: ignore[arg-type]


def test_title_only_has_no_article_text(write: Write) -> None:
    assert "no article text" in _error(write("title.txt", "Just A Title\n")).reason
