"""Add an article (paste / upload / URL -> per-platform preview -> queue through App.add,
the guards shown as warnings to confirm), the article page, approve and cancel."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bot.app import Choices, GuardError, Plan, Queued
from bot.app.plan import PLATFORMS
from bot.desk import charts, render
from bot.desk.queue import local_input
from bot.desk.web import desk_of, field, forbidden, form_of, page, see_other
from bot.errors import BotError, NotFoundError
from bot.store.users import Session

PASTED = "pasted text"


async def _source(form: FormData) -> tuple[str, str, str]:
    """(text, name, url) from the form: an uploaded file wins over pasted text."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        return data.decode("utf-8", errors="replace"), upload.filename, ""
    return field(form, "text"), field(form, "name") or PASTED, field(form, "url").strip()


def _choices(form: FormData, request: Request, session: Session) -> Choices:
    platforms = tuple(p for p in PLATFORMS if form.get(f"to_{p}"))
    at = field(form, "at").strip()
    return Choices(
        at=local_input(at, request) if at else None,
        every=field(form, "every").strip() or None,
        platforms=platforms or None,
        subreddit=field(form, "subreddit").strip() or None,
        flair=field(form, "flair").strip() or None,
        mode="article" if field(form, "mode") == "article" else None,
        hold=session.user.role != "editor",
    )


def _values(form: FormData, text: str, name: str, url: str) -> dict[str, Any]:
    keep = ("at", "every", "subreddit", "flair", "mode")
    values: dict[str, Any] = {k: field(form, k) for k in keep}
    values.update(text=text, name=name, url=url)
    values["to"] = {p for p in PLATFORMS if form.get(f"to_{p}")}
    return values


@page()
async def add_page(request: Request, session: Session) -> Response:
    """GET /add: the form."""
    values = {"text": "", "name": PASTED, "url": "", "to": set(PLATFORMS)}
    return desk_of(request).page(request, "add.html", {"values": values, "platforms": PLATFORMS})


@page()
async def add_preview(request: Request, session: Session) -> Response:
    """POST /add/preview: the per-platform preview (an htmx request gets the fragment)."""
    desk = desk_of(request)
    form = await form_of(request)
    text, name, url = await _source(form)
    context: dict[str, Any] = {"values": _values(form, text, name, url), "platforms": PLATFORMS}
    status = 200
    try:
        plan: Plan = await _plan(request, session, form, text, name, url)
        context["preview"] = render.preview(plan)
    except BotError as exc:
        context["message"], status = str(exc), 400
    fragment = request.headers.get("hx-request") == "true"
    return desk.page(request, "_preview.html" if fragment else "add.html", context, status)


async def _plan(
    request: Request, session: Session, form: FormData, text: str, name: str, url: str
) -> Plan:
    desk = desk_of(request)
    choices = _choices(form, request, session)
    if text.strip():
        return await desk.call(desk.app.plan_text, text, name, choices)
    if url:
        _check_url(url)
        return await desk.call(desk.app.plan_source, url, choices)
    raise BotError("paste the article's text, upload a file, or give its URL")


def _check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise BotError(f"not an http(s) URL: {url!r}")


@page()
async def add(request: Request, session: Session) -> Response:
    """POST /add: queue the article (App.add / App.add_text); a guard's refusal comes back
    as a warning the editor confirms with a checkbox (again / force)."""
    desk = desk_of(request)
    form = await form_of(request)
    text, name, url = await _source(form)
    again, force = bool(form.get("again")), bool(form.get("force"))
    context: dict[str, Any] = {"values": _values(form, text, name, url), "platforms": PLATFORMS}
    try:
        choices = _choices(form, request, session)
        queued: Queued
        if text.strip():
            queued = await desk.call(desk.app.add_text, text, name, choices, again=again,
                                     force=force, submitted_by=session.user.id)  # fmt: skip
        elif url:
            _check_url(url)
            queued = await desk.call(desk.app.add, url, choices, again=again, force=force,
                                     submitted_by=session.user.id)  # fmt: skip
        else:
            raise BotError("paste the article's text, upload a file, or give its URL")
    except GuardError as exc:
        context["guard"] = {"kind": exc.kind, "message": str(exc)}
        return desk.page(request, "add.html", context, 409)
    except BotError as exc:
        context["message"] = str(exc)
        return desk.page(request, "add.html", context, 400)
    return see_other(f"/articles/{queued.article_id}?queued=1")


@page()
async def article(request: Request, session: Session) -> Response:
    """GET /articles/{id}: sections -> threads -> posts, share links with Copy buttons, and
    each section's engagement per platform as a small bar chart (bot.desk.charts)."""
    desk = desk_of(request)
    article_id = int(request.path_params["article_id"])
    try:
        outline = await desk.call(desk.app.outline, article_id)
        links = await desk.call(desk.app.links, article_id)
        engagement = await desk.call(desk.app.stats, article_id)
    except NotFoundError as exc:
        return desk.page(request, "error.html", {"title": "Not found", "message": str(exc)}, 404)
    mine = outline.submitted_by == session.user.id
    return desk.page(request, "article.html", {
        "outline": outline, "links": links.share_links, "mine": mine,
        "queued": request.query_params.get("queued") == "1",
        "cards": {p.id: render.card(p.platform, p.draft) for p in outline.article.posts},
        "editor": session.user.role == "editor", "done": request.query_params.get("done", ""),
        "charts": charts.charts(engagement), "chart_width": charts.WIDTH,
    })  # fmt: skip


@page(editor=True)
async def approve(request: Request, session: Session) -> Response:
    """POST /articles/{id}/approve: App.approve (editors only)."""
    return await _change(request, "approve")


@page()
async def cancel(request: Request, session: Session) -> Response:
    """POST /articles/{id}/cancel: App.cancel (an editor, or the contributor who sent it)."""
    desk = desk_of(request)
    article_id = int(request.path_params["article_id"])
    if session.user.role != "editor":
        owner = await desk.call(desk.app.submitter, article_id)
        if owner != session.user.id:
            return forbidden(request, "A contributor may cancel only their own articles.")
    return await _change(request, "cancel")


async def _change(request: Request, verb: str) -> Response:
    desk = desk_of(request)
    article_id = int(request.path_params["article_id"])
    try:
        done = await desk.call(getattr(desk.app, verb), f"a{article_id}")
    except BotError as exc:
        return desk.page(request, "error.html", {"title": "Nothing done", "message": str(exc)},
                         400)  # fmt: skip
    return see_other(f"/articles/{article_id}?done={done.verb}+{done.count}")
