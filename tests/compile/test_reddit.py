"""Reddit compilation: submission, title cutting, comment chains, overflow, Markdown."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bot.article import Code, Image, ListBlock, Paragraph, Quote
from bot.compile import compile_article
from bot.compile.reddit import cut_title
from bot.errors import ContentError
from bot.threads import MARKER_RESERVE
from tests.compile.conftest import article, paragraphs


def test_title_cut_at_a_word_with_ellipsis() -> None:
    title = "word " * 100
    cut = cut_title(title, 300)
    assert len(cut) <= 300 and cut.endswith("word…")
    assert cut_title("Short title", 300) == "Short title"
    assert cut_title("x" * 400, 300) == "x" * 299 + "…"


def test_submission_then_comment_chain() -> None:
    art = article(
        (None, paragraphs("Intro *text*.")),
        ("Second", (Paragraph("Para."), ListBlock(("a", "b")))),
        ("Third", (Quote("Quoted"), Code("print(1)\nprint(2)"), Image("https://i/x.png", "X"))),
        title="Big Title",
    )
    threads = compile_article(art, "reddit")
    assert [(t.section, t.continues) for t in threads] == [(0, False), (1, True), (2, True)]
    head = threads[0].posts[0]
    assert (head.kind, head.title, head.text) == ("submission", "Big Title", "Intro *text*.")
    assert threads[1].posts[0].kind == "comment"
    assert threads[1].posts[0].text == "**Second**\n\nPara.\n\n- a\n- b"
    assert threads[2].posts[0].text == (
        "**Third**\n\n> Quoted\n\n    print(1)\n    print(2)\n\n[Image: X](https://i/x.png)"
    )


def test_overflow_goes_to_further_comments_with_marker_room() -> None:
    para = "A sentence of some length goes here. " * 60
    art = article(
        (None, paragraphs(*[para.strip()] * 30)), ("Next", paragraphs(*[para.strip()] * 8))
    )
    first, second = compile_article(art, "reddit")
    assert first.posts[0].kind == "submission"
    assert len(first.posts[0].text) <= 40_000 - MARKER_RESERVE
    assert len(first.posts) > 1
    for post in first.posts[1:] + second.posts:
        assert post.kind == "comment" and len(post.text) <= 10_000 - MARKER_RESERVE
    joined = "".join("".join(p.text for p in first.posts).split())
    assert joined == "".join("".join([para.strip()] * 30).split())
    assert second.posts[0].text.startswith("**Next**")


def test_link_post_has_url_with_utm_and_body_as_comments() -> None:
    art = article((None, paragraphs("Intro.")), title="T", url="https://ex.com/a")
    (thread,) = compile_article(art, "reddit", link_post=True)
    head = thread.posts[0]
    assert head.text == "" and head.link_url is not None
    query = parse_qs(urlsplit(head.link_url).query)
    assert query["utm_source"] == ["reddit"] and query["utm_medium"] == ["social"]
    assert [p.kind for p in thread.posts] == ["submission", "comment"]
    with pytest.raises(ContentError, match="link post needs the article URL"):
        compile_article(article((None, paragraphs("x"))), "reddit", link_post=True)


def test_article_mode_one_thread() -> None:
    art = article((None, paragraphs("Intro.")), ("Two", paragraphs("Body.")))
    (thread,) = compile_article(art, "reddit", thread_mode="article")
    assert [p.text for p in thread.posts] == ["Intro.", "**Two**\n\nBody."]


def test_paragraphs_that_look_like_block_syntax_are_escaped() -> None:
    art = article((None, paragraphs("#1 rule", "> not a quote", "1. not a list")))
    text = compile_article(art, "reddit")[0].posts[0].text
    assert text == "\\#1 rule\n\n\\> not a quote\n\n1\\. not a list"


def test_relative_links_resolved_or_shown_as_text() -> None:
    para = paragraphs("See [the guide](/doc/pgo) and [abs](https://x.org/a).")
    with_url = compile_article(article((None, para), url="https://go.dev/blog/"), "reddit")
    assert with_url[0].posts[0].text == (
        "See [the guide](https://go.dev/doc/pgo) and [abs](https://x.org/a)."
    )
    without = compile_article(article((None, para)), "reddit")
    assert without[0].posts[0].text == "See the guide and [abs](https://x.org/a)."
