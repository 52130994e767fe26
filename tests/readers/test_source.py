"""read_source picks the format from the extension, else from the content."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.article import Paragraph
from bot.readers import read_source, sniff

Write = Callable[[str, "str | bytes"], str]
MD = "# Title\n\nIntro *text*.\n\n## Part\n\nBody.\n"
HTML = "<!doctype html><html><head><title>T</title></head><body><article>" + (
    "<p>" + "Body text of the page, long enough to be kept. " * 10 + "</p></article></body></html>"
)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (MD, "markdown"),
        ("---\ntitle: x\n---\nBody\n", "markdown"),
        (HTML, "html"),
        ("Plain\n\nText.\n", "text"),
    ],
)
def test_sniff(text: str, fmt: str) -> None:
    assert sniff(text) == fmt


def test_extension_decides_over_content(write: Write) -> None:
    as_text = read_source(write("notes.txt", MD))
    assert as_text.title == "Notes"  # read as pasted text: "# Title" is not a title line
    assert as_text.sections[0].blocks[0] == Paragraph("# Title")
    as_md = read_source(write("notes.markdown", MD))
    assert as_md.title == "Title" and [s.heading for s in as_md.sections] == [None, "Part"]


def test_no_extension_is_sniffed(write: Write) -> None:
    assert read_source(write("README", MD)).title == "Title"
    assert read_source(write("page", HTML)).title == "T"


def test_byte_order_mark_and_crlf_are_accepted(write: Write) -> None:
    article = read_source(write("win.md", "\ufeff" + MD.replace("\n", "\r\n")))
    assert article.title == "Title" and [s.heading for s in article.sections] == [None, "Part"]


def test_source_is_recorded(write: Write) -> None:
    path = write("post.md", MD)
    assert read_source(path).source == path
