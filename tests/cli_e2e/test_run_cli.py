"""`sharebot run` and `sharebot status` end to end: real store, real servers, subprocesses."""

from __future__ import annotations

import json
import signal

from tests.cli_e2e.conftest import SEED, SHORT


def _queue_short(cli, name: str = "short.txt") -> None:
    article = cli.tmp / name
    article.write_text(SHORT.replace("Short article", f"Short article {name}"), encoding="utf-8")
    added = cli.run("queue", "add", str(article), "--now", "--to", "bluesky,reddit")
    assert added.returncode == 0, added.stderr


def test_run_once_publishes_what_is_due_and_status_reports_it(cli):
    before = cli.reddit_things()
    _queue_short(cli)
    queued = json.loads(cli.run("status", "--json").stdout)
    assert queued["counts"].get("queued", 0) >= 2 and queued["next_due"] is not None
    result = cli.run("run", "--once")
    assert result.returncode == 0, result.stderr
    assert len(cli.records()) >= 1 and cli.reddit_things() > before
    status = cli.run("status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert set(data["counts"]) == {"published"} and data["next_due"] is None
    accounts = {(a["platform"], a["account"]): a for a in data["accounts"]}
    assert accounts[("bluesky", "sandbox")]["last_success"]
    assert accounts[("reddit", "sandbox")]["last_success"]
    assert all(a.get("blocked_until") is None for a in accounts.values())
    assert data["daemons"] and data["daemons"][0]["heartbeat"]
    cli.assert_no_secret(result.stdout, result.stderr, status.stdout)
    text = cli.run("status")
    assert text.returncode == 0 and "published=" in text.stdout and "sandbox" in text.stdout


def test_daemon_publishes_refuses_a_second_and_stops_on_sigterm(cli):
    daemon = cli.start("run", "--log-format", "json", "--log-level", "DEBUG")
    daemon.wait_for("started")
    _queue_short(cli)
    daemon.wait_for("published", timeout=30)  # the 1 s tick picks the new article up
    second = cli.run("run", "--once")
    assert second.returncode in (1, 2)
    assert "already running" in second.stderr and "Traceback" not in second.stderr
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.finish(timeout=10) == 0
    entries = [json.loads(line) for line in daemon.lines if line.strip()]
    assert entries and all("message" in e or "msg" in e for e in entries)
    cli.assert_no_secret("".join(daemon.lines), second.stderr)
    status = json.loads(cli.run("status", "--json").stdout)
    assert status["daemons"][0]["heartbeat"]


def test_sigterm_mid_article_exits_0_and_the_rest_goes_out_once(cli):
    added = cli.run(
        "queue", "add", str(SEED), "--now", "--every", "1s", "--to", "bluesky", "--json"
    )
    assert added.returncode == 0, added.stderr
    article = json.loads(added.stdout)["article"]
    daemon = cli.start("run")
    daemon.wait_for("published")
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.finish(timeout=10) == 0
    counts = json.loads(cli.run("status", "--json").stdout)["counts"]
    assert "sending" not in counts and counts.get("queued", 0) > 0  # stopped mid-article
    rest = cli.run("publish", f"a{article}", "--yes")  # the rest, now, through the same claims
    assert rest.returncode == 0, rest.stderr
    posts = json.loads(cli.run("queue", "list", "--all", "--limit", "10000", "--json").stdout)
    assert {p["state"] for p in posts} == {"published"}
    uris = [r["uri"] for r in cli.records()]
    assert len(uris) == len(set(uris)) == len(posts)
    assert sorted(u.rsplit("/", 1)[1] for u in uris) == sorted(
        p["url"].rsplit("/", 1)[1] for p in posts
    )
