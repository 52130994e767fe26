"""Published threads read back as readers see them: through the AppView's getPostThread, after
the network has indexed them (thread order, facets, link cards, langs)."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.compile import compile_article
from bot.readers import read_source, read_text
from bot.threads import ImageRef, ImagesEmbed, LinkCard, PostDraft
from tests.appview.conftest import thread_chain
from tests.bluesky.conftest import new_account, png_bytes
from tests.bluesky.test_seed import SEED, publish_thread


def _facets(post: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    out = []
    for facet in post["record"].get("facets", []):
        feature = facet["features"][0]
        kind = feature["$type"].rsplit("#", 1)[1]
        value = feature[{"link": "uri", "tag": "tag", "mention": "did"}[kind]]
        out.append((facet["index"]["byteStart"], facet["index"]["byteEnd"], kind, value))
    return out


def test_every_section_reads_back_in_order_with_cards_and_langs(
    network, author, make_platform, web
):
    thumb = png_bytes((300, 157), (20, 90, 160))
    web.routes["/thumb.png"] = ("image/png", thumb)
    page = (
        '<html><head><meta property="og:title" content="China and Russia">'
        '<meta property="og:image" content="/thumb.png"></head><body/></html>'
    )
    web.routes["/china-russia"] = ("text/html; charset=utf-8", page.encode())
    article = dataclasses.replace(read_source(str(SEED)), url=f"{web.url}/china-russia")
    threads = compile_article(article, "bluesky")
    platform = make_platform(author.config(network.url))
    published = [publish_thread(platform, t.posts, i) for i, t in enumerate(threads)]
    network.process_all()

    for thread, refs in zip(threads, published, strict=True):
        shown = thread_chain(network, refs[0].uri)
        assert [p["uri"] for p in shown] == [r.uri for r in refs]
        assert [p["record"]["text"] for p in shown] == [d.text for d in thread.posts]
        for post, draft in zip(shown, thread.posts, strict=True):
            assert post["author"]["did"] == author.did
            assert post["record"].get("langs", []) == list(draft.langs)
            assert _facets(post) == [
                (f.byte_start, f.byte_end, f.kind, f.value) for f in draft.facets
            ]
        card, view = thread.posts[0].embed, shown[0]["embed"]
        assert isinstance(card, LinkCard)
        assert view["$type"] == "app.bsky.embed.external#view"
        assert view["external"]["uri"] == card.uri
        assert view["external"]["title"] == card.title
        thumb_cid = shown[0]["record"]["embed"]["external"]["thumb"]["ref"]["$link"]
        assert thumb_cid in view["external"]["thumb"]  # hydrated to an image URL of that blob
        assert author.did in view["external"]["thumb"]


def test_links_tags_and_mentions_resolve_in_the_appview(network, author, make_platform, web):
    friend = new_account(network)
    web.routes["/post"] = ("text/html", b"<html><head></head></html>")
    source = (
        f"---\ntitle: Facets\nurl: {web.url}/post\nlang: de\n---\n\n# Links und Tags\n\n"
        f"Lies [den Bericht](https://example.com/reports/2026/a-very-long-path/index.html) "
        f"und https://example.org/x, frag @{friend.handle} oder #OpenSource Leute. "
        + "Noch mehr Wörter folgen, damit ein zweiter Beitrag nötig wird. "
        * 8
    )
    threads = compile_article(read_text(source, source="facets.md", fmt="markdown"), "bluesky")
    platform = make_platform(author.config(network.url))
    refs = [publish_thread(platform, t.posts, i) for i, t in enumerate(threads)]
    network.process_all()

    seen: dict[str, str] = {}
    for thread, thread_refs in zip(threads, refs, strict=True):
        shown = thread_chain(network, thread_refs[0].uri)
        assert len(shown) == len(thread.posts) > 1
        for post in shown:
            assert post["record"]["langs"] == ["de"]
            text = post["record"]["text"].encode()
            for start, end, kind, value in _facets(post):
                seen[text[start:end].decode()] = f"{kind}:{value}"
    assert (
        seen["den Bericht"] == "link:https://example.com/reports/2026/a-very-long-path/index.html"
    )
    assert seen["#OpenSource"] == "tag:OpenSource"
    assert seen[f"@{friend.handle}"] == f"mention:{friend.did}"
    profile = network.read("app.bsky.actor.getProfile", {"actor": friend.did})
    assert profile["handle"] == friend.handle  # the mentioned DID is that reader's account


def test_images_read_back_with_their_alt_texts_and_sizes(network, author, make_platform, tmp_path):
    from tests.bluesky.test_embeds import send

    (tmp_path / "wide.png").write_bytes(png_bytes((300, 150), (10, 120, 30)))
    (tmp_path / "tall.png").write_bytes(png_bytes((100, 200), (200, 20, 20)))
    images = (ImageRef("wide.png", "a green field"), ImageRef("tall.png", "a red tower"))
    platform = make_platform(author.config(network.url), base_dir=tmp_path)
    ref = send(platform, PostDraft("Two pictures.", embed=ImagesEmbed(images)), "img-1")
    network.process_all()

    (post,) = thread_chain(network, ref.uri)
    view = post["embed"]
    assert view["$type"] == "app.bsky.embed.images#view"
    assert [(i["alt"], i["aspectRatio"]) for i in view["images"]] == [
        ("a green field", {"width": 300, "height": 150}),
        ("a red tower", {"width": 100, "height": 200}),
    ]
    blobs = [i["image"]["ref"]["$link"] for i in post["record"]["embed"]["images"]]
    for image, cid in zip(view["images"], blobs, strict=True):
        assert cid in image["thumb"] and cid in image["fullsize"]  # hydrated image URLs


def test_a_mention_of_a_user_on_another_pds_resolves_through_the_appview(
    network, author, make_platform, web
):
    """The mentioned account lives on another PDS: its handle is resolved through the author's
    PDS, which asks the AppView (as in production: the handle is not the PDS's own), and readers
    see the mention point to that account with its verified handle."""
    did, handle, _ = network.create_elsewhere_account(f"far{author.handle.split('.')[0]}")
    network.process_all()  # the AppView resolves handles it has indexed (getDids), as in production
    web.routes["/post"] = ("text/html", b"<html><head></head></html>")
    source = (
        f"---\ntitle: Far\nurl: {web.url}/post\nlang: en\n---\n\n# Across servers\n\n"
        f"Ask @{handle} about it."
    )
    threads = compile_article(read_text(source, source="far.md", fmt="markdown"), "bluesky")
    platform = make_platform(author.config(network.url))
    (refs,) = [publish_thread(platform, t.posts, i) for i, t in enumerate(threads)]
    network.process_all()

    (post,) = thread_chain(network, refs[0].uri)
    text = post["record"]["text"].encode()
    mentions = [(text[s:e].decode(), v) for s, e, k, v in _facets(post) if k == "mention"]
    assert mentions == [(f"@{handle}", did)]
    assert network.read("app.bsky.actor.getProfile", {"actor": did})["handle"] == handle
    assert network.url not in network.elsewhere_url  # two servers, one AppView
