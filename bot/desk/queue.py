"""The Upcoming page (posts by local day, filters, paging, history tab) and the week
calendar (each thread in its slot; a form moves a thread: App.reschedule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response

from bot.app.plan import PLATFORMS
from bot.desk.render import group_by_day
from bot.desk.web import desk_of, field, form_of, page, see_other
from bot.errors import BotError
from bot.store.users import Session
from bot.threads import STATES

PAGE = 50
VIEWS = ("upcoming", "history")


def _article(text: str) -> int | None:
    raw = text.strip().lower().removeprefix("a")
    return int(raw) if raw.isdigit() else None


@page()
async def upcoming(request: Request, session: Session) -> Response:
    """GET /: the queue by local day (``?view=history`` for what went out)."""
    desk = desk_of(request)
    q = request.query_params
    view = q.get("view") if q.get("view") in VIEWS else "upcoming"
    filters = {
        "platform": q.get("platform") if q.get("platform") in PLATFORMS else None,
        "status": q.get("state") if q.get("state") in STATES else None,
        "account": q.get("account") or None,
        "article": _article(q.get("article", "")),
    }
    number = max(1, int(q["page"])) if q.get("page", "").isdigit() else 1
    message = ""
    try:
        listing = await desk.call(desk.app.queue, view=view, limit=PAGE + 1,
                                  offset=(number - 1) * PAGE, **filters)  # fmt: skip
        posts = list(listing.posts)
    except BotError as exc:
        posts, message = [], str(exc)
    more = len(posts) > PAGE
    posts = posts[:PAGE]
    args = {k: v for k, v in q.items() if k != "page"}
    return desk.page(request, "upcoming.html", {
        "view": view, "days": group_by_day(posts, desk.app.settings.tz), "filters": q,
        "platforms": PLATFORMS, "states": STATES, "page": number, "more": more,
        "args": args, "message": message, "count": len(posts),
    })  # fmt: skip


def week_start(text: str, today: date) -> date:
    """The Monday of the week holding ``text`` (ISO date) or ``today``."""
    try:
        day = date.fromisoformat(text) if text else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


@page()
async def calendar(request: Request, session: Session) -> Response:
    """GET /calendar?week=YYYY-MM-DD: the week's threads in their slots."""
    return await _calendar(request, request.query_params.get("week", ""))


async def _calendar(request: Request, week: str, message: str = "", status: int = 200) -> Response:
    desk = desk_of(request)
    tz = desk.app.settings.tz
    monday = week_start(week, desk.app.clock().astimezone(tz).date())
    start = datetime.combine(monday, time(0), tz).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tz).astimezone(UTC)
    threads = await desk.call(desk.app.week, start, end)
    days: list[tuple[date, list[object]]] = [(monday + timedelta(days=i), []) for i in range(7)]
    for post in threads:
        local_day = post.due_at.astimezone(tz).date()
        days[(local_day - monday).days][1].append(post)
    return desk.page(request, "calendar.html", {
        "days": days, "monday": monday, "prev": monday - timedelta(days=7),
        "next": monday + timedelta(days=7), "message": message, "tz": tz,
    }, status)  # fmt: skip


def local_input(text: str, request: Request) -> datetime:
    """A ``datetime-local`` field's value (the configured zone) as an aware time."""
    tz = desk_of(request).app.settings.tz
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BotError(f"not a date and time: {text!r} (use YYYY-MM-DDTHH:MM)") from None
    return naive.replace(tzinfo=tz) if naive.tzinfo is None else naive


@page(editor=True)
async def move_thread(request: Request, session: Session) -> Response:
    """POST /threads/{id}/move: reschedule a thread (App.reschedule)."""
    desk = desk_of(request)
    form = await form_of(request)
    ident = f"t{request.path_params['thread_id']}"
    try:
        at = local_input(field(form, "at"), request)
        moved = await desk.call(desk.app.reschedule, ident, at, allow_past=False)
    except BotError as exc:
        return await _calendar(request, field(form, "week"), str(exc), 400)
    when = moved.at.astimezone(desk.app.settings.tz).date().isoformat()
    return see_other(f"/calendar?week={when}&moved={ident}")
