"""The crash test: daemon processes publish 100 posts (both platforms, faults on) while
the harness SIGKILLs them at random moments at least 30 times and restarts them. At the
end every post is on its server exactly once, every reply under the right parent, none
left in sending. The daemons also kill themselves right after some sends (the
CRASH_AFTER_SEND hook of child_daemon.py), the worst moment: sent, not yet confirmed.

The daemons are real bot.daemon.Daemon processes over the real SQLite store (see
child_daemon.py); the articles are queued with the real Store.enqueue."""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
from pathlib import Path

from bot.sandbox.reddit.standin import start_standin
from bot.store import Store, open_store
from tests.bluesky.conftest import list_records
from tests.daemon.realstore import enqueue_article, rows, unpublished
from tests.servers.proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[2]
MIN_KILLS = 30


def _plan(store: Store) -> None:
    """4 articles x (2 Bluesky threads of 7 + a Reddit submission, 5 comments and a
    continuing chain of 6) = 104 posts."""
    for a in range(4):
        enqueue_article(store, f"crash{a}", bsky=7, reddit=6)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    with log.open("a") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.daemon.child_daemon", *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True,
        )  # fmt: skip


def _ready(proc: subprocess.Popen[str], timeout: float = 30.0) -> bool:
    """True once the child printed "ready"; False if it died first."""
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            raise AssertionError("daemon did not start")
        return proc.stdout.readline().strip() == "ready"
    finally:
        sel.close()


def _open(store: Store) -> int:
    return unpublished(store)


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(pds, tmp_path):
    did, handle, password = pds.create_account("crashtest")
    db = f"sqlite:///{tmp_path / 'crash.db'}"
    store = open_store(db)
    _plan(store)
    rng = random.Random(20261128)
    kills = self_kills = 0
    faults = {"create_then_502": {"every": 4}, "slow_reply": {"every": 6}}
    with start_standin(**faults) as reddit, FaultProxy(pds.url) as proxy:
        env = {**os.environ, "SHAREBOT_CRASH_BSKY_PASSWORD": password}
        args = [db, proxy.url, handle, reddit.url]
        life = 0
        while kills < MIN_KILLS and _open(store):
            life += 1
            proxy.inject("createRecord", rng.choice(["500-after", "drop-after"]))
            crash_env = {**env, "CRASH_AFTER_SEND": "p0.2"}
            proc = _start([*args, f"life{life}"], crash_env, tmp_path / "daemon.log")
            if not _ready(proc):
                proc.wait(10)
                self_kills += 1
                continue
            try:
                proc.wait(timeout=rng.uniform(0.05, 0.5))
                self_kills += 1
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
                kills += 1
        final = _start([*args, "final"], env, tmp_path / "daemon.log")
        assert _ready(final)
        _wait_done(store, final)
        final.send_signal(signal.SIGTERM)
        assert final.wait(10) == 0
        rows = _rows(store)
        bsky_records = {r["uri"]: r["value"] for r in list_records(pds, did)}
        things = reddit.world.things
        duplicates = len(bsky_records) + len(things) - len(rows)
        print(f"\nkills {kills} (+{self_kills} self-kills after send), posts {len(rows)},"
              f" duplicates {max(duplicates, 0)}, lost {_open(store)}")  # fmt: skip
    store.close()
    assert kills >= MIN_KILLS
    assert len(rows) >= 100
    assert {r["state"] for r in rows} == {"published"}
    _check_bluesky(rows, bsky_records)
    _check_reddit(rows, things)


def _wait_done(store: Store, proc: subprocess.Popen[str], timeout: float = 90.0) -> None:
    waited = 0.0
    while _open(store) and waited < timeout:
        try:
            proc.wait(timeout=0.2)  # returns early only if the daemon died
            raise AssertionError("the final daemon exited early")
        except subprocess.TimeoutExpired:
            waited += 0.2


def _check_bluesky(rows: list[dict], records: dict[str, dict]) -> None:
    mine = [r for r in rows if r["platform"] == "bluesky"]
    assert len(records) == len(mine), "duplicated or lost Bluesky posts"
    by_id = {r["id"]: r for r in rows}
    for row in mine:
        value = records[row["uri"]]
        assert value["text"] == _text(row)
        if row["parent"] is not None:
            assert value["reply"]["parent"]["uri"] == by_id[row["parent"]]["uri"]


def _check_reddit(rows: list[dict], things: dict[str, dict]) -> None:
    mine = [r for r in rows if r["platform"] == "reddit"]
    assert len(things) == len(mine), "duplicated or lost Reddit posts"
    by_id = {r["id"]: r for r in rows}
    for row in mine:
        data = things[row["uri"]]
        body = data.get("selftext") if row["uri"].startswith("t3_") else data.get("body")
        assert body.count(f"(#sb-{row['key']})") == 1 and _text(row) in body
        if row["parent"] is not None:
            assert data["parent_id"] == by_id[row["parent"]]["uri"]


def _text(row: dict) -> str:
    return str(row["text"])


def _rows(store: Store) -> list[dict]:
    return rows(store)
