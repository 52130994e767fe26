"""`sharebot queue …`, `sharebot sync` and `sharebot links`: the editors' CLI over bot.app.

Each command opens the App, calls one use-case and prints a table (times in the configured
zone, ``--utc`` for UTC), or JSON with ``--json``. URLs are printed one per line, never
inside table cells. Commands that only read need no platform secrets and create no store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import click

from bot.app import App, Choices, parse_platforms
from bot.app.editing import Changed, Edit, pair_images
from bot.app.queueing import SyncReport
from bot.commands.common import (
    article_id,
    echo_json,
    local_time,
    opened,
    post_id,
    print_table,
    short,
    warn,
    when,
)
from bot.compile.controls import Controls
from bot.config import Settings
from bot.links import share_link_lines
from bot.store import ArticleView, PostView
from bot.threads import STATES

__all__ = ["links", "queue", "sync"]

POST_COLUMNS = ["id", "article", "thread", "platform", "state", "due", "tries", "text"]


def _words(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(w.strip() for w in text.split(",") if w.strip())


def post_json(p: PostView) -> dict[str, Any]:
    """A post for ``--json`` output."""
    return {
        "id": p.id, "article": p.article_id, "thread": p.thread_id, "seq": p.seq,
        "platform": p.platform, "account": p.account, "state": p.state,
        "due_at": p.due_at.isoformat(), "attempts": p.attempts, "error": p.error,
        "url": p.url, "text": p.draft.text, "title": p.draft.title,
    }  # fmt: skip


def post_rows(posts: list[PostView], settings: Settings, utc: bool) -> list[list[Any]]:
    """Table rows of posts (no URLs: see :func:`echo_urls`)."""
    return [
        [p.id, f"a{p.article_id}", f"t{p.thread_id}", p.platform, p.state,
         local_time(p.due_at, settings, utc=utc), p.attempts, short(p.draft.title or p.text, 50)]
        for p in posts
    ]  # fmt: skip


def echo_urls(posts: list[PostView]) -> None:
    """Errors and published URLs, one per line, whole."""
    for p in posts:
        if p.url:
            click.echo(f"p{p.id}  {p.url}")
        elif p.error:
            click.echo(f"p{p.id}  {p.state}: {p.error}")


@click.group()
def queue() -> None:
    """Queue articles and manage their posts (add, list, show, reschedule, cancel, retry, edit).

    \b
    Example:
      sharebot queue add posts/essay.md --at "tomorrow 09:00" --to bluesky
      sharebot queue list
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
@click.option("--evergreen", help="Share it again on Bluesky every this long, e.g. 30d.")
@click.option("--replies", help="Who may reply on Bluesky: everyone, nobody, or rules "
              "mentioned,following,followers,list:<at-uri>.")  # fmt: skip
@click.option("--quotes/--no-quotes", default=None, help="Whether Bluesky posts may be quoted.")
@click.option("--label", "labels", multiple=True,
              help="Self-label (porn, sexual, nudity, graphic-media); repeatable.")  # fmt: skip
@click.option("--lang", help="Every post's language (BCP-47), instead of detecting it.")
@click.option("--max-reshares", type=click.IntRange(0, 100), help="At most this many (3).")
@click.option("--again", is_flag=True, help="Queue it even if it is already queued/published.")
@click.option("--force", is_flag=True, help="Queue it even over max_posts_per_article.")
@click.option("--utc", is_flag=True, help="Print times in UTC.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def add(ctx: click.Context, source: str, at: str | None, every: str | None, to: str | None,
        subreddit: str | None, flair: str | None, mode: Any, link_post: bool | None,
        now_ok: bool, evergreen: str | None, replies: str | None, quotes: bool | None,
        labels: tuple[str, ...], lang: str | None, max_reshares: int | None, again: bool,
        force: bool, utc: bool, as_json: bool) -> None:  # fmt: skip
    """Read, compile, plan and queue an article (a file or an http(s) URL).

    An article already queued or published (same content or same URL) is refused
    unless --again; a plan over max_posts_per_article is refused unless --force.

    \b
    Example:
      sharebot queue add posts/essay.md --at "Mon 09:00" --every "next slot" \\
        --to bluesky,reddit --subreddit worldnews
    """
    platforms = parse_platforms(to) if to else None
    with opened(ctx) as app:
        now = app.clock()
        start = when(at, app.settings, now) if at else (now if now_ok else None)
        controls = Controls(_words(replies), quotes, labels or None, lang)
        choices = Choices(start, every, platforms, subreddit, flair, mode, link_post, now_ok,
                          evergreen=evergreen, max_reshares=max_reshares,
                          controls=controls)  # fmt: skip
        queued = app.add(source, choices, again=again, force=force)
        settings = app.settings
    warn(queued.warnings)
    plan = queued.plan
    rows = plan.rows()
    if as_json:
        echo_json({"article": queued.article_id, "title": plan.article.title, "threads": rows,
                   "quiet_moved": plan.quiet_moved, "warnings": list(queued.warnings)})  # fmt: skip
        return
    print_table(f"Queued a{queued.article_id}: {plan.article.title}",
                ["platform", "thread", "section", "posts", "due", "first post"],
                [[r["platform"], r["thread"], r["section"], r["posts"],
                  local_time(r["due"], settings, utc=utc), short(r["first"])]
                 for r in rows])  # fmt: skip
    if plan.quiet_moved:
        click.echo(f"{plan.quiet_moved} thread(s) fell in quiet hours and were moved to their end")


