"""The seed article compiled for Bluesky, every thread published post by post to the PDS and
read back record by record."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bot.compile import compile_article
from bot.platforms.base import Outgoing, Ref
from bot.readers import read_source
from bot.threads import Facet, LinkCard, PostDraft
from tests.bluesky.conftest import get_record, list_records, png_bytes
from tests.bluesky.test_send import NOW

SEED = Path(__file__).resolve().parents[2] / "posts" / "china-russia-partnership.txt"


def covered(text: str, facet: Facet) -> str:
    return text.encode()[facet.byte_start : facet.byte_end].decode()


def assert_facet_covers_its_text(text: str, facet: Facet, anchors: frozenset[str] = frozenset()):
    shown = covered(text, facet)
    if facet.kind == "tag":
        assert shown == f"#{facet.value}"
    elif facet.kind == "mention":
        assert shown == f"@{facet.value}"
    elif shown not in anchors:  # a bare link shows its URL, maybe without scheme, maybe cut "…"
        assert shown and shown.removesuffix("…") in facet.value, (shown, facet.value)


def publish_thread(platform: Any, posts: tuple[PostDraft, ...], index: int) -> list[Ref]:
    refs: list[Ref] = []
    for n, draft in enumerate(posts):
        key = f"seed-{index}-{n}"
        root = refs[0] if refs else None
        parent = refs[-1] if refs else None
        prepared = platform.prepare(draft, key, NOW)
        out = Outgoing(n, key, "a", draft, prepared=prepared, root=root, parent=parent)
        refs.append(platform.send(out))
    return refs


def test_seed_article_every_thread(pds, account, make_platform, web):
    thumb = png_bytes((300, 157), (20, 90, 160))
    web.routes["/thumb.png"] = ("image/png", thumb)
    page = '<html><head><meta property="og:image" content="/thumb.png"></head><body/></html>'
    web.routes["/china-russia"] = ("text/html; charset=utf-8", page.encode())
    article = dataclasses.replace(read_source(str(SEED)), url=f"{web.url}/china-russia")
    threads = compile_article(article, "bluesky")
    assert len(threads) >= 3
    platform = make_platform(account.config(pds.url))

    published = [publish_thread(platform, t.posts, i) for i, t in enumerate(threads)]

    for thread, refs in zip(threads, published, strict=True):
        for n, (draft, ref) in enumerate(zip(thread.posts, refs, strict=True)):
            record = get_record(pds, ref.uri)
            assert record["cid"] == ref.cid
            value = record["value"]
            assert value["text"] == draft.text
            assert value["createdAt"] == "2026-11-28T12:00:00.123Z"
            assert value.get("langs", []) == list(draft.langs)
            stored = [
                Facet(f["index"]["byteStart"], f["index"]["byteEnd"], *_feature(f))
                for f in value.get("facets", [])
            ]
            assert stored == list(draft.facets)
            for facet in draft.facets:
                assert_facet_covers_its_text(draft.text, facet)
            if n == 0:
                assert "reply" not in value
            else:
                assert value["reply"] == {
                    "root": {"uri": refs[0].uri, "cid": refs[0].cid},
                    "parent": {"uri": refs[n - 1].uri, "cid": refs[n - 1].cid},
                }
        first = get_record(pds, refs[0].uri)["value"]
        card = thread.posts[0].embed
        assert isinstance(card, LinkCard)
        assert first["embed"]["external"]["uri"] == card.uri
        assert card.uri.startswith(f"{web.url}/china-russia")
        assert first["embed"]["external"]["thumb"]["mimeType"] == "image/png"
        assert first["embed"]["external"]["thumb"]["size"] == len(thumb)

    total = sum(len(t.posts) for t in threads)
    records = list_records(pds, account.did)
    assert len(records) == total
    assert sorted(r["value"]["text"] for r in records) == sorted(
        p.text for t in threads for p in t.posts
    )


def _feature(facet: dict[str, Any]) -> tuple[str, str]:
    feature = facet["features"][0]
    kind = feature["$type"].rsplit("#", 1)[1]
    key = {"link": "uri", "tag": "tag", "mention": "did"}[kind]
    return kind, feature[key]


def test_compiled_markdown_with_links_tags_and_a_mention(pds, account, make_platform, web):
    from bot.readers import read_text
    from tests.bluesky.conftest import new_account

    friend = new_account(pds)
    web.routes["/post"] = ("text/html", b"<html><head></head></html>")
    source = (
        f"---\ntitle: Facets\nurl: {web.url}/post\nlang: en\n---\n\n# Links and tags\n\n"
        f"Read [the report](https://example.com/reports/2026/a-very-long-path/index.html) "
        f"and https://example.org/x, ask @{friend.handle} or #OpenSource folks. "
        + "More words follow here to make a second post necessary. "
        * 8
    )
    article = read_text(source, source="facets.md", fmt="markdown")
    threads = compile_article(article, "bluesky")
    drafts = [p for t in threads for p in t.posts]
    kinds = {f.kind for d in drafts for f in d.facets}
    assert kinds == {"link", "tag", "mention"}
    platform = make_platform(account.config(pds.url))
    refs = [r for i, t in enumerate(threads) for r in publish_thread(platform, t.posts, i)]
    seen = set()
    for draft, ref in zip(drafts, refs, strict=True):
        value = get_record(pds, ref.uri)["value"]
        assert value["text"] == draft.text
        assert value.get("langs", []) == list(draft.langs)
        for stored, facet in zip(value.get("facets", []), draft.facets, strict=True):
            assert (stored["index"]["byteStart"], stored["index"]["byteEnd"]) == (
                facet.byte_start,
                facet.byte_end,
            )
            assert_facet_covers_its_text(draft.text, facet, frozenset({"the report"}))
            kind, target = _feature(stored)
            assert target == (friend.did if kind == "mention" else facet.value)
            seen.add((covered(draft.text, facet), kind, target))
    assert {
        ("the report", "link", "https://example.com/reports/2026/a-very-long-path/index.html"),
        ("#OpenSource", "tag", "OpenSource"),
        (f"@{friend.handle}", "mention", friend.did),
    } < seen
    assert any(k == "link" and t == "https://example.org/x" for _, k, t in seen)
