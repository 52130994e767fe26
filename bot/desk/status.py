"""The status page: accounts, daemons' heartbeats, counts by state, posts in review."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.desk.web import desk_of, page
from bot.store.users import Session


@page()
async def status(request: Request, session: Session) -> Response:
    """GET /status."""
    desk = desk_of(request)
    state = await desk.call(desk.app.status)
    review = await desk.call(desk.app.queue, status="needs_review", limit=100)
    return desk.page(request, "status.html", {"status": state, "review": review.posts})
