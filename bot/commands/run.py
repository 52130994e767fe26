"""`sharebot run` (the daemon) and `sharebot status`.

Both open the store named by ``--store``/``SHAREBOT_STORE`` or the configuration.
``status --json`` prints::

    {"counts": {state: n}, "next_due": iso | null,
     "accounts": [{"platform", "account", "last_success", "last_error", "blocked_until"}],
     "daemons": [{"owner", "heartbeat"}]}

Keys may be added, never removed.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click

from bot.budget import from_settings
from bot.config import Settings, parse_duration
from bot.errors import ConfigError
from bot.secretkey import store_key

CONFIG_SECRETS = ("password", "client_secret", "refresh_token")


def load_settings(ctx: click.Context) -> Settings:
    """Settings from the global options (flag > env > file > defaults); secrets registered
    with the log redactor."""
    from bot import config
    from bot.logs import register_secrets

    load: Callable[..., Settings] | None = getattr(config, "load", None)
    if load is None:
        raise ConfigError("this build has no configuration loader (bot.config.load)")
    globals_ = ctx.find_root().obj
    settings = load(globals_.config, store_url=globals_.store, env=dict(os.environ))
    accounts = (*settings.bluesky, *settings.reddit)
    register_secrets(getattr(a, name, None) for a in accounts for name in CONFIG_SECRETS)
    return settings


def open_settings_store(ctx: click.Context) -> tuple[Settings, Any]:
    """Settings and the opened store (``bot.store.open_store``)."""
    settings = load_settings(ctx)
    store_module = importlib.import_module("bot.store")
    return settings, store_module.open_store(
        settings.store_url,
        key=store_key(settings),
        budgets=from_settings(settings),
        in_flight=1,  # the publisher sends one post per account at a time
    )


def posts_sync(settings: Settings, store: Any) -> Callable[[], object] | None:
    """The queue helper's posts/ folder sync as a callable, if this build has one."""
    try:
        queue = importlib.import_module("bot.commands.queue")
    except ModuleNotFoundError:
        return None
    sync = getattr(queue, "sync_folder", None) or getattr(queue, "sync_posts", None)
    if sync is None:
        return None
    return lambda: sync(store, settings, now=datetime.now(UTC))


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
@click.option("--sandbox", is_flag=True, help="Run the local sandbox demo instead (make demo).")
@click.pass_context
def run(ctx: click.Context, once: bool, log_format: str, log_level: str, sandbox: bool) -> None:
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
        from bot.demo import main as demo_main

        ctx.exit(demo_main())
    from bot.daemon import Daemon, build_publisher, single_daemon_lock

    settings, store = open_settings_store(ctx)
    try:
        with single_daemon_lock(settings.store_url):
            publisher = build_publisher(store, settings)
            tick = parse_duration(settings.tick).total_seconds()
            daemon = Daemon(store, publisher, tick=tick, sync=posts_sync(settings, store))
            if once:
                counts = daemon.run_once()
            else:
                daemon.install_signals()
                counts = daemon.run()
            publisher.close()
    finally:
        store.close()
    if once and any(state != "published" for state in counts):
        ctx.exit(1)


def status_data(store: Any) -> dict[str, Any]:
    """Counts by state, next due, accounts and daemon heartbeats, as JSON-ready data."""
    due = store.next_due()
    daemons = store.daemons() if hasattr(store, "daemons") else []
    return {
        "counts": dict(store.counts()),
        "next_due": due.isoformat() if due else None,
        "accounts": [_jsonable(a) for a in store.account_status()],
        "daemons": [_jsonable(d) for d in daemons],
    }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show counts by state, the next due post, accounts and the daemon heartbeat.

    \b
    Example:
      sharebot status --json
    """
    _, store = open_settings_store(ctx)
    try:
        data = status_data(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    _print_status(data)


def _print_status(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    counts = " ".join(f"{k}={v}" for k, v in sorted(data["counts"].items())) or "empty"
    console.print(f"posts: {counts}")
    console.print(f"next due: {_when(data['next_due'])}")
    table = Table("platform", "account", "last success", "last error", "blocked until")
    for row in data["accounts"]:
        table.add_row(
            *(str(row.get(k) or "-") for k in ("platform", "account")),
            _when(row.get("last_success")),
            str(row.get("last_error") or "-"),
            _when(row.get("blocked_until")),
        )
    console.print(table)
    for d in data["daemons"] or [{"owner": "no daemon has reported", "heartbeat": ""}]:
        beat = f" (heartbeat {_when(d['heartbeat'])})" if d.get("heartbeat") else ""
        console.print(f"daemon: {d.get('owner')}{beat}")


def _when(iso: str | None) -> str:
    """An ISO time from status_data as ``YYYY-MM-DD HH:MM:SS UTC`` (``-`` for none)."""
    return f"{iso[:19].replace('T', ' ')} UTC" if iso else "-"
