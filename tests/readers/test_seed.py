"""The seed article (pasted plain text) must come out exactly as issue 2 says."""

from __future__ import annotations

from bot.article import ListBlock, Paragraph
from bot.readers import read_source
from tests.readers.conftest import SEED

XI = "Statements by Xi Jinping"
PUTIN = "Statements by Vladimir Putin"
CORE = "Core Principles They Publicly Emphasize"
EXPECTED = [
    (None, ()),
    ("On China–Russia Relations", (XI,)),
    ("On Multipolarity and Global Order", (XI,)),
    ("On West Asia / Middle East Conflict", (XI,)),
    ("On Strategic Cooperation", (XI,)),
    ("On Sovereignty and Mutual Support", (PUTIN,)),
    ("On Trade and National Currencies", (PUTIN,)),
    ("On Energy Cooperation", (PUTIN,)),
    ("On International Stability", (PUTIN,)),
    ("Joint Themes Repeated By Both Leaders", ()),
    ("1. Respect for Sovereignty and Non-Interference", (CORE,)),
    ("2. Support for a Multipolar World Order", (CORE,)),
    ("3. Economic Cooperation Without Western Conditions", (CORE,)),
    ("4. Stability Through Strategic Balance", (CORE,)),
    ("5. Shared Opposition to Regime-Change Politics", (CORE,)),
    ("What Yesterday’s Meetings Signaled", ()),
]


def _all_text(article: object) -> str:
    parts = []
    for section in article.sections:  # type: ignore[attr-defined]
        parts.append(section.heading or "")
        for block in section.blocks:
            parts.extend(block.items if isinstance(block, ListBlock) else [block.text])
    return "\n".join(parts)


def test_title_and_sections_in_order_with_parents() -> None:
    article = read_source(str(SEED))
    assert article.title == "China-Russia Relationship: Mutual Strategic Partnership"
    assert [(s.heading, s.path) for s in article.sections] == EXPECTED


def test_intro_is_untitled_and_holds_the_opening() -> None:
    intro = read_source(str(SEED)).sections[0]
    assert (intro.heading, intro.level, intro.anchor) == (None, 0, "")
    assert isinstance(intro.blocks[0], Paragraph)
    assert intro.blocks[0].text.startswith("My post today is not an opinion piece")


def test_indented_line_is_the_fourth_list_item() -> None:
    intro = read_source(str(SEED)).sections[0]
    lists = [b for b in intro.blocks if isinstance(b, ListBlock)]
    assert lists[1].items == (
        "Chinese state policy language",
        "Russian foreign policy messaging",
        "BRICS discussions",
        "Global South diplomatic forums",
    )


def test_wrapped_lines_join_into_one_paragraph() -> None:
    section = read_source(str(SEED)).sections[1]
    assert section.blocks == (
        Paragraph(
            "Xi said China and Russia should continue to: “enhance comprehensive strategic"
            " coordination” and deepen: “good-neighborliness and friendly cooperation.” He"
            " described the relationship as an important stabilizing force during a period"
            " of global uncertainty."
        ),
    )


def test_repeated_title_and_share_footer_are_dropped() -> None:
    article = read_source(str(SEED))
    text = _all_text(article)
    assert "Mutual Strategic Partnership" not in text
    assert "Share This Article" not in text
    assert "Copy Link" not in text and "Bluesky" not in text
    last = article.sections[-1].blocks[-1]
    assert isinstance(last, Paragraph) and last.text.endswith("amid growing global fragmentation.")


def test_parent_headings_are_levels_above_their_children() -> None:
    article = read_source(str(SEED))
    levels = {s.heading: s.level for s in article.sections}
    assert levels["On China–Russia Relations"] == 3
    assert levels["Joint Themes Repeated By Both Leaders"] == 2
    assert levels["What Yesterday’s Meetings Signaled"] == 2


def test_anchors_are_github_slugs() -> None:
    anchors = [s.anchor for s in read_source(str(SEED)).sections]
    assert anchors[1] == "on-chinarussia-relations"
    assert anchors[3] == "on-west-asia--middle-east-conflict"
    assert anchors[10] == "1-respect-for-sovereignty-and-non-interference"
    assert len(set(anchors)) == len(anchors)


def test_seed_in_posts_is_the_same_file() -> None:
    from pathlib import Path

    posts = Path(__file__).resolve().parents[2] / "posts" / "china-russia-partnership.txt"
    assert posts.read_bytes() == SEED.read_bytes()
