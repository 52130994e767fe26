"""Approval of contributors' articles, and undoing a cancel.

A contributor's article is stored with every post in ``awaiting_approval``: no daemon
claims it (claims take only queued, failed and expired sending posts) until an editor
approves it here (the desk's Approve button, or ``sharebot queue approve a12``).
"""

from __future__ import annotations

from datetime import datetime

from bot.app.editing import Changed, NothingToDo
from bot.store import Store


def approve(store: Store, ident: str, now: datetime) -> Changed:
    """awaiting_approval -> queued (a due time that passed while it waited becomes now)."""
    count = store.approve(ident, now)
    if count == 0:
        raise _none(store, ident, "approve", "awaiting_approval")
    return Changed(ident, "approved", count)


def restore(store: Store, ident: str, now: datetime) -> Changed:
    """Undo a cancel: never-sent cancelled posts go back to queued."""
    count = store.restore(ident, now)
    if count == 0:
        raise _none(store, ident, "restore", "cancelled")
    return Changed(ident, "restored", count)


def _none(store: Store, ident: str, verb: str, takes: str) -> NothingToDo:
    states = store.post_states(ident)
    found = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "no posts"
    return NothingToDo(f"{ident}: nothing to {verb}: {found} ({verb} takes {takes} posts)")
