"""`sharebot feeds …`: follow sites through their RSS/Atom/JSON feeds (bot.app.feeds)."""

from __future__ import annotations

from typing import Any

import click

from bot.app import parse_platforms
from bot.commands.common import echo_json, local_time, opened, print_table, short
from bot.config import feed_config


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def feeds(ctx: click.Context, as_json: bool) -> None:
    """List the followed feeds with their state and last error (add, poll, remove: below).

    \b
    Example:
      sharebot feeds add https://example.org/feed.xml --to bluesky --poll 30m
      sharebot feeds
    """
    if ctx.invoked_subcommand is not None:
        return
    with opened(ctx, create=False) as app:
        found = app.list_feeds()
        settings = app.settings
    if as_json:
        echo_json([{"url": f.url, "options": dict(f.options), "last_poll": f.last_poll_at,
                    "next_poll": f.next_poll_at, "last_error": f.last_error,
                    "failures": f.failures, "entries": f.entries, "articles": f.articles}
                   for f in found])  # fmt: skip
        return
    print_table(f"{len(found)} feeds", ["feed", "last poll", "next poll", "articles", "error"],
                [[f.url, local_time(f.last_poll_at, settings),
                  local_time(f.next_poll_at, settings), f.articles,
                  short(f.last_error or "", 50)] for f in found])  # fmt: skip


@feeds.command("add")
@click.argument("url")
@click.option("--to", "to", help="Platforms, comma-separated: bluesky,reddit.")
@click.option("--subreddit", help="Subreddit for the Reddit submissions.")
@click.option("--flair", help="Reddit flair text.")
@click.option("--mode", type=click.Choice(["section", "article"]), help="Thread per section/one.")
@click.option("--every", help="Spacing between sections: '3h', '90m' or 'next slot'.")
@click.option("--backfill", type=click.IntRange(0, 500), default=0, show_default=True,
              help="How many existing entries the first poll queues.")  # fmt: skip
@click.option("--poll", default="15m", show_default=True, help="How often to poll.")
@click.pass_context
def add(ctx: click.Context, url: str, to: str | None, subreddit: str | None,
        flair: str | None, mode: str | None, every: str | None, backfill: int,
        poll: str) -> None:  # fmt: skip
    """Follow a feed: each new entry is queued like `queue add` would queue it.

    \b
    Example:
      sharebot feeds add https://example.org/feed.xml --to bluesky --backfill 1
    """
    platforms = list(parse_platforms(to)) if to else None
    raw: dict[str, Any] = {"url": url, "subreddit": subreddit, "flair": flair,
                           "thread_mode": mode, "every": every, "backfill": backfill,
                           "poll": poll, "platforms": platforms}  # fmt: skip
    feed = feed_config({k: v for k, v in raw.items() if v is not None}, source="command line",
                       where="feeds add")  # fmt: skip
    with opened(ctx) as app:
        app.follow(feed)
    click.echo(f"following {url} (polled every {poll}; backfill {backfill})")


@feeds.command("poll")
@click.argument("urls", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def poll(ctx: click.Context, urls: tuple[str, ...], as_json: bool) -> None:
    """Poll the due feeds once (or the given ones now), for cron and tests. Exits 1 if a
    feed failed.

    \b
    Example:
      sharebot feeds poll https://example.org/feed.xml
    """
    with opened(ctx) as app:
        results = app.poll_feeds(urls)
    if as_json:
        echo_json([r.as_dict() for r in results])
    else:
        for r in results:
            line = f"{r.url}: {r.status}, {len(r.queued)} queued, {len(r.updated)} updated"
            click.echo(line + (f": {r.error}" if r.error else ""))
            for error in r.errors:
                click.echo(f"  entry failed: {error}", err=True)
    if any(r.error for r in results):
        ctx.exit(1)


@feeds.command("remove")
@click.argument("url")
@click.pass_context
def remove(ctx: click.Context, url: str) -> None:
    """Stop following a feed (its articles stay queued).

    \b
    Example:
      sharebot feeds remove https://example.org/feed.xml
    """
    with opened(ctx, create=False) as app:
        removed = app.unfollow(url)
    if not removed:
        raise click.ClickException(f"not following {url}")
    click.echo(f"no longer following {url}")
