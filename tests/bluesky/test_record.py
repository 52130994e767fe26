"""Unit tests: build_record, record keys, createdAt, prepare (pure, no server)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.config import BlueskyAccount, Secret
from bot.platforms.base import Ref
from bot.platforms.bluesky import BlueskyPlatform, build_record, created_at, make_rkey, tid
from bot.threads import BLUESKY_LIMITS, Facet, PostDraft
from tests.bluesky.conftest import MemorySessions

NOW = datetime(2026, 11, 28, 9, 30, 15, 654321, tzinfo=UTC)
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def test_minimal_record():
    record = build_record(
        PostDraft("hello"),
        created_at="2026-11-28T09:30:15.654Z",
        root=None,
        parent=None,
        facets=[],
        embed=None,
    )
    assert record == {
        "$type": "app.bsky.feed.post",
        "text": "hello",
        "createdAt": "2026-11-28T09:30:15.654Z",
    }


def test_full_record_keeps_order_and_trims_langs():
    root, parent = Ref("at://r", "cr", "u1"), Ref("at://p", "cp", "u2")
    facet = Facet(0, 5, "tag", "hello").to_lexicon()
    embed = {"$type": "app.bsky.embed.external", "external": {"uri": "https://x"}}
    draft = PostDraft("#hello", langs=("en", "de", "fr", "es"))
    record = build_record(
        draft, created_at="t", root=root, parent=parent, facets=[facet], embed=embed
    )
    assert list(record) == ["$type", "text", "createdAt", "langs", "facets", "reply", "embed"]
    assert record["langs"] == ["en", "de", "fr"]
    assert record["reply"] == {
        "root": {"uri": "at://r", "cid": "cr"},
        "parent": {"uri": "at://p", "cid": "cp"},
    }
    assert record["facets"] == [facet]
    assert record["embed"] is embed


def test_reply_without_root_uses_parent_as_root():
    parent = Ref("at://p", "cp", "u")
    record = build_record(
        PostDraft("x"), created_at="t", root=None, parent=parent, facets=[], embed=None
    )
    assert record["reply"]["root"] == {"uri": "at://p", "cid": "cp"}


def test_created_at_is_utc_milliseconds():
    assert created_at(NOW) == "2026-11-28T09:30:15.654Z"
    east = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert created_at(east) == "2026-11-28T09:30:15.654Z"


def test_tid_shape_and_order():
    assert tid(0, 0) == "2222222222222"
    assert TID.match(tid(1_764_322_215_654_321, 1023))
    assert tid(1000, 0) < tid(1001, 0) < tid(1001, 1)


def test_rkeys_are_deterministic_and_distinct_within_one_claim():
    keys = [make_rkey(f"post-{i}", NOW) for i in range(2000)]
    assert len(set(keys)) == 2000
    assert all(TID.match(k) for k in keys)
    assert make_rkey("post-1", NOW) == keys[1]
    assert make_rkey("post-1", NOW + timedelta(seconds=5)) > keys[1]


def test_prepare_is_pure_and_fixes_rkey_and_created_at():
    account = BlueskyAccount("a", "a.test", Secret("pw"), "http://127.0.0.1:9")
    platform = BlueskyPlatform(account, MemorySessions())
    first = platform.prepare(PostDraft("x"), "key", NOW)
    assert first == platform.prepare(PostDraft("x"), "key", NOW)
    assert first == {"rkey": make_rkey("key", NOW), "createdAt": "2026-11-28T09:30:15.654Z"}
    assert platform.limits is BLUESKY_LIMITS
