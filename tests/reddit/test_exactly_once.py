"""Exactly once: ambiguous writes are reconciled, never re-sent by the transport."""

from __future__ import annotations

from pathlib import Path
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
from tests.reddit.conftest import MemorySessions, make_account
from tests.reddit.helpers import article_thread, with_title

FAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "create_then_502": {"create_then_502": {"every": 3}},
    "slow_reply": {"slow_reply": {"every": 3}},
    "both": {"create_then_502": {"every": 3}, "slow_reply": {"every": 2}},
}


def writes(standin: RedditStandin) -> int:
    return standin.counters["POST /api/submit"] + standin.counters["POST /api/comment"]


class Counting:
    """The real adapter, counting sends and unknown outcomes."""

    def __init__(self, real: RedditPlatform) -> None:
        self.real, self.name, self.limits = real, real.name, real.limits
        self.sends = self.ambiguous = 0

    def prepare(self, draft: Any, key: str, now: Any) -> dict[str, Any]:
        return self.real.prepare(draft, key, now)

    def send(self, post: Outgoing) -> Any:
        self.sends += 1
        try:
            return self.real.send(post)
        except AmbiguousError:
            self.ambiguous += 1
            raise

    def reconcile(self, post: Outgoing) -> Any:
        return self.real.reconcile(post)

    def close(self) -> None:
        self.real.close()


@pytest.mark.parametrize("faults", FAULTS.values(), ids=FAULTS.keys())
def test_thirty_posts_give_thirty_things(faults: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    """The real Publisher over the real store: every unknown outcome is reconciled, and
    every send is exactly one HTTP write (the transport never repeats one)."""
    from datetime import UTC, datetime, timedelta

    from bot.publish import Publisher, PublishOptions
    from bot.store import open_store
    from tests.store.helpers import article

    with start_standin(**faults) as standin:
        # A short client timeout so "slow_reply" answers after the client gave up.
        offset = [timedelta(0)]  # one clock for the publisher, the adapter and the stand-in

        def clock() -> datetime:
            return datetime.now(UTC) + offset[0]

        adapter = Counting(
            RedditPlatform(make_account(standin), MemorySessions(), clock=clock, timeout=0.5)
        )
        store = open_store(f"sqlite:///{tmp_path}/s.db")
        now = datetime.now(UTC)
        for n in range(10):  # 10 threads x (1 submission + 2 comments) = 30 posts
            thread = with_title(article_thread(), f"Article {n}")
            thread = type(thread)(platform="reddit", section=0, posts=thread.posts[:3])
            store.enqueue(
                article(f"A{n}", sections=1), source=f"a{n}", threads=[thread],
                due={("reddit", 0): now}, spacing=timedelta(0), accounts={"reddit": "main"},
                subreddit="sharebot_test", now=now,
            )  # fmt: skip
        options = PublishOptions(owner="t", concurrency=2, backoff_base=1.0, backoff_max=2.0,
                                 max_ambiguous=10)  # fmt: skip
        pub = Publisher(store, lambda p, a: adapter, {"reddit": ["main"]}, options,
                        clock=clock)  # fmt: skip
        for _ in range(40):
            pub.run_until_idle()
            if set(store.counts()) == {"published"}:
                break
            offset[0] += timedelta(minutes=2)  # past any backoff and the listing lag
            standin.advance(120)
        pub.close()
        counts = store.counts()
        store.close()
        assert counts == {"published": 30}
        assert (standin.count("t3"), standin.count("t1")) == (10, 20)
        assert adapter.ambiguous >= 5  # the faults did strike
        assert writes(standin) == adapter.sends  # one HTTP write per send, no transport retry


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
