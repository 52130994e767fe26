"""`sharebot publish` end to end: real store, real PDS and Reddit stand-in, subprocesses."""

from __future__ import annotations

import json
import re

from tests.cli_e2e.conftest import SEED, SHORT

BSKY_URL = re.compile(r"^  bluesky\s+(https://bsky\.app/profile/\S+/post/\S+)$", re.M)


def test_publish_seed_to_bluesky_prints_every_url_and_share_links(cli):
    result = cli.run("publish", str(SEED), "--to", "bluesky", "--yes")
    assert result.returncode == 0, result.stderr
    urls = BSKY_URL.findall(result.stdout)
    records = cli.records()
    assert len(records) >= 10
    assert len(urls) == len(set(urls)) == len(records)
    rkeys = {r["uri"].rsplit("/", 1)[1] for r in records}
    assert {u.rsplit("/", 1)[1] for u in urls} == rkeys
    links = result.stdout[result.stdout.index("share links:") :]
    assert links.count("Bluesky: https://bsky.app/intent/compose?") >= 5
    assert links.count("Reddit:  https://www.reddit.com/submit?") >= 5
    cli.assert_no_secret(result.stdout, result.stderr)


def test_dry_run_prints_records_and_forms_and_sends_nothing(cli):
    before = cli.reddit_things()
    result = cli.run("publish", str(SEED), "--dry-run")
    assert result.returncode == 0, result.stderr
    bodies = json.loads(result.stdout)
    kinds = {b["platform"] for b in bodies}
    assert kinds == {"bluesky", "reddit"}
    bluesky = [b["body"] for b in bodies if b["platform"] == "bluesky"]
    assert bluesky and all(body["$type"] == "app.bsky.feed.post" for body in bluesky)
    reddit = [b["body"] for b in bodies if b["platform"] == "reddit"]
    assert reddit[0]["sr"] == "sharebot_test" and reddit[0]["title"]
    assert all("thing_id" in form for form in reddit[1:])
    assert cli.records() == [] and cli.reddit_things() == before
    cli.assert_no_secret(result.stdout, result.stderr)


def test_rejected_post_exits_1_with_the_reason(cli):
    article = cli.tmp / "short.txt"
    article.write_text(SHORT, encoding="utf-8")
    cli.standin.set_fault("api_error", code="SUBREDDIT_NOTALLOWED", message="not allowed", times=1)
    try:
        result = cli.run("publish", str(article), "--to", "reddit", "--yes")
    finally:
        cli.standin.clear_fault("api_error")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stderr and "SUBREDDIT_NOTALLOWED" in result.stderr
    assert "needs_review" in result.stderr
    cli.assert_no_secret(result.stdout, result.stderr)


def test_publish_a_queued_article_id_sends_it_now(cli):
    article = cli.tmp / "later.txt"
    article.write_text(SHORT.replace("Short article", "Later article"), encoding="utf-8")
    added = cli.run("queue", "add", str(article), "--at", "+6h", "--to", "bluesky", "--json")
    assert added.returncode == 0, added.stderr
    article_id = json.loads(added.stdout)["article"]
    result = cli.run("publish", f"a{article_id}", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    urls = BSKY_URL.findall(result.stdout)
    assert urls and len(urls) == len(cli.records())


def test_publish_to_an_unconfigured_platform_is_a_usage_error(cli):
    text = cli.config.read_text(encoding="utf-8")
    cli.config.write_text(text[: text.index("[[reddit]]")], encoding="utf-8")
    result = cli.run("publish", str(SEED), "--to", "reddit", "--yes")
    assert result.returncode == 2
    assert "no reddit account is configured" in result.stderr and "Traceback" not in result.stderr


def test_publish_json_lists_every_post_and_the_share_links(cli):
    article = cli.tmp / "json.txt"
    article.write_text(SHORT.replace("Short article", "Json article"), encoding="utf-8")
    result = cli.run("publish", str(article), "--to", "bluesky", "--yes", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # nothing but the JSON on stdout
    posts = data["posts"]
    records = cli.records()
    assert posts and len(posts) == len(records)
    assert {p["state"] for p in posts} == {"published"} and {p["error"] for p in posts} == {None}
    assert {p["uri"] for p in posts} == {r["uri"] for r in records}
    assert all(p["url"].startswith("https://bsky.app/profile/") for p in posts)
    assert data["share_links"]["article"]["bluesky_intent"].startswith("https://bsky.app/intent/")
    assert isinstance(data["article"], int)
    cli.assert_no_secret(result.stdout, result.stderr)


def test_publish_twice_sends_once_and_sync_queues_nothing_more(cli):
    """One path for publish, queue add and sync: the daemon's sync of the published file
    (same hash) adds nothing, and a second publish prints the URLs and sends nothing."""
    first = cli.run("publish", str(SEED), "--to", "bluesky", "--yes", "--json")
    assert first.returncode == 0, first.stderr
    sent = len(cli.records())
    assert sent >= 10
    again = cli.run("publish", str(SEED), "--to", "bluesky", "--yes")
    assert again.returncode == 0, again.stderr
    assert "was published before: nothing sent" in again.stdout
    assert len(BSKY_URL.findall(again.stdout)) == sent
    synced = cli.run("sync", str(SEED.parent), "--json")
    assert synced.returncode == 0, synced.stderr
    report = json.loads(synced.stdout)
    assert report["added"] == [] and report["updated"] == []
    counts = json.loads(cli.run("status", "--json").stdout)["counts"]
    assert counts == {"published": sent}  # no Reddit posts nobody asked for
    assert len(cli.records()) == sent
