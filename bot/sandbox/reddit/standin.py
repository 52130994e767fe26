"""A stand-in for Reddit's OAuth API on 127.0.0.1, for real PRAW to talk to.

    with start_standin(slow_reply={"every": 3}) as reddit:
        praw.Reddit(..., oauth_url=reddit.url, reddit_url=reddit.url, short_url=reddit.url)
        reddit.counters["POST /api/submit"], reddit.world.things, reddit.set_fault(...)

Its answers follow the recorded real traffic in tests/data/reddit-recorded/ (a test
compares every recorded interaction, values and structure); limits are enforced as
Reddit does. As recorded, every answer of the OAuth API carries ``x-ratelimit-remaining``
/ ``-used`` / ``-reset`` (a budget of ``ratelimit_budget`` requests per 600-second window,
windows aligned on the clock as Reddit's are), and access tokens expire after their
``expires_in`` (then 401 ``invalid_token``: PRAW fetches a new one).

Modelled without a recording, and said so where they live: listing lag and the 1,000-item
cap (things.py), spam-filter removal and locked/archived threads (here and things.py),
the refusals of replies to deleted or locked things (things.World.reply_refusal), and
the ``invalid_grant`` answer to a wrong password.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any

from bot.sandbox.reddit import routes
from bot.sandbox.reddit.faults import DEFAULT_SCOPE, Fault
from bot.sandbox.reddit.handler import NOT_FOUND, Handler, Reply, post_faults, pre_faults
from bot.sandbox.reddit.things import World, flair_template

CLIENT_ID = "standin-client-id"
CLIENT_SECRET = "standin-client-secret"
USERNAME = "sharebot_test"
PASSWORD = "standin-password"
REFRESH_TOKEN = "standin-refresh-token"
INSTALLED_CLIENT_ID = "standin-installed-app"  # an installed app: no secret, no password grant
WINDOW = 600  # seconds of Reddit's rate-limit window

FLAIRS = (
    ("News", "0f1d3e1a-0000-4000-8000-000000000001"),
    ("Analysis", "0f1d3e1a-0000-4000-8000-000000000002"),
)


class RedditStandin:
    """State, faults and counters of one stand-in server (see module docstring)."""

    def __init__(
        self,
        *,
        ratelimit_headers: bool = True,
        ratelimit_budget: int = 1000,
        ratelimit_reset: int | None = None,
        token_lifetime: int = 3600,
    ) -> None:
        self.offset = 0.0  # seconds added to the wall clock (tests move time forward)
        self.listing_lag = 0.0  # seconds before a new thing shows in the author's listings
        self.spam_filtered: set[str] = set()  # subreddits whose spam filter removes our posts
        self.world = World(USERNAME, clock=self.now)
        self.counters: Counter[str] = Counter()
        self.faults: dict[str, Fault] = {}
        self.ratelimit_headers = ratelimit_headers
        self.ratelimit_budget = ratelimit_budget
        self.ratelimit_reset = ratelimit_reset
        self.token_lifetime = token_lifetime
        self.tokens: dict[str, tuple[str, float]] = {}  # access token -> (username, expiry)
        self.window: tuple[int, int] = (0, 0)  # (600-s window number, requests used in it)
        self.apps = {CLIENT_ID: CLIENT_SECRET, INSTALLED_CLIENT_ID: ""}
        self.script_apps = {CLIENT_ID}  # only script apps may use the password grant
        self.passwords = {USERNAME: PASSWORD}
        self.refresh_tokens = {REFRESH_TOKEN: USERNAME}
        self._lock = threading.Lock()
        self.url = ""
        flairs = [flair_template(t, i) for t, i in FLAIRS]
        self.world.add_subreddit("sharebot_test", flairs=flairs)
        flair_sub = self.world.add_subreddit("flair_required", flairs=flairs)
        flair_sub.requirements["is_flair_required"] = True
        self.world.add_subreddit("restricted_sub", allowed=False)

    # --- time and modelled behaviours (no recording shows them) ----------------------
    def now(self) -> float:
        """The stand-in's time, epoch seconds."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the stand-in's clock forward (listing lag, token expiry)."""
        self.offset += seconds

    def spam_fields(self, where: str) -> dict[str, Any]:
        """Fields of a new thing in subreddit ``where`` (or replying to fullname ``where``)
        when the spam filter takes it: it exists for its author, removed for everyone else."""
        if where in self.world.things:
            where = self.world.things[where]["subreddit"]
        if where.lower() not in self.spam_filtered:
            return {}
        return {"removed_by_category": "reddit", "removal_reason": None, "banned_by": True}

    def lock_thread(self, fullname: str, *, archived: bool = False) -> None:
        """Lock a submission or comment (moderators), or archive a submission (age)."""
        with self.world.lock:
            self.world.things[fullname]["archived" if archived else "locked"] = True

    # --- faults -------------------------------------------------------------------
    def set_fault(self, name: str, **params: Any) -> None:
        """Arm fault ``name`` (see bot.sandbox.reddit.faults) with its parameters."""
        if name not in DEFAULT_SCOPE:
            raise ValueError(f"unknown fault {name!r}; known: {sorted(DEFAULT_SCOPE)}")
        self.faults[name] = Fault(name, params)

    def clear_fault(self, name: str | None = None) -> None:
        """Disarm one fault, or all of them."""
        if name is None:
            self.faults.clear()
        else:
            self.faults.pop(name, None)

    # --- auth ---------------------------------------------------------------------
    def issue_token(self, username: str) -> str:
        """A new access token for ``username``, valid for ``token_lifetime`` seconds."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self.tokens[token] = (username, self.now() + self.token_lifetime)
        return token

    def revoke_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def user_of(self, handler: Handler) -> str:
        token = handler.bearer()
        with self._lock:
            user, expiry = self.tokens.get(token or "", (None, 0.0))
        if user is None or expiry <= self.now():
            raise Reply(
                401,
                {"message": "Unauthorized", "error": 401},
                {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
            )
        return user

    # --- dispatch -----------------------------------------------------------------
    def dispatch(
        self, handler: Handler, method: str, path: str, query: dict[str, str], form: dict[str, str]
    ) -> None:
        route, args = routes.match(method, path)
        with self._lock:
            self.counters[f"{method} {route}"] += 1
        if route == "/api/v1/access_token":
            handler.answer(routes.access_token(self, handler, form), close=True)
            return
        if route == "?":
            raise NOT_FOUND
        user: str | None = None
        try:
            pre_faults(self, method, route)
            user = self.user_of(handler)
            reply = routes.ROUTES[(method, route)](self, handler, args, query, form)
            if method == "GET":
                post_faults(self, handler, method, route)
        except Reply as refused:
            self._ratelimit_headers(refused, user)
            raise
        _modhash(reply.body, user)
        self._ratelimit_headers(reply, user)
        handler.answer(reply)

    def _ratelimit_headers(self, reply: Reply, user: str | None) -> None:
        """Count the request in its window and add the headers, as recorded: on answers of
        the OAuth API to a user's token; not on 5xx, 401 or 429 answers, nor to app-only
        (client_credentials) tokens (those recordings have none)."""
        if not self.ratelimit_headers or reply.status >= 500 or reply.status in (401, 429):
            return
        if not user:
            return
        now = self.now()
        number = int(now // WINDOW)
        with self._lock:
            used = (self.window[1] if self.window[0] == number else 0) + 1
            self.window = (number, used)
        reset = self.ratelimit_reset or WINDOW - int(now % WINDOW)
        reply.headers.update(
            {
                "x-ratelimit-remaining": f"{max(0, self.ratelimit_budget - used)}.0",
                "x-ratelimit-used": str(used),
                "x-ratelimit-reset": str(reset),
            }
        )

    def count(self, kind: str) -> int:
        """Stored things of ``kind``: "t3" submissions, "t1" comments."""
        return self.world.count(kind)


def _modhash(body: Any, user: str | None) -> None:
    """Listings carry ``modhash`` null for a user's token, "" for an app-only one (as
    recorded)."""
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict) and item.get("kind") == "Listing":
            item["data"]["modhash"] = None if user else ""


@contextmanager
def start_standin(
    *,
    ratelimit_headers: bool = True,
    ratelimit_budget: int = 1000,
    ratelimit_reset: int | None = None,
    token_lifetime: int = 3600,
    **faults: dict[str, Any],
) -> Iterator[RedditStandin]:
    """Serve a fresh stand-in on 127.0.0.1 (a free port) for the ``with`` block.

    Reddit's x-ratelimit-* headers (``ratelimit_budget`` requests per window; the reset is
    the window's end unless ``ratelimit_reset`` fixes it; ``ratelimit_headers=False``
    leaves them out); tokens live ``token_lifetime`` seconds; other keyword arguments arm
    faults: ``slow_reply={"every": 3}``.
    """
    standin = RedditStandin(
        ratelimit_headers=ratelimit_headers,
        ratelimit_budget=ratelimit_budget,
        ratelimit_reset=ratelimit_reset,
        token_lifetime=token_lifetime,
    )
    for name, params in faults.items():
        standin.set_fault(name, **params)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.standin = standin  # type: ignore[attr-defined]
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="reddit-standin", daemon=True
    )
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted: ``python -m bot.sandbox.reddit.standin [--no-ratelimit]``.

    Prints one readiness line, ``REDDIT_STANDIN_URL http://127.0.0.1:PORT``, with the
    credentials to use (they are fixed test values, not secrets). ``--no-ratelimit``
    leaves out the x-ratelimit-* headers (benchmarks: prawcore would pace a bare loop).
    """
    args = sys.argv[1:] if argv is None else argv
    with start_standin(ratelimit_headers="--no-ratelimit" not in args) as standin:
        print(f"REDDIT_STANDIN_URL {standin.url}", flush=True)
        print(f"client_id={CLIENT_ID} username={USERNAME} (test credentials)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return


if __name__ == "__main__":
    main()
