"""Share links: UTM, intents, submit links, post URLs, slugs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bot.links import article_slug, bluesky_post_url, share_links, utm_url
from tests.compile.conftest import article, grapheme_count, paragraphs


def test_utm_url_keeps_query_and_fragment_and_replaces_utm() -> None:
    url = utm_url(
        "https://ex.com/p?q=a b&utm_source=old#sec", source="bluesky", campaign="c", content="sec"
    )
    assert url == (
        "https://ex.com/p?q=a%20b&utm_source=bluesky&utm_medium=social&utm_campaign=c"
        "&utm_content=sec#sec"
    )
    assert "utm_content" not in utm_url("https://ex.com/", source="r", campaign="c", content=None)


def test_utm_values_are_encoded() -> None:
    url = utm_url("https://ex.com/", source="reddit", campaign="a&b", content="é/#")
    assert parse_qs(urlsplit(url).query)["utm_campaign"] == ["a&b"]
    assert parse_qs(urlsplit(url).query)["utm_content"] == ["é/#"]
    assert "%C3%A9%2F%23" in url


def test_share_links_per_article_and_section() -> None:
    art = article(
        (None, paragraphs("x")),
        ("Part One", paragraphs("y")),
        title="Hello World",
        url="https://ex.com/post",
    )
    links = share_links(art)
    assert links["campaign"] == "hello-world"
    top = links["article"]
    assert top["copy"] == top["url"] == "https://ex.com/post"
    assert "utm_source=bluesky" in top["bluesky"] and "utm_source=reddit" in top["reddit"]
    section = links["sections"][1]
    assert section["copy"] == "https://ex.com/post#part-one"
    assert section["bluesky"].endswith("utm_content=part-one#part-one")
    intent = parse_qs(urlsplit(section["bluesky_intent"]).query)["text"][0]
    assert intent == f"Part One — Hello World\n\n{section['bluesky']}"
    submit = parse_qs(urlsplit(section["reddit_submit"]).query)
    assert submit == {"url": [section["reddit"]], "title": ["Part One — Hello World"]}
    plain = share_links(art, utm=False)["sections"][1]
    assert plain["bluesky"] == plain["reddit"] == plain["copy"]


def test_intent_text_fits_300_graphemes() -> None:
    art = article(
        (None, paragraphs("x")), title="👩‍👩‍👧‍👦 long " * 100, url="https://ex.com/" + "p" * 50
    )
    intent = share_links(art)["article"]["bluesky_intent"]
    text = parse_qs(urlsplit(intent).query)["text"][0]
    assert grapheme_count(text) <= 300
    assert text.endswith(share_links(art)["article"]["bluesky"])


def test_links_without_article_url() -> None:
    links = share_links(article((None, paragraphs("x")), title="T"))
    assert links["article"]["url"] is None and links["article"]["bluesky"] is None
    assert parse_qs(urlsplit(links["article"]["bluesky_intent"]).query)["text"] == ["T"]


def test_bluesky_post_url() -> None:
    uri = "at://did:plc:abc123/app.bsky.feed.post/3kabc"
    assert bluesky_post_url("alice.test", uri) == "https://bsky.app/profile/alice.test/post/3kabc"
    with pytest.raises(ValueError):
        bluesky_post_url("alice.test", "https://nope")


def test_article_slug() -> None:
    assert article_slug(article(title="Ça va? Déjà 2024!")) == "ca-va-deja-2024"
    assert article_slug(article(title="中文", url="https://ex.com/blog/hello-cargo.html")) == (
        "hello-cargo"
    )
    assert article_slug(article(title="中文")) == "article"
