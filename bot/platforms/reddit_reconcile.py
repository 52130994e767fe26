"""Reconcile on Reddit: find an earlier attempt's post in the account's own listings.

Reddit has no idempotency key, so "was it published?" is answered by reading the
account's submissions or comments, newest first, page by page (100 a page) until one of:

- the post is found (its invisible marker, or subreddit + title + URL for a bare link
  post): published;
- a thing older than the post's first send (less a margin for clock skew) is reached, or
  the listing ends: not published -- unless the latest send is younger than the listing
  lag (Reddit's listings lag behind writes), then :class:`PendingError`: look again later;
- Reddit's 1,000-item listing cap is reached first: nothing can decide, so
  :class:`UnresolvedError` sends the post to review with that reason.

A listing that cannot be read is an unknown outcome (AmbiguousError, reconciled again
later, then review), never "not sent".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.errors import PendingError, UnresolvedError

PLATFORM = "reddit"
PAGE = 100  # Reddit gives at most 100 things per listing page
LISTING_CAP = 1000  # ... and at most 1,000 things in all, however far one pages
CLOCK_SKEW = timedelta(minutes=2)  # our clock vs Reddit's created_utc
LISTING_LAG = timedelta(seconds=60)  # default: how long a new thing may stay unlisted

Thing = dict[str, Any]
# One listing page: (things, the "after" cursor of the next page or None).
PageReader = Callable[[str | None], tuple[list[Thing], str | None]]


def find(
    read_page: PageReader,
    matches: Callable[[Thing], bool],
    *,
    since: datetime | None,
    what: str,
) -> Thing | None:
    """The first listed thing that ``matches``, None when the listing shows it was not
    published (see the module docstring); UnresolvedError at the cap."""
    after: str | None = None
    seen = 0
    oldest: datetime | None = None
    while seen < LISTING_CAP:
        things, after = read_page(after)
        for data in things:
            seen += 1
            if matches(data):
                return data
            oldest = created(data)
            if since is not None and oldest is not None and oldest < since - CLOCK_SKEW:
                return None
        if not after or not things:
            break
    if seen >= LISTING_CAP:
        bound = (
            "its first send"
            if since is None
            else f"its first send at {since:%Y-%m-%d %H:%M:%S} UTC"
        )
        raise UnresolvedError(
            f"cannot tell whether it was published: the account's {what} listing stops at "
            f"Reddit's {LISTING_CAP}-item cap before reaching {bound}; look for it on Reddit "
            "before retrying",
            platform=PLATFORM,
        )
    return None


def not_lagging(last_sent_at: datetime | None, now: datetime, lag: timedelta) -> None:
    """PendingError while a listing may still be hiding a write made at ``last_sent_at``."""
    if last_sent_at is None or now - last_sent_at >= lag:
        return
    until = last_sent_at + lag
    raise PendingError(
        f"not in the account's listing yet, which may lag a write by up to "
        f"{lag.total_seconds():g}s: looking again at {until:%H:%M:%S} UTC",
        platform=PLATFORM,
        until=until,
    )


def created(data: Thing) -> datetime | None:
    """A thing's ``created_utc`` as an aware datetime (None if absent)."""
    value = data.get("created_utc")
    if not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(float(value), UTC)
