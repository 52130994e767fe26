"""Login and logout. The login form is protected by a double-submit token (a cookie and a
hidden field that must match) since there is no session yet."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from bot.app.users import LoginRefused, TooManyAttempts
from bot.desk.web import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    desk_of,
    field,
    forbidden,
    form_of,
    see_other,
)
from bot.store.users import Session


def _next(target: str) -> str:
    """Only a local path (never another site, never //host)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _form(request: Request, status: int = 200, message: str = "") -> Response:
    desk = desk_of(request)
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = desk.page(request, "login.html", {
        "login_csrf": token, "message": message,
        "next": _next(request.query_params.get("next", "/")),
    }, status)  # fmt: skip
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax",
                        secure=desk.secure(request))  # fmt: skip
    return response


async def login_page(request: Request) -> Response:
    """GET /login."""
    return _form(request)


async def login(request: Request) -> Response:
    """POST /login: name + password -> a session cookie."""
    desk = desk_of(request)
    form = await form_of(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(field(form, "csrf").encode(), expected.encode()):
        return forbidden(request, "The login form's security token is missing: reload the page.")
    address = request.client.host if request.client else "?"
    try:
        done = await desk.call(desk.app.login, field(form, "name"), field(form, "password"),
                               address)  # fmt: skip
    except TooManyAttempts as exc:
        return _form(request, 429, str(exc))
    except LoginRefused as exc:
        return _form(request, 401, str(exc))
    response = see_other(_next(field(form, "next") or "/"))
    response.set_cookie(COOKIE, done.token, httponly=True, samesite="lax",
                        secure=desk.secure(request), path="/")  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


async def logout(request: Request, session: Session) -> Response:
    """POST /logout."""
    desk = desk_of(request)
    await desk.call(desk.app.logout, request.cookies.get(COOKIE, ""))
    response = see_other("/login")
    response.delete_cookie(COOKIE, path="/")
    return response
