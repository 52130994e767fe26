"""The status page: accounts, daemons' heartbeats, counts by state, posts in review."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response

from bot.app.accounts import CheckResult
from bot.desk.web import desk_of, field, form_of, page
from bot.errors import BotError
from bot.store.users import Session


@page()
async def status(request: Request, session: Session) -> Response:
    """GET /status."""
    return await _status(request)


async def _status(request: Request, checked: Sequence[CheckResult] = ()) -> Response:
    desk = desk_of(request)
    state = await desk.call(desk.app.status)
    review = await desk.call(desk.app.queue, status="needs_review", limit=100)
    settings = desk.app.settings
    configured = [("bluesky", a.name) for a in settings.bluesky]
    configured += [("reddit", a.name) for a in settings.reddit]
    return desk.page(request, "status.html", {"status": state, "review": review.posts,
                                              "checked": checked,
                                              "configured": configured})  # fmt: skip


@page(editor=True)
async def check_account(request: Request, session: Session) -> Response:
    """POST /status/check: log in as one configured account (the same use-case as
    `sharebot accounts check NAME`) and show who it is, or the platform's error."""
    form = await form_of(request)
    name = field(form, "account")
    desk = desk_of(request)
    try:
        checked = await desk.call(desk.app.check_accounts, name or None)
    except BotError as exc:
        checked = [CheckResult(field(form, "platform"), name, False, {}, str(exc))]
    return await _status(request, checked)
