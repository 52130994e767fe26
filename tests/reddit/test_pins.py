"""Pinned where we reach inside praw/prawcore: the private attributes the transport sets
exist, the retry strategy and requestor in use are ours, and pyproject bounds the versions
this was checked with. A rename in a new release fails here (never a silent skip), and the
adapter refuses to send rather than let prawcore re-send writes."""

from __future__ import annotations

import logging
import tomllib
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from packaging.requirements import Requirement

from bot.platforms.reddit import RedditPlatform
from bot.platforms.reddit_transport import (
    SESSIONS,
    Unsupported,
    harden,
    rate_limiter_class,
    requestor_class,
    retry_strategy_class,
)
from bot.sandbox.reddit.standin import RedditStandin
from tests.reddit.conftest import MemorySessions, make_account

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _requirements() -> dict[str, Requirement]:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return {r.name: r for r in map(Requirement, deps)}


@pytest.mark.parametrize("name", ["praw", "prawcore"])
def test_versions_are_bounded_above_and_installed_within(name: str) -> None:
    req = _requirements()[name]
    assert any(spec.operator in ("<", "<=", "~=", "==") for spec in req.specifier), req
    assert req.specifier.contains(version(name)), f"{name} {version(name)} outside {req}"


def test_the_sessions_in_use_retry_our_way(standin: RedditStandin) -> None:
    """After a real request: every prawcore session praw made uses our retry strategy, and
    the requestor underneath is ours (so 5xx/timeouts on writes are never retried)."""
    adapter = RedditPlatform(make_account(standin), MemorySessions(), timeout=5.0)
    adapter._call("GET", "api/v1/me")
    reddit: Any = adapter._reddit
    sessions = [getattr(reddit, attr, None) for attr in SESSIONS]
    assert reddit._core is not None and reddit._read_only_core is not None
    for session in filter(None, sessions):
        assert session._retry_strategy_class is retry_strategy_class()
        assert type(session._rate_limiter) is rate_limiter_class()  # never sleeps
        assert getattr(session._log_request, "lazy", False)  # formats only what it logs
        requestor = session._authorizer._authenticator._requestor
        assert type(requestor) is requestor_class() and requestor._http is adapter._http
    from prawcore.sessions import FiniteRetryStrategy

    assert issubclass(retry_strategy_class(), FiniteRetryStrategy)
    assert retry_strategy_class()(None)._sleep_seconds() is None  # no backoff sleep
    adapter.close()


def test_a_session_without_the_attribute_is_refused() -> None:
    session = SimpleNamespace()  # as if prawcore renamed _retry_strategy_class
    with pytest.raises(Unsupported, match="_retry_strategy_class"):
        harden(SimpleNamespace(_core=session, _read_only_core=session))
    no_limiter = SimpleNamespace(_retry_strategy_class=None)  # ... or _rate_limiter
    with pytest.raises(Unsupported, match="_rate_limiter"):
        harden(SimpleNamespace(_core=no_limiter))
    with pytest.raises(Unsupported, match="no _core"):
        harden(SimpleNamespace(_read_only_core=session))


def test_the_adapter_sends_nothing_on_an_unsupported_prawcore(
    standin: RedditStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prawcore.sessions

    monkeypatch.delattr(prawcore.sessions.Session, "_retry_strategy_class", raising=False)
    original = prawcore.sessions.Session.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        del self._retry_strategy_class  # the attribute gone, as after a rename

    monkeypatch.setattr(prawcore.sessions.Session, "__init__", init)
    from bot.platforms.base import Outgoing
    from bot.threads import PostDraft

    adapter = RedditPlatform(make_account(standin), MemorySessions(), timeout=5.0)
    post = Outgoing(
        post_id=1,
        key="k",
        account="main",
        subreddit="sharebot_test",
        draft=PostDraft(text="b", kind="submission", title="T"),
    )
    with pytest.raises(Unsupported, match="not supported"):
        adapter.send(post)
    assert standin.counters["POST /api/submit"] == 0


def _reply(adapter: RedditPlatform, text: str) -> None:
    from bot.platforms.base import Outgoing
    from bot.threads import PostDraft

    root = adapter.send(
        Outgoing(post_id=1, key="k1", account="main", subreddit="sharebot_test",
                 draft=PostDraft(text="body", kind="submission", title="T"))
    )  # fmt: skip
    adapter.send(
        Outgoing(post_id=2, key="k2", account="main", parent=root,
                 draft=PostDraft(text=text, kind="comment"))
    )  # fmt: skip


def test_prawcore_formats_request_data_only_when_it_logs_it(
    standin: RedditStandin, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """prawcore pretty-prints every request's data for its debug log before the logger
    drops it (~0.2 ms of CPU a request): with debug logging off nothing is formatted;
    with it on, prawcore's own lines are written as before."""
    import prawcore.sessions

    formatted: list[object] = []
    original = prawcore.sessions.pformat

    def counting(value: object) -> str:
        formatted.append(value)
        return original(value)

    monkeypatch.setattr(prawcore.sessions, "pformat", counting)
    adapter = RedditPlatform(make_account(standin), MemorySessions(), timeout=5.0)
    caplog.set_level(logging.WARNING, logger="prawcore")
    _reply(adapter, "quiet comment")
    assert standin.counters["POST /api/comment"] == 1
    assert formatted == []
    caplog.set_level(logging.DEBUG, logger="prawcore")
    _reply(adapter, "logged comment")
    assert any("logged comment" in str(value) for value in formatted)
    data = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Data: ")]
    assert any("logged comment" in line for line in data), data
    adapter.close()
