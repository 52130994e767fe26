"""Markdown reader, one small document per kind of loss seen on real sources (issue 12)."""

from __future__ import annotations

from pathlib import Path

from bot.article import Image, ListBlock, Paragraph
from bot.compile import compile_article
from bot.readers import read_source, read_text
from bot.threads import ImagesEmbed


def _blocks(text: str, **kwargs: str) -> list[object]:
    article = read_text(text, source="site/post.md", fmt="markdown", **kwargs)
    return [b for s in article.sections for b in s.blocks]


def test_relative_images_stay_beside_the_file_and_reach_reddit_through_the_url(
    tmp_path: Path,
) -> None:
    post = tmp_path / "post.md"
    post.write_text(
        "---\ntitle: Harbour\nurl: https://news.example/2024/harbour/\n---\n\n"
        "The board met on Tuesday.\n\n![The new wall](./img/../img/wall.png)\n",
        encoding="utf-8",
    )
    article = read_source(str(post))
    assert Image("img/wall.png", "The new wall") in article.sections[0].blocks
    bluesky = compile_article(article, "bluesky")
    embeds = [p.embed for t in bluesky for p in t.posts if isinstance(p.embed, ImagesEmbed)]
    assert embeds[0].images[0].src == "img/wall.png"  # uploaded from disk beside post.md
    reddit = "\n".join(p.text for t in compile_article(article, "reddit") for p in t.posts)
    assert "[Image: The new wall](https://news.example/2024/harbour/img/wall.png)" in reddit


def test_images_of_a_fetched_document_resolve_against_its_url() -> None:
    blocks = _blocks("Text.\n\n![Wall](img/wall.png)\n", base_url="https://a.example/p/")
    assert Image("https://a.example/p/img/wall.png", "Wall") in blocks


def test_a_removed_inline_image_leaves_no_dangling_punctuation() -> None:
    blocks = _blocks(
        "Open the menu and you'll see ![the menu](menu.png).\n\n"
        "Two pictures: ![a](a.png), ![b](b.png); then text (![c](c.png)).\n"
    )
    paragraphs = [b.text for b in blocks if isinstance(b, Paragraph)]
    assert paragraphs == ["Open the menu and you'll see.", "Two pictures: then text."]
    assert [b.src for b in blocks if isinstance(b, Image)] == [
        "menu.png",
        "a.png",
        "b.png",
        "c.png",
    ]


def test_static_site_markers_are_not_text() -> None:
    blocks = _blocks(
        "A real paragraph about the harbour.\n{: .loud}\n\n"
        ".loud\n\n"
        "harbour-wall.jpg\n\n"
        '{{< figure src="/img/wall.png" alt="The wall" >}}\n\n'
        "{{< youtube abc123 >}}\n\n"
        "[TOC]\n\n"
        "Closing words. {: .note}\n"
    )
    assert blocks == [
        Paragraph("A real paragraph about the harbour."),
        Image("/img/wall.png", "The wall"),
        Paragraph("Closing words."),
    ]


def test_html_tables_in_markdown_keep_their_rows() -> None:
    blocks = _blocks(
        "Standings:\n\n<table>\n<tr><th>Pos</th><th>Driver</th></tr>\n"
        "<tr><td>1</td><td>Kyle <b>Busch</b></td></tr>\n<tr><td>2</td><td>Martin</td></tr>\n"
        "</table>\n"
    )
    assert blocks[-1] == ListBlock(("Pos | Driver", "1 | Kyle **Busch**", "2 | Martin"))
