"""The desk's plumbing: the Desk object (App + templates), login-required pages with CSRF
and role checks, security headers, and rendering helpers shared by every route module.

Every page needs a live session (cookie ``desk_session``: HttpOnly, SameSite=Lax, Secure
behind HTTPS; only its SHA-256 is stored). Every POST carries the session's CSRF token
(form field ``csrf`` or header ``X-CSRF-Token``), else 403. Editor-only actions answer a
contributor with 403. Store calls run in the thread pool, never on the event loop.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.app import App
from bot.desk import render
from bot.store.users import Session

HERE = Path(__file__).resolve().parent
COOKIE = "desk_session"
LOGIN_CSRF_COOKIE = "desk_login_csrf"
MAX_UPLOAD = 5_000_000  # bytes of one uploaded article or image
MAX_BODY = 25_000_000  # bytes of one request (an article and four images fit)
# No inline script or style may run: an article's text cannot execute even if it slipped
# past the templates' escaping.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}
T = TypeVar("T")
Handler = Callable[[Request, Session], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


class Desk:
    """The application object of the desk: the App it calls and its templates."""

    def __init__(self, app: App, *, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        tz = app.settings.tz
        self.env.filters["local"] = lambda moment, fmt="%a %d %b %Y %H:%M": render.local(
            moment, tz, fmt
        )
        self.env.filters["field_time"] = lambda moment: moment.astimezone(tz).strftime(
            "%Y-%m-%dT%H:%M"
        )
        self.env.globals["timezone"] = app.settings.timezone

    def page(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        """Render a template with the session (user, CSRF token) in its context."""
        session = getattr(request.state, "session", None)
        data = {"request": request, "session": session, "csrf": session.csrf if session else ""}
        body = self.env.get_template(name).render({**data, **context})
        return HTMLResponse(body, status_code=status)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run an App call in the thread pool (the store blocks)."""
        return await run_in_threadpool(fn, *args, **kwargs)

    def secure(self, request: Request) -> bool:
        """Whether cookies get the Secure flag (HTTPS, or behind a TLS proxy)."""
        return self.secure_cookies or request.url.scheme == "https"


def desk_of(request: Request) -> Desk:
    """The Desk serving this request."""
    desk = request.app.state.desk
    assert isinstance(desk, Desk)
    return desk


async def form_of(request: Request) -> FormData:
    """The request's form (cached by Starlette), with the desk's size limits."""
    return await request.form(max_files=5, max_fields=200, max_part_size=MAX_UPLOAD)


def field(form: FormData, name: str) -> str:
    """A text field of the form ('' when absent or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def forbidden(request: Request, reason: str) -> HTMLResponse:
    """A 403 page saying why."""
    return desk_of(request).page(request, "error.html", {"title": "Forbidden",
                                                        "message": reason}, 403)  # fmt: skip


def page(*, editor: bool = False) -> Callable[[Handler], Endpoint]:
    """Wrap a route: login required (anonymous -> the login page), CSRF on POST, and
    ``editor=True``: contributors get 403."""

    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            desk = desk_of(request)
            session = await desk.call(desk.app.session, request.cookies.get(COOKIE, ""))
            if session is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            request.state.session = session
            if int(request.headers.get("content-length") or 0) > MAX_BODY:
                return desk.page(request, "error.html", {"title": "Too large",
                                 "message": "The upload is too large."}, 413)  # fmt: skip
            if request.method == "POST":
                form = await form_of(request)
                sent = field(form, "csrf") or request.headers.get("x-csrf-token", "")
                if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
                    return forbidden(request, "The form's security token is missing or stale: "
                                     "reload the page and try again.")  # fmt: skip
            if editor and session.user.role != "editor":
                return forbidden(request, "Only an editor may do this.")
            return await handler(request, session)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


def see_other(url: str) -> RedirectResponse:
    """Redirect after a POST."""
    return RedirectResponse(url, status_code=303)


class SecurityHeaders:
    """ASGI middleware adding the desk's security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode().lower() for k, _ in headers}
                for key, value in HEADERS.items():
                    if key not in present:
                        headers.append((key.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
