"""Unit tests: build_record, record keys, createdAt, prepare (pure, no server)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from bot.config import BlueskyAccount, Secret
from bot.platforms.base import Ref
from bot.platforms.bluesky import (
    REFUSED_IN_RKEY,
    BlueskyPlatform,
    build_record,
    created_at,
    make_rkey,
    tid,
)
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


# A TID the reference PDS refused on 2 December 2026 ("Unacceptable slur in record key").
REFUSED = "3n3nogger33q5"


def _digest(key: str) -> int:
    """The key's hash, as make_rkey spreads keys with it (time offset and clock id)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def refused_instant(key: str) -> datetime:
    """When make_rkey would have made ``key`` a TID starting as REFUSED does."""
    value = 0
    for char in REFUSED:
        value = value * 32 + "234567abcdefghijklmnopqrstuvwxyz".index(char)
    micros = (value >> 10) - (_digest(key) >> 44)
    return datetime.fromtimestamp(micros // 1_000_000, UTC).replace(microsecond=micros % 1_000_000)


def test_the_pattern_is_the_one_the_pds_applies():
    assert REFUSED_IN_RKEY.search(REFUSED)
    for near in ("3n3nogges33q5", "3n3nuggers3q5", "3n3nogeer33q5", "3n3nogglet3q5"):
        assert bool(REFUSED_IN_RKEY.search(near)) is near.endswith("let3q5"), near


def test_rkeys_never_hold_what_the_pds_refuses():
    key = "slur-window"
    at = refused_instant(key)
    made = make_rkey(key, at)
    assert TID.match(made) and not REFUSED_IN_RKEY.search(made)
    assert made[:8] == REFUSED[:8] and made > REFUSED  # just past the refused span
    raw = fixed = 0
    digest = _digest(key)
    for step in range(-20_000, 20_000, 7):  # 140 ms around it, every 7 microseconds
        when = at + timedelta(microseconds=step)
        micros = int(when.timestamp()) * 1_000_000 + when.microsecond + (digest >> 44)
        raw += bool(REFUSED_IN_RKEY.search(tid(micros, digest & 0x3FF)))
        fixed += bool(REFUSED_IN_RKEY.search(make_rkey(key, when)))
    assert raw > 100 and fixed == 0  # the span was there; no key made lands in it


def test_prepare_is_pure_and_fixes_rkey_and_created_at():
    account = BlueskyAccount("a", "a.test", Secret("pw"), "http://127.0.0.1:9")
    platform = BlueskyPlatform(account, MemorySessions())
    first = platform.prepare(PostDraft("x"), "key", NOW)
    assert first == platform.prepare(PostDraft("x"), "key", NOW)
    assert first == {"rkey": make_rkey("key", NOW), "createdAt": "2026-11-28T09:30:15.654Z"}
    assert platform.limits is BLUESKY_LIMITS
