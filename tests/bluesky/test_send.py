"""Posts, facets, replies and link cards, written to the reference PDS and read back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.errors import RejectedError
from bot.platforms.base import Outgoing
from bot.platforms.bluesky import created_at
from bot.threads import Facet, PostDraft
from tests.bluesky.conftest import get_record, list_records, new_account
from tests.bluesky.test_record import REFUSED, refused_instant

NOW = datetime(2026, 11, 28, 12, 0, 0, 123456, tzinfo=UTC)


def byte_span(text: str, part: str) -> tuple[int, int]:
    start = text.encode().index(part.encode())
    return start, start + len(part.encode())


def facet_for(text: str, part: str, kind: Any, value: str) -> Facet:
    return Facet(*byte_span(text, part), kind, value)


def outgoing(platform: Any, draft: PostDraft, key: str, **kwargs: Any) -> Outgoing:
    prepared = platform.prepare(draft, key, NOW)
    return Outgoing(post_id=1, key=key, account="a", draft=draft, prepared=prepared, **kwargs)


def test_post_with_facets_mention_and_reply(pds, account, make_platform):
    friend = new_account(pds)
    platform = make_platform(account.config(pds.url))
    text = f"Größe zählt — see https://example.com/a/b #news @{friend.handle} @ghost.test"
    facets = (
        facet_for(text, "https://example.com/a/b", "link", "https://example.com/a/b"),
        facet_for(text, "#news", "tag", "news"),
        facet_for(text, f"@{friend.handle}", "mention", friend.handle),
        facet_for(text, "@ghost.test", "mention", "ghost.test"),
    )
    first = PostDraft(text=text, facets=facets, langs=("de", "en"))
    ref = platform.send(outgoing(platform, first, "k1"))
    reply = PostDraft(text="second", langs=("de",))
    ref2 = platform.send(outgoing(platform, reply, "k2", root=ref, parent=ref))

    value = get_record(pds, ref.uri)["value"]
    assert value["text"] == text
    assert value["langs"] == ["de", "en"]
    encoded = text.encode()
    spans = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in value["facets"]
    }
    assert spans == {
        "https://example.com/a/b": {
            "$type": "app.bsky.richtext.facet#link",
            "uri": "https://example.com/a/b",
        },
        "#news": {"$type": "app.bsky.richtext.facet#tag", "tag": "news"},
        f"@{friend.handle}": {"$type": "app.bsky.richtext.facet#mention", "did": friend.did},
    }
    second = get_record(pds, ref2.uri)
    assert second["value"]["reply"] == {
        "root": {"uri": ref.uri, "cid": ref.cid},
        "parent": {"uri": ref.uri, "cid": ref.cid},
    }
    assert ref.url == f"https://bsky.app/profile/{account.handle}/post/{ref.uri.rsplit('/', 1)[1]}"
    assert len(list_records(pds, account.did)) == 2


def test_a_post_claimed_when_its_rkey_would_hold_a_slur_is_published(pds, account, make_platform):
    """The PDS refuses a record key holding a slur (a TID's leading characters are the time,
    and on 2 December 2026 they spelled the start of one): a post prepared at an instant
    whose key would have completed it gets the key just past it, and is published."""
    platform = make_platform(account.config(pds.url))
    draft = PostDraft(text="posted at an unlucky instant")
    refused = {"rkey": REFUSED, "createdAt": created_at(NOW)}
    with pytest.raises(RejectedError, match="Unacceptable slur in record key"):
        platform.send(Outgoing(post_id=1, key="k0", account="a", draft=draft, prepared=refused))
    key = "slur-window"
    prepared = platform.prepare(draft, key, refused_instant(key))
    assert prepared["rkey"][:8] == REFUSED[:8]
    ref = platform.send(Outgoing(post_id=2, key=key, account="a", draft=draft, prepared=prepared))
    assert ref.uri.endswith("/" + prepared["rkey"])
    assert get_record(pds, ref.uri)["value"]["text"] == draft.text


def test_writes_leave_the_session_check_to_the_adapter(pds, account, make_platform, monkeypatch):
    """The SDK decodes the access token before every call to see whether to refresh it;
    the adapter refreshes ahead of it (``_refresh_if_due``), so its writes skip that."""
    import atproto_client.client.session as session_module

    platform = make_platform(account.config(pds.url))
    platform.send(outgoing(platform, PostDraft(text="logs in first"), "w0"))
    decoded: list[str] = []
    original = session_module.get_jwt_payload

    def counting(token: str) -> Any:
        decoded.append(token)
        return original(token)

    monkeypatch.setattr(session_module, "get_jwt_payload", counting)
    refs = [
        platform.send(outgoing(platform, PostDraft(text=f"post {i}"), f"w{i + 1}"))
        for i in range(3)
    ]
    assert decoded == []
    assert [get_record(pds, ref.uri)["value"]["text"] for ref in refs] == [
        "post 0",
        "post 1",
        "post 2",
    ]
