"""`sharebot publish`: publish one article now, through the daemon's claim path (bot.app).

The article is found or queued exactly as `queue add` would (same hash, same guards), made
due now and published by the one publish path restricted to its article id, so a daemon on
the same store can never send one of its posts twice. An article already published sends
nothing and prints its URLs. ``--dry-run`` prints the exact records (Bluesky) and forms
(Reddit) the adapters' pure ``build_*`` functions make, and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import click

from bot.app import App, Published, parse_platforms
from bot.app.publishing import dry_run as dry_run_records
from bot.app.publishing import dry_run_plan
from bot.commands.common import echo_json, local_time, opened, settings_of
from bot.links import share_link_lines
from bot.publish import Outcome


@click.command()
@click.argument("source")
@click.option("--to", "targets", multiple=True, type=click.Choice(["bluesky", "reddit"]),
              help="Only these platforms (repeatable). Default: front-matter, else every "
                   "configured one.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--again", is_flag=True, help="Publish it again even if it was published before.")
@click.option("--force", is_flag=True, help="Publish even over max_posts_per_article.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the outcome as JSON: article, posts, share links.")  # fmt: skip
@click.pass_context
def publish(ctx: click.Context, source: str, targets: tuple[str, ...], dry_run: bool,
            yes: bool, again: bool, force: bool, as_json: bool) -> None:  # fmt: skip
    """Publish one article now: FILE, URL or the id of a queued ARTICLE.

    Prints every post's web URL and the article's share links; exits 1 if any
    post failed, with the reasons. Publishing an article that is already out
    sends nothing and prints its URLs.

    \b
    Example:
      sharebot publish posts/china-russia-partnership.txt --to bluesky --yes
    """
    platforms = parse_platforms(",".join(targets)) if targets else None
    if dry_run:
        echo_json(dry_run_records(dry_run_plan(settings_of(ctx, secrets=False), source, platforms)))
        return
    with opened(ctx, secrets=True) as app:
        article_id, plan = app.prepare_publish(source, platforms, again=again, force=force)
        if plan is not None and not yes:
            click.confirm(f"Publish {plan.posts} posts of {plan.article.title!r} to "
                          f"{', '.join(plan.platforms)} now?", abort=True, err=True)  # fmt: skip
        display: AbstractContextManager[Callable[[Outcome], None] | None] = (
            nullcontext(None) if as_json else _progress()
        )
        with display as seen:
            result = app.publish(article_id, plan, platforms, on_outcome=seen)
        if as_json:
            echo_json(_as_json(result))
        else:
            _report(app, result)
    if not result.ok:
        ctx.exit(1)


@contextmanager
def _progress() -> Iterator[Callable[[Outcome], None]]:
    """One line per post as it is done (from the workers)."""
    from rich.console import Console

    console = Console(stderr=True, soft_wrap=True)

    def seen(outcome: Outcome) -> None:
        label = outcome.ref.url if outcome.ref else outcome.error
        console.print(f"post {outcome.post_id} {outcome.platform}: {outcome.state} {label}",
                      soft_wrap=True, highlight=False)  # fmt: skip

    yield seen


def _report(app: App, result: Published) -> None:
    published = [p for p in result.posts if p.state == "published" and p.url]
    if result.already_published:
        click.echo(f"a{result.article_id} was published before: nothing sent")
    if published:
        click.echo("\npublished:")
    for post in sorted(published, key=lambda p: (p.platform, p.id)):
        click.echo(f"  {post.platform:8} {post.url}")
    for o in result.failed:
        click.echo(f"FAILED post {o.post_id} ({o.platform}/{o.account}): {o.state}: {o.error}",
                   err=True)  # fmt: skip
    for held in result.held:
        click.echo(f"post {held.post_id} ({held.platform}) is being sent by a running daemon",
                   err=True)  # fmt: skip
    if result.waiting and not result.outcomes:
        first = min(p.due_at for p in result.waiting)
        click.echo(f"{len(result.waiting)} post(s) wait for a post a daemon is sending; the "
                   f"daemon publishes them (from {local_time(first, app.settings)})",
                   err=True)  # fmt: skip
    if not result.ok:
        click.echo("nothing was published for this article", err=True)
    click.echo("\nshare links:")
    click.echo("\n".join(share_link_lines(dict(result.share_links))))


def _as_json(result: Published) -> dict[str, Any]:
    by_id = {o.post_id: o for o in result.outcomes}
    posts = [
        {
            "post": f"p{p.id}",
            "platform": p.platform,
            "account": p.account,
            "state": by_id[p.id].state if p.id in by_id else p.state,
            "url": p.url,
            "uri": p.uri,
            "error": (by_id[p.id].error if p.id in by_id else p.error) or None,
        }
        for p in sorted(result.posts, key=lambda p: (p.platform, p.id))
    ]
    return {
        "article": result.article_id,
        "posts": posts,
        "share_links": result.share_links,
        "already_published": result.already_published,
        "held_by_daemon": [f"p{h.post_id}" for h in result.held],
        "waiting": [f"p{p.id}" for p in result.waiting],
    }
