"""`sharebot desk`: the editors' web desk, and its users."""

from __future__ import annotations

import sys

import click

from bot.commands.common import opened

ROLES = ("editor", "contributor")


@click.group(invoke_without_command=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (only this machine unless you change it).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8470, show_default=True)
@click.option(
    "--secure-cookies", is_flag=True, help="Mark cookies Secure (behind a TLS reverse proxy)."
)
@click.pass_context
def desk(ctx: click.Context, host: str, port: int, secure_cookies: bool) -> None:  # fmt: skip
    """Serve the editors' desk: queue, preview, fix and approve posts in a browser.

    \b
    Example:
      sharebot desk user add alice --role editor   # asks for the password
      sharebot desk --port 8470                    # then open http://127.0.0.1:8470
    """
    if ctx.invoked_subcommand is not None:
        return
    from bot.desk.server import serve

    with opened(ctx, secrets=False) as app:
        click.echo(f"sharebot desk on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
        serve(app, host=host, port=port, secure_cookies=secure_cookies)


@desk.group()
def user() -> None:
    """Desk users (editors approve; contributors' articles wait for approval).

    \b
    Example:
      echo "$PASSWORD" | sharebot desk user add bob --role contributor
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="editor or contributor")
@click.pass_context
def add(ctx: click.Context, name: str, role: str) -> None:
    """Create a user (or reset one's role and password). The password is read from
    standard input when it is not a terminal, else asked for twice.

    \b
    Example:
      sharebot desk user add alice --role editor
    """
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with opened(ctx, secrets=False) as app:
        made = app.add_user(name, role, password)
    click.echo(f"user {made.name} ({made.role}) saved")


@user.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List the desk's users and their roles.

    \b
    Example:
      sharebot desk user list
    """
    with opened(ctx, secrets=False, create=False) as app:
        for one in app.users():
            click.echo(f"{one.name}\t{one.role}")
