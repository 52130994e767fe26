"""Reader controls against the real PDS: threadgate and postgate records under their post's
rkey with the right rules, self-labels and langs in the records, and a crash between the
root's write and its gate's leaves exactly one root and one gate once reconciled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app.publishing import build_publisher, platform_factory
from bot.config import from_mapping
from bot.platforms.base import Outgoing
from bot.platforms.bluesky import COLLECTION
from bot.platforms.bluesky_gates import POSTGATE, THREADGATE
from bot.publish import Publisher, PublishOptions
from bot.store import open_store
from bot.threads import PostDraft, ThreadDraft
from tests.bluesky.conftest import list_records, xrpc_get
from tests.bluesky.test_send import NOW
from tests.daemon.realstore import enqueue_threads


def records(pds: Any, did: str, collection: str) -> dict[str, dict[str, Any]]:
    answer = xrpc_get(pds, "com.atproto.repo.listRecords",
                      {"repo": did, "collection": collection, "limit": "100"})  # fmt: skip
    return {r["uri"].rsplit("/", 1)[1]: r["value"] for r in answer["records"]}


def claimed(platform: Any, draft: PostDraft, key: str, **refs: Any) -> Outgoing:
    return Outgoing(1, key, "a", draft, prepared=platform.prepare(draft, key, NOW), **refs)


def test_gates_labels_and_langs_are_written_under_the_posts_rkeys(pds, account, make_platform):
    platform = make_platform(account.config(pds.url))
    root_draft = PostDraft("A root nobody may answer", gate=(), quotes=False,
                           labels=("graphic-media",), langs=("en",))  # fmt: skip
    root = platform.send(claimed(platform, root_draft, "gate-root"))
    reply = platform.send(claimed(platform, PostDraft("a reply", quotes=False, langs=("de",)),
                                  "gate-reply", parent=root, root=root))  # fmt: skip
    root_rkey, reply_rkey = root.uri.rsplit("/", 1)[1], reply.uri.rsplit("/", 1)[1]
    gates = records(pds, account.did, THREADGATE)
    assert set(gates) == {root_rkey}  # only the root carries the reply rules
    assert gates[root_rkey]["post"] == root.uri and gates[root_rkey]["allow"] == []
    postgates = records(pds, account.did, POSTGATE)
    assert set(postgates) == {root_rkey, reply_rkey}
    assert postgates[reply_rkey]["embeddingRules"] == [{"$type": f"{POSTGATE}#disableRule"}]
    posts = records(pds, account.did, COLLECTION)
    assert posts[root_rkey]["labels"] == {"$type": "com.atproto.label.defs#selfLabels",
                                          "values": [{"val": "graphic-media"}]}  # fmt: skip
    assert posts[root_rkey]["langs"] == ["en"] and posts[reply_rkey]["langs"] == ["de"]
    assert "labels" not in posts[reply_rkey]


def test_reply_rules_become_the_lexicons_rules(pds, account, make_platform):
    platform = make_platform(account.config(pds.url))
    rules = ("mentioned", "followers", "list:at://did:plc:abc/app.bsky.graph.list/xyz")
    ref = platform.send(claimed(platform, PostDraft("rules", gate=rules), "gate-rules"))
    (gate,) = records(pds, account.did, THREADGATE).values()
    assert [r["$type"].rsplit("#", 1)[1] for r in gate["allow"]] == [
        "mentionRule", "followerRule", "listRule"]  # fmt: skip
    assert gate["allow"][2]["list"] == "at://did:plc:abc/app.bsky.graph.list/xyz"
    assert gate["post"] == ref.uri


def test_a_crash_between_the_root_and_its_gate_leaves_one_of_each(pds, account, tmp_path):
    """The root is written, the process dies before the gate: the lease runs out, the next
    publisher reconciles (the root is there) and writes the gate; nothing is sent twice."""
    url = f"sqlite:///{tmp_path}/gate.db"
    store = open_store(url)
    bsky = replace(account.config(pds.url), name="b")
    settings = replace(from_mapping({"store_url": url}), bluesky=(bsky,))
    draft = PostDraft("The root of a gated thread", gate=(), quotes=False)
    thread = ThreadDraft("bluesky", 0, (draft, PostDraft("its reply")))
    enqueue_threads(store, "gated", [thread], {"bluesky": "b"})
    first = build_publisher(store, settings)
    (claim,) = store.claim_due(datetime.now(UTC), limit=1, owner=first.owner,
                               lease=timedelta(seconds=30), prepare=first.prepare)  # fmt: skip
    adapter = first.platform("bluesky", "b")
    adapter._ensure_client()
    rkey, when = claim.outgoing.prepared["rkey"], claim.outgoing.prepared["createdAt"]
    adapter._write("createRecord", COLLECTION, rkey,
                   {"$type": COLLECTION, "text": draft.text, "createdAt": when})  # fmt: skip
    first.close()  # ... and the process dies here: no gate, no confirm
    assert records(pds, account.did, THREADGATE) == {}
    factory = platform_factory(settings, store)
    later = Publisher(
        store,
        factory,
        {"bluesky": ["b"]},
        PublishOptions(owner="later"),
        clock=lambda: datetime.now(UTC) + timedelta(minutes=5),
    )  # lease over
    outcomes = later.run_until_idle()
    later.close()
    assert [o.state for o in outcomes] == ["published", "published"]
    assert len(list_records(pds, account.did)) == 2
    assert list(records(pds, account.did, THREADGATE)) == [rkey]
    assert list(records(pds, account.did, POSTGATE)) == [rkey]  # the reply may be quoted
    store.close()
