"""The claim contract: due posts, parents first, leases, keys fixed at the first claim."""

from __future__ import annotations

import re

import pytest

from bot.errors import StoreError
from bot.platforms.base import Ref
from bot.store import Store
from tests.store.helpers import MIN, NOW, Preparer, bluesky_thread, claim, enqueue, reddit_threads


def ref(n: int) -> Ref:
    return Ref(f"at://did:plc:x/app.bsky.feed.post/{n}", f"cid{n}", f"https://bsky.app/{n}")


def test_only_due_posts_and_replies_after_their_parent(store: Store) -> None:
    aid = enqueue(store, [bluesky_thread(0, 3), bluesky_thread(1, 2)], spacing=MIN)
    assert claim(store, NOW - MIN) == []
    first = claim(store, NOW + 5 * MIN)
    assert [c.outgoing.draft.text for c in first] == ["s0 p0 https://example.org"]
    assert first[0].article_id == aid and first[0].platform == "bluesky"
    assert first[0].account == "b" and first[0].attempts == 0 and not first[0].reclaimed
    assert first[0].outgoing.parent is None and first[0].outgoing.root is None
    assert claim(store, NOW + 5 * MIN, owner="d2") == []  # reply waits for its parent
    store.confirm(first[0].post_id, "d1", ref(1), NOW + 5 * MIN)
    reply = claim(store, NOW + 5 * MIN)
    assert [c.outgoing.draft.text for c in reply] == ["s0 p1"]
    assert reply[0].outgoing.parent == ref(1) and reply[0].outgoing.root == ref(1)
    store.confirm(reply[0].post_id, "d1", ref(2), NOW + 5 * MIN)
    third = claim(store, NOW + 5 * MIN)
    assert third[0].outgoing.parent == ref(2) and third[0].outgoing.root == ref(1)


def test_key_and_prepared_fixed_at_first_claim_and_reclaimed_after_lease(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 1)])
    prep = Preparer()
    (c1,) = claim(store, prepare=prep, lease=MIN)
    assert re.fullmatch(r"sb[0-9a-f]{16}", c1.outgoing.key)
    assert c1.outgoing.prepared["rkey"] == "r" + c1.outgoing.key
    assert claim(store, NOW + MIN / 2, owner="d2", prepare=prep) == []  # lease still held
    (c2,) = claim(store, NOW + 2 * MIN, owner="d2", prepare=prep)
    # a claim whose process died is not an attempt, but it may have sent the post
    assert c2.reclaimed and c2.attempts == 0 and c2.sent_before and c2.post_id == c1.post_id
    assert c2.outgoing.first_sent_at == c2.outgoing.last_sent_at == NOW
    assert (c2.outgoing.key, dict(c2.outgoing.prepared)) == (
        c1.outgoing.key,
        dict(c1.outgoing.prepared),
    )
    assert len(prep.calls) == 1
    with pytest.raises(StoreError, match="lease"):
        store.confirm(c1.post_id, "d1", ref(1), NOW + 2 * MIN)
    store.confirm(c2.post_id, "d2", ref(1), NOW + 2 * MIN)
    assert store.list_posts()[0].state == "published"
    assert store.list_posts()[0].url == ref(1).url
    assert store.list_posts()[0].published_by == "d2"


def test_reddit_chain_crosses_threads_with_subreddit_flair_and_base_dir(store: Store) -> None:
    enqueue(store, reddit_threads(2, 1), gap=0 * MIN, spacing=0 * MIN, source="posts/x/a.md")
    refs = []
    for n in range(3):
        claims = claim(store)
        assert len(claims) == 1, n  # one chain: submission, c0.0, c1.0 ... one at a time
        out = claims[0].outgoing
        assert (out.subreddit, out.flair) == ("news", "Politics")
        assert out.base_dir is not None and out.base_dir.endswith("posts/x")
        assert out.parent == (refs[-1] if refs else None)
        refs.append(Ref(f"t3_{n}", "", f"https://reddit.example/{n}"))
        store.confirm(claims[0].post_id, "d1", refs[-1], NOW)
    assert claims[0].outgoing.draft.text == "c1.0"
    assert claim(store) == []


