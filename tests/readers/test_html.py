"""HTML reader: metadata from <head>, body through trafilatura, links made absolute."""

from __future__ import annotations

from bot.article import Code, Image, ListBlock, Paragraph
from bot.readers import read_text

FILLER = " ".join(["This sentence fills the article body so extraction keeps it."] * 6)
PAGE = f"""<!doctype html>
<html lang="de">
<head>
<title>The Post · Example Blog</title>
<meta property="og:title" content="The Post">
<meta property="og:url" content="https://blog.example/og-url/">
<meta property="og:description" content="What it is about.">
<meta property="og:image" content="/cover.jpg">
<meta name="keywords" content="alpha, beta">
<link rel="canonical" href="https://blog.example/posts/the-post/">
</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav>
<article>
<h1>The Post</h1>
<p>{FILLER} Read <a href="../other/">the other post</a> and <em>enjoy</em>.</p>
<h2>Details</h2>
<p>{FILLER}</p>
<ul><li>first point</li><li>second point</li></ul>
<pre><code>line one
  line two</code></pre>
<p>{FILLER} <img src="pic.png" alt="A picture"></p>
</article>
<footer>Copyright and links</footer>
</body>
</html>
"""


def test_metadata_from_the_head() -> None:
    article = read_text(PAGE, source="page.html", fmt="html")
    assert article.title == "The Post"
    assert article.url == "https://blog.example/posts/the-post/"
    assert (article.lang, article.summary) == ("de", "What it is about.")
    assert article.image == "https://blog.example/cover.jpg"
    assert article.tags == ("alpha", "beta")


def test_body_sections_links_code_and_images() -> None:
    article = read_text(PAGE, source="page.html", fmt="html")
    assert [s.heading for s in article.sections] == [None, "Details"]
    intro, details = article.sections
    assert intro.blocks == (
        Paragraph(
            f"{FILLER} Read [the other post](https://blog.example/posts/other/) and *enjoy*."
        ),
    )
    assert details.blocks[1] == ListBlock(("first point", "second point"))
    assert details.blocks[2] == Code("line one\n  line two")
    assert Image("https://blog.example/posts/the-post/pic.png", "A picture") in details.blocks
    text = " ".join(getattr(b, "text", "") for s in article.sections for b in s.blocks)
    assert "Copyright" not in text and "Home" not in text


def test_title_without_og_drops_the_site_name() -> None:
    page = PAGE.replace('<meta property="og:title" content="The Post">', "")
    assert read_text(page, source="page.html", fmt="html").title == "The Post"


def test_base_url_resolves_links_when_the_page_has_no_canonical() -> None:
    page = PAGE.replace('<link rel="canonical" href="https://blog.example/posts/the-post/">', "")
    page = page.replace('<meta property="og:url" content="https://blog.example/og-url/">', "")
    article = read_text(page, source="p", fmt="html", base_url="https://other.example/a/b")
    assert article.url == "https://other.example/a/b"
    assert "[the other post](https://other.example/other/)" in article.sections[0].blocks[0].text  # type: ignore[union-attr]
