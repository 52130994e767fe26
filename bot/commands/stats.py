"""`sharebot stats`: engagement per article, section and platform (bot.app.stats)."""

from __future__ import annotations

import csv
import sys
from typing import Any

import click

from bot.app.stats import COUNTS, SectionStats
from bot.commands.common import article_id, echo_json, local_time, opened, print_table

COLUMNS = ("article", "section", "platform", "posts", *COUNTS, "upvote_ratio", "fetched")


@click.command()
@click.argument("article", required=False)
@click.option("--collect", is_flag=True, help="Fetch the stats that are due first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (one row per section).")
@click.pass_context
def stats(ctx: click.Context, article: str | None, collect: bool, as_json: bool,
          as_csv: bool) -> None:  # fmt: skip
    """Latest counts and growth since the previous fetch, per ARTICLE (a12), section and
    platform, best sections first. The daemon fetches them after publishing (+1h, +6h,
    +24h, +3d, +7d, +30d: `stats_intervals`).

    \b
    Example:
      sharebot stats a12 --csv > a12.csv
    """
    if as_json and as_csv:
        raise click.UsageError("--json or --csv, not both")
    wanted = article_id(article) if article else None
    with opened(ctx, secrets=collect, create=collect) as app:
        if collect:
            done = app.collect_stats()
            for error in done.errors:
                click.echo(f"stats: {error}", err=True)
        sections = app.stats(wanted)
        settings = app.settings
    rows = [_row(s) for s in sections]
    if as_json:
        echo_json([{**r, "growth": _growth(s)} for r, s in zip(rows, sections, strict=True)])
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=[*COLUMNS, "title", "heading"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = [
            [*(_cell(r, s, c) for c in COLUMNS[:-1]), local_time(s.fetched_at, settings)]
            for r, s in zip(rows, sections, strict=True)
        ]
        print_table("Engagement (growth since the previous fetch)", COLUMNS, table)


def _row(s: SectionStats) -> dict[str, Any]:
    counts = {name: getattr(s.latest, name) for name in COUNTS}
    return {"article": s.article_id, "section": s.section, "platform": s.platform,
            "posts": s.posts, **counts, "upvote_ratio": s.latest.upvote_ratio,
            "fetched": s.fetched_at.isoformat(), "title": s.title,
            "heading": s.heading}  # fmt: skip


def _growth(s: SectionStats) -> dict[str, int | None]:
    return {name: getattr(s.growth, name) for name in COUNTS}


def _cell(row: dict[str, Any], s: SectionStats, column: str) -> str:
    value = row[column]
    if value is None:
        return "-"
    if column == "section":
        return f"{value} {s.heading or ''}".strip()
    if column in COUNTS:
        grown = getattr(s.growth, column) or 0
        return f"{value} (+{grown})" if grown else str(value)
    return f"{value:.2f}" if isinstance(value, float) else str(value)