@queue.command("list")
@click.option("--all", "show_all", is_flag=True, help="Every post, by due time.")
@click.option("--history", is_flag=True,
              help="Published, cancelled and retracted posts, newest first.")  # fmt: skip
@click.option("--status", type=click.Choice(STATES), help="Only posts in this state.")
@click.option("--platform", type=click.Choice(["bluesky", "reddit"]), help="Only this platform.")
@click.option("--article", help="Only this article (12 or a12).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--utc", is_flag=True, help="Print times in UTC.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def list_(ctx: click.Context, show_all: bool, history: bool, status: str | None,
          platform: str | None, article: str | None, limit: int, utc: bool,
          as_json: bool) -> None:  # fmt: skip
    """List upcoming posts by due time (--history: what went out; --all: everything).

    \b
    Example:
      sharebot queue list --status failed --platform reddit --json
    """
    view: Literal["upcoming", "history", "all"] = (
        "all" if show_all else "history" if history else "upcoming"
    )
    with opened(ctx, create=False) as app:
        listing = app.queue(view=view, status=status, platform=platform, limit=limit,
                            article=article_id(article) if article else None)  # fmt: skip
        settings = app.settings
    posts = list(listing.posts)
    if as_json:
        echo_json([post_json(p) for p in posts])
        return
    zone = "UTC" if utc else settings.timezone
    print_table(f"{len(posts)} {view} posts (times in {zone})", POST_COLUMNS,
                post_rows(posts, settings, utc))  # fmt: skip
    echo_urls(posts)


