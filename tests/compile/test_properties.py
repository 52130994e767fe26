"""Property tests: the Bluesky splitter over arbitrary Unicode text."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.article import ListBlock, Paragraph
from bot.compile import compile_article, render_text
from bot.threads import BLUESKY_LIMITS, Facet, Limits
from tests.compile.conftest import article, boundaries, grapheme_count, locate

SMALL = Limits(platform="bluesky", max_graphemes=40, max_bytes=100, max_images=4, max_langs=3)
HUGE = Limits(platform="bluesky", max_graphemes=10**7, max_bytes=10**8, max_images=4, max_langs=3)
CUT_WORD = "a single word longer than a whole post was cut between characters"

EMOJI = ["👩‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇸", "🇯🇵", "👍🏽", "❤️", "🧑🏿‍💻"]
NASTY = [
    " \u0301x",
    "\u0600 a",
    "a\u200d b",
    "\t\u0308",
    "\u2028",
    "\x1c",
    "\r\n",
    "\ufeff",
    "\u0301",
]
COMBINING = ["e\u0301", "a\u0308\u0323", "ก\u0e34", "क्ष", "\u1100\u1161\u11a8"]
SCRIPTS = st.sampled_from(
    [
        "中文字符测试",
        "日本語のテキスト",
        "Привет",
        "مرحبا بالعالم",
        "שלום",
        "한국어",
        "hello",
        "naïve",
    ]
)
word = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\\`*_[]()<>#@!"),
    min_size=1,
    max_size=12,
).filter(lambda w: w.strip() != "")
tag = st.from_regex(r"[a-z][a-z0-9]{0,9}", fullmatch=True).map(lambda t: "#" + t)
mention = st.from_regex(r"[a-z]{1,8}\.bsky\.social", fullmatch=True).map(lambda h: "@" + h)
url = st.from_regex(r"[a-z0-9/._-]{0,120}", fullmatch=True).map(
    lambda p: "https://example.com/" + p
)
long_word = st.text(st.sampled_from("abcdéf中😀"), min_size=50, max_size=400)
token = st.one_of(
    word,
    SCRIPTS,
    st.sampled_from(EMOJI),
    st.sampled_from(COMBINING),
    st.sampled_from(NASTY),
    tag,
    mention,
    url,
    long_word,
    st.text(max_size=8),
)
sep = st.sampled_from([" ", " ", " ", ". ", ", ", "\n", "  ", "。", "\u3000", " — "])


@st.composite
def paragraph(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(token, min_size=1, max_size=40))
    out = tokens[0]
    for t in tokens[1:]:
        out += draw(sep) + t
    return out


blocks = st.lists(
    st.one_of(
        paragraph().map(Paragraph),
        st.lists(paragraph(), min_size=1, max_size=4).map(lambda items: ListBlock(tuple(items))),
    ),
    min_size=1,
    max_size=4,
)


def lexicon(facet: Facet) -> dict[str, object]:
    return facet.to_lexicon()


def check(blocks_: list[object], limits: Limits) -> None:
    art = article(("Heading", tuple(blocks_)), url="https://example.com/a")  # type: ignore[arg-type]
    threads = compile_article(art, "bluesky", limits=limits, max_posts=None)
    assert threads == compile_article(art, "bluesky", limits=limits, max_posts=None)
    full = render_text(art, "bluesky", 0)
    (whole,) = compile_article(art, "bluesky", limits=HUGE)
    assert whole.posts[0].text == full
    protected = []
    raw = full.encode("utf-8")
    for facet in whole.posts[0].facets:
        start = len(raw[: facet.byte_start].decode("utf-8"))
        end = len(raw[: facet.byte_end].decode("utf-8"))
        protected.append((start, end))
    for thread in threads:
        texts = [p.text for p in thread.posts]
        for post in thread.posts:
            assert grapheme_count(post.text) <= (limits.max_graphemes or 0)
            assert len(post.text.encode("utf-8")) <= (limits.max_bytes or 0)
            check_facets(post.text, post.facets)
        assert "".join("".join(texts).split()) == "".join(full.split())
        spans = locate(full, texts)
        edges = boundaries(full)
        cut_word = CUT_WORD in thread.warnings
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end in edges and start in edges, "cut inside a grapheme cluster"
            if not cut_word:
                assert start > end or cjk_cut(full, end), "cut inside a word"
                for a, b in protected:
                    assert not (a < end < b or a < start < b), "cut inside a facet"


def cjk_cut(full: str, at: int) -> bool:
    """A cut without whitespace: after CJK punctuation or between two CJK characters."""
    return full[at - 1] in "。！？，、；：" or (is_cjk(full[at - 1]) and is_cjk(full[at]))


def is_cjk(ch: str) -> bool:
    return "\u3001" <= ch <= "\u9fff" or "\uff01" <= ch <= "\uff60"


def check_facets(text: str, facets: tuple[Facet, ...]) -> None:
    raw = text.encode("utf-8")
    for facet in facets:
        assert 0 <= facet.byte_start < facet.byte_end <= len(raw)
        marked = raw[facet.byte_start : facet.byte_end].decode("utf-8")
        if facet.kind == "tag":
            assert marked in ("#" + facet.value, "＃" + facet.value)
        elif facet.kind == "mention":
            assert marked == "@" + facet.value
        else:
            assert marked == facet.value or marked.endswith("…") or marked in facet.value


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(blocks)
def test_bluesky_limits(blocks_: list[object]) -> None:
    check(blocks_, BLUESKY_LIMITS)


@SETTINGS
@given(blocks)
def test_small_limits(blocks_: list[object]) -> None:
    check(blocks_, SMALL)


@settings(max_examples=60, deadline=None)
@given(blocks)
def test_counters_stay_in_budget(blocks_: list[object]) -> None:
    art = article(("Heading", tuple(blocks_)))  # type: ignore[arg-type]
    (thread,) = compile_article(art, "bluesky", limits=SMALL, counters=True, max_posts=None)
    total = len(thread.posts)
    for n, post in enumerate(thread.posts, 1):
        assert post.text.endswith(f"{n}/{total}")
        assert grapheme_count(post.text) <= 40
        assert len(post.text.encode("utf-8")) <= 100


REDDIT_SMALL = Limits(
    platform="reddit", max_chars=64 + 120, max_title_chars=40, max_body_chars=64 + 300
)


@settings(max_examples=100, deadline=None)
@given(blocks, blocks, paragraph())
def test_reddit_pieces_fit_and_join_back(
    first: list[object], second: list[object], title: str
) -> None:
    art = article((None, tuple(first)), ("Next", tuple(second)), title=title)  # type: ignore[arg-type]
    threads = compile_article(art, "reddit", limits=REDDIT_SMALL)
    assert threads == compile_article(art, "reddit", limits=REDDIT_SMALL)
    head = threads[0].posts[0]
    assert head.kind == "submission" and head.title is not None and len(head.title) <= 40
    assert len(head.text) <= 300
    for index, thread in enumerate(threads):
        for post in thread.posts[1 if index == 0 else 0 :]:
            assert post.kind == "comment" and len(post.text) <= 120
        joined = "".join("".join(p.text for p in thread.posts).split())
        assert joined == "".join(render_text(art, "reddit", index).split())
