"""What every command shares: opening the App from the global options, rendering."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click

from bot.app import App, load_settings
from bot.config import Settings
from bot.errors import ConfigError, NotFoundError
from bot.schedule import parse_when
from bot.store.views import parse_ident


def settings_of(ctx: click.Context, *, secrets: bool = True) -> Settings:
    """Settings from the global options (``secrets=False``: commands that only read)."""
    globals_ = ctx.find_root().obj
    return load_settings(globals_.config, globals_.store, secrets=secrets)


@contextmanager
def opened(ctx: click.Context, *, secrets: bool = False, create: bool = True) -> Iterator[App]:
    """The App over the configured store, closed on exit. Read-only commands pass
    ``create=False`` (no store file appears) and need no platform secrets."""
    app = App.open(settings_of(ctx, secrets=secrets), create=create)
    try:
        yield app
    finally:
        app.close()


def when(text: str, settings: Settings, now: datetime) -> datetime:
    """An editor's ``--at`` in the configured zone -> UTC."""
    return parse_when(text, now=now, tz=settings.tz)


def local_time(moment: datetime | None, settings: Settings, *, utc: bool = False) -> str:
    """``2026-12-01 10:00 CET`` in the configured zone (or UTC); ``-`` for none."""
    if moment is None:
        return "-"
    shown = moment.astimezone(UTC if utc else settings.tz)
    return f"{shown:%Y-%m-%d %H:%M} {shown.tzname()}"


def echo_json(data: Any) -> None:
    """Indented JSON (times as ISO 8601)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_iso))


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A rich table (URLs never go in a cell: they are printed on lines of their own)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(width=160, soft_wrap=False).print(table)


def short(text: str, n: int = 60) -> str:
    """One line of at most ``n`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def article_id(ident: str) -> int:
    """``12`` or ``a12`` -> 12."""
    return _ident(ident, "article", "use 12 or a12")


def post_id(ident: str) -> int:
    """``56`` or ``p56`` -> 56."""
    return _ident(ident, "post", "use 56 or p56")


def _ident(ident: str, kind: str, hint: str) -> int:
    try:
        found, number = parse_ident(ident, bare=kind)
    except NotFoundError:
        found, number = "", 0
    if found != kind:
        raise ConfigError(f"not {'an' if kind == 'article' else 'a'} {kind} id: {ident!r} "
                          f"({hint})", key=kind.upper())  # fmt: skip
    return number


def warn(lines: Sequence[str]) -> None:
    """Warnings on stderr."""
    for line in lines:
        click.echo(f"warning: {line}", err=True)