def test_blocked_accounts_are_skipped(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 1), *reddit_threads(1, 0)], gap=0 * MIN)
    store.block_account("bluesky", "b", NOW + 10 * MIN, "429")
    store.block_account("reddit", "r", None, "wrong password")
    assert claim(store) == []
    assert [c.platform for c in claim(store, NOW + 11 * MIN, limit=5, lease=9999 * MIN)] == [
        "bluesky"
    ]
    assert claim(store, NOW + 1000 * MIN) == []
    store.clear_block("reddit", "r")
    assert [c.platform for c in claim(store, NOW + 11 * MIN)] == ["reddit"]
    status = {a["platform"]: a for a in store.account_status()}
    assert status["bluesky"]["blocked_until"] == NOW + 10 * MIN
    assert not status["reddit"]["blocked"] and status["reddit"]["last_error"] == "wrong password"


def test_a_subreddit_block_skips_that_subreddit_only(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 1), *reddit_threads(1, 0)], gap=0 * MIN)
    store.block_account("reddit", "r/r/news", NOW + 10 * MIN, "RATELIMIT in r/news")
    assert [c.platform for c in claim(store, limit=5, lease=9999 * MIN)] == ["bluesky"]
    assert [c.platform for c in claim(store, NOW + 11 * MIN, limit=5)] == ["reddit"]
    status = {a["account"]: a for a in store.account_status()}
    assert status["r/r/news"]["blocked_until"] == NOW + 10 * MIN


def test_filters_limit_and_one_post_per_thread(store: Store) -> None:
    aid = enqueue(
        store, [bluesky_thread(0, 2), bluesky_thread(1, 2), *reddit_threads(1, 1)], gap=0 * MIN
    )
    other = enqueue(store, [bluesky_thread(0, 1)], gap=0 * MIN)
    assert [c.platform for c in claim(store, platforms=["reddit"])] == ["reddit"]
    assert [c.article_id for c in claim(store, article_id=other)] == [other]
    got = claim(store, limit=10)
    assert len(got) == 2 and len({c.thread_id for c in got}) == 2
    assert {c.article_id for c in got} == {aid}
    assert claim(store, platforms=[]) == []


def test_fail_release_renew(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 1), bluesky_thread(1, 1), bluesky_thread(2, 1)], gap=0 * MIN)
    a, b, c = claim(store, limit=3)
    with pytest.raises(StoreError):
        store.fail(a.post_id, "other", error="x", retry_at=None, now=NOW)
    store.fail(a.post_id, "d1", error="503", retry_at=NOW + 5 * MIN, now=NOW)
    store.fail(b.post_id, "d1", error="rejected", retry_at=None, now=NOW, review=True)
    store.release(c.post_id, "d1", NOW)
    states = {p.id: (p.state, p.attempts, p.error) for p in store.list_posts()}
    assert states[a.post_id] == ("failed", 1, "503")
    assert states[b.post_id] == ("needs_review", 1, "rejected")
    assert states[c.post_id] == ("queued", 0, None)
    assert store.counts() == {"failed": 1, "needs_review": 1, "queued": 1}
    assert [x.post_id for x in claim(store, NOW + MIN, lease=60 * MIN)] == [c.post_id]
    (again,) = claim(store, NOW + 5 * MIN)
    assert again.post_id == a.post_id and again.attempts == 1 and not again.reclaimed
    store.renew_lease(again.post_id, "d1", NOW + 60 * MIN)
    assert claim(store, NOW + 30 * MIN, owner="d2") == []
    with pytest.raises(StoreError):
        store.renew_lease(again.post_id, "d2", NOW + 90 * MIN)
    store.release(again.post_id, "d1", NOW + 6 * MIN)  # tried before: back as failed, due now
    post = next(p for p in store.list_posts() if p.id == a.post_id)
    assert (post.state, post.attempts, post.next_attempt_at) == ("failed", 1, NOW + 6 * MIN)


