"""Plain-text reader, one small text per kind of loss seen on pasted pages (issue 12)."""

from __future__ import annotations

import re

from bot.article import Article, ListBlock, Paragraph
from bot.readers import read_text

LONG = (
    "The harbour board met on Tuesday and agreed that the new breakwater should be built "
    "before the winter storms, after a long debate about the cost."
)


def _read(text: str) -> Article:
    return read_text(text, source="notes/pasted-page.txt", fmt="text")


def _text(article: Article) -> str:
    parts: list[str] = []
    for section in article.sections:
        parts.append(section.heading or "")
        for block in section.blocks:
            parts += block.items if isinstance(block, ListBlock) else [getattr(block, "text", "")]
    return "\n".join(parts)


def test_setext_underlined_headings() -> None:
    text = (
        "Release Notes\n=============\n\n"
        f"{LONG}\n\n"
        "Backward compatibility notes\n----------------------------\n\n"
        " * The old option is gone.\n * The new option replaces it.\n\n"
        "UI, Workflows & Features\n------------------------\n\n"
        f"{LONG}\n"
    )
    article = _read(text)
    assert article.title == "Release Notes"
    assert [(s.heading, s.level) for s in article.sections] == [
        (None, 0),
        ("Backward compatibility notes", 3),
        ("UI, Workflows & Features", 3),
    ]
    assert "=====" not in _text(article) and "-----" not in _text(article)
    assert article.sections[1].blocks == (
        ListBlock(("The old option is gone.", "The new option replaces it.")),
    )


def test_all_caps_and_numbered_headings_above_their_paragraphs() -> None:
    text = (
        "Field Report\n\n"
        f"INTRODUCTION\n{LONG}\n\n"
        f"2.1 Methods Used\n{LONG}\n\n"
        f"2.2 Results\n{LONG}\n\n"
        f"FINDINGS AND NEXT STEPS\n{LONG}\n"
    )
    article = _read(text)
    assert [(s.heading, s.level) for s in article.sections] == [
        ("INTRODUCTION", 2),
        ("2.1 Methods Used", 3),
        ("2.2 Results", 3),
        ("FINDINGS AND NEXT STEPS", 2),
    ]
    assert all(s.blocks == (Paragraph(LONG),) for s in article.sections)


def test_pasted_page_clutter_is_dropped_and_the_headline_is_the_title() -> None:
    text = (
        "Home\nNews\nSport\nWeather\nCulture\n\n"
        "Sign up\n\n"
        "Harbour Board Backs New Breakwater\n\n"
        "By Jane Doe | 3 May 2024\n\n"
        "Share\n\n"
        f"{LONG}\n\n"
        "What Happens Next\n\n"
        f"{LONG} Work starts in June.\n\n"
        "Follow us on Bluesky\n\n"
        "About the author\n\n"
        "Jane Doe covers the coast for the paper.\n\n"
        "© 2024 Coast News Ltd. All rights reserved.\n"
    )
    article = _read(text)
    assert article.title == "Harbour Board Backs New Breakwater"
    assert [s.heading for s in article.sections] == [None, "What Happens Next"]
    body = _text(article)
    for clutter in ("Home", "Sign up", "Jane Doe", "Share", "Follow", "©", "covers the coast"):
        assert clutter not in body
    assert body.count("The harbour board met") == 2 and "Work starts in June." in body


def test_menus_in_the_middle_are_dropped_but_short_lists_are_kept() -> None:
    text = (
        f"Title Line\n\n{LONG}\n\nTopics\nPolitics\nBusiness\nTech\n\n"
        f"It rests on:\n\n  • sovereignty\n  • trade\n  • energy\n\n{LONG}\n"
    )
    article = _read(text)
    body = _text(article)
    assert "Politics" not in body
    assert ListBlock(("sovereignty", "trade", "energy")) in article.sections[0].blocks


def test_a_bullet_alone_on_its_line_takes_the_next_line() -> None:
    text = f"Title Line\n\n{LONG}\n\n•\nfirst point\n•\nsecond point\n"
    blocks = _read(text).sections[0].blocks
    assert blocks[-1] == ListBlock(("first point", "second point"))
    assert not any(
        re.fullmatch(r"\s*•\s*", i) for b in blocks if isinstance(b, ListBlock) for i in b.items
    )


def test_an_author_bio_at_the_end_is_dropped_without_a_marker() -> None:
    text = (
        f"Title Line\n\n{LONG}\n\nJane Doe wrote the first draft of the plan.\n\n"
        "Jane Doe is a senior reporter at Coast News, where she covers the harbour.\n"
    )
    body = _text(_read(text))
    assert "senior reporter" not in body and "wrote the first draft" in body


def test_prose_that_looks_like_furniture_is_kept() -> None:
    text = (
        f"Title Line\n\n{LONG}\n\nBy the way, the plan changed twice.\n\n"
        "Posted on the wall of the town hall were three notices about the plan, each "
        "signed by the mayor and dated in 2023.\n\nCopyright law did not apply here.\n"
    )
    body = _text(_read(text))
    assert "By the way" in body and "Posted on the wall" in body and "Copyright law" in body
