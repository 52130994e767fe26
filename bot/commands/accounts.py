"""`sharebot accounts`: budgets and blocks per account; `check` logs in; `rotate-key`.

The use-cases live in bot.app.accounts (the desk calls the same ones); this module parses
options and renders text or ``--json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

import click

from bot.commands.common import opened


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def accounts(ctx: click.Context, as_json: bool) -> None:
    """List accounts: budget left per limit, next refill, blocked until, last error.

    \b
    Example:
      sharebot accounts
      sharebot accounts check news.example.com
      sharebot accounts rotate-key
    """
    if ctx.invoked_subcommand is not None:
        return
    with opened(ctx, create=False) as app:
        reports = app.accounts()
    if as_json:
        click.echo(json.dumps([_plain(asdict(r)) for r in reports], indent=2, sort_keys=True))
        return
    _print_reports(reports)


@accounts.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def check(ctx: click.Context, name: str | None, as_json: bool) -> None:
    """Log in as every configured account (or NAME) and say who it is; exit 1 if one fails.

    \b
    Example:
      sharebot accounts check news.example.com
    """
    with opened(ctx, secrets=True) as app:
        results = app.check_accounts(name)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in results], indent=2, sort_keys=True))
    for r in results if not as_json else ():
        who = ", ".join(f"{k} {v}" for k, v in r.identity.items())
        click.echo(f"{r.platform}/{r.account}: " + (f"ok ({who})" if r.ok else f"FAILED {r.error}"))
    if not all(r.ok for r in results):
        ctx.exit(1)


@accounts.command("rotate-key")
@click.option(
    "--new-key-env",
    metavar="VAR",
    help="With SHAREBOT_SECRET_KEY: the variable holding the new key.",
)
@click.pass_context
def rotate_key(ctx: click.Context, new_key_env: str | None) -> None:
    """Re-encrypt the stored sessions with a new key (the key file is replaced).

    \b
    Example:
      sharebot accounts rotate-key
    """
    with opened(ctx, create=False) as app:
        done = app.rotate_key(new_key_env)
    click.echo(
        f"re-sealed {done.resealed} session(s), dropped {done.dropped} "
        f"(those accounts log in afresh); the key is in {done.key_at}"
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, datetime) else value


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def _print_reports(reports: list[Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        "platform", "account", "budget left", "next refill", "blocked until", "last error"
    )
    for r in reports:
        left = ", ".join(f"{x.limit} {x.left}/{x.capacity}" for x in r.limits) or "-"
        blocked = _when(r.blocked_until) if r.blocked else "-"
        if r.out_of_budget_until:
            blocked = f"budget: {_when(r.out_of_budget_until)}"
        table.add_row(
            r.platform, r.account, left, _when(r.next_refill), blocked, r.last_error or "-"
        )
    Console(width=200).print(table)
