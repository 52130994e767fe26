"""Markdown reader: front-matter keys, headings and nesting, blocks, inline Markdown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.article import Code, Image, ListBlock, Options, Paragraph, Quote
from bot.readers import read_text

FRONT = """---
title: "A *Title*"
url: https://example.com/posts/a/
lang: pt-BR
tags: [one, two]
excerpt: Short summary.
image: /img/cover.png
publish_at: 2026-12-01T09:30:00+01:00
platforms: [bluesky]
subreddit: r/python
flair: News
split_level: 2
thread_mode: article
layout: post
---

Intro [link](/about/) here.

## First

Body.
"""


def _md(text: str, **kwargs: object) -> object:
    return read_text(text, source="post.md", fmt="markdown", **kwargs)  # type: ignore[arg-type]


def test_front_matter_keys_become_fields_and_options() -> None:
    article = read_text(FRONT, source="post.md", fmt="markdown")
    assert article.title == "A *Title*"
    assert article.url == "https://example.com/posts/a/"
    assert (article.lang, article.tags, article.summary) == (
        "pt-BR",
        ("one", "two"),
        "Short summary.",
    )
    assert article.image == "https://example.com/img/cover.png"
    assert article.options == Options(
        publish_at=datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        platforms=("bluesky",),
        subreddit="python",
        flair="News",
        split_level=2,
        thread_mode="article",
    )
    assert article.sections[0].blocks == (
        Paragraph("Intro [link](https://example.com/about/) here."),
    )


def test_summary_falls_back_to_description_and_tags_may_be_a_string() -> None:
    article = read_text(
        "---\ndescription: From description.\ntags: a, b\n---\nText.\n",
        source="p.md",
        fmt="markdown",
    )
    assert article.summary == "From description." and article.tags == ("a", "b")


def test_h1_is_the_title_and_not_a_section() -> None:
    article = read_text(
        "# The Title\n\nIntro.\n\n## Part\n\nText.\n", source="p.md", fmt="markdown"
    )
    assert article.title == "The Title"
    assert [(s.heading, s.level, s.anchor) for s in article.sections] == [
        (None, 0, ""),
        ("Part", 2, "part"),
    ]


def test_setext_headings_nest_and_carry_their_path() -> None:
    text = "Top\n===\n\nChapter\n-------\n\n### Detail\n\nText.\n\n### More\n\nText.\n"
    article = read_text(text, source="p.md", fmt="markdown")
    assert article.title == "Top"
    assert [(s.heading, s.path) for s in article.sections] == [
        ("Detail", ("Chapter",)),
        ("More", ("Chapter",)),
    ]


def test_no_headings_is_one_section() -> None:
    article = read_text("One.\n\nTwo.\n", source="notes.md", fmt="markdown")
    assert len(article.sections) == 1 and article.title == "Notes"
    assert article.sections[0].heading is None


def test_split_level_folds_deeper_headings_into_their_section() -> None:
    text = "## A\n\nA text.\n\n### A1\n\nA1 text.\n\n## B\n\nB text.\n"
    default = read_text(text, source="p.md", fmt="markdown")
    assert [s.heading for s in default.sections] == ["A", "A1", "B"]
    folded = read_text(text, source="p.md", fmt="markdown", split_level=2)
    assert [s.heading for s in folded.sections] == ["A", "B"]
    assert folded.sections[0].blocks == (
        Paragraph("A text."),
        Paragraph("**A1**"),
        Paragraph("A1 text."),
    )


def test_split_level_from_front_matter() -> None:
    text = "---\nsplit_level: 2\n---\n## A\n\n### A1\n\nText.\n"
    article = read_text(text, source="p.md", fmt="markdown")
    assert [(s.heading, s.blocks[0]) for s in article.sections] == [("A", Paragraph("**A1**"))]


def test_duplicate_headings_get_unique_anchors() -> None:
    text = "## Intro\n\nx\n\n## Intro\n\ny\n\n## Intro-1\n\nz\n"
    anchors = [s.anchor for s in read_text(text, source="p.md", fmt="markdown").sections]
    assert anchors == ["intro", "intro-1", "intro-1-1"]


def test_blocks_lists_quotes_code_images() -> None:
    text = (
        "Para with **bold**, *em*, `code` and [a link](https://x.org/a_b).\n\n"
        "3. three\n4. four\n\n"
        "- outer\n  - inner\n\n"
        "> quoted *text*\n\n"
        "```python\nprint('hi')\n```\n\n"
        "![Alt text](pic.png)\n\n"
        '{% image "assets/shot.png" "Shot alt" %}\n\n'
        'See [home]({{ "/home/" | url }}) and snake_case.\n'
    )
    blocks = read_text(text, source="p.md", fmt="markdown").sections[0].blocks
    assert blocks == (
        Paragraph("Para with **bold**, *em*, `code` and [a link](https://x.org/a_b)."),
        ListBlock(("three", "four"), ordered=True, start=3),
        ListBlock(("outer", "inner")),
        Quote("quoted *text*"),
        Code("print('hi')", "python"),
        Image("pic.png", "Alt text"),
        Image("assets/shot.png", "Shot alt"),
        Paragraph("See [home](/home/) and snake\\_case."),
    )


def test_literal_markdown_punctuation_stays_escaped() -> None:
    blocks = read_text(r"Price \* 2 and \[not a link\]", source="p", fmt="markdown").sections[0]
    assert blocks.blocks == (Paragraph(r"Price \* 2 and \[not a link\]"),)


def test_bold_lines_are_headings_when_there_are_no_others() -> None:
    text = "Intro.\n\n**First Part**\n\nOne.\n\n**Second Part**\n\nTwo.\n"
    article = read_text(text, source="p.md", fmt="markdown")
    assert [s.heading for s in article.sections] == [None, "First Part", "Second Part"]


def test_script_guess_for_lang() -> None:
    assert read_text("## Привет\n\nЭто текст.\n", source="p", fmt="markdown").lang == "ru"
    assert read_text("## 你好\n\n这是中文。\n", source="p", fmt="markdown").lang == "zh"
    assert read_text("## Hello\n\nEnglish.\n", source="p", fmt="markdown").lang is None


def test_heading_directly_followed_by_a_heading_is_its_parent() -> None:
    text = "## Part One\n\n## Opening\n\nText.\n\n## Closing\n\nText.\n"
    article = read_text(text, source="p.md", fmt="markdown")
    assert [(s.heading, s.path) for s in article.sections] == [
        ("Opening", ("Part One",)),
        ("Closing", ()),
    ]
