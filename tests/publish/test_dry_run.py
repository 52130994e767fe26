"""`publish --dry-run` builds exactly what the adapters would send (their pure build_*)."""

from __future__ import annotations

from bot.app.publishing import dry_run, dry_run_plan
from bot.config import from_mapping
from tests.publish.test_reddit_faults import SEED


def test_dry_run_records_are_the_adapters_records_and_forms():
    plan = dry_run_plan(from_mapping({}), str(SEED), ("bluesky", "reddit"))
    records = dry_run(plan)
    threads = plan.threads
    assert len(records) == sum(len(t.posts) for t in threads)
    bsky = [r["body"] for r in records if r["platform"] == "bluesky"]
    reddit = [r["body"] for r in records if r["platform"] == "reddit"]
    assert all(b["$type"] == "app.bsky.feed.post" for b in bsky)
    firsts = {t.posts[0].text for t in threads if t.platform == "bluesky"}
    for body in bsky:
        assert ("reply" in body) == (body["text"] not in firsts)
    assert reddit[0]["sr"] == "<subreddit>" and reddit[0]["kind"] in ("self", "link")
    assert all("thing_id" in form and "(#sb-<key>)" in form["text"] for form in reddit[1:])
