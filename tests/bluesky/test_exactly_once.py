"""Exactly once at the adapter: ambiguous sends and a crash between send and confirm
are resolved by reconcile (getRecord on the fixed rkey), never by a blind resend."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.errors import AmbiguousError
from bot.platforms.base import Outgoing
from bot.threads import PostDraft
from tests.bluesky.conftest import list_records
from tests.bluesky.test_send import NOW
from tests.servers.proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def proxy(pds: Any) -> Iterator[FaultProxy]:
    with FaultProxy(pds.url) as running:
        yield running


def claimed(platform: Any, text: str, key: str) -> Outgoing:
    draft = PostDraft(text)
    return Outgoing(1, key, "a", draft, prepared=platform.prepare(draft, key, NOW))


@pytest.mark.parametrize("fault", ["500-after", "drop-after"])
def test_write_then_failure_is_ambiguous_and_reconcile_finds_it(
    pds, account, make_platform, proxy, fault
):
    platform = make_platform(account.config(proxy.url))
    post = claimed(platform, f"after a {fault}", "amb")
    proxy.inject("createRecord", fault)
    with pytest.raises(AmbiguousError):
        platform.send(post)

    found = platform.reconcile(post)
    assert found is not None
    assert found.uri.endswith("/" + post.prepared["rkey"])
    records = list_records(pds, account.did)
    assert [r["value"]["text"] for r in records] == [f"after a {fault}"]
    assert records[0]["cid"] == found.cid


def test_resend_of_a_written_rkey_never_duplicates(pds, account, make_platform):
    platform = make_platform(account.config(pds.url))
    post = claimed(platform, "once", "dup")
    first = platform.send(post)
    with pytest.raises(AmbiguousError):  # the PDS answers a duplicate rkey with 500
        platform.send(post)
    assert platform.reconcile(post) == first
    assert len(list_records(pds, account.did)) == 1


def test_reconcile_of_an_unsent_post_is_none(pds, account, make_platform):
    platform = make_platform(account.config(pds.url))
    assert platform.reconcile(claimed(platform, "never sent", "none")) is None


def read_line(stream: Any, timeout: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        assert selector.select(timeout), "child printed nothing in time"
    return str(stream.readline())


def test_crash_between_send_and_confirm(pds, account, make_platform):
    platform = make_platform(account.config(pds.url))
    post = claimed(platform, "sent by a publisher that then died", "crash")
    job = {
        "service": pds.url,
        "handle": account.handle,
        "password": account.password,
        "text": post.draft.text,
        "prepared": dict(post.prepared),
    }
    env = {**os.environ, "SHAREBOT_TEST_HOLD_AFTER_SEND": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.bluesky.child_send"],
        cwd=ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(json.dumps(job) + "\n")
        child.stdin.flush()
        sent = json.loads(read_line(child.stdout, 60))
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
        assert child.stdout.read() == ""  # it never reached "confirmed"
    finally:
        child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream:
                stream.close()

    found = platform.reconcile(post)  # the restarted publisher reconciles before any resend
    assert found is not None
    assert (found.uri, found.cid) == (sent["uri"], sent["cid"])
    records = list_records(pds, account.did)
    assert [r["value"]["text"] for r in records] == [post.draft.text]
