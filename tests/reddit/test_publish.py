"""An article published through RedditPlatform and read back through real PRAW."""

from __future__ import annotations

import praw

from bot.config import Secret
from bot.platforms.base import Outgoing
from bot.platforms.reddit import RedditPlatform
from bot.sandbox.reddit.standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    REFRESH_TOKEN,
    USERNAME,
    RedditStandin,
)
from bot.threads import PostDraft
from tests.reddit.conftest import MemorySessions, make_account
from tests.reddit.helpers import SECTIONS, Publisher, article_thread, seed_thread


def reader(standin: RedditStandin) -> praw.Reddit:
    return praw.Reddit(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        username=USERNAME,
        password=PASSWORD,
        user_agent="sharebot-tests reader",
        oauth_url=standin.url,
        reddit_url=standin.url,
        short_url=standin.url,
        check_for_updates=False,
    )


def test_article_becomes_submission_and_comment_chain(
    standin: RedditStandin, platform: RedditPlatform
) -> None:
    thread = article_thread()
    refs = Publisher(platform).publish(thread, prefix="art1")

    assert [r.uri[:3] for r in refs] == ["t3_", "t1_", "t1_", "t1_"]
    assert all(r.url.startswith("https://www.reddit.com/r/sharebot_test/comments/") for r in refs)
    assert all(r.cid == "" for r in refs)
    reddit = reader(standin)
    things = list(reddit.info(fullnames=[r.uri for r in refs]))
    assert [t.fullname for t in things] == [r.uri for r in refs]
    submission = reddit.submission(refs[0].uri[3:])
    assert submission.title == thread.posts[0].title
    assert submission.selftext == thread.posts[0].text + "\n\n[](#sb-art1-0)"
    chain = submission.comments.list()
    assert [c.fullname for c in chain] == [r.uri for r in refs[1:]]
    assert [c.parent_id for c in chain] == [r.uri for r in refs[:-1]]
    for comment, (head, body), key in zip(
        chain, SECTIONS, ("art1-1", "art1-2", "art1-3"), strict=True
    ):
        assert comment.body == f"## {head}\n\n{body}\n\n[](#sb-{key})"
    assert refs[1].url == "https://www.reddit.com" + chain[0].permalink


def test_seed_article_round_trip(standin: RedditStandin, platform: RedditPlatform) -> None:
    """posts/china-russia-partnership.txt: submission + 15 section comments, read back."""
    thread = seed_thread()
    refs = Publisher(platform).publish(thread, prefix="seed")
    assert len(refs) == len(thread.posts) == 16
    reddit = reader(standin)
    submission = reddit.submission(refs[0].uri[3:])
    assert submission.title == "China-Russia Relationship: Mutual Strategic Partnership"
    assert submission.selftext.removesuffix("\n\n[](#sb-seed-0)") == thread.posts[0].text
    chain = submission.comments.list()
    assert [c.parent_id for c in chain] == [r.uri for r in refs[:-1]]
    bodies = [c.body.rsplit("\n\n[](#sb-", 1)[0] for c in chain]
    assert bodies == [p.text for p in thread.posts[1:]]
    assert "Joint Themes Repeated By Both Leaders" in bodies[8]
    assert "What Yesterday’s Meetings Signaled" in bodies[-1]


def test_link_post_with_flair_and_flags(standin: RedditStandin, platform: RedditPlatform) -> None:
    draft = PostDraft(
        text="",
        kind="submission",
        title="Read this",
        link_url="https://example.org/a?utm_source=reddit",
    )
    post = Outgoing(
        post_id=1,
        key="lk1",
        account="main",
        draft=draft,
        subreddit="flair_required",
        flair="analysis",
        prepared={"nsfw": True, "spoiler": True},
    )
    ref = platform.send(post)
    data = standin.world.things[ref.uri]
    assert (data["url"], data["is_self"], data["selftext"]) == (draft.link_url, False, "")
    assert (data["link_flair_text"], data["over_18"], data["spoiler"]) == ("Analysis", True, True)
    assert platform.reconcile(post) == ref


def test_refresh_token_account(standin: RedditStandin, sessions: MemorySessions) -> None:
    account = make_account(
        standin, username=None, password=None, refresh_token=Secret(REFRESH_TOKEN)
    )
    adapter = RedditPlatform(account, sessions, timeout=5.0)
    refs = Publisher(adapter).publish(article_thread(), prefix="rt")
    assert standin.counters["POST /api/v1/access_token"] == 1
    assert (
        adapter.reconcile(  # found through /api/v1/me + /user/{name}/comments
            __import__("bot.platforms.base", fromlist=["Outgoing"]).Outgoing(
                post_id=9,
                key="rt-3",
                account="main",
                draft=article_thread().posts[3],
                parent=refs[2],
            )
        )
        == refs[3]
    )
    adapter.close()


def test_continuing_thread_starts_with_a_comment(
    standin: RedditStandin, platform: RedditPlatform
) -> None:
    """Reddit thread_mode section: a later section's first post replies to the last one."""
    first = Publisher(platform).publish(article_thread(), prefix="s1")
    draft = PostDraft(text="## Next section\n\nMore.", kind="comment")
    ref = platform.send(
        Outgoing(post_id=5, key="s2-0", account="main", draft=draft, parent=first[-1])
    )
    assert standin.world.things[ref.uri]["parent_id"] == first[-1].uri
    assert standin.count("t3") == 1


def test_comment_without_parent_is_refused(
    standin: RedditStandin, platform: RedditPlatform
) -> None:
    import pytest

    from bot.errors import RejectedError

    with pytest.raises(RejectedError, match="needs the post it replies to"):
        platform.send(
            Outgoing(
                post_id=1, key="orphan", account="main", draft=PostDraft(text="x", kind="comment")
            )
        )
    assert sum(standin.counters.values()) == 0
