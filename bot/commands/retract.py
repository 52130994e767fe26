"""`sharebot retract`: delete what was published of an article or a thread (bot.app.retract)."""

from __future__ import annotations

from typing import Any

import click

from bot.app.retract import Retracted
from bot.commands.common import echo_json, opened, short
from bot.store import PostView


@click.command()
@click.argument("ident")
@click.option("--platform", type=click.Choice(["bluesky", "reddit"]),
              help="Only the posts on this platform.")  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def retract(ctx: click.Context, ident: str, platform: str | None, yes: bool,
            as_json: bool) -> None:  # fmt: skip
    """Delete the published posts of an ARTICLE (a12) or THREAD (t34), last reply first.

    Lists what will be deleted and asks first (unless --yes); unsent posts of it are
    cancelled. Each deletion is recorded (state retracted); running it again after an
    interruption deletes only what is left. Exits 1 if a deletion failed.

    \b
    Example:
      sharebot retract a12 --platform bluesky --yes
    """
    with opened(ctx, secrets=True) as app:
        plan = app.retraction(ident, platform)
        if not yes:
            for post in plan.posts:
                click.echo(_line(post), err=True)
            click.confirm(f"Delete these {len(plan.posts)} posts?", abort=True, err=True)
        done = app.retract(ident, platform)
    if as_json:
        echo_json(_as_json(done))
    else:
        for post in done.deleted:
            click.echo(f"deleted {_line(post)}")
        click.echo(f"{ident}: {len(done.deleted)} post(s) retracted, {done.cancelled} cancelled")
    if done.failed is not None:
        click.echo(f"FAILED {_line(done.failed)}: {done.error}", err=True)
        ctx.exit(1)


def _line(post: PostView) -> str:
    return f"p{post.id} {post.platform}/{post.account} {post.url or post.uri}  {short(post.text)}"


def _as_json(done: Retracted) -> dict[str, Any]:
    return {
        "id": done.ident,
        "deleted": [{"post": p.id, "platform": p.platform, "uri": p.uri} for p in done.deleted],
        "cancelled": done.cancelled,
        "failed": None if done.failed is None else {"post": done.failed.id, "error": done.error},
    }
