"""`sharebot queue …`, `sharebot sync` and `sharebot links`: the editors' tools.

Each command opens the store from the global options, makes one store call (one
transaction) and prints a rich table, or JSON with ``--json``. The library side
(planning, folder sync) lives in ``bot.commands.queue_plan``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click

from bot.budget import from_settings
from bot.commands.queue_edit import edited_draft, find_post
from bot.commands.queue_plan import (
    Choices,
    SyncReport,
    parse_platforms,
    queue_article,
    sync_folder,
)
from bot.config import Settings, load, zone
from bot.errors import ConfigError
from bot.schedule import parse_when
from bot.secretkey import store_key

__all__ = ["links", "queue", "sync", "sync_folder"]

STATES = ("queued", "sending", "published", "failed", "needs_review", "cancelled")


def _settings(ctx: click.Context) -> Settings:
    globals_ = ctx.find_root().obj
    return load(globals_.config, store_url=globals_.store, env=dict(os.environ))


@contextmanager
def _store(ctx: click.Context) -> Iterator[tuple[Settings, Any]]:
    settings = _settings(ctx)
    from bot.store import open_store

    store = open_store(settings.store_url, key=store_key(settings), budgets=from_settings(settings))
    try:
        yield settings, store
    finally:
        store.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _when(text: str, settings: Settings, now: datetime) -> datetime:
    try:
        tz = zone(settings.timezone)
    except ValueError as exc:
        raise ConfigError(str(exc), key="timezone") from None
    return parse_when(text, now=now, tz=tz)


def _emit(as_json: bool, data: Any, table: Callable[[], Any]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    from rich.console import Console

    Console(width=160, soft_wrap=False).print(table())


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    return table


def _short(text: str, n: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def _article_id(ident: str) -> int:
    raw = ident.strip().lower().removeprefix("a")
    if not raw.isdigit():
        raise ConfigError(f"not an article id: {ident!r} (use 12 or a12)", key="ARTICLE")
    return int(raw)


def _post_id(ident: str) -> int:
    raw = ident.strip().lower().removeprefix("p")
    if not raw.isdigit():
        raise ConfigError(f"not a post id: {ident!r} (use 56 or p56)", key="POST_ID")
    return int(raw)


def _post_json(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "article": p.article_id,
        "thread": p.thread_id,
        "seq": p.seq,
        "platform": p.platform,
        "account": p.account,
        "state": p.state,
        "due_at": p.due_at.isoformat(),
        "attempts": p.attempts,
        "error": p.error,
        "url": p.url,
        "text": p.draft.text,
        "title": p.draft.title,
    }


def _post_rows(posts: list[Any]) -> list[list[Any]]:
    return [
        [p.id, f"a{p.article_id}", f"t{p.thread_id}", p.platform, p.state,
         p.due_at.isoformat(timespec="minutes"), p.attempts, _short(p.draft.title or p.text),
         p.error or p.url or ""]
        for p in posts
    ]  # fmt: skip


POST_COLUMNS = [
    "id",
    "article",
    "thread",
    "platform",
    "state",
    "due (UTC)",
    "tries",
    "text",
    "note",
]


@click.group()
def queue() -> None:
    """Queue articles and manage their posts (add, list, show, reschedule, cancel, retry, edit).

    \b
    Example:
      sharebot queue add posts/essay.md --at "tomorrow 09:00" --to bluesky
      sharebot queue list --status queued
    """


@queue.command("add")
@click.argument("source")
@click.option("--at", "at", help="When the first thread goes: ISO 8601, 'tomorrow 09:00', '+2h'.")
@click.option("--every", help="Spacing between sections: '3h', '90m' or 'next slot'.")
@click.option("--to", "to", help="Platforms, comma-separated: bluesky,reddit.")
@click.option("--subreddit", help="Subreddit for the Reddit submission.")
@click.option("--flair", help="Reddit flair text.")
@click.option("--mode", type=click.Choice(["section", "article"]), help="Thread per section/one.")
@click.option("--link-post", is_flag=True, default=None, help="Reddit link post to the article.")
@click.option("--now", "now_ok", is_flag=True, help="Due now; also allows an --at in the past.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def add(ctx: click.Context, source: str, at: str | None, every: str | None, to: str | None,
        subreddit: str | None, flair: str | None, mode: Any, link_post: bool | None,
        now_ok: bool, as_json: bool) -> None:  # fmt: skip
    """Read, compile, plan and queue an article (a file or an http(s) URL).

    \b
    Example:
      sharebot queue add posts/essay.md --at "Mon 09:00" --every "next slot" \\
        --to bluesky,reddit --subreddit worldnews
    """
    now = _now()
    platforms = parse_platforms(to) if to else None
    with _store(ctx) as (settings, store):
        when = _when(at, settings, now) if at else (now if now_ok else None)
        choices = Choices(when, every, platforms, subreddit, flair, mode, link_post, now_ok)
        article_id, planned = queue_article(store, settings, source, now=now, choices=choices)
    rows = planned.rows()
    data = {"article": article_id, "title": planned.article.title, "threads": rows}
    title = f"Queued a{article_id}: {planned.article.title}"
    _emit(as_json, data, lambda: _table(title, ["platform", "thread", "section", "posts",
          "due (UTC)", "first post"], [[r["platform"], r["thread"], r["section"], r["posts"],
          r["due"], _short(r["first"])] for r in rows]))  # fmt: skip


@queue.command("list")
@click.option("--status", type=click.Choice(STATES), help="Only posts in this state.")
@click.option("--platform", type=click.Choice(["bluesky", "reddit"]), help="Only this platform.")
@click.option("--article", help="Only this article (12 or a12).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def list_(ctx: click.Context, status: str | None, platform: str | None, article: str | None,
          limit: int, as_json: bool) -> None:  # fmt: skip
    """List posts by due time.

    \b
    Example:
      sharebot queue list --status failed --platform reddit --json
    """
    article_id = _article_id(article) if article else None
    with _store(ctx) as (_, store):
        if article_id is not None:
            store.get_article(article_id)  # NotFoundError for an unknown article
        posts = store.list_posts(status=status, platform=platform, article=article_id, limit=limit)
    _emit(as_json, [_post_json(p) for p in posts],
          lambda: _table(f"{len(posts)} posts", POST_COLUMNS, _post_rows(posts)))  # fmt: skip


@queue.command("show")
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def show(ctx: click.Context, article: str, as_json: bool) -> None:
    """Show an article's threads: each post's text, due time, state, tries, error, URL.

    ARTICLE is an article id (12 or a12) or a post id (p56: its article).

    \b
    Example:
      sharebot queue show a12
    """
    with _store(ctx) as (_, store):
        if article.strip().lower().startswith("p"):
            article = str(find_post(store, _post_id(article)).article_id)
        view = store.get_article(_article_id(article))
    data = {"article": view.id, "title": view.title, "url": view.url, "source": view.source,
            "posts": [_post_json(p) for p in view.posts]}  # fmt: skip
    _emit(as_json, data, lambda: _table(f"a{view.id}: {view.title}", POST_COLUMNS,
          _post_rows(list(view.posts))))  # fmt: skip


def _count_command(name: str, verb: str, example: str) -> Callable[..., Any]:
    def decorate(func: Callable[[Any, str, datetime, Settings], int]) -> Any:
        @queue.command(name, help=f"{func.__doc__}\n\n\b\nExample:\n  {example}")
        @click.argument("ident")
        @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
        @click.pass_context
        def command(ctx: click.Context, /, ident: str, as_json: bool, **extra: Any) -> None:
            now = _now()
            with _store(ctx) as (settings, store):
                count = func(store, ident, now, settings, **extra)
            if as_json:
                click.echo(json.dumps({"id": ident, verb: count}))
            else:
                click.echo(f"{ident}: {count} post(s) {verb}")
            if count == 0:
                ctx.exit(1)

        return command

    return decorate


@_count_command("cancel", "cancelled", "sharebot queue cancel a12")
def cancel(store: Any, ident: str, now: datetime, settings: Settings) -> int:
    """Cancel the unpublished posts of an article (a12), thread (t34) or post (p56)."""
    return int(store.cancel(ident, now))


@_count_command("retry", "requeued", "sharebot queue retry t34")
def retry(store: Any, ident: str, now: datetime, settings: Settings) -> int:
    """Queue failed or needs_review posts of an article, thread or post again, due now."""
    return int(store.retry(ident, now))


@click.option("--at", "at", required=True, help="New time: ISO 8601, 'tomorrow 09:00', '+2h'.")
@click.option("--now", "now_ok", is_flag=True, help="Allow a time in the past.")
@_count_command("reschedule", "rescheduled", 'sharebot queue reschedule a12 --at "Mon 09:00"')
def reschedule(store: Any, ident: str, now: datetime, settings: Settings, *, at: str,
               now_ok: bool) -> int:  # fmt: skip
    """Move the queued/failed posts of an article, thread or post; spacing is kept."""
    when = _when(at, settings, now)
    if when < now and not now_ok:
        raise ConfigError(f"{when.isoformat()} is in the past (use --now)", key="--at")
    return int(store.reschedule(ident, when))


@queue.command("edit")
@click.argument("post_id")
@click.option("--text", required=True, help="The new text (inline Markdown for Bluesky).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def edit(ctx: click.Context, post_id: str, text: str, as_json: bool) -> None:
    """Replace an unpublished post's text, re-checked against the platform's limits.

    \b
    Example:
      sharebot queue edit 56 --text "A shorter opening. https://example.com/a"
    """
    with _store(ctx) as (_, store):
        post = find_post(store, _post_id(post_id))
        draft = edited_draft(post, text)
        store.edit_post(post.id, draft)
    data = {"id": post.id, "platform": post.platform, "text": draft.text}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        click.echo(f"p{post.id} ({post.platform}) edited")


def _sync_table(report: SyncReport) -> Any:
    rows = [[a["path"], "added", f"a{a['article']}", f"{a['threads']} threads"]
            for a in report.added]  # fmt: skip
    rows += [
        [u["path"], "updated", f"a{u['article']}",
         f"{u['replaced_threads']} unpublished threads re-planned, "
         f"{u['kept_threads']} sent threads left alone"]
        for u in report.updated
    ]  # fmt: skip
    rows += [[p, "unchanged", "", ""] for p in report.unchanged]
    rows += [[f["path"], "FAILED", "", f["reason"]] for f in report.failed]
    return _table("sync", ["file", "result", "article", "detail"], rows)


@click.command()
@click.argument("folder", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def sync(ctx: click.Context, folder: str | None, as_json: bool) -> None:
    """Import the posts/ folder into the queue (front-matter decides time and platforms).

    Running it twice changes nothing; a changed file re-plans its unpublished posts
    and leaves published ones alone. Exits 1 if any file failed.

    \b
    Example:
      sharebot sync posts/ --json
    """
    with _store(ctx) as (settings, store):
        report = sync_folder(store, settings, folder or settings.posts_dir, now=_now())
    _emit(as_json, report.as_dict(), lambda: _sync_table(report))
    if not report.ok:
        for failure in report.failed:
            click.echo(f"Error: {failure['reason']}", err=True)
        ctx.exit(1)


@click.command()
@click.argument("article")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def links(ctx: click.Context, article: str, as_json: bool) -> None:
    """Print an article's share links and the web URL of every published post.

    \b
    Example:
      sharebot links a12 --json
    """
    from bot.article import from_dict
    from bot.links import share_links

    with _store(ctx) as (settings, store):
        view = store.get_article(_article_id(article))
    shares = share_links(from_dict(dict(view.data), source=view.source), utm=settings.utm)
    posts = [{"id": p.id, "platform": p.platform, "url": p.url}
             for p in view.posts if p.state == "published"]  # fmt: skip
    data = {"article": view.id, "title": view.title, "share_links": shares, "posts": posts}
    entries = [("article", shares["article"])]
    entries += [(s["heading"] or s["anchor"] or "intro", s) for s in shares["sections"]]
    rows = [[name, kind, e[kind]] for name, e in entries
            for kind in ("url", "bluesky_intent", "reddit_submit")]  # fmt: skip
    rows += [[f"p{p['id']}", p["platform"], p["url"]] for p in posts]
    _emit(as_json, data, lambda: _table(f"a{view.id}: {view.title}", ["what", "kind", "link"],
          rows))  # fmt: skip
