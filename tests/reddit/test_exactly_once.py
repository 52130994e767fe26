"""Exactly once: ambiguous writes are reconciled, never re-sent by the transport."""

from __future__ import annotations

from typing import Any

import praw
import pytest

from bot.errors import AmbiguousError
from bot.platforms.base import Outgoing
from bot.platforms.reddit import RedditPlatform
from bot.sandbox.reddit.standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    RedditStandin,
    start_standin,
)
from bot.threads import PostDraft
from tests.reddit.conftest import NOW, MemorySessions, make_account
from tests.reddit.helpers import Publisher, article_thread, with_title

FAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "create_then_502": {"create_then_502": {"every": 3}},
    "slow_reply": {"slow_reply": {"every": 3}},
    "both": {"create_then_502": {"every": 3}, "slow_reply": {"every": 2}},
}


def writes(standin: RedditStandin) -> int:
    return standin.counters["POST /api/submit"] + standin.counters["POST /api/comment"]


@pytest.mark.parametrize("faults", FAULTS.values(), ids=FAULTS.keys())
def test_thirty_posts_give_thirty_things(faults: dict[str, dict[str, Any]]) -> None:
    with start_standin(**faults) as standin:
        # A short client timeout so "slow_reply" answers after the client gave up.
        adapter = RedditPlatform(
            make_account(standin), MemorySessions(), clock=lambda: NOW, timeout=0.5
        )
        publisher = Publisher(adapter)
        for n in range(10):  # 10 threads x (1 submission + 2 comments) = 30 posts
            thread = with_title(article_thread(), f"Article {n}")
            thread = type(thread)(platform="reddit", section=0, posts=thread.posts[:3])
            publisher.publish(thread, prefix=f"a{n}")
        adapter.close()
        assert standin.count("t3") + standin.count("t1") == 30
        assert (standin.count("t3"), standin.count("t1")) == (10, 20)
        assert publisher.ambiguous >= 5  # the faults did strike
        assert writes(standin) == publisher.sends  # one HTTP write per send, no transport retry


def test_write_after_5xx_is_ambiguous_and_sent_once(
    standin: RedditStandin, platform: RedditPlatform
) -> None:
    standin.set_fault("create_then_502")
    post = Outgoing(
        post_id=1,
        key="k502",
        account="main",
        subreddit="sharebot_test",
        draft=PostDraft(text="body", kind="submission", title="T"),
    )
    with pytest.raises(AmbiguousError, match="502"):
        platform.send(post)
    assert standin.counters["POST /api/submit"] == 1
    standin.clear_fault()
    ref = platform.reconcile(post)
    assert ref is not None and standin.count("t3") == 1


def test_server_error_before_write_reconciles_to_none(
    standin: RedditStandin, platform: RedditPlatform
) -> None:
    standin.set_fault("server_error", status=503, scope="write", times=1)
    post = Outgoing(
        post_id=1,
        key="k503",
        account="main",
        subreddit="sharebot_test",
        draft=PostDraft(text="body", kind="submission", title="T"),
    )
    with pytest.raises(AmbiguousError, match="503"):
        platform.send(post)
    assert platform.reconcile(post) is None
    assert platform.send(post).uri.startswith("t3_")
    assert standin.count("t3") == 1 and standin.counters["POST /api/submit"] == 2


def test_timeout_on_write_is_ambiguous(standin: RedditStandin, sessions: MemorySessions) -> None:
    adapter = RedditPlatform(make_account(standin), sessions, timeout=0.3)
    parent = adapter.send(
        Outgoing(
            post_id=1,
            key="p",
            account="main",
            subreddit="sharebot_test",
            draft=PostDraft(text="b", kind="submission", title="T"),
        )
    )
    standin.set_fault("slow_reply")
    reply = Outgoing(
        post_id=2,
        key="c",
        account="main",
        parent=parent,
        draft=PostDraft(text="comment", kind="comment"),
    )
    with pytest.raises(AmbiguousError, match="ReadTimeout"):
        adapter.send(reply)
    standin.clear_fault()
    assert adapter.reconcile(reply) is not None
    assert standin.counters["POST /api/comment"] == 1 and standin.count("t1") == 1
    adapter.close()


def test_bare_prawcore_would_double_post(standin: RedditStandin, monkeypatch: Any) -> None:
    """Why the adapter needs its requestor: stock PRAW re-sends a POST after a 502."""
    import prawcore.sessions

    monkeypatch.setattr(prawcore.sessions.time, "sleep", lambda s: None)
    standin.set_fault("create_then_502", times=1)
    reddit = praw.Reddit(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        username=USERNAME,
        password=PASSWORD,
        user_agent="sharebot-tests bare",
        oauth_url=standin.url,
        reddit_url=standin.url,
        check_for_updates=False,
    )
    reddit.subreddit("sharebot_test").submit("Twice?", selftext="x")
    assert standin.counters["POST /api/submit"] == 2
    assert standin.count("t3") == 2