@queue.command("show")
@click.argument("article")
@click.option("--utc", is_flag=True, help="Print times in UTC.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def show(ctx: click.Context, article: str, utc: bool, as_json: bool) -> None:
    """Show an article's threads: each post's text, due time, state, tries, error, URL.

    ARTICLE is an article id (12 or a12) or a post id (p56: its article).

    \b
    Example:
      sharebot queue show a12
    """
    with opened(ctx, create=False) as app:
        view = app.show(article)
        settings = app.settings
    if as_json:
        echo_json({"article": view.id, "title": view.title, "url": view.url,
                   "source": view.source, "posts": [post_json(p) for p in view.posts]})  # fmt: skip
        return
    _print_article(view, settings, utc)


def _print_article(view: ArticleView, settings: Settings, utc: bool) -> None:
    print_table(f"a{view.id}: {view.title}", POST_COLUMNS,
                post_rows(list(view.posts), settings, utc))  # fmt: skip
    echo_urls(list(view.posts))


def _state_command(name: str, doc: str, change: Callable[[App, str], Changed]) -> None:
    """A `queue NAME IDENT` command that runs one state change and says what it did."""

    @queue.command(name, help=doc)
    @click.argument("ident")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_context
    def command(ctx: click.Context, ident: str, as_json: bool) -> None:
        with opened(ctx, create=False) as app:
            done = change(app, ident)
        _said(done.ident, done.verb, done.count, as_json)


_state_command(
    "cancel",
    "Cancel the unpublished posts of an article (a12), thread (t34) or post (p56).\n\n"
    "\b\nExample:\n  sharebot queue cancel a12",
    App.cancel,
)
_state_command(
    "retry",
    "Queue failed or needs_review posts of an article, thread or post again, due now.\n\n"
    "\b\nExample:\n  sharebot queue retry t34",
    App.retry,
)
_state_command(
    "approve",
    "Let a contributor's article (a12), thread or post be published: its posts awaiting\n"
    "approval are queued (one due in the past becomes due now).\n\n"
    "\b\nExample:\n  sharebot queue approve a12",
    App.approve,
)
_state_command(
    "restore",
    "Undo a cancel: the never-sent cancelled posts of an article, thread or post are queued\n"
    "again.\n\n\b\nExample:\n  sharebot queue restore t34",
    App.restore,
)


def _said(ident: str, verb: str, count: int, as_json: bool) -> None:
    if as_json:
        echo_json({"id": ident, verb: count})
    else:
        click.echo(f"{ident}: {count} post(s) {verb}")


@queue.command("reschedule")
@click.argument("ident")
@click.option("--at", "at", required=True, help="New time: ISO 8601, 'tomorrow 09:00', '+2h'.")
@click.option("--now", "now_ok", is_flag=True, help="Allow a time in the past.")
@click.option("--utc", is_flag=True, help="Print times in UTC.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def reschedule(ctx: click.Context, ident: str, at: str, now_ok: bool, utc: bool,
               as_json: bool) -> None:  # fmt: skip
    """Move the queued/failed posts of an article, thread or post; spacing is kept.

    \b
    Example:
      sharebot queue reschedule a12 --at "Mon 09:00"
    """
    with opened(ctx, create=False) as app:
        done = app.reschedule(ident, when(at, app.settings, app.clock()), allow_past=now_ok)
        settings = app.settings
    if as_json:
        echo_json({"id": ident, "rescheduled": sum(m.posts for m in done.moves),
                   "at": done.at, "quiet_hours": done.quiet,
                   "threads": [{"thread": m.thread_id, "platform": m.platform, "posts": m.posts,
                                "old": m.old, "new": m.new} for m in done.moves]})  # fmt: skip
        return
    if done.quiet:
        click.echo(f"{local_time(done.requested, settings, utc=utc)} is in quiet hours: "
                   f"moved to {local_time(done.at, settings, utc=utc)}")  # fmt: skip
    for m in done.moves:
        click.echo(f"t{m.thread_id} ({m.platform}, {m.posts} post(s)): "
                   f"{local_time(m.old, settings, utc=utc)} -> "
                   f"{local_time(m.new, settings, utc=utc)}")  # fmt: skip


@queue.command("edit")
@click.argument("post")
@click.option("--text", help="The new text (inline Markdown for Bluesky).")
@click.option("--image", "images", multiple=True, help="Image file or URL (repeatable, ≤ 4).")
@click.option("--alt", "alts", multiple=True, help="Alt text of each --image, in order.")
@click.option("--card", help="Replace the embed with a link card to this URL.")
@click.option("--card-title", help="The link card's title (default: the URL).")
@click.option("--no-embed", is_flag=True, help="Remove the post's images or link card.")
@click.option("--replies", help="Who may reply (a thread's first post): everyone, nobody, rules.")
@click.option("--quotes/--no-quotes", default=None, help="Whether the post may be quoted.")
@click.option("--label", "labels", multiple=True, help="Self-labels (replace the post's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def edit(ctx: click.Context, post: str, text: str | None, images: tuple[str, ...],
         alts: tuple[str, ...], card: str | None, card_title: str | None, no_embed: bool,
         replies: str | None, quotes: bool | None, labels: tuple[str, ...],
         as_json: bool) -> None:  # fmt: skip
    """Change an unpublished post's text, images or link card, re-checked against the limits.

    \b
    Example:
      sharebot queue edit 56 --text "A shorter opening. https://example.com/a"
      sharebot queue edit 57 --image chart.png --alt "Trade volume, 2020-2025"
    """
    change = Edit(text, pair_images(images, alts), card, card_title, no_embed,
                  _words(replies), quotes, labels or None)  # fmt: skip
    with opened(ctx, create=False) as app:
        edited = app.edit(post_id(post), change)
    if as_json:
        echo_json(post_json(edited))
    else:
        click.echo(f"p{edited.id} ({edited.platform}) edited")


def _sync_rows(report: SyncReport) -> list[list[Any]]:
    rows = [[a["path"], "added", f"a{a['article']}", f"{a['threads']} threads"]
            for a in report.added]  # fmt: skip
    rows += [
        [u["path"], "updated", f"a{u['article']}",
         f"{u['replaced_threads']} unpublished threads re-planned, "
         f"{u['kept_threads']} sent threads left alone"]
        for u in report.updated
    ]  # fmt: skip
    rows += [[p, "unchanged", "", ""] for p in report.unchanged]
    rows += [[f["path"], "FAILED", "", "see below"] for f in report.failed]
    return rows


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
    with opened(ctx) as app:
        report = app.sync(folder or app.settings.posts_dir)
    if as_json:
        echo_json(report.as_dict())
    else:
        print_table("sync", ["file", "result", "article", "detail"], _sync_rows(report))
    warn(report.warnings)
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
    wanted = article_id(article)
    with opened(ctx, create=False) as app:
        found = app.links(wanted)
    shares = found.share_links
    if as_json:
        echo_json({"article": found.article_id, "title": found.title, "share_links": shares,
                   "posts": [{"id": p.id, "platform": p.platform, "url": p.url}
                             for p in found.posts]})  # fmt: skip
        return
    click.echo(f"a{found.article_id}: {found.title}\n")
    click.echo("\n".join(share_link_lines(dict(shares))))
    if found.posts:
        click.echo("\npublished posts:")
        echo_urls(list(found.posts))
