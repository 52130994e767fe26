"""`sharebot run` (the daemon) and `sharebot status`.

Both open the store named by ``--store``/``SHAREBOT_STORE`` or the configuration.
``status --json`` prints::

    {"counts": {state: n}, "next_due": iso | null,
     "accounts": [{"platform", "account", "last_success", "last_error", "blocked_until"}],
     "daemons": [{"owner", "heartbeat"}]}

Keys may be added, never removed.
"""

from __future__ import annotations

import json
from typing import Any

import click

from bot.commands.common import local_time, opened
from bot.config import Settings


@click.command()
@click.option("--once", is_flag=True, help="Publish what is due now, then exit (for cron).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines as text or JSON objects (secrets are always redacted).",
)
@click.option("--log-level", default="INFO", show_default=True, help="DEBUG, INFO, WARNING…")
@click.option(
    "--sandbox",
    is_flag=True,
    help="Publish the sample article to a local sandbox instead (make demo).",
)
@click.option("--keep", is_flag=True, help="With --sandbox: keep the sandbox up until Ctrl-C.")
@click.option("--appview", is_flag=True,
              help="With --sandbox: Bluesky's test network with an AppView (Node 22, "
                   "PostgreSQL, Redis); read every thread back as readers see it.")  # fmt: skip
@click.pass_context
def run(ctx: click.Context, once: bool, log_format: str, log_level: str, sandbox: bool,
        keep: bool, appview: bool) -> None:  # fmt: skip
    """Run the publishing daemon until SIGTERM/SIGINT (exit 0).

    Wakes when the next post is due and on a periodic tick, syncs posts/, and
    publishes each post exactly once. Only one daemon may run on an SQLite
    store; on PostgreSQL several share the work.

    \b
    Example:
      SHAREBOT_STORE=sqlite:///data/sharebot.db sharebot run --log-format json
    """
    from bot.logs import setup

    setup(log_format, log_level.upper())
    if sandbox:
        from bot.sandbox.demo import main as sandbox_main

        ctx.exit(sandbox_main(keep=keep, appview=appview))
    from bot.daemon import Daemon, single_daemon_lock

    with opened(ctx, secrets=True) as app, single_daemon_lock(app.settings.store_url):
        publisher = app.publisher()
        try:
            daemon = Daemon(app.store, publisher, tick=app.settings.tick.total_seconds(),
                            sync=app.sync, jobs=app.periodic_jobs(),
                            stats=app.collect_stats)  # fmt: skip
            if once:
                counts = daemon.run_once()
            else:
                daemon.install_signals()
                counts = daemon.run()
        finally:
            publisher.close()
    if once and any(state != "published" for state in counts):
        ctx.exit(1)


@click.command()
@click.option("--utc", is_flag=True, help="Print times in UTC.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts (times in UTC).")
@click.pass_context
def status(ctx: click.Context, utc: bool, as_json: bool) -> None:
    """Show counts by state, the next due post, accounts and the daemon heartbeat.

    \b
    Example:
      sharebot status --json
    """
    with opened(ctx, create=False) as app:
        data = app.status().as_dict()
        settings = app.settings
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    _print_status(data, settings, utc)


def _print_status(data: dict[str, Any], settings: Settings, utc: bool) -> None:
    from datetime import datetime

    from rich.console import Console
    from rich.table import Table

    def at(iso: str | None) -> str:
        return local_time(datetime.fromisoformat(iso) if iso else None, settings, utc=utc)

    console = Console()
    counts = " ".join(f"{k}={v}" for k, v in sorted(data["counts"].items())) or "empty"
    console.print(f"posts: {counts}")
    console.print(f"next due: {at(data['next_due'])}")
    table = Table("platform", "account", "last success", "last error", "blocked until")
    for row in data["accounts"]:
        table.add_row(
            *(str(row.get(k) or "-") for k in ("platform", "account")),
            at(row.get("last_success")),
            str(row.get("last_error") or "-"),
            at(row.get("blocked_until")),
        )
    console.print(table)
    for d in data["daemons"] or [{"owner": "no daemon has reported", "heartbeat": ""}]:
        beat = f" (heartbeat {at(d['heartbeat'])})" if d.get("heartbeat") else ""
        console.print(f"daemon: {d.get('owner')}{beat}")
    for feed in data.get("feeds", []):
        state = (
            f"FAILING ({feed['failures']}x): {feed['last_error']}" if feed["last_error"] else "ok"
        )
        console.print(f"feed: {feed['url']} {state}, last poll {at(feed['last_poll'])}",
                      soft_wrap=True, highlight=False)  # fmt: skip
