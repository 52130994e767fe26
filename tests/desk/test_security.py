"""The desk's security rules: login required, CSRF on every POST, cookies, idle timeout,
login throttling, roles, escaping of article text, headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from bot.app import App
from bot.desk.server import create_app
from tests.desk.conftest import PASSWORD, Clock, csrf_of, login, post, seed_text

XSS = """<script>alert('owned')</script> A title

First section

Look [here](javascript:alert(1)) and <img src=x onerror=alert(2)> "quoted" & more.
"""


def test_anonymous_requests_go_to_the_login_page(client: TestClient) -> None:
    for path in ("/", "/calendar", "/add", "/status", "/articles/1", "/posts/1"):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
    answer = client.post("/add", data={"text": "x"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_login_sets_an_httponly_lax_session_cookie(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"name": "ed", "password": PASSWORD, "csrf": token,
                                         "next": "//evil.example/"})  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "desk_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert client.get("/").status_code == 200


def test_behind_https_the_cookie_is_secure(app: App) -> None:
    with TestClient(create_app(app), base_url="https://desk.test", follow_redirects=False) as c:
        token = csrf_of(c.get("/login").text)
        answer = c.post("/login", data={"name": "ed", "password": PASSWORD, "csrf": token})
        cookie = next(x for x in answer.headers.get_list("set-cookie") if "desk_session=" in x)
        assert "Secure" in cookie


def test_wrong_password_and_missing_login_token(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"name": "ed", "password": "nope", "csrf": token})
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text
    assert client.post("/login", data={"name": "ed", "password": PASSWORD}).status_code == 403


def test_login_attempts_are_limited_per_user_and_address(client: TestClient, clock: Clock) -> None:
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        answer = client.post("/login", data={"name": "ed", "password": "bad", "csrf": token})
        assert answer.status_code == 401
    right = client.post("/login", data={"name": "ed", "password": PASSWORD, "csrf": token})
    assert right.status_code == 429 and "too many failed logins" in right.text
    other = client.post("/login", data={"name": "cora", "password": PASSWORD, "csrf": token})
    assert other.status_code == 429  # the same address
    clock.advance(timedelta(minutes=16))
    again = client.post("/login", data={"name": "ed", "password": PASSWORD, "csrf": token})
    assert again.status_code == 303


def test_an_idle_session_ends(editor: TestClient, clock: Clock) -> None:
    clock.advance(timedelta(minutes=29))
    assert editor.get("/").status_code == 200  # use restarts the idle timeout
    clock.advance(timedelta(minutes=29))
    assert editor.get("/").status_code == 200
    clock.advance(timedelta(minutes=31))
    assert editor.get("/").status_code == 303


def test_logout_ends_the_session(editor: TestClient) -> None:
    assert post(editor, "/logout").status_code == 303
    assert editor.get("/").status_code == 303


def test_a_post_without_the_csrf_token_is_refused(editor: TestClient, app: App) -> None:
    answer = editor.post("/add", data={"text": seed_text()})
    assert answer.status_code == 403
    bad = editor.post("/add", data={"text": seed_text(), "csrf": "forged"})
    assert bad.status_code == 403
    assert app.queue(view="all").posts == ()
    assert editor.post("/logout").status_code == 403


def test_a_contributor_cannot_approve_or_change_others(client: TestClient, app: App) -> None:
    queued = app.add_text(seed_text(), "seed.txt")  # an editor's article, via the CLI path
    login(client, "cora")
    assert post(client, f"/articles/{queued.article_id}/approve").status_code == 403
    assert post(client, f"/articles/{queued.article_id}/cancel").status_code == 403
    first = app.queue().posts[0]
    assert post(client, f"/posts/{first.id}/edit", {"text": "mine now"}).status_code == 403
    assert post(client, f"/posts/{first.id}/retry").status_code == 403
    assert post(client, f"/posts/{first.id}/publish-now").status_code == 403
    assert post(client, f"/threads/{first.thread_id}/move", {"at": "2026-12-09T09:00"}
                ).status_code == 403  # fmt: skip
    assert app.post(first.id).text == first.text


def test_article_text_is_escaped_everywhere(editor: TestClient, app: App) -> None:
    preview = post(editor, "/add/preview", {"text": XSS, "to_bluesky": "1", "to_reddit": "1"})
    queued = post(editor, "/add", {"text": XSS, "to_bluesky": "1", "to_reddit": "1"})
    assert preview.status_code == 200 and queued.status_code == 303
    pages = [preview.text, editor.get(queued.headers["location"]).text, editor.get("/").text]
    pages.append(editor.get(f"/posts/{app.queue().posts[0].id}").text)
    for html in pages:
        assert "<script>alert" not in html and "<img" not in html
        assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(" in pages[1] or "&lt;script&gt;" in pages[0]


def test_security_headers(editor: TestClient) -> None:
    answer = editor.get("/")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_request_over_the_size_limit_is_refused(
    editor: TestClient, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.desk import web

    monkeypatch.setattr(web, "MAX_BODY", 1000)
    answer = post(editor, "/add", {"text": "x" * 2000})
    assert answer.status_code == 413 and app.queue(view="all").posts == ()
