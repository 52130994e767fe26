"""Reconcile that cannot miss: paging back to the first send, Reddit's 1,000-item cap,
listings that lag behind writes, and replies Reddit refuses (deleted parent, locked or
archived thread), against real PRAW and the stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import AmbiguousError, PendingError, RejectedError, UnresolvedError
from bot.platforms.base import Outgoing, Ref
from bot.platforms.reddit import RedditPlatform
from bot.sandbox.reddit.standin import RedditStandin
from tests.reddit.conftest import MemorySessions, make_account

LISTING = "GET /user/{name}/comments"


def standin_time(standin: RedditStandin) -> datetime:
    return datetime.fromtimestamp(standin.now(), UTC)


@pytest.fixture
def adapter(standin: RedditStandin, sessions: MemorySessions) -> Iterator[RedditPlatform]:
    """An adapter whose clock is the stand-in's (tests move both at once)."""
    made = RedditPlatform(
        make_account(standin), sessions, clock=lambda: standin_time(standin), timeout=5.0
    )
    yield made
    made.close()


def submission(adapter: RedditPlatform) -> Ref:
    from bot.threads import PostDraft

    post = Outgoing(
        post_id=1,
        key="sbroot",
        account="main",
        subreddit="sharebot_test",
        draft=PostDraft(text="root", kind="submission", title="Root"),
    )
    return adapter.send(post)


def comment_to(parent: Ref, key: str = "sblost") -> Outgoing:
    from bot.threads import PostDraft

    return Outgoing(
        post_id=2, key=key, account="main", parent=parent, draft=PostDraft("reply", kind="comment")
    )


def lost_reply(standin: RedditStandin, adapter: RedditPlatform, post: Outgoing) -> Outgoing:
    """Send ``post`` so that it lands but its answer is lost; the claim's send times set."""
    sent_at = standin_time(standin)
    standin.set_fault("create_then_502", times=1)
    with pytest.raises(AmbiguousError):
        adapter.send(post)
    return replace(post, first_sent_at=sent_at, last_sent_at=sent_at)


def others(standin: RedditStandin, parent: Ref, n: int) -> None:
    """``n`` comments by the same account, posted after the lost one."""
    for i in range(n):
        standin.world.add_comment(parent=parent.uri, body=f"unrelated {i}")


def test_more_than_100_comments_after_the_lost_reply(
    standin: RedditStandin, adapter: RedditPlatform
) -> None:
    """The held-out double post: 100 newest comments did not reach back to the lost one."""
    post = lost_reply(standin, adapter, comment_to(submission(adapter)))
    others(standin, post.parent, 150)  # type: ignore[arg-type]
    standin.advance(120)  # past the listing lag
    ref = adapter.reconcile(post)
    assert ref is not None and standin.world.things[ref.uri]["body"].endswith("(#sb-sblost)")
    assert standin.counters[LISTING] == 2  # two pages of 100


def test_950_later_comments_are_paged_through(
    standin: RedditStandin, adapter: RedditPlatform
) -> None:
    post = lost_reply(standin, adapter, comment_to(submission(adapter)))
    others(standin, post.parent, 950)  # type: ignore[arg-type]
    standin.advance(120)
    assert adapter.reconcile(post) is not None
    assert standin.counters[LISTING] == 10


def test_more_than_1000_later_comments_go_to_review_never_resent(
    standin: RedditStandin, adapter: RedditPlatform
) -> None:
    post = lost_reply(standin, adapter, comment_to(submission(adapter)))
    others(standin, post.parent, 1000)  # type: ignore[arg-type]
    standin.advance(120)
    with pytest.raises(UnresolvedError, match="1000-item cap"):
        adapter.reconcile(post)
    assert standin.counters[LISTING] == 10 and standin.counters["POST /api/comment"] == 1


def test_not_sent_is_decided_at_the_first_older_item(
    standin: RedditStandin, adapter: RedditPlatform
) -> None:
    """A send that never landed: reading stops at the first comment older than the first
    send (older ones beyond the cap would not matter)."""
    root = submission(adapter)
    others(standin, root, 1200)  # long before
    standin.advance(1800)
    sent_at = standin_time(standin)
    standin.set_fault("server_error", status=503, scope="write", times=1)  # nothing written
    with pytest.raises(AmbiguousError):
        adapter.send(comment_to(root))
    others(standin, root, 130)
    standin.advance(120)
    post = replace(comment_to(root), first_sent_at=sent_at, last_sent_at=sent_at)
    assert adapter.reconcile(post) is None
    assert standin.counters[LISTING] == 2


