"""Each Reddit failure -> the right sharebot error, message and account block."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import AmbiguousError, AuthError, RateLimitedError, RejectedError, TransientError
from bot.platforms.base import Outgoing, Ref
from bot.platforms.reddit import RedditPlatform
from bot.sandbox.reddit.standin import RedditStandin, start_standin
from bot.threads import PostDraft
from tests.reddit.conftest import NOW, MemorySessions, make_account


def submission(
    sr: str = "sharebot_test",
    *,
    title: str = "T",
    text: str = "body",
    key: str = "k",
    flair: str | None = None,
) -> Outgoing:
    draft = PostDraft(text=text, kind="submission", title=title)
    return Outgoing(post_id=1, key=key, account="main", draft=draft, subreddit=sr, flair=flair)


def reply_to(parent: Ref, text: str = "reply", key: str = "c") -> Outgoing:
    return Outgoing(
        post_id=2,
        key=key,
        account="main",
        parent=parent,
        draft=PostDraft(text=text, kind="comment"),
    )


@pytest.mark.parametrize(
    ("style", "n", "unit", "delta"),
    [
        ("break", 9, "minutes", timedelta(minutes=9)),
        ("again", 1, "minutes", timedelta(minutes=1)),
        ("again", 40, "seconds", timedelta(seconds=40)),
    ],
)
def test_ratelimit_blocks_until_reddit_says(
    standin: RedditStandin,
    platform: RedditPlatform,
    sessions: MemorySessions,
    style: str,
    n: int,
    unit: str,
    delta: timedelta,
) -> None:
    parent = platform.send(submission())
    standin.set_fault("ratelimit", style=style, n=n, unit=unit)
    with pytest.raises(RateLimitedError, match="RATELIMIT") as err:
        platform.send(reply_to(parent))
    assert err.value.until == NOW + delta and err.value.scope == "account"
    assert sessions.blocks == [("reddit", "main", NOW + delta, str(err.value))]
    with pytest.raises(RateLimitedError) as err2:
        platform.send(submission(key="k2"))
    assert err2.value.scope == "subreddit:r/sharebot_test"
    assert sessions.blocks[-1][1] == "main/r/sharebot_test"


def test_429_retry_after(
    standin: RedditStandin, platform: RedditPlatform, sessions: MemorySessions
) -> None:
    standin.set_fault("too_many_requests", retry_after=7)
    with pytest.raises(RateLimitedError, match="429") as err:
        platform.send(submission())
    assert err.value.until == NOW + timedelta(seconds=7)
    assert sessions.blocks[0][:3] == ("reddit", "main", NOW + timedelta(seconds=7))


def test_401_once_refreshes_the_token(standin: RedditStandin, platform: RedditPlatform) -> None:
    parent = platform.send(submission())
    standin.set_fault("unauthorized_once")
    ref = platform.send(reply_to(parent))
    assert ref.uri.startswith("t1_")
    assert standin.counters["POST /api/v1/access_token"] == 2
    assert standin.counters["POST /api/comment"] == 2  # refused once (401), then accepted
    assert standin.count("t1") == 1


def test_wrong_password_is_auth_error_and_blocks(standin: RedditStandin) -> None:
    from bot.config import Secret

    sessions = MemorySessions()
    adapter = RedditPlatform(make_account(standin, password=Secret("wrong")), sessions)
    with pytest.raises(AuthError, match="invalid_grant") as err:
        adapter.send(submission())
    assert "wrong" not in str(err.value)
    assert sessions.blocks == [("reddit", "main", None, str(err.value))]


@pytest.mark.parametrize(
    ("sr", "expected"),
    [
        ("no_such_sub", "SUBREDDIT_NOEXIST: r/no_such_sub does not exist"),
        ("restricted_sub", "SUBREDDIT_NOTALLOWED: you aren't allowed to post there. (sr)"),
    ],
)
def test_subreddit_refusals(
    standin: RedditStandin, platform: RedditPlatform, sr: str, expected: str
) -> None:
    with pytest.raises(RejectedError) as err:
        platform.send(submission(sr))
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("code", "message", "field"),
    [
        ("SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"),
        ("NO_TEXT", "we need something here", "text"),
        (
            "SUBMIT_VALIDATION_BODY_BLACKLISTED_STRING",
            "Your post body contains a banned word",
            "text",
        ),
    ],
)
def test_reddit_errors_in_200_envelope(
    standin: RedditStandin, platform: RedditPlatform, code: str, message: str, field: str
) -> None:
    standin.set_fault("api_error", code=code, message=message, field=field)
    with pytest.raises(RejectedError) as err:
        platform.send(submission())
    assert f"{code}: {message} ({field})" in str(err.value)


def test_comment_too_long(standin: RedditStandin, platform: RedditPlatform) -> None:
    parent = platform.send(submission())
    with pytest.raises(RejectedError, match=r"TOO_LONG: this is too long \(max: 10000\) \(text\)"):
        platform.send(reply_to(parent, text="x" * 10_000))
    assert standin.count("t1") == 0


def test_selftext_and_title_too_long_refused_before_posting(
    standin: RedditStandin, platform: RedditPlatform
) -> None:
    with pytest.raises(RejectedError, match="body is 40011 characters, the limit is 40000"):
        platform.send(submission(text="x" * 40_000))
    with pytest.raises(RejectedError, match="title is 301 characters, the limit is 300"):
        platform.send(submission(title="t" * 301))
    assert standin.counters["POST /api/submit"] == 0


def test_400_with_reason_after_rules_changed(
    standin: RedditStandin, platform: RedditPlatform
) -> None:
    platform.send(submission())  # caches the subreddit's rules
    standin.world.subreddit("sharebot_test").requirements["title_blacklisted_strings"] = ["spam"]
    with pytest.raises(RejectedError) as err:
        platform.send(submission(title="Spam and eggs", key="k2"))
    assert "SUBMIT_VALIDATION_TITLE_BLACKLISTED_STRING" in str(err.value)
    assert 'You may not have "spam" in your title.' in str(err.value)


def test_flair_required_and_missing_is_refused_before_posting(
    standin: RedditStandin, platform: RedditPlatform
) -> None:
    with pytest.raises(
        RejectedError,
        match="r/flair_required would refuse this post: "
        "the subreddit requires post flair and none is configured",
    ):
        platform.send(submission("flair_required"))
    assert standin.counters["POST /api/submit"] == 0
    ref = platform.send(submission("flair_required", flair="News"))
    assert standin.world.things[ref.uri]["link_flair_text"] == "News"


def test_unknown_flair_text(standin: RedditStandin, platform: RedditPlatform) -> None:
    with pytest.raises(
        RejectedError,
        match="r/sharebot_test has no link flair 'Opinion' "
        r"\(it has: 'News', 'Analysis'\)",
    ):
        platform.send(submission(flair="Opinion"))
    assert standin.counters["POST /api/submit"] == 0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_on_read_is_transient(
    standin: RedditStandin, platform: RedditPlatform, status: int
) -> None:
    """Transient as a read; inside reconcile the outcome stays unknown (not "absent")."""
    standin.set_fault("server_error", status=status, scope="read")
    with pytest.raises(TransientError, match=f"HTTP {status} on GET"):
        platform._call("GET", "user/sharebot_test/submitted")
    with pytest.raises(AmbiguousError, match=f"could not read .*HTTP {status} on GET"):
        platform.reconcile(submission())
    assert standin.counters["GET /user/{name}/submitted"] == 2  # not retried by prawcore


def test_timeout_on_read_is_transient(standin: RedditStandin) -> None:
    adapter = RedditPlatform(make_account(standin), MemorySessions(), timeout=0.3)
    standin.set_fault("slow_reply", scope="read")
    with pytest.raises(TransientError, match="ReadTimeout"):
        adapter._call("GET", "api/v1/me")
    with pytest.raises(AmbiguousError, match=r"could not read .*ReadTimeout"):
        adapter.reconcile(submission())
    adapter.close()


def test_unreachable_server_is_transient(standin: RedditStandin) -> None:
    account = make_account(standin, oauth_url="http://127.0.0.1:9", reddit_url="http://127.0.0.1:9")
    adapter = RedditPlatform(account, MemorySessions(), timeout=2)
    with pytest.raises(TransientError, match="ConnectionError"):
        adapter.send(submission())


def test_spent_request_budget_blocks_instead_of_sleeping(sessions: MemorySessions) -> None:
    """x-ratelimit-remaining 0: prawcore would sleep up to the reset; we block the account.

    (A reset of 100 s with 3 requests keeps prawcore's own pacing delay at zero.)
    """
    with start_standin(ratelimit_headers=True, ratelimit_budget=3, ratelimit_reset=100) as standin:
        adapter = RedditPlatform(make_account(standin), sessions, clock=lambda: NOW)
        parent = adapter.send(submission())  # rules + submit
        adapter.send(reply_to(parent))
        with pytest.raises(RateLimitedError, match="request budget spent") as err:
            adapter.send(reply_to(parent, key="c2"))
        assert NOW + timedelta(seconds=90) < err.value.until <= NOW + timedelta(seconds=100)
        assert sessions.blocks[-1][:3] == ("reddit", "main", err.value.until)
        assert standin.count("t1") == 1
        adapter.close()
