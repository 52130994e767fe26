"""Plain-text reader rules beyond the seed: escaping, lists, code, furniture."""

from __future__ import annotations

from bot.article import Code, ListBlock, Paragraph
from bot.readers import read_text


def _read(text: str) -> object:
    return read_text(text, source="pasted.txt", fmt="text")


def test_markdown_punctuation_is_escaped_outside_urls() -> None:
    article = read_text(
        "Title\n\nUse *stars* and _under_ [x] at https://example.com/a_b_*c now.\n",
        source="p.txt",
        fmt="text",
    )
    assert article.sections[0].blocks == (
        Paragraph(r"Use \*stars\* and \_under\_ \[x\] at https://example.com/a_b_*c now."),
    )


def test_copied_ordered_list_numbers_from_one() -> None:
    article = read_text(
        "Title\n\nSteps:\n\n1. Mix it.\n1. Bake it.\n1. Eat it.\n", source="p", fmt="text"
    )
    assert article.sections[0].blocks[1] == ListBlock(
        ("Mix it.", "Bake it.", "Eat it."), ordered=True, start=1
    )


def test_long_item_continues_on_indented_line() -> None:
    text = (
        "Title\n\n"
        "  • first item that is long enough to have been wrapped by the page at about here\n"
        "    and continues here.\n"
        "  • second\n"
    )
    article = read_text(text, source="p", fmt="text")
    assert article.sections[0].blocks[0] == ListBlock(
        (
            "first item that is long enough to have been wrapped by the page at about here"
            " and continues here.",
            "second",
        )
    )


def test_pasted_code_keeps_its_lines() -> None:
    text = "Title\n\nRun this:\n\nvar a = 1;\nif (a) {\n  go();\n}\n\nDone.\n"
    blocks = read_text(text, source="p", fmt="text").sections[0].blocks
    assert blocks[1] == Code("var a = 1;\nif (a) {\n  go();\n}")


def test_headings_without_shared_shape_stay_top_level() -> None:
    text = "Title\n\nIntro text.\n\nFirst Topic\n\nSome text.\n\nSecond Topic\n\nMore text.\n"
    article = read_text(text, source="p", fmt="text")
    assert [(s.heading, s.level, s.path) for s in article.sections] == [
        (None, 0, ()),
        ("First Topic", 2, ()),
        ("Second Topic", 2, ()),
    ]


def test_share_footer_and_comment_section_are_dropped() -> None:
    text = (
        "Title\n\nA paragraph.\n\nAnother paragraph.\n\nLast words.\n\n"
        "Share this:\n\nFacebook | Twitter | Email\n\n3 comments\n\nNice post!\n"
    )
    blocks = read_text(text, source="p", fmt="text").sections[-1].blocks
    assert blocks[-1] == Paragraph("Last words.")


def test_navigation_before_the_body_is_dropped_and_gives_the_title() -> None:
    text = (
        "  • Skip to content\n\nSite Name\n\n  • Home\n  • About\n\n"
        "The Real Title Here\n\non May 1, 2024 by Someone\n\n"
        "This is the first real paragraph of the article, long enough to count as body text"
        " because it runs past a hundred characters.\n"
    )
    article = read_text(text, source="p", fmt="text")
    assert article.title == "The Real Title Here"
    assert article.sections[0].blocks[0].text.startswith("This is the first real paragraph")  # type: ignore[union-attr]
