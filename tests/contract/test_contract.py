"""One publishing contract, run through the real Publisher and the real store against the
reference PDS (Bluesky) and the Reddit stand-in (real PRAW): each case holds on both."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from tests.contract.conftest import Rig
from tests.contract.crash_child import ENV
from tests.contract.targets import RedditTarget, Target
from tests.pg import PgServer

ROOT = Path(__file__).resolve().parents[2]


def _texts(rig: Rig) -> list[str]:
    return [item.text for item in rig.target.items()]


def test_a_threads_posts_go_out_in_order_each_replying_to_the_one_before(rig: Rig) -> None:
    ids = rig.enqueue(rig.target.thread("order", 4))
    rig.run()
    assert [rig.state(i) for i in ids] == ["published"] * 4
    items = rig.target.items()
    assert [i.text for i in items] == [f"order post {n}" for n in range(4)]
    assert [i.parent for i in items[1:]] == [i.uri for i in items[:-1]]
    assert [rig.store.get_post(i).uri for i in ids] == [i.uri for i in items]


def test_an_unknown_outcome_is_reconciled_and_sent_once(rig: Rig) -> None:
    ids = rig.enqueue(rig.target.thread("amb", 3))
    rig.target.lose_next_answer()
    rig.run()
    first = rig.store.get_post(ids[0])
    assert first.state == "failed" and rig.state(ids[1]) == "queued"
    rig.due_again()
    rig.run()
    assert [rig.state(i) for i in ids] == ["published"] * 3
    assert _texts(rig) == [f"amb post {n}" for n in range(3)]  # the lost one exactly once
    assert rig.store.get_post(ids[0]).uri == rig.target.items()[0].uri


def test_a_process_killed_between_send_and_confirm_leaves_exactly_one(
    rig: Rig, tmp_path: Path
) -> None:
    ids = rig.enqueue(rig.target.thread("kill", 2))
    env = os.environ | {ENV: json.dumps(rig.target.child_spec())}
    child = subprocess.run(
        [sys.executable, "-m", "tests.contract.crash_child", str(rig.store.engine.url)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    assert rig.state(ids[0]) == "sending" and _texts(rig) == ["kill post 0"]
    rig.target.clock.advance(31)  # the dead process's lease runs out
    rig.run()
    rig.target.clock.advance(61)  # a listing that may lag (Reddit) is read again
    rig.run()
    assert [rig.state(i) for i in ids] == ["published"] * 2
    assert _texts(rig) == ["kill post 0", "kill post 1"]
    assert rig.store.get_post(ids[0]).attempts == 0  # the crash was not an attempt


def test_a_rate_limit_blocks_its_scope_and_the_rest_goes_on(rig: Rig) -> None:
    target = rig.target
    a = rig.enqueue(target.thread("rl a", 2))
    if target.platform == "bluesky":  # Bluesky's limit is the account's: another goes on
        b = rig.enqueue(target.thread("rl b", 2), account="other")
    else:  # Reddit's RATELIMIT on submit is the account's in one subreddit
        b = rig.enqueue(target.thread("rl b", 2), subreddit=target.subreddit(1))
    key = target.rate_limit_next()
    rig.run()
    assert [rig.state(i) for i in a] == ["failed", "queued"]
    assert [rig.state(i) for i in b] == ["published"] * 2
    blocked = {s["account"]: s for s in rig.store.account_status() if s["blocked"]}
    assert set(blocked) == {key}
    until = blocked[key]["blocked_until"]
    assert until > target.clock() + timedelta(minutes=5)
    target.clock.advance(60)
    rig.run()  # still blocked: nothing of "a" goes
    assert rig.state(a[0]) == "failed"
    target.clock.until(until)
    rig.run()
    assert [rig.state(i) for i in a] == ["published"] * 2
    everything = [i.text for account in target.accounts for i in target.items(account)]
    assert sorted(everything) == ["rl a post 0", "rl a post 1", "rl b post 0", "rl b post 1"]


def test_a_rejected_post_goes_to_review_with_the_platforms_message(rig: Rig) -> None:
    thread, fragment, subreddit = rig.target.rejecting_draft("rej")
    (pid,) = rig.enqueue(thread, subreddit=subreddit)
    rig.run()
    post = rig.store.get_post(pid)
    assert post.state == "needs_review" and fragment in (post.error or "")
    assert _texts(rig) == []


def test_transient_errors_back_off_then_go_to_review(rig: Rig) -> None:
    ids = rig.enqueue(rig.target.thread("tr", 2))
    rig.target.fail_transiently()
    delays = []
    for _ in range(2):
        rig.run()
        post = rig.store.get_post(ids[0])
        assert post.state == "failed" and post.next_attempt_at is not None
        delays.append((post.next_attempt_at - rig.target.clock()).total_seconds())
        rig.due_again()
    rig.run()
    post = rig.store.get_post(ids[0])
    assert post.state == "needs_review" and post.attempts == 3, post.error
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20  # growing, jittered
    assert rig.state(ids[1]) == "queued" and _texts(rig) == []


def test_retry_from_review_reconciles_before_sending(rig: Rig) -> None:
    """An unknown outcome that did land goes to review; after 150 more posts by the account
    an editor's retry finds it instead of sending it again."""
    pub = rig.publisher_for("p2", max_ambiguous=1)
    ids = rig.enqueue(rig.target.thread("rv", 2))
    rig.target.lose_next_answer()
    pub.run_until_idle()
    assert rig.state(ids[0]) == "needs_review"
    for n in range(150):  # the account goes on posting elsewhere
        (other,) = rig.enqueue(rig.target.thread(f"busy{n}", 1))
    pub.run_until_idle()
    assert rig.state(other) == "published"
    rig.target.clock.advance(120)
    assert rig.store.retry(f"p{ids[0]}", rig.target.clock()) == 1
    pub.run_until_idle()
    pub.close()
    assert [rig.state(i) for i in ids] == ["published"] * 2
    assert [t for t in _texts(rig) if t.startswith("rv ")] == ["rv post 0", "rv post 1"]


