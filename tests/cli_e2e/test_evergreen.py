"""Evergreen re-shares end to end: the real daemon (`run --once`) queues a quote post of the
original thread's root after the interval (simulated by moving the store's clock mark), and
it reaches the PDS with its embed pointing at the root's uri and cid; exactly once."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from bot.store.schema import micros
from tests.cli_e2e.conftest import SHORT


def _interval_passes(cli) -> None:
    past = micros(datetime.now(UTC) - timedelta(seconds=1))
    with sqlite3.connect(cli.tmp / "store.db") as conn:
        assert conn.execute("UPDATE evergreen SET next_at = ?", (past,)).rowcount == 1


def test_an_evergreen_article_is_reshared_as_a_quote_of_its_root(cli):
    article = cli.tmp / "posts" / "short.txt"
    article.write_text(SHORT)
    added = cli.run("queue", "add", str(article), "--to", "bluesky", "--now", "--evergreen",
                    "30d", "--max-reshares", "1", "--json")  # fmt: skip
    assert added.returncode == 0, added.stderr
    aid = json.loads(added.stdout)["article"]
    assert cli.run("publish", f"a{aid}", "--yes").returncode == 0
    (root,) = [r for r in cli.records() if "reply" not in r["value"]]
    assert cli.run("run", "--once").returncode == 0
    assert len(cli.records()) == 1  # not yet: the re-share waits for its interval
    _interval_passes(cli)
    once = cli.run("run", "--once")  # the daemon's evergreen job queues the re-share
    assert once.returncode == 0, once.stderr
    shown = json.loads(cli.run("queue", "show", f"a{aid}", "--json").stdout)["posts"]
    reshare = [p for p in shown if p["state"] == "queued"]
    assert len(reshare) == 1 and reshare[0]["text"].startswith("Worth another read: ")
    assert cli.run("publish", f"a{aid}", "--yes").returncode == 0  # now, not at its slot
    quotes = [r for r in cli.records() if r["value"].get("embed", {}).get("$type")
              == "app.bsky.embed.record"]  # fmt: skip
    assert len(quotes) == 1
    embedded = quotes[0]["value"]["embed"]["record"]
    assert embedded == {"uri": root["uri"], "cid": root["cid"]}
    assert quotes[0]["value"]["text"] != root["value"]["text"]
    _interval_passes(cli)  # max_reshares = 1: no second re-share
    assert cli.run("run", "--once").returncode == 0
    shown = json.loads(cli.run("queue", "show", f"a{aid}", "--json").stdout)["posts"]
    assert [p["state"] for p in shown] == ["published", "published"]
    assert len(cli.records()) == 2
