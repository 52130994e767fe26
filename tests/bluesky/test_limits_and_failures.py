"""Sessions and rate limits (PDS with rate limits on), wrong passwords, a PDS that is down,
and a record the PDS refuses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.errors import AuthError, RateLimitedError, RejectedError, TransientError
from bot.platforms.base import Outgoing
from bot.sandbox.postgres import free_port
from bot.threads import PostDraft
from tests.bluesky.conftest import MemorySessions, list_records, new_account
from tests.bluesky.test_send import NOW
from tests.servers.proxy import FaultProxy


def claimed(platform: Any, text: str, key: str) -> Outgoing:
    draft = PostDraft(text)
    return Outgoing(1, key, "a", draft, prepared=platform.prepare(draft, key, NOW))


@pytest.fixture
def limited_proxy(limited_pds: Any) -> Iterator[FaultProxy]:
    with FaultProxy(limited_pds.url) as running:
        yield running


def test_one_login_for_a_long_run_and_across_restarts(limited_pds, limited_proxy, make_platform):
    account = new_account(limited_pds)
    sessions = MemorySessions()
    config = account.config(limited_proxy.url)
    platform = make_platform(config, sessions)
    for i in range(40):
        platform.send(claimed(platform, f"post {i}", f"k{i}"))
    platform.close()
    restarted = make_platform(config, sessions)  # a new process with the same store
    for i in range(40, 45):
        restarted.send(claimed(restarted, f"post {i}", f"k{i}"))

    assert limited_proxy.count("createSession") == 1
    assert limited_proxy.count("createRecord") == 45
    assert sessions.saves == 1
    assert len(list_records(limited_pds, account.did)) == 45


def test_the_pds_really_limits_logins(limited_pds, make_platform):
    """30 logins per 5 minutes: burn them, then the adapter's login gets the PDS's own 429."""
    account = new_account(limited_pds)
    with httpx.Client(base_url=f"{limited_pds.url}/xrpc", timeout=30) as http:
        body = {"identifier": account.handle, "password": account.password}
        statuses = [
            http.post("com.atproto.server.createSession", json=body).status_code for _ in range(30)
        ]
    assert statuses == [200] * 30
    sessions = MemorySessions()
    platform = make_platform(account.config(limited_pds.url), sessions)
    before = datetime.now(UTC)
    with pytest.raises(RateLimitedError) as caught:
        platform.send(claimed(platform, "too many logins", "rl"))
    assert before < caught.value.until <= before + timedelta(minutes=5, seconds=5)
    assert sessions.blocks == [("bluesky", account.handle, caught.value.until, str(caught.value))]


def test_injected_429_blocks_the_account_until_the_reset(pds, account, make_platform):
    sessions = MemorySessions()
    with FaultProxy(pds.url) as proxy:
        platform = make_platform(account.config(proxy.url), sessions)
        platform.send(claimed(platform, "before", "b"))
        reset = int(datetime.now(UTC).timestamp()) + 600
        proxy.inject(
            "createRecord",
            "429",
            {
                "ratelimit-limit": "5000",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(reset),
                "ratelimit-policy": "5000;w=3600",
            },
        )
        post = claimed(platform, "after", "a")
        with pytest.raises(RateLimitedError) as caught:
            platform.send(post)
        assert caught.value.until == datetime.fromtimestamp(reset, UTC)
        assert sessions.blocks == [
            ("bluesky", account.handle, caught.value.until, str(caught.value))
        ]
        assert platform.reconcile(post) is None  # the 429 never reached the PDS: nothing lost
        platform.send(post)  # once the block is over, the same post goes out
    assert sorted(r["value"]["text"] for r in list_records(pds, account.did)) == ["after", "before"]


def test_retry_after_is_used_without_a_reset_header(pds, account, make_platform):
    with FaultProxy(pds.url) as proxy:
        platform = make_platform(account.config(proxy.url), clock=lambda: NOW)
        proxy.inject("createRecord", "429", {"retry-after": "120"})
        with pytest.raises(RateLimitedError) as caught:
            platform.send(claimed(platform, "x", "x"))
    assert caught.value.until == NOW + timedelta(seconds=120)


def test_wrong_password_one_attempt_then_blocked(pds, account, make_platform):
    sessions = MemorySessions()
    with FaultProxy(pds.url) as proxy:
        platform = make_platform(account.config(proxy.url, password="wrong-pass"), sessions)
        for key in ("w1", "w2", "w3"):
            with pytest.raises(AuthError, match="refused"):
                platform.send(claimed(platform, "x", key))
        assert proxy.count("createSession") == 1
        assert proxy.count("createRecord") == 0
    assert len(sessions.blocks) == 1
    platform_name, name, until, reason = sessions.blocks[0]
    assert (platform_name, name, until) == ("bluesky", account.handle, None)
    assert "wrong-pass" not in reason and "Invalid identifier or password" in reason


def test_stale_saved_session_logs_in_again_once(pds, account, make_platform, caplog):
    caplog.set_level("INFO", logger="bot.platforms.bluesky")
    sessions = MemorySessions()
    first = make_platform(account.config(pds.url), sessions)
    first.send(claimed(first, "one", "s1"))
    saved = sessions.sessions[("bluesky", account.handle)]
    handle, did, access, refresh, _endpoint = saved.split(":::")
    forged = access.rsplit(".", 1)[0] + "." + "A" * 43  # well-formed, unexpired, wrong signature
    with FaultProxy(pds.url) as proxy:
        sessions.sessions[("bluesky", account.handle)] = ":::".join(
            [handle, did, forged, refresh, f"{proxy.url}/xrpc"]
        )
        second = make_platform(account.config(proxy.url), sessions)
        second.send(claimed(second, "two", "s2"))
        assert proxy.count("createSession") == 1
    assert sessions.sessions[("bluesky", account.handle)] not in (saved, "")
    assert forged not in sessions.sessions[("bluesky", account.handle)]
    assert [r.getMessage() for r in caplog.records] == [
        f"bluesky session for {account.handle} expired; logging in"
    ]
    assert len(list_records(pds, account.did)) == 2


def test_pds_down_is_transient(account, make_platform):
    sessions = MemorySessions()
    platform = make_platform(account.config(f"http://127.0.0.1:{free_port()}"), sessions)
    with pytest.raises(TransientError) as caught:
        platform.send(claimed(platform, "x", "down"))
    assert type(caught.value) is TransientError
    assert "ConnectError" in str(caught.value)
    assert sessions.blocks == []


def test_pds_down_while_sending_is_transient_not_ambiguous(pds, account, make_platform):
    with FaultProxy(pds.url) as proxy:
        platform = make_platform(account.config(proxy.url))
        platform.send(claimed(platform, "up", "up"))
        post = claimed(platform, "then down", "down")
    with pytest.raises(TransientError) as caught:
        platform.send(post)  # the proxy is gone: connection refused
    assert type(caught.value) is TransientError


def test_record_the_pds_refuses_carries_its_message(pds, account, make_platform):
    platform = make_platform(account.config(pds.url))
    with pytest.raises(RejectedError) as caught:
        platform.send(claimed(platform, "word " * 100, "long"))
    assert type(caught.value) is RejectedError
    assert "HTTP 400 InvalidRequest: Invalid app.bsky.feed.post record" in str(caught.value)
    assert "grapheme too big (maximum 300, got 500)" in str(caught.value)
    platform.send(claimed(platform, "the next post still goes out", "next"))
    assert [r["value"]["text"] for r in list_records(pds, account.did)] == [
        "the next post still goes out"
    ]


def test_unreadable_saved_session_falls_back_to_one_login(pds, account, make_platform):
    sessions = MemorySessions()
    sessions.sessions[("bluesky", account.handle)] = "garbage"
    with FaultProxy(pds.url) as proxy:
        platform = make_platform(account.config(proxy.url), sessions)
        platform.send(claimed(platform, "fine", "g"))
        assert proxy.count("createSession") == 1
    assert sessions.sessions[("bluesky", account.handle)] != "garbage"


def test_session_is_refreshed_before_expiry_not_recreated(pds, account, make_platform):
    sessions = MemorySessions()
    skew = [timedelta(0)]
    with FaultProxy(pds.url) as proxy:
        platform = make_platform(
            account.config(proxy.url), sessions, clock=lambda: datetime.now(UTC) + skew[0]
        )
        platform.send(claimed(platform, "one", "r1"))
        first = sessions.sessions[("bluesky", account.handle)]
        skew[0] = timedelta(hours=24)  # the access token now looks about to expire
        platform.send(claimed(platform, "two", "r2"))
        skew[0] = timedelta(0)
        platform.send(claimed(platform, "three", "r3"))
        assert proxy.count("createSession") == 1
        assert proxy.count("refreshSession") == 1
    assert sessions.saves == 2
    assert sessions.sessions[("bluesky", account.handle)] != first
    assert len(list_records(pds, account.did)) == 3


def test_restart_with_an_expiring_saved_session_refreshes_it(pds, account, make_platform):
    sessions = MemorySessions()
    first = make_platform(account.config(pds.url), sessions)
    first.send(claimed(first, "one", "e1"))
    handle, did, access, refresh, _endpoint = sessions.sessions[("bluesky", account.handle)].split(
        ":::"
    )
    with FaultProxy(pds.url) as proxy:
        sessions.sessions[("bluesky", account.handle)] = ":::".join(
            [handle, did, access, refresh, f"{proxy.url}/xrpc"]
        )
        later = datetime.now(UTC) + timedelta(hours=24)
        restarted = make_platform(account.config(proxy.url), sessions, clock=lambda: later)
        assert restarted.reconcile(claimed(restarted, "never sent", "e2")) is None
        assert (proxy.count("createSession"), proxy.count("refreshSession")) == (0, 1)
    assert sessions.sessions[("bluesky", account.handle)].split(":::")[3] != refresh
