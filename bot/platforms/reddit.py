"""Reddit through PRAW: pure form builders and the ``RedditPlatform`` adapter.

An article becomes one submission (self post, or link post when the draft has a
``link_url``) followed by its sections as a chain of comments. Reddit has no
idempotency key, so every body ends with an invisible marker ``[](#sb-KEY)``;
after an ambiguous outcome ``reconcile`` pages through the account's submissions or
comments back to the first send (a bare link post, having no body, is found by
subreddit, title and URL; see reddit_reconcile). Writes are never re-sent by the
transport (see reddit_transport).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.config import RedditAccount, subreddit_name
from bot.errors import (
    AmbiguousError,
    AuthError,
    PlatformError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from bot.platforms import reddit_reconcile as reconciling
from bot.platforms.base import Engagement, Outgoing, Ref, SessionCache
from bot.platforms.reddit_errors import PLATFORM, ApiError, map_api_errors, map_exception
from bot.platforms.reddit_rules import requirement_problems
from bot.platforms.reddit_transport import RateBudget, harden, http_session, requestor_class
from bot.threads import MARKER_RESERVE, REDDIT_LIMITS, PostDraft

WEB = "https://www.reddit.com"
log = logging.getLogger("sharebot.reddit")

RULES_TTL = timedelta(minutes=15)
_TEMPLATE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def marker(key: str) -> str:
    """The invisible Markdown marker appended to every body (an empty link to #sb-KEY)."""
    text = f"\n\n[](#sb-{key})"
    if len(text) > MARKER_RESERVE:
        raise RejectedError(
            f"idempotency key {key!r} is too long for the marker", platform=PLATFORM
        )
    return text


def _flag(value: bool) -> str:
    return "True" if value else "False"


def build_submission(
    draft: PostDraft,
    *,
    subreddit: str,
    flair_id: str | None,
    flair_text: str | None,
    key: str,
    nsfw: bool,
    spoiler: bool,
) -> dict[str, str]:
    """The ``/api/submit`` form for ``draft``: a link post when it has ``link_url``, else a
    self post. A body always ends with the marker; a bare link post has no body."""
    fields = {
        "sr": subreddit,
        "title": draft.title or "",
        "kind": "link" if draft.link_url else "self",
        "nsfw": _flag(nsfw),
        "spoiler": _flag(spoiler),
        "sendreplies": "True",
        "resubmit": "True",
        "validate_on_submit": "True",
    }
    if draft.link_url:
        fields["url"] = draft.link_url
    if draft.text.strip() or not draft.link_url:
        fields["text"] = draft.text + marker(key)
    if flair_id:
        fields["flair_id"] = flair_id
    if flair_text:
        fields["flair_text"] = flair_text
    return fields


def build_comment(draft: PostDraft, *, parent_fullname: str, key: str) -> dict[str, str]:
    """The ``/api/comment`` form: a reply to ``parent_fullname`` carrying the marker."""
    return {"thing_id": parent_fullname, "text": draft.text + marker(key)}


def web_url(permalink: str) -> str:
    """The public URL of a permalink (``/r/x/comments/...``)."""
    return WEB + permalink


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RedditPlatform:
    """Publishes to one Reddit account (script app or refresh token) through PRAW.

    ``timeout`` bounds every HTTP exchange (prawcore's own is fixed at import);
    ``short_url`` defaults to the account's ``reddit_url`` when that is not Reddit's;
    ``listing_lag``: how long a new thing may be missing from the account's listings.
    """

    name = "reddit"
    limits = REDDIT_LIMITS

    def __init__(
        self,
        account: RedditAccount,
        sessions: SessionCache,
        *,
        clock: Callable[[], datetime] = _utcnow,
        timeout: float = 16.0,
        short_url: str | None = None,
        listing_lag: timedelta = reconciling.LISTING_LAG,
    ) -> None:
        self.account = account
        self.listing_lag = listing_lag
        self.sessions = sessions
        self.clock = clock
        self.timeout = timeout
        default_short = "https://redd.it" if account.reddit_url == WEB else account.reddit_url
        self.short_url = short_url or default_short
        self._reddit: Any = None
        self._http: Any = None  # our requests.Session, handed to prawcore's requestor
        self._budget = RateBudget(follow=self._follow_budget)
        self._username = account.username
        self._cache: dict[str, tuple[datetime, Any]] = {}

    def _follow_budget(self, view: dict[str, Any]) -> None:
        """Let the stored budget follow Reddit's own count (a store that keeps budgets)."""
        follow = getattr(self.sessions, "follow_budget", None)
        if follow is not None:
            follow(PLATFORM, self.account.name, self.clock(), **view)

    # --- Platform protocol ------------------------------------------------------
    def prepare(self, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
        """Nothing to fix at claim time: the marker derives from the stored key."""
        marker(key)
        return {}

    def send(self, post: Outgoing) -> Ref:
        """Submit (a submission draft) or reply to ``post.parent`` (a comment); exactly one
        HTTP write. Raises a PlatformError; RATELIMIT and bad credentials also block the
        account through the SessionCache."""
        try:
            if _is_submission(post):
                return self._submit(post)
            return self._reply(post)
        except PlatformError as err:
            self._note(err, post)
            raise

    def reconcile(self, post: Outgoing) -> Ref | None:
        """The post if an earlier attempt published it, else None; PendingError while the
        listing may lag, UnresolvedError when it cannot tell (see reddit_reconcile)."""
        tag = f"(#sb-{post.key})"
        if _is_submission(post):
            fields = self._fields(post, flair=(None, None))
            found = self._find("submitted", lambda d: _is_submission_of(d, fields, tag), post)
        else:
            parent = post.parent.uri if post.parent else None
            found = self._find(
                "comments",
                lambda d: tag in d.get("body", "") and d.get("parent_id") == parent,
                post,
            )
        if found is not None:
            if found.get("removed_by_category"):  # published, though nobody else sees it
                log.warning("%s was removed (%s)", found["name"], found["removed_by_category"])
            return Ref(uri=found["name"], cid="", url=web_url(found["permalink"]))
        reconciling.not_lagging(post.last_sent_at, self.clock(), self.listing_lag)
        return None

    def whoami(self) -> dict[str, str]:
        """Log in and say who the account is (GET api/v1/me)."""
        return {"username": self._me()}

    def delete(self, ref: Ref) -> None:
        """Delete a submission or comment (``/api/del``; Reddit answers a deleted one alike)."""
        self._call("POST", "api/del/", data={"id": ref.uri})

    stats_batch = 100  # /api/info takes at most 100 fullnames

    def fetch_stats(self, uris: Sequence[str]) -> dict[str, Engagement]:
        """Score, comment count and upvote ratio (submissions) or score (comments), one
        ``/api/info`` request for up to 100 fullnames."""
        names = ",".join(uris[: self.stats_batch])
        raw = self._call("GET", "api/info", params={"id": names})
        out: dict[str, Engagement] = {}
        for child in raw.get("data", {}).get("children", []):
            data = child.get("data", {})
            ratio = data.get("upvote_ratio")
            out[str(data.get("name"))] = Engagement(
                score=int(data.get("score") or 0),
                comments=data.get("num_comments"),
                upvote_ratio=None if ratio is None else float(ratio),
            )
        return out

    def close(self) -> None:
        """Close the HTTP connections (the adapter reconnects if used again)."""
        if self._http is not None:
            self._http.close()
        self._reddit = self._http = None

    # --- sending ------------------------------------------------------------------
    def _subreddit(self, post: Outgoing) -> str:
        sr = post.subreddit or (self.account.subreddits[0] if self.account.subreddits else None)
        if not sr:
            raise RejectedError("no subreddit given for the submission", platform=PLATFORM)
        return subreddit_name(sr)

    def _fields(self, post: Outgoing, *, flair: tuple[str | None, str | None]) -> dict[str, str]:
        return build_submission(
            post.draft,
            subreddit=self._subreddit(post),
            flair_id=flair[0],
            flair_text=flair[1],
            key=post.key,
            nsfw=bool(post.prepared.get("nsfw", False)),
            spoiler=bool(post.prepared.get("spoiler", False)),
        )

    def _submit(self, post: Outgoing) -> Ref:
        sr = self._subreddit(post)
        flair = self._flair(sr, post.flair or self.account.flair)
        fields = self._fields(post, flair=flair)
        self._preflight(sr, fields, has_flair=flair != (None, None))
        raw = self._call("POST", "api/submit/", data=fields, scope=f"subreddit:r/{sr}")
        data = _json_data(raw)
        name, url = str(data.get("name", "")), str(data.get("url", ""))
        if not name:
            raise AmbiguousError("Reddit answered the submit without a fullname", platform=PLATFORM)
        path = urlsplit(url).path if "/comments/" in url else f"/r/{sr}/comments/{name[3:]}/"
        return Ref(uri=name, cid="", url=web_url(path))

    def _reply(self, post: Outgoing) -> Ref:
        if post.parent is None:
            raise RejectedError("a comment needs the post it replies to", platform=PLATFORM)
        fields = build_comment(post.draft, parent_fullname=post.parent.uri, key=post.key)
        raw = self._call("POST", "api/comment/", data=fields, scope="account")
        things = _json_data(raw).get("things") or []
        if not things:
            raise AmbiguousError("Reddit accepted the comment but returned none", platform=PLATFORM)
        data = things[0]["data"]
        permalink = data.get("permalink") or (
            f"/r/{data['subreddit']}/comments/{data['link_id'][3:]}/_/{data['id']}/"
        )
        return Ref(uri=data["name"], cid="", url=web_url(permalink))

    def _flair(self, sr: str, flair: str | None) -> tuple[str | None, str | None]:
        """(flair_id, flair_text) for a template id or a template's text."""
        if not flair:
            return None, None
        if _TEMPLATE_ID.fullmatch(flair):
            return flair, None
        templates = self._cached_get(f"r/{sr}/api/link_flair_v2", sr)
        for template in templates or ():
            if str(template.get("text", "")).strip().lower() == flair.strip().lower():
                return template["id"], flair if template.get("text_editable") else None
        known = ", ".join(repr(t.get("text")) for t in templates or ()) or "none"
        raise RejectedError(
            f"r/{sr} has no link flair {flair!r} (it has: {known})", platform=PLATFORM
        )

    def _preflight(self, sr: str, fields: dict[str, str], *, has_flair: bool) -> None:
        rules = self._cached_get(f"api/v1/{sr}/post_requirements", sr)
        problems = requirement_problems(
            rules,
            title=fields["title"],
            body=fields.get("text", ""),
            link_url=fields.get("url"),
            has_flair=has_flair,
        )
        if problems:
            raise RejectedError(
                f"r/{sr} would refuse this post: {'; '.join(problems)}", platform=PLATFORM
            )

    # --- plumbing -------------------------------------------------------------------
    def _client(self) -> Any:
        if self._reddit is None:
            import praw

            self._http = http_session((self.account.oauth_url, self.account.reddit_url))
            self._reddit = praw.Reddit(**self._praw_settings())
            harden(self._reddit)
        return self._reddit

    def _praw_settings(self) -> dict[str, Any]:
        acct = self.account
        settings: dict[str, Any] = {
            "client_id": acct.client_id,
            "client_secret": acct.client_secret.reveal() if acct.client_secret else None,
            "user_agent": acct.user_agent,
            "oauth_url": acct.oauth_url,
            "reddit_url": acct.reddit_url,
            "short_url": self.short_url,
            "check_for_updates": False,
            "ratelimit_seconds": 0,
            "requestor_class": requestor_class(),
            "requestor_kwargs": {
                "timeout": self.timeout,
                "session": self._http,
                "budget": self._budget,
            },
        }
        if acct.refresh_token is not None:
            settings["refresh_token"] = acct.refresh_token.reveal()
        elif acct.username and acct.password is not None and acct.client_secret is not None:
            settings.update(username=acct.username, password=acct.password.reveal())
        else:
            raise AuthError(
                f"account {acct.name!r} needs client_secret + username + password "
                "(script app) or a refresh_token",
                platform=PLATFORM,
            )
        return settings

    def _call(
        self,
        method: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        params: dict[str, str | int] | None = None,
        scope: str = "account",
        missing: str | None = None,
    ) -> Any:
        """One request; Reddit's ``json.errors`` and every praw/prawcore error mapped."""
        write = method == "POST"
        self._check_budget()
        try:
            raw = self._client().request(method=method, path=path, data=data, params=params)
        except PlatformError:
            raise
        except Exception as exc:
            if not type(exc).__module__.startswith(("praw", "prawcore")):
                raise
            if missing and type(exc).__name__ in ("NotFound", "Redirect"):
                raise RejectedError(missing, platform=PLATFORM) from exc
            raise map_exception(exc, write=write, now=self.clock(), scope=scope) from exc
        errors = raw.get("json", {}).get("errors") if isinstance(raw, dict) else None
        if errors:
            items = [ApiError(*[*map(str, e), "", "", ""][:3]) for e in errors]
            raise map_api_errors(items, now=self.clock(), scope=scope)
        return raw

    def _check_budget(self) -> None:
        """Refuse to call while Reddit's request budget is spent (prawcore would sleep)."""
        wait = self._budget.exhausted_for()
        if wait is not None:
            until = self.clock() + timedelta(seconds=wait)
            message = f"request budget spent (x-ratelimit-remaining 0); resets in {wait:.0f}s"
            raise RateLimitedError(message, platform=PLATFORM, until=until, scope="account")

    def _cached_get(self, path: str, sr: str) -> Any:
        """A subreddit's flair templates or rules, kept for RULES_TTL."""
        now = self.clock()
        hit = self._cache.get(path)
        if hit is not None and now - hit[0] < RULES_TTL:
            return hit[1]
        missing = f"SUBREDDIT_NOEXIST: r/{sr} does not exist"
        value = self._call("GET", path, missing=missing)
        self._cache[path] = (now, value)
        return value

    def _me(self) -> str:
        if not self._username:
            me = self._call("GET", "api/v1/me")
            self._username = str(me["name"])
        return self._username

    def _find(
        self, which: str, matches: Callable[[dict[str, Any]], bool], post: Outgoing
    ) -> dict[str, Any] | None:
        """Page through the account's submissions ("submitted") or comments."""
        path = f"user/{self._me()}/{which}"

        def read_page(after: str | None) -> tuple[list[dict[str, Any]], str | None]:
            params: dict[str, str | int] = {"limit": reconciling.PAGE, "sort": "new"}
            if after:
                params["after"] = after
            raw = self._call("GET", path, params=params)
            data = raw.get("data", {}) if isinstance(raw, dict) else {}
            return [c["data"] for c in data.get("children", [])], data.get("after")

        try:
            return reconciling.find(read_page, matches, since=post.first_sent_at, what=which)
        except RateLimitedError:
            raise
        except TransientError as exc:  # unknown, not "absent": reconcile again later
            raise AmbiguousError(
                f"could not read the account's {which} listing: {exc}", platform=PLATFORM
            ) from exc

    def _note(self, err: PlatformError, post: Outgoing) -> None:
        """Persist blocks: RATELIMIT/429 until the given time, bad credentials for good."""
        if isinstance(err, RateLimitedError):
            who = self.account.name
            if err.scope.startswith("subreddit:"):
                who = f"{who}/{err.scope.removeprefix('subreddit:')}"
            self.sessions.block_account(PLATFORM, who, err.until, str(err))
        elif isinstance(err, AuthError):
            self.sessions.block_account(PLATFORM, self.account.name, None, str(err))


def _is_submission(post: Outgoing) -> bool:
    """A submission when the draft says so, or when a generic post has no parent."""
    if post.draft.kind == "submission":
        return True
    return post.draft.kind == "post" and post.parent is None


def _json_data(raw: Any) -> dict[str, Any]:
    data = raw.get("json", {}).get("data") if isinstance(raw, dict) else None
    if not isinstance(data, dict):
        raise AmbiguousError(f"unexpected answer from Reddit: {raw!r:.200}", platform=PLATFORM)
    return data


def _is_submission_of(data: dict[str, Any], fields: dict[str, str], tag: str) -> bool:
    if "text" in fields:
        return tag in str(data.get("selftext", ""))
    return (
        str(data.get("subreddit", "")).lower() == fields["sr"].lower()
        and data.get("title") == fields["title"]
        and data.get("url") == fields.get("url")
    )