def test_next_due_counts_and_success_recorded(store: Store) -> None:
    assert store.next_due() is None
    enqueue(store, [bluesky_thread(0, 2)], first=NOW + 30 * MIN)
    assert store.next_due() == NOW + 30 * MIN
    (c,) = claim(store, NOW + 30 * MIN, lease=2 * MIN)
    assert store.next_due() == NOW + 31 * MIN  # the reply's due time
    store.confirm(c.post_id, "d1", ref(1), NOW + 31 * MIN)
    assert store.counts() == {"published": 1, "queued": 1}
    (acct,) = store.account_status()
    assert acct["last_success"] == NOW + 31 * MIN and acct["blocked"] is False


def test_confirm_and_claim_is_one_transaction(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 3), bluesky_thread(1, 1)], gap=0 * MIN, spacing=0 * MIN)
    (first, other) = claim(store, limit=2)
    assert (first.outgoing.draft.text, other.outgoing.draft.text) == (
        "s0 p0 https://example.org",
        "s1 p0 https://example.org",
    )
    prep = Preparer()
    (reply,) = store.confirm_and_claim(
        first.post_id, "d1", ref(1), NOW, limit=1, lease=MIN, prepare=prep
    )  # the reply its confirm just unlocked, with the parent's ref
    assert reply.outgoing.draft.text == "s0 p1"
    assert reply.outgoing.parent == ref(1) and reply.outgoing.root == ref(1)
    assert reply.attempts == 0 and not reply.reclaimed and len(prep.calls) == 1
    posts = {p.id: p for p in store.list_posts()}
    assert posts[first.post_id].state == "published" and posts[first.post_id].url == ref(1).url
    assert posts[reply.post_id].state == "sending"
    links = store.get_article(first.article_id).share_links
    assert [link["url"] for link in links if link["kind"] == "post"] == [ref(1).url]
    assert store.account_status()[0]["last_success"] == NOW
    # Nothing due (filters apply): confirmed, nothing claimed.
    nothing = store.confirm_and_claim(
        other.post_id, "d1", ref(9), NOW, limit=1, lease=MIN, prepare=prep, platforms=["reddit"]
    )
    assert nothing == []
    # A lost lease: neither the confirm nor the claim happens.
    (stolen,) = claim(store, NOW + 2 * MIN, owner="d2")
    assert stolen.post_id == reply.post_id and stolen.reclaimed
    with pytest.raises(StoreError, match="lease"):
        store.confirm_and_claim(
            reply.post_id, "d1", ref(2), NOW + 2 * MIN, limit=1, lease=MIN, prepare=prep
        )
    posts = {p.id: p for p in store.list_posts()}
    assert posts[reply.post_id].state == "sending" and posts[reply.post_id].uri is None
    assert [p.state for p in posts.values()].count("queued") == 1  # the third post waits


def test_a_backlog_is_claimed_in_due_order_from_every_state(store: Store) -> None:
    # 30 threads of 5 posts due together: 120 replies wait for parents in the backlog.
    enqueue(store, [bluesky_thread(s, 5) for s in range(30)], gap=MIN, spacing=0 * MIN)
    first = claim(store, NOW + 60 * MIN, limit=3, lease=MIN)
    assert [c.outgoing.draft.text.split()[0] for c in first] == ["s0", "s1", "s2"]
    store.fail(first[0].post_id, "d1", error="503", retry_at=NOW + 61 * MIN, now=NOW)
    store.confirm(first[1].post_id, "d1", ref(1), NOW + 60 * MIN)
    # At +62 min: s2's lease ran out, s0 is due for its retry, s1's reply is ready; the
    # claim takes them by due time, then the next threads, never a reply before its parent.
    got = claim(store, NOW + 62 * MIN, limit=6, owner="d2", lease=60 * MIN)
    texts = [c.outgoing.draft.text.split()[:2] for c in got]
    assert texts == [["s0", "p0"], ["s1", "p1"], ["s2", "p0"], ["s3", "p0"], ["s4", "p0"],
                     ["s5", "p0"]]  # fmt: skip
    assert [c.reclaimed for c in got[:3]] == [False, False, True]
    assert got[0].attempts == 1 and got[1].outgoing.parent == ref(1)