def test_two_publishers_on_one_postgresql_store_send_each_post_once(
    target: Target, pg_server: PgServer
) -> None:
    rig = Rig(target, pg_server.new_database(), owner="p1", concurrency=2)
    other = rig.publisher_for("p2", concurrency=2)
    threads = [rig.enqueue(target.thread(f"pg{n}", 3)) for n in range(4)]
    target.lose_next_answer()
    try:
        for _ in range(4):
            with ThreadPoolExecutor(2) as pool:
                for done in [pool.submit(p.run_until_idle) for p in (rig.publisher, other)]:
                    done.result()
            if {rig.state(i) for ids in threads for i in ids} == {"published"}:
                break
            rig.due_again()
        items = {item.uri: item for item in target.items()}
        assert len(items) == 12  # each post once
        for n, ids in enumerate(threads):
            uris = [rig.store.get_post(i).uri for i in ids]
            assert [items[u].text for u in uris] == [f"pg{n} post {k}" for k in range(3)]
            assert [items[u].parent for u in uris[1:]] == uris[:-1]
    finally:
        other.close()
        rig.close()


def test_a_reply_reddit_refuses_goes_to_review_with_its_message(tmp_path: Path) -> None:
    """Reddit only: a thread locked after its submission refuses the next comment (so do a
    deleted parent and an archived thread, tests/reddit/test_reconcile.py); the post goes
    to review with Reddit's own words and the rest of the chain waits."""
    from bot.sandbox.reddit.standin import start_standin
    from tests.contract.targets import SharedClock

    with start_standin() as standin:
        rig = Rig(RedditTarget(SharedClock(), standin), f"sqlite:///{tmp_path}/r.db")
        try:
            ids = rig.enqueue(rig.target.thread("locked", 3), spacing=timedelta(minutes=1))
            rig.run()
            assert [rig.state(i) for i in ids] == ["published", "queued", "queued"]
            standin.lock_thread(rig.store.get_post(ids[0]).uri or "")
            rig.target.clock.advance(61)
            rig.run()
            refused = rig.store.get_post(ids[1])
            assert refused.state == "needs_review"
            assert refused.error == "reddit: THREAD_LOCKED: Comments are locked. (parent)"
            assert rig.state(ids[2]) == "queued" and _texts(rig) == ["locked post 0"]
        finally:
            rig.close()
