"""The stand-in itself: envelopes, limits, headers and fault switching (raw HTTP)."""

from __future__ import annotations

import pytest
import requests

from bot.sandbox.reddit.standin import (
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    RedditStandin,
    start_standin,
)


def token(standin: RedditStandin) -> requests.Response:
    return requests.post(
        f"{standin.url}/api/v1/access_token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={"grant_type": "password", "username": USERNAME, "password": PASSWORD},
        timeout=5,
    )


def post(standin: RedditStandin, path: str, **form: str) -> requests.Response:
    bearer = token(standin).json()["access_token"]
    return requests.post(
        f"{standin.url}{path}",
        data={"api_type": "json", **form},
        headers={"Authorization": f"bearer {bearer}"},
        timeout=5,
    )


def test_token_answer_closes_the_connection(standin: RedditStandin) -> None:
    response = token(standin)
    assert response.headers["Connection"] == "close"
    assert set(response.json()) == {"access_token", "token_type", "expires_in", "scope"}


def test_unknown_token_gets_401_with_www_authenticate(standin: RedditStandin) -> None:
    response = requests.get(
        f"{standin.url}/api/v1/me", headers={"Authorization": "bearer nope"}, timeout=5
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="reddit", error="invalid_token"'


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"title": "t" * 301, "text": "x"}, ["TOO_LONG", "this is too long (max: 300)", "title"]),
        (
            {"title": "ok", "text": "x" * 40_001},
            ["TOO_LONG", "this is too long (max: 40000)", "text"],
        ),
        ({"title": " ", "text": "x"}, ["NO_TEXT", "we need something here", "title"]),
    ],
)
def test_submit_limits(standin: RedditStandin, form: dict[str, str], error: list[str]) -> None:
    response = post(standin, "/api/submit", sr="sharebot_test", kind="self", **form)
    assert response.status_code == 200
    assert response.json() == {"json": {"errors": [error]}}
    assert standin.count("t3") == 0


def test_comment_limit_is_10000(standin: RedditStandin) -> None:
    sub = post(standin, "/api/submit", sr="sharebot_test", kind="self", title="t", text="b")
    parent = sub.json()["json"]["data"]["name"]
    ok = post(standin, "/api/comment", thing_id=parent, text="x" * 10_000)
    too_long = post(standin, "/api/comment", thing_id=parent, text="x" * 10_001)
    assert ok.json()["json"]["errors"] == []
    assert too_long.json()["json"]["errors"] == [
        ["TOO_LONG", "this is too long (max: 10000)", "text"]
    ]


def test_rate_limit_headers_as_recorded_unless_turned_off() -> None:
    """Every OAuth answer counts against a 600-s window: remaining falls, used rises, reset
    is the window's end (as in the recordings); none on 5xx; none when turned off."""
    with start_standin(ratelimit_headers=False) as quiet, start_standin() as loud:
        assert not any(
            h.startswith("x-ratelimit") for h in post(quiet, "/api/del", id="t3_x").headers
        )
        seen = [post(loud, "/api/del", id="t3_x").headers for _ in range(3)]
        assert [h["x-ratelimit-remaining"] for h in seen] == ["999.0", "998.0", "997.0"]
        assert [h["x-ratelimit-used"] for h in seen] == ["1", "2", "3"]
        assert all(0 < int(h["x-ratelimit-reset"]) <= 600 for h in seen)
        loud.set_fault("server_error", status=503, times=1)
        assert "x-ratelimit-used" not in post(loud, "/api/del", id="t3_x").headers
        loud.advance(600)  # the next window
        assert post(loud, "/api/del", id="t3_x").headers["x-ratelimit-used"] == "1"


def test_fault_every_nth_and_times(standin: RedditStandin) -> None:
    standin.set_fault("server_error", status=503, scope="write", every=2, times=2)
    statuses = [post(standin, "/api/del", id="t3_x").status_code for _ in range(6)]
    assert statuses == [200, 503, 200, 503, 200, 200]
    with pytest.raises(ValueError, match="unknown fault"):
        standin.set_fault("meteor")


def test_429_carries_retry_after(standin: RedditStandin) -> None:
    standin.set_fault("too_many_requests", retry_after=9)
    response = post(standin, "/api/del", id="t3_x")
    assert (response.status_code, response.headers["retry-after"]) == (429, "9")
    assert "please wait 9 second(s)" in response.text


def test_create_then_502_writes(standin: RedditStandin) -> None:
    standin.set_fault("create_then_502")
    response = post(standin, "/api/submit", sr="sharebot_test", kind="self", title="t", text="b")
    assert (response.status_code, response.content) == (502, b"")
    assert standin.count("t3") == 1
