"""bot.threads.draft_to_dict / draft_from_dict: a JSON round-trip of every draft shape."""

from __future__ import annotations

import json

import pytest

from bot.threads import Facet, LinkCard, PostDraft, draft_from_dict, draft_to_dict
from tests.store.helpers import IMAGES

DRAFTS = [
    PostDraft("plain"),
    PostDraft(
        "héllo #tag @ann.test https://x.org",
        facets=(
            Facet(7, 11, "tag", "tag"),
            Facet(12, 21, "mention", "ann.test"),
            Facet(22, 37, "link", "https://x.org"),
        ),
        embed=LinkCard("https://x.org/#s", "Title", "Desc", thumb="img/t.png"),
        langs=("en", "de"),
    ),
    PostDraft("two images", embed=IMAGES),
    PostDraft("self text", kind="submission", title="A title"),
    PostDraft("", kind="submission", title="Link", link_url="https://x.org/a"),
    PostDraft("a comment", kind="comment"),
]


@pytest.mark.parametrize("draft", DRAFTS)
def test_round_trip_through_json(draft: PostDraft) -> None:
    data = json.loads(json.dumps(draft_to_dict(draft)))
    assert draft_from_dict(data) == draft


def test_dict_shape_is_plain_json() -> None:
    data = draft_to_dict(DRAFTS[1])
    assert data["embed"]["type"] == "external" and data["facets"][0] == [7, 11, "tag", "tag"]
    assert draft_to_dict(DRAFTS[2])["embed"]["images"][0] == {"src": "img/a.png", "alt": "alt a"}
