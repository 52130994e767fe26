"""Threads people want to read: at most max_posts_per_thread posts, code and lists cut well."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import Code, ListBlock, Options, Paragraph
from bot.compile import compile_article, render_text
from bot.threads import Limits, LinkCard, ThreadDraft
from tests.compile.conftest import article, paragraphs

SENTENCE = "Sentence number {} of the long report is here, with more words after it. "
LONG = paragraphs(*[SENTENCE.format(n) * 4 for n in range(40)])
URL = "https://news.example/report"
MARK = re.compile(r" \(\d+/\d+\)")


def _body(threads: tuple[ThreadDraft, ...]) -> str:
    """Every thread's text without its header line, whitespace removed."""
    texts = ["\n".join(p.text for p in t.posts).split("\n\n", 1)[1] for t in threads]
    return "".join("".join(texts).split())


def test_a_long_section_continues_in_next_threads_at_paragraph_boundaries() -> None:
    art = article(("Long Report", LONG), url=URL)
    threads = compile_article(art, "bluesky")
    assert len(threads) > 1 and all(len(t.posts) <= 12 for t in threads)
    total = len(threads)
    for k, thread in enumerate(threads, 1):
        assert thread.posts[0].text.startswith(f"Long Report ({k}/{total})\n\nSentence number")
        assert isinstance(thread.posts[0].embed, LinkCard)
        assert thread.posts[0].embed.uri.startswith(URL + "?") and "#long-report" in (
            thread.posts[0].embed.uri
        )
        assert thread.section == 0
    whole = render_text(art, "bluesky", 0).split("\n\n", 1)[1]
    assert _body(threads) == "".join(whole.split())


def test_front_matter_sets_the_cap() -> None:
    art = article(("Long Report", LONG), url=URL)
    art = replace(art, options=Options(max_posts_per_thread=5))
    threads = compile_article(art, "bluesky", max_posts=12)
    assert all(len(t.posts) <= 5 for t in threads) and len(threads) > 4


def test_overflow_link_ends_the_thread_with_a_link_to_the_section() -> None:
    art = article(("Long Report", LONG), url=URL)
    (thread,) = compile_article(art, "bluesky", overflow_mode="link", counters=True)
    assert len(thread.posts) == 12
    last = thread.posts[-1]
    assert last.text.startswith("Continue reading: ") and last.text.endswith("12/12")
    (facet,) = last.facets
    assert facet.kind == "link" and facet.value.startswith(URL) and "#long-report" in facet.value
    assert thread.posts[-2].text.endswith("11/12")


def test_overflow_link_without_an_article_url_continues_instead() -> None:
    threads = compile_article(article(("Long Report", LONG)), "bluesky", overflow_mode="link")
    assert len(threads) > 1 and not any(
        "Continue reading" in p.text for t in threads for p in t.posts
    )


def test_no_cap_and_short_sections_stay_one_thread() -> None:
    assert len(compile_article(article(("Long Report", LONG)), "bluesky", max_posts=None)) == 1
    assert len(compile_article(article(("Short", paragraphs("One line."))), "bluesky")) == 1


def test_code_cut_across_posts_keeps_the_next_lines_indentation() -> None:
    lines = [f"    value_{n} = compute(value_{n - 1}, step={n})  # step {n}" for n in range(1, 25)]
    code = "def run():\n" + "\n".join(lines)
    (thread,) = compile_article(article(("Code", (Code(code),))), "bluesky")
    bodies = [p.text for p in thread.posts[1:]]
    assert len(bodies) >= 2
    assert all(b.startswith("    value_") for b in bodies)
    assert "\n".join(p.text for p in thread.posts).count("    value_") == 24


def test_a_code_block_that_fits_a_post_is_whole_with_its_indentation() -> None:
    code = "\n".join(f"  line {n} = {n * n}" for n in range(12))
    blocks = (Paragraph(SENTENCE.format(1) * 3), Code(code))
    (thread,) = compile_article(article(("Code", blocks)), "bluesky")
    assert [p.text for p in thread.posts][1:] == [code]


def test_no_post_ends_with_a_lone_bullet() -> None:
    items = tuple(("word " * 40).strip() + f" {n}" for n in range(6))
    (thread,) = compile_article(article(("List", (ListBlock(items),))), "bluesky")
    for post in thread.posts:
        assert not re.search(r"(^|\n)\s*•\s*$", post.text)
        assert "\n\n\n" not in post.text and post.text.strip() == post.text


SMALL = Limits(platform="bluesky", max_graphemes=60, max_bytes=200, max_langs=1)
words = st.text(alphabet="abcdefghij ", min_size=1, max_size=30).map(lambda s: s.strip() or "x")
paragraph = st.lists(words, min_size=1, max_size=6).map(lambda ws: ". ".join(ws) + ".")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(paragraph, min_size=1, max_size=12), st.integers(min_value=2, max_value=4))
def test_parts_fit_the_cap_and_join_back(texts: list[str], most: int) -> None:
    art = article(("Head", paragraphs(*texts)), url=URL)
    threads = compile_article(art, "bluesky", limits=SMALL, max_posts=most)
    whole = compile_article(art, "bluesky", limits=SMALL, max_posts=None)
    for thread in threads:
        blocks_alone = len(threads) > 1 and len(thread.posts) > most
        assert len(thread.posts) <= most or blocks_alone or len(threads) == 1 == len(whole)
    assert _body(threads) == _body(whole)


@pytest.mark.parametrize("bad", [0, -1, "many", True])
def test_front_matter_cap_must_be_a_positive_whole_number(bad: object) -> None:
    from bot.errors import ContentError
    from bot.readers import read_text

    with pytest.raises(ContentError, match=r"max_posts_per_thread.*at least 1") as caught:
        read_text(f"---\nmax_posts_per_thread: {bad!r}\n---\n\nText.\n", source="a.md",
                  fmt="markdown")  # fmt: skip
    assert caught.value.line == 2


def test_after_a_colon_paragraph_a_cut_falls_at_a_clause_or_better() -> None:
    intro = ("Follow the steps in the text below, one after the other, " * 4).strip() + ":"
    item = "Activate the terminal by pressing command and space and typing its name " * 3
    blocks = (Paragraph(intro), ListBlock((item.strip(), "Then paste the line.")))
    (thread,) = compile_article(article(("Steps", blocks)), "bluesky")
    first = thread.posts[0].text
    assert first.endswith(":") or first.endswith(","), first[-40:]
    assert not first.endswith("• Activate")


def test_no_post_ends_with_a_bullet_inside_a_line() -> None:
    text = " • ".join(f"item number {n} of the pasted menu line" for n in range(40))
    (thread,) = compile_article(article(("Menu", paragraphs(text))), "bluesky")
    assert not any(p.text.endswith("•") for p in thread.posts)
    assert len(thread.posts) > 2
