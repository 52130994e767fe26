"""The read-back every Bluesky test goes through (tests/readback.py) is itself tested: a good
thread passes, and broken ones (a reply under the root instead of the post before it, a mention
of an account nobody knows, a tag on other text, a record the AppView shows otherwise) fail."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.appview.test_stats import Reader
from tests.readback import Memory, check, check_post, new_records

BROKEN = "writes broken threads on purpose, to show the read-back finds them"


def _ref(answer: dict[str, str]) -> dict[str, str]:
    return {"uri": answer["uri"], "cid": answer["cid"]}


def _post(reader: Reader, text: str, root: Any = None, parent: Any = None, **extra: Any) -> Any:
    record: dict[str, Any] = {"text": text, "langs": ["en"], **extra}
    if root is not None:
        record["reply"] = {"root": _ref(root), "parent": _ref(parent or root)}
    return reader.write("app.bsky.feed.post", record)


def _facet(text: str, part: str, feature: dict[str, Any]) -> dict[str, Any]:
    start = text.encode().index(part.encode())
    index = {"byteStart": start, "byteEnd": start + len(part.encode())}
    return {"index": index, "features": [feature]}


@pytest.fixture
def memory(network: Any) -> Memory:
    """A memory that has seen every post written so far: only this test's are new."""
    seen = Memory()
    new_records(network, seen)
    return seen


@pytest.mark.unreadable(BROKEN)
def test_a_good_thread_passes_and_a_reply_under_the_root_fails(network, memory) -> None:
    author, friend = Reader(network), Reader(network)
    text = f"Ask @{friend.account.handle} about #OpenSource at https://example.com/x today."
    facets = [
        _facet(text, f"@{friend.account.handle}",
               {"$type": "app.bsky.richtext.facet#mention", "did": friend.account.did}),
        _facet(text, "#OpenSource", {"$type": "app.bsky.richtext.facet#tag", "tag": "OpenSource"}),
        _facet(text, "https://example.com/x",
               {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/x"}),
    ]  # fmt: skip
    root = _post(author, text, facets=facets)
    second = _post(author, "Second.", root)
    _post(author, "Third.", root, second)
    records, current = new_records(network, memory)
    assert len(records) == 3
    assert check(network, records, current) == []

    _post(author, "Fourth, wrongly under the root.", root)
    records, current = new_records(network, memory)
    (problem,) = check(network, records, current)
    assert f"{root['uri']} has 2 replies by its author" in problem
    assert "Fourth, wrongly under the root." in problem


@pytest.mark.unreadable(BROKEN)
def test_unknown_mentions_and_misplaced_tags_fail(network, memory) -> None:
    author = Reader(network)
    text = "Ask @ghost.test about #Tags today."
    nobody = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
    facets = [
        _facet(text, "@ghost.test", {"$type": "app.bsky.richtext.facet#mention", "did": nobody}),
        _facet(text, "today", {"$type": "app.bsky.richtext.facet#tag", "tag": "Tags"}),
    ]
    _post(author, text, facets=facets)
    records, current = new_records(network, memory)
    problems = check(network, records, current)
    assert len(problems) == 2, problems
    assert f"mentions {nobody}, an account the AppView does not know" in problems[0]
    assert "tag 'Tags' on other text" in problems[1]


@pytest.mark.unreadable(BROKEN)
def test_a_record_shown_otherwise_than_written_fails(network, memory) -> None:
    """What the AppView shows is compared with what was written: other langs, a missing card
    thumb or alt text are each reported."""
    author = Reader(network)
    page = {"uri": "https://example.com/", "title": "A page", "description": ""}
    card = {"$type": "app.bsky.embed.external", "external": page}
    _post(author, "A card.", embed=card)
    (record,), _ = new_records(network, memory)
    network.process_all()
    (view,) = network.read("app.bsky.feed.getPosts", {"uris": [record.uri]})["posts"]
    handles = {author.account.did: author.account.handle}
    assert check_post(view, record, handles) == []

    german = dataclasses.replace(record, value={**record.value, "langs": ["de"]})
    (problem,) = check_post(view, german, handles)
    assert "'langs': ['en']" in problem and "'langs': ['de']" in problem
    thumb = {"$type": "blob", "ref": {"$link": "bafkreiexample"}, "mimeType": "image/png",
             "size": 1}  # fmt: skip
    card_with_thumb = {**card, "external": {**card["external"], "thumb": thumb}}
    with_thumb = dataclasses.replace(record, value={**record.value, "embed": card_with_thumb})
    problems = check_post(view, with_thumb, handles)
    assert any("card thumb None is not the blob bafkreiexample" in p for p in problems), problems
