"""Fix a post: edit its text (checked again on the server by App.edit with the compiler's
rules), replace its images (with alt text) or link card, retry, cancel with undo, publish
now. Contributors may change only the posts of articles they submitted."""

from __future__ import annotations

import secrets
from pathlib import Path, PurePath
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bot.app.editing import Edit
from bot.desk import render
from bot.desk.web import desk_of, field, forbidden, form_of, page, see_other
from bot.errors import BotError, NotFoundError
from bot.store import PostView
from bot.store.users import Session

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


async def _post(request: Request) -> PostView:
    desk = desk_of(request)
    return await desk.call(desk.app.post, int(request.path_params["post_id"]))


async def _may_change(request: Request, session: Session, post: PostView) -> bool:
    if session.user.role == "editor":
        return True
    desk = desk_of(request)
    return await desk.call(desk.app.submitter, post.article_id) == session.user.id


def _view(
    request: Request, post: PostView, status: int = 200, **extra: Any
) -> Response:  # fmt: skip
    desk = desk_of(request)
    context = {"post": post, "card": render.card(post.platform, post.draft),
               "text": post.draft.text, "done": request.query_params.get("done", ""),
               "editor": request.state.session.user.role == "editor",
               **extra}  # fmt: skip
    return desk.page(request, "post.html", context, status)


@page()
async def post_page(request: Request, session: Session) -> Response:
    """GET /posts/{id}: the fix page."""
    try:
        post = await _post(request)
    except NotFoundError as exc:
        desk = desk_of(request)
        return desk.page(request, "error.html", {"title": "Not found", "message": str(exc)}, 404)
    return _view(request, post)


async def _upload(request: Request, upload: UploadFile) -> str:
    """Keep an uploaded image under data_dir/desk-uploads; its path."""
    suffix = PurePath(upload.filename or "").suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise BotError(f"{upload.filename}: not an image ({', '.join(IMAGE_SUFFIXES)})")
    folder = Path(desk_of(request).app.settings.data_dir) / "desk-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(8)}{suffix}"
    path.write_bytes(await upload.read())
    return str(path)


async def _edit_of(request: Request, form: FormData, post: PostView) -> Edit:
    text = field(form, "text").replace("\r\n", "\n")
    images = []
    for n in range(1, 5):
        upload = form.get(f"image{n}")
        if isinstance(upload, UploadFile) and upload.filename:
            images.append((await _upload(request, upload), field(form, f"alt{n}")))
    return Edit(
        text=text if text != post.draft.text else None,
        images=tuple(images),
        card=field(form, "card").strip() or None,
        card_title=field(form, "card_title").strip() or None,
        no_embed=bool(form.get("no_embed")),
    )


@page()
async def edit(request: Request, session: Session) -> Response:
    """POST /posts/{id}/edit: App.edit; over a limit -> 422 with the reason, text kept."""
    desk = desk_of(request)
    form = await form_of(request)
    post = await _post(request)
    if not await _may_change(request, session, post):
        return forbidden(request, "A contributor may change only their own articles' posts.")
    try:
        change = await _edit_of(request, form, post)
        await desk.call(desk.app.edit, post.id, change)
    except BotError as exc:
        return _view(request, post, 422, message=str(exc), text=field(form, "text"))
    return see_other(f"/posts/{post.id}?done=saved")


async def _state(request: Request, session: Session, verb: str, *, editor: bool) -> Response:
    desk = desk_of(request)
    post = await _post(request)
    if editor and session.user.role != "editor":
        return forbidden(request, "Only an editor may do this.")
    if not await _may_change(request, session, post):
        return forbidden(request, "A contributor may change only their own articles' posts.")
    try:
        await desk.call(getattr(desk.app, verb), f"p{post.id}")
    except BotError as exc:
        return _view(request, post, 400, message=str(exc))
    return see_other(f"/posts/{post.id}?done={verb}")


@page()
async def retry(request: Request, session: Session) -> Response:
    """POST /posts/{id}/retry (editors)."""
    return await _state(request, session, "retry", editor=True)


@page()
async def cancel(request: Request, session: Session) -> Response:
    """POST /posts/{id}/cancel (the page then offers Undo)."""
    return await _state(request, session, "cancel", editor=False)


@page()
async def restore(request: Request, session: Session) -> Response:
    """POST /posts/{id}/restore: undo a cancel."""
    return await _state(request, session, "restore", editor=False)


@page()
async def publish_now(request: Request, session: Session) -> Response:
    """POST /posts/{id}/publish-now: due now, the daemon sends it on its next tick."""
    return await _state(request, session, "publish_soon", editor=True)
