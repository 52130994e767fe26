"""Bad input in the queue, through the daemon (run_once) with the real adapters: an image
deleted after queueing, an image file corrupted after queueing, a post Reddit rejects.
Each goes to review with the reason; everything else publishes. Real SQLite store."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from bot.config import BlueskyAccount, Secret
from bot.daemon import Daemon
from bot.fetch import FetchPolicy
from bot.platforms.bluesky import BlueskyPlatform
from bot.platforms.reddit import RedditPlatform
from bot.publish import Publisher, PublishOptions
from bot.sandbox.reddit.standin import start_standin
from bot.store import open_store
from bot.threads import ImageRef, ImagesEmbed, PostDraft, ThreadDraft
from tests.daemon.realstore import enqueue_threads, rows
from tests.publish.test_reddit_faults import _account

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000126a1fd0e0000000049454e44ae426082"
)


def _image(path: Path) -> PostDraft:
    return PostDraft("with a picture", embed=ImagesEmbed((ImageRef(str(path), "alt"),)))


def test_bad_posts_go_to_review_with_reason_and_the_rest_publishes(pds, tmp_path):
    deleted, corrupted = tmp_path / "gone.png", tmp_path / "broken.png"
    deleted.write_bytes(PNG)
    corrupted.write_bytes(PNG)
    store = open_store(f"sqlite:///{tmp_path / 'bad.db'}")

    def queue(platform: str, *drafts: str | PostDraft) -> list[int]:
        posts = tuple(PostDraft(d) if isinstance(d, str) else d for d in drafts)
        thread = ThreadDraft(platform, 0, posts)
        return enqueue_threads(store, f"t{len(rows(store))}", [thread], {platform: platform[0]})

    gone = queue("bluesky", "a1", _image(deleted), "a3")
    broken = queue("bluesky", _image(corrupted), "b2")
    fine = queue("bluesky", "c1", "c2")
    sub = PostDraft("body", kind="submission", title="Rejected one")
    rejected = queue("reddit", sub, PostDraft("c", kind="comment"))
    ok_sub = PostDraft("body", kind="submission", title="Fine one")
    reddit_ok = queue("reddit", ok_sub, PostDraft("c", kind="comment"))
    deleted.unlink()  # after queueing
    corrupted.write_bytes(b"this is not a PNG any more")
    _, handle, password = pds.create_account("badinput")
    fault = {"api_error": {"code": "SUBREDDIT_NOTALLOWED", "message": "not allowed", "times": 1}}
    with start_standin(**fault) as standin:
        adapters = {
            "bluesky": BlueskyPlatform(
                BlueskyAccount("b", handle, Secret(password), service=pds.url), store,
                fetch_policy=FetchPolicy(timeout=5, allow_private=True),
            ),
            "reddit": RedditPlatform(_account(standin), store, timeout=5.0),
        }  # fmt: skip
        opts = PublishOptions(owner="d", concurrency=2, lease=timedelta(seconds=30))
        pub = Publisher(store, lambda n, a: adapters[n], {"bluesky": ["b"], "reddit": ["r"]},
                        opts, rng=random.Random(0))  # fmt: skip
        Daemon(store, pub).run_once()
        pub.close()
    found = {r["id"]: r for r in rows(store)}
    store.close()
    assert found[gone[1]]["state"] == "needs_review" and "gone.png" in found[gone[1]]["error"]
    assert found[broken[0]]["state"] == "needs_review"
    assert "not an image" in found[broken[0]]["error"]
    assert found[rejected[0]]["state"] == "needs_review"
    assert "SUBREDDIT_NOTALLOWED" in found[rejected[0]]["error"]
    assert [found[i]["state"] for i in (gone[2], broken[1], rejected[1])] == ["queued"] * 3
    for pid in [gone[0], *fine, *reddit_ok]:
        assert found[pid]["state"] == "published", (pid, found[pid]["error"])
    assert standin.count("t3") == 1 and standin.count("t1") == 1
