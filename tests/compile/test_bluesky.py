"""Bluesky compilation: facets, cards, images, counters, modes, warnings."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from bot.article import Code, Image, ListBlock, Paragraph, Quote
from bot.compile import compile_article, render_text
from bot.threads import ImagesEmbed, Limits, LinkCard
from tests.compile.conftest import article, grapheme_count, paragraphs


def facets_of(text: str, post: object) -> list[tuple[str, str, str]]:
    raw = text.encode("utf-8")
    return [
        (raw[f.byte_start : f.byte_end].decode("utf-8"), f.kind, f.value)
        for f in post.facets  # type: ignore[attr-defined]
    ]


def test_markdown_link_tag_mention_facets_with_utf8_offsets() -> None:
    text = "Café ☕ [the docs](https://example.com/d) for #rust and @alice.bsky.social, `#no` tag."
    (thread,) = compile_article(article((None, paragraphs(text))), "bluesky")
    post = thread.posts[0]
    assert "[" not in post.text and "`" not in post.text
    assert facets_of(post.text, post) == [
        ("the docs", "link", "https://example.com/d"),
        ("#rust", "tag", "rust"),
        ("@alice.bsky.social", "mention", "alice.bsky.social"),
    ]
    lexicon = post.facets[2].to_lexicon()
    assert lexicon["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "alice.bsky.social"}
    ]


def test_long_bare_url_is_shortened_and_facet_keeps_it() -> None:
    url = "https://example.com/a/very/long/path/that/goes/on/and/on?with=query&and=more"
    (thread,) = compile_article(article((None, paragraphs(f"See {url}."))), "bluesky")
    post = thread.posts[0]
    ((shown, kind, value),) = facets_of(post.text, post)
    assert kind == "link" and value == url
    assert shown.startswith("example.com/a/very") and shown.endswith("…")
    assert grapheme_count(shown) <= 32
    assert post.text.endswith(shown + ".")


def test_short_url_shown_whole_and_trailing_punctuation_excluded() -> None:
    (thread,) = compile_article(article((None, paragraphs("Go to https://x.org/a)."))), "bluesky")
    post = thread.posts[0]
    assert facets_of(post.text, post) == [("https://x.org/a", "link", "https://x.org/a")]


def test_tags_need_a_letter_and_stop_at_punctuation() -> None:
    (thread,) = compile_article(article((None, paragraphs("#1 is not, #python. is"))), "bluesky")
    post = thread.posts[0]
    assert facets_of(post.text, post) == [("#python", "tag", "python")]


def test_first_post_has_heading_path_and_card_with_utm() -> None:
    art = article(
        ("Part", paragraphs("Body text.")), title="My Article", url="https://ex.com/post?id=3"
    )
    section = replace(art.sections[0], level=3, path=("Parent",), anchor="part")
    art = replace(art, sections=(section,))
    (thread,) = compile_article(art, "bluesky")
    first = thread.posts[0]
    assert first.text == "Parent › Part\n\nBody text."
    assert isinstance(first.embed, LinkCard)
    parts = urlsplit(first.embed.uri)
    assert parts.fragment == "part"
    assert parse_qs(parts.query) == {
        "id": ["3"],
        "utm_source": ["bluesky"],
        "utm_medium": ["social"],
        "utm_campaign": ["my-article"],
        "utm_content": ["part"],
    }
    assert first.langs == ("en",)
    (plain,) = compile_article(art, "bluesky", utm=False)
    assert isinstance(plain.posts[0].embed, LinkCard)
    assert plain.posts[0].embed.uri == "https://ex.com/post?id=3#part"


def test_no_card_without_url_and_intro_headed_by_title() -> None:
    (thread,) = compile_article(article((None, paragraphs("Hello.")), title="T"), "bluesky")
    assert thread.posts[0].text == "T\n\nHello."
    assert thread.posts[0].embed is None


def test_images_skip_the_card_post_and_spill_four_per_post() -> None:
    images = tuple(Image(f"https://ex.com/{i}.png", f"alt {i}" if i else "") for i in range(6))
    art = article(("S", (Paragraph("Look:"), *images)), url="https://ex.com/a")
    (thread,) = compile_article(art, "bluesky")
    embeds = [p.embed for p in thread.posts]
    assert isinstance(embeds[0], LinkCard)
    assert isinstance(embeds[1], ImagesEmbed) and isinstance(embeds[2], ImagesEmbed)
    assert [i.src for i in embeds[1].images + embeds[2].images] == [i.src for i in images]
    assert len(embeds[1].images) == 4
    assert thread.posts[1].text == thread.posts[2].text == ""
    assert "image without alt text: https://ex.com/0.png" in thread.warnings


def test_images_may_share_the_first_post_without_card() -> None:
    art = article(("S", (Paragraph("Look:"), Image("a.png", "A"))))
    (thread,) = compile_article(art, "bluesky")
    assert len(thread.posts) == 1
    assert thread.posts[0].embed == ImagesEmbed((thread.posts[0].embed.images[0],))  # type: ignore[union-attr]


def test_counters_count_inside_the_budget_and_widen() -> None:
    words = " ".join(f"word{i}" for i in range(400))
    (thread,) = compile_article(article((None, paragraphs(words))), "bluesky", counters=True)
    total = len(thread.posts)
    assert total >= 10
    for n, post in enumerate(thread.posts, 1):
        assert post.text.endswith(f"\n\n{n}/{total}")
        assert grapheme_count(post.text) <= 300


def test_lists_quotes_and_code_render() -> None:
    blocks = (
        ListBlock(("one", "two"), ordered=True, start=1),
        ListBlock(("a", "b")),
        Quote("Said *this*."),
        Code("x = 1\n  y = [2]\n"),
    )
    text = render_text(article(("H", blocks)), "bluesky", 0)
    assert text == "H\n\n1. one\n2. two\n\n• a\n• b\n\n“Said this.”\n\nx = 1\n  y = [2]"


def test_cut_prefers_paragraphs_then_sentences() -> None:
    para = "This is a sentence that goes on for a while. " * 4
    (thread,) = compile_article(article((None, paragraphs(para.strip(), para.strip()))), "bluesky")
    assert all(p.text.endswith(".") for p in thread.posts)


def test_article_mode_is_one_thread_with_a_post_per_section_start() -> None:
    art = article(("One", paragraphs("First.")), ("Two", paragraphs("Second.")))
    (thread,) = compile_article(art, "bluesky", thread_mode="article")
    assert [p.text for p in thread.posts] == ["One\n\nFirst.", "Two\n\nSecond."]
    assert len(compile_article(art, "bluesky")) == 2


def test_warnings_for_long_threads_and_long_words() -> None:
    long_section = paragraphs(*["Sentence number one is here. " * 12] * 30)
    (thread,) = compile_article(article(("Long", long_section)), "bluesky", max_posts=None)
    assert len(thread.posts) > 25
    assert any("more than 25" in w for w in thread.warnings)
    (word,) = compile_article(article((None, paragraphs("x" * 5000))), "bluesky")
    assert "a single word longer than a whole post was cut between characters" in word.warnings
    assert "".join(p.text for p in word.posts).endswith("x" * 5000)


def test_limits_are_data() -> None:
    tiny = Limits(platform="bluesky", max_graphemes=20, max_bytes=40, max_langs=1)
    art = article((None, paragraphs("one two three four five six seven eight nine ten")))
    (thread,) = compile_article(art, "bluesky", limits=tiny)
    assert all(grapheme_count(p.text) <= 20 for p in thread.posts)
    assert len(thread.posts) > 2


def test_relative_links_resolve_against_the_article_url_or_lose_their_facet() -> None:
    para = paragraphs("See [the guide](/doc/pgo) and [top](#intro).")
    (thread,) = compile_article(article((None, para), url="https://go.dev/blog/pgo"), "bluesky")
    post = thread.posts[0]
    assert [f[2] for f in facets_of(post.text, post)] == [
        "https://go.dev/doc/pgo",
        "https://go.dev/blog/pgo#intro",
    ]
    (bare,) = compile_article(article((None, para)), "bluesky")
    assert bare.posts[0].facets == ()
    assert bare.posts[0].text.endswith("See the guide and top.")


def test_code_after_a_lead_in_moves_whole_rather_than_split() -> None:
    code = "\n".join(f"line_{i} = {i}" for i in range(12))
    blocks = (Paragraph("Some words here. " * 12 + "Like this:"), Code(code))
    (thread,) = compile_article(article(("H", blocks)), "bluesky")
    assert [p.text for p in thread.posts][-1] == code