def test_a_lagging_listing_is_read_again_before_deciding(
    standin: RedditStandin, adapter: RedditPlatform
) -> None:
    standin.listing_lag = 30  # a new comment shows in listings 30 s after it was made
    post = lost_reply(standin, adapter, comment_to(submission(adapter)))
    with pytest.raises(PendingError, match="may lag") as pending:
        adapter.reconcile(post)
    assert pending.value.until == post.last_sent_at + timedelta(seconds=60)  # type: ignore[operator]
    standin.advance(31)
    assert adapter.reconcile(post) is not None
    assert standin.counters["POST /api/comment"] == 1


def test_absent_after_the_lag_is_not_sent(standin: RedditStandin, adapter: RedditPlatform) -> None:
    standin.listing_lag = 30
    root = submission(adapter)
    sent_at = standin_time(standin)
    post = replace(comment_to(root), first_sent_at=sent_at, last_sent_at=sent_at)
    with pytest.raises(PendingError):
        adapter.reconcile(post)
    standin.advance(61)
    assert adapter.reconcile(post) is None


def test_listing_unavailable_is_an_unknown_outcome(
    standin: RedditStandin, adapter: RedditPlatform
) -> None:
    post = lost_reply(standin, adapter, comment_to(submission(adapter)))
    standin.advance(120)
    standin.set_fault("server_error", status=503, scope="read", times=1)
    with pytest.raises(AmbiguousError, match="could not read the account's comments"):
        adapter.reconcile(post)
    assert adapter.reconcile(post) is not None


def test_spam_filtered_submission_is_found_by_its_author(
    standin: RedditStandin, adapter: RedditPlatform
) -> None:
    """Removed by the spam filter: invisible in the subreddit, listed for its author."""
    standin.spam_filtered.add("sharebot_test")
    root = submission(adapter)
    assert standin.world.things[root.uri]["removed_by_category"] == "reddit"
    assert root.uri not in {d["name"] for d in standin.world.in_subreddit("sharebot_test")}
    from bot.threads import PostDraft

    again = Outgoing(
        post_id=1,
        key="sbroot",
        account="main",
        subreddit="sharebot_test",
        draft=PostDraft(text="root", kind="submission", title="Root"),
    )
    standin.advance(120)
    found = adapter.reconcile(again)
    assert found is not None and found.uri == root.uri


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        ("delete_parent", "DELETED_COMMENT: that comment has been deleted"),
        ("delete_submission", "DELETED_LINK"),
        ("lock", "THREAD_LOCKED: Comments are locked."),
        ("archive", "TOO_OLD"),
    ],
)
def test_reply_refused_by_reddit_is_rejected_with_its_message(
    standin: RedditStandin, adapter: RedditPlatform, spoil: str, code: str
) -> None:
    root = submission(adapter)
    parent = adapter.send(comment_to(root, key="sbparent"))
    if spoil == "delete_parent":
        standin.world.delete(parent.uri)
    elif spoil == "delete_submission":
        standin.world.delete(root.uri)
    else:
        standin.lock_thread(root.uri, archived=spoil == "archive")
    with pytest.raises(RejectedError, match=code) as refused:
        adapter.send(comment_to(parent, key="sbchild"))
    assert not isinstance(refused.value, AmbiguousError)
    assert standin.count("t1") == 1


def test_an_expired_token_is_refreshed_by_praw_and_the_write_sent_once(
    standin: RedditStandin, adapter: RedditPlatform
) -> None:
    """Tokens live their ``expires_in``: the next request gets 401 invalid_token, PRAW
    fetches a new token and repeats the request (Reddit refused it, so this is safe)."""
    root = submission(adapter)
    tokens = standin.counters["POST /api/v1/access_token"]
    standin.advance(3601)
    adapter.send(comment_to(root))
    assert standin.counters["POST /api/v1/access_token"] == tokens + 1
    assert standin.counters["POST /api/comment"] == 2 and standin.count("t1") == 1
