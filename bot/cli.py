"""The `sharebot` command: a click group of thin commands over the library.

Commands live in ``bot/commands/<name>.py`` and are imported only when run,
so ``sharebot --help`` and ``sharebot preview`` never load the platform SDKs,
SQLAlchemy or APScheduler. Only this module turns errors into exit codes:
0 ok, 1 failure, 2 usage or configuration error.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import Any

import click

from bot.errors import BotError

# name -> (module, attribute, one-line help shown by `sharebot --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "preview": ("bot.commands.preview", "preview", "Show the threads an article compiles to."),
    "queue": ("bot.commands.queue", "queue", "Queue, list, reschedule and cancel posts."),
    "sync": ("bot.commands.queue", "sync", "Import the posts/ folder into the queue."),
    "links": ("bot.commands.queue", "links", "Print an article's share links and post URLs."),
    "publish": ("bot.commands.publish", "publish", "Publish one article now."),
    "run": ("bot.commands.run", "run", "Run the publishing daemon."),
    "status": ("bot.commands.run", "status", "Counts by state, next due post, accounts."),
    "feeds": ("bot.commands.feeds", "feeds", "Follow sites: publish new articles from feeds."),
    "accounts": ("bot.commands.accounts", "accounts", "Budgets per account; check; rotate-key."),
    "desk": ("bot.commands.desk", "desk", "Serve the editors' web desk; manage its users."),
    "retract": ("bot.commands.retract", "retract", "Delete what was published of an article."),
    "stats": ("bot.commands.stats", "stats", "Engagement per article, section and platform."),
}


@dataclass
class Globals:
    """Global options, resolved into Settings by each command that needs them."""

    config: str | None
    store: str | None


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attr, _ = entry
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        command = getattr(module, attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.option(
    "--config",
    "config_path",
    envvar="SHAREBOT_CONFIG",
    type=click.Path(dir_okay=False),
    help="Configuration file (TOML). Env: SHAREBOT_CONFIG.",
)
@click.option(
    "--store",
    "store_url",
    envvar="SHAREBOT_STORE",
    help="Store as an SQLAlchemy URL, e.g. sqlite:///data/sharebot.db. Env: SHAREBOT_STORE.",
)
@click.version_option(package_name="sharebot")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, store_url: str | None) -> None:
    """sharebot turns articles into threads and publishes them to Bluesky and Reddit.

    \b
    Example:
      sharebot preview posts/china-russia-partnership.txt
    """
    ctx.obj = Globals(config=config_path, store=store_url)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the group, turning BotError into a message and an exit code."""
    try:
        return cli.main(args=argv, prog_name="sharebot", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BotError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