def test_a_blocked_account_does_not_starve_the_others(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 1), *reddit_threads(1, 0)], gap=0 * MIN)
    store.block_account("bluesky", "b", None, "wrong password")  # the first due post
    assert [c.platform for c in claim(store, limit=1)] == ["reddit"]


def test_counts_kept_apart_and_crashed_claims_are_not_attempts(store: Store) -> None:
    """attempts = outcomes recorded; a claim whose process died adds only to the claim count
    (so it is reconciled), transient and ambiguous outcomes are counted by kind."""
    enqueue(store, [bluesky_thread(0, 1)])
    t = NOW
    for _ in range(6):  # a crash loop: six claims, each lease running out
        (c,) = claim(store, t, lease=MIN)
        t += 2 * MIN
    assert (c.attempts, c.ambiguous, c.transient, c.sent_before) == (0, 0, 0, True)
    assert c.outgoing.first_sent_at == NOW and c.outgoing.last_sent_at == t - 4 * MIN  # 5th
    (c,) = claim(store, t, lease=MIN)
    store.fail(c.post_id, "d1", error="503", retry_at=t, now=t, kind="transient")
    (c,) = claim(store, t)
    store.fail(c.post_id, "d1", error="timeout", retry_at=t, now=t, kind="ambiguous")
    (c,) = claim(store, t)
    store.fail(c.post_id, "d1", error="lag", retry_at=t, now=t, kind="deferred")
    (c,) = claim(store, t)
    assert (c.attempts, c.ambiguous, c.transient) == (2, 1, 1)
    with pytest.raises(StoreError, match="unknown failure kind"):
        store.fail(c.post_id, "d1", error="x", retry_at=t, now=t, kind="bogus")


def test_retry_from_review_keeps_what_reconcile_needs(store: Store) -> None:
    enqueue(store, [bluesky_thread(0, 1)])
    (c,) = claim(store, prepare=Preparer())
    store.fail(c.post_id, "d1", error="unknown", retry_at=None, now=NOW, review=True,
               kind="ambiguous")  # fmt: skip
    store.edit_post(c.post_id, c.outgoing.draft)  # an edit must not drop the record either
    assert store.retry(f"p{c.post_id}", NOW + 9 * MIN) == 1
    (again,) = claim(store, NOW + 10 * MIN, prepare=Preparer())
    assert again.sent_before and again.ambiguous == 0 and again.attempts == 1
    assert again.outgoing.key == c.outgoing.key
    assert again.outgoing.prepared == c.outgoing.prepared
    assert again.outgoing.first_sent_at == NOW  # the first send, not the retry


def test_only_a_claim_that_may_have_sent_counts_as_a_send(store: Store) -> None:
    """A transient error or a deferred look sent nothing: the claim is given back, and the
    latest send time stays that of the claim that may have sent (so a lagging listing
    is not waited for again and again)."""
    enqueue(store, [bluesky_thread(0, 1)])
    (c,) = claim(store, NOW)
    store.fail(c.post_id, "d1", error="503", retry_at=NOW, now=NOW, kind="transient")
    (c,) = claim(store, NOW + MIN)
    assert not c.sent_before and c.outgoing.first_sent_at is None
    store.fail(c.post_id, "d1", error="?", retry_at=NOW + MIN, now=NOW + MIN, kind="ambiguous")
    (c,) = claim(store, NOW + 2 * MIN)
    assert c.sent_before and c.outgoing.first_sent_at == c.outgoing.last_sent_at == NOW + MIN
    store.fail(c.post_id, "d1", error="lag", retry_at=NOW + MIN, now=NOW + 2 * MIN,
               kind="deferred")  # fmt: skip
    (c,) = claim(store, NOW + 3 * MIN)
    assert c.sent_before and c.outgoing.last_sent_at == NOW + MIN
