"""The endpoints the stand-in implements, each answering as Reddit does."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.reddit.handler import NOT_FOUND, Handler, Reply, api_errors, post_faults
from bot.sandbox.reddit.things import (
    COMMENT_MAX,
    SELFTEXT_MAX,
    TITLE_MAX,
    Subreddit,
    listing,
    thing,
)

if TYPE_CHECKING:
    from bot.sandbox.reddit.standin import RedditStandin

Route = Callable[["RedditStandin", Handler, dict[str, str], dict[str, str], dict[str, str]], Reply]

PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    (m, r, re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", r) + rest + "$"))
    for m, r, rest in (
        ("POST", "/api/v1/access_token", ""),
        ("GET", "/api/v1/me", ""),
        ("POST", "/api/submit", ""),
        ("POST", "/api/comment", ""),
        ("POST", "/api/editusertext", ""),
        ("POST", "/api/del", ""),
        ("GET", "/api/info", ""),
        ("GET", "/comments/{id}", "(?:/[^/]*)?"),
        ("GET", "/user/{name}/submitted", ""),
        ("GET", "/user/{name}/comments", ""),
        ("GET", "/r/{sr}/new", ""),
        ("GET", "/", ""),
        ("GET", "/r/{sr}/api/link_flair_v2", ""),
        ("GET", "/api/v1/{sr}/post_requirements", ""),
    )
]

# Every route the stand-in implements, as counted in ``RedditStandin.counters``.
IMPLEMENTED = tuple(f"{m} {r}" for m, r, _ in PATTERNS)


def match(method: str, path: str) -> tuple[str, dict[str, str]]:
    """The route pattern and its arguments, or ("?", {}) for anything else."""
    for m, route, pattern in PATTERNS:
        found = pattern.match(path)
        if m == method and found:
            return route, found.groupdict()
    return "?", {}


def access_token(standin: RedditStandin, handler: Handler, form: dict[str, str]) -> Reply:
    """OAuth token endpoint: password, refresh_token and client_credentials grants (HTTP
    Basic client auth), answering as recorded."""
    client = handler.basic_auth()
    if client is None or standin.apps.get(client[0]) != client[1]:
        return Reply(401, {"message": "Unauthorized", "error": 401})
    grant = form.get("grant_type")
    if grant == "password":
        if client[0] not in standin.script_apps:  # as recorded (prawcore's cassette)
            return Reply(
                200,
                {
                    "error_description": "Only script apps may use password auth",
                    "error": "unauthorized_client",
                },
            )
        user = form.get("username", "")
        if standin.passwords.get(user) != form.get("password"):
            # Modelled (no recording of a script app's wrong password): OAuth's error code.
            return Reply(200, {"error": "invalid_grant"})
        return Reply(200, _token(standin, user))
    if grant == "refresh_token":
        refreshed = standin.refresh_tokens.get(form.get("refresh_token", ""))
        if refreshed is None:
            return Reply(400, {"error": 400})  # as recorded
        body = _token(standin, refreshed)
        body["refresh_token"] = form["refresh_token"]
        body["scope"] = body.pop("scope")  # key order as recorded
        return Reply(200, body)
    if grant == "client_credentials":
        return Reply(200, _token(standin, ""))
    return Reply(200, {"error": "unsupported_grant_type"})


def _token(standin: RedditStandin, user: str) -> dict[str, Any]:
    return {
        "access_token": standin.issue_token(user),
        "token_type": "bearer",
        "expires_in": standin.token_lifetime,
        "scope": "*",
    }


def me(standin: RedditStandin, handler: Handler, *_: Any) -> Reply:
    now = float(int(standin.world.clock()))
    return Reply(
        200,
        {
            "is_employee": False,
            "has_mail": False,
            "name": standin.world.username,
            "created": now,
            "hide_from_robots": False,
            "is_suspended": False,
            "created_utc": now,
            "has_mod_mail": False,
            "link_karma": 1,
            "in_beta": False,
            "comment_karma": 1,
            "over_18": False,
            "is_gold": False,
            "is_mod": False,
            "id": "standin",
            "gold_expiration": None,
            "inbox_count": 0,
            "has_verified_email": True,
            "gold_creddits": 0,
            "suspension_expiration_utc": None,
        },
    )


def _check_submission(sub: Subreddit | None, form: dict[str, str]) -> None:
    title, text = form.get("title", ""), form.get("text", "")
    if sub is None:
        raise api_errors(["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"])
    if not sub.allowed:
        raise api_errors(["SUBREDDIT_NOTALLOWED", "you aren't allowed to post there.", "sr"])
    if not title.strip():
        raise api_errors(["NO_TEXT", "we need something here", "title"])
    if len(title) > TITLE_MAX:
        raise api_errors(["TOO_LONG", f"this is too long (max: {TITLE_MAX})", "title"])
    if len(text) > SELFTEXT_MAX:
        raise api_errors(["TOO_LONG", f"this is too long (max: {SELFTEXT_MAX})", "text"])
    if form.get("kind") == "link" and not form.get("url"):
        raise api_errors(["NO_URL", "a url is required", "url"])
    for bad in sub.requirements["title_blacklisted_strings"]:
        if bad.lower() in title.lower():
            raise Reply(
                400,
                {
                    "fields": ["title"],
                    "explanation": f'You may not have "{bad}" in your title. ',
                    "error_type": "SUBMIT_VALIDATION_ERROR",
                    "message": "Bad Request",
                    "reason": "SUBMIT_VALIDATION_TITLE_BLACKLISTED_STRING",
                },
            )
    if sub.requirements["is_flair_required"] and not (
        form.get("flair_id") or form.get("flair_text")
    ):
        raise api_errors(
            ["SUBMIT_VALIDATION_FLAIR_REQUIRED", "Your post must contain post flair.", "flair"]
        )


def submit(
    standin: RedditStandin, handler: Handler, _a: Any, _q: Any, form: dict[str, str]
) -> Reply:
    sub = standin.world.subreddit(form.get("sr", ""))
    _check_submission(sub, form)
    assert sub is not None
    flair = next((f for f in sub.flairs if f["id"] == form.get("flair_id")), None)
    data = standin.world.add_submission(
        **standin.spam_fields(sub.name),
        sr=sub.name,
        title=form["title"],
        selftext=form.get("text", ""),
        url=form.get("url") if form.get("kind") == "link" else None,
        over_18=form.get("nsfw") == "True",
        spoiler=form.get("spoiler") == "True",
        link_flair_text=form.get("flair_text") or (flair["text"] if flair else None),
        link_flair_template_id=form.get("flair_id") or None,
    )
    post_faults(standin, handler, "POST", "/api/submit")
    url = f"https://www.reddit.com{data['permalink']}"
    return Reply(
        200,
        {
            "json": {
                "errors": [],
                "data": {"url": url, "drafts_count": 0, "id": data["id"], "name": data["name"]},
            }
        },
    )


def comment(
    standin: RedditStandin, handler: Handler, _a: Any, _q: Any, form: dict[str, str]
) -> Reply:
    parent, text = form.get("thing_id", ""), form.get("text", "")
    if parent not in standin.world.things:
        raise api_errors(["NO_THING_ID", "that thing doesn't exist", "parent"])
    if not text.strip():
        raise api_errors(["NO_TEXT", "we need something here", "text"])
    if len(text) > COMMENT_MAX:
        raise api_errors(["TOO_LONG", f"this is too long (max: {COMMENT_MAX})", "text"])
    refusal = standin.world.reply_refusal(parent)
    if refusal is not None:
        raise api_errors(refusal)
    spam = standin.spam_fields(parent)
    data = standin.world.add_comment(parent=parent, body=text, **spam)
    post_faults(standin, handler, "POST", "/api/comment")
    # As recorded (praw's test_reply__none): a comment the spam filter took is accepted
    # with no thing in the answer (modelled: the recording does not say why).
    things = [] if spam else [thing(data)]
    return Reply(200, {"json": {"errors": [], "data": {"things": things}}})


def editusertext(
    standin: RedditStandin, handler: Handler, _a: Any, _q: Any, form: dict[str, str]
) -> Reply:
    name, text = form.get("thing_id", ""), form.get("text", "")
    if name not in standin.world.things:
        raise api_errors(["NO_THING_ID", "that thing doesn't exist", "thing_id"])
    limit = SELFTEXT_MAX if name.startswith("t3_") else COMMENT_MAX
    if len(text) > limit:
        raise api_errors(["TOO_LONG", f"this is too long (max: {limit})", "text"])
    data = standin.world.edit(name, text)
    post_faults(standin, handler, "POST", "/api/editusertext")
    return Reply(200, {"json": {"errors": [], "data": {"things": [thing(dict(data))]}}})


def delete(
    standin: RedditStandin, handler: Handler, _a: Any, _q: Any, form: dict[str, str]
) -> Reply:
    standin.world.delete(form.get("id", ""))
    post_faults(standin, handler, "POST", "/api/del")
    return Reply(200, {})


def info(standin: RedditStandin, _h: Handler, _a: Any, query: dict[str, str], _f: Any) -> Reply:
    world, found = standin.world, []
    for name in filter(None, query.get("id", "").split(",")):
        if name in world.things:
            found.append(thing(dict(world.things[name])))
        elif name.startswith("t5_"):
            sub = next((s for s in world.subreddits.values() if s.id == name[3:]), None)
            if sub is not None:
                found.append({"kind": "t5", "data": world.subreddit_thing(sub)})
    return Reply(200, listing(found))


def comments(standin: RedditStandin, _h: Handler, args: dict[str, str], _q: Any, _f: Any) -> Reply:
    data = standin.world.things.get(f"t3_{args['id']}")
    if data is None:
        raise NOT_FOUND
    comments = listing(standin.world.tree(data["name"]))
    comments["data"]["dist"] = None  # as recorded: only the submission's listing counts
    return Reply(200, [listing([thing(dict(data))]), comments])


def _user_listing(standin: RedditStandin, name: str, kind: str, query: dict[str, str]) -> Reply:
    return _page(standin.world.by_author(name, kind, lag=standin.listing_lag), query)


def _page(items: list[dict[str, Any]], query: dict[str, str]) -> Reply:
    """One page of a listing: ``limit`` (at most 100) things after the ``after`` fullname."""
    after = query.get("after")
    if after:
        names = [d["name"] for d in items]
        items = items[names.index(after) + 1 :] if after in names else []
    limit = min(int(query.get("limit", 25)), 100)
    page, more = items[:limit], len(items) > limit
    return Reply(200, listing([thing(dict(d)) for d in page], page[-1]["name"] if more else None))


def submitted(
    standin: RedditStandin, _h: Handler, args: dict[str, str], query: dict[str, str], _f: Any
) -> Reply:
    return _user_listing(standin, args["name"], "t3", query)


def user_comments(
    standin: RedditStandin, _h: Handler, args: dict[str, str], query: dict[str, str], _f: Any
) -> Reply:
    return _user_listing(standin, args["name"], "t1", query)


def subreddit_new(
    standin: RedditStandin, _h: Handler, args: dict[str, str], query: dict[str, str], _f: Any
) -> Reply:
    if standin.world.subreddit(args["sr"]) is None:
        raise NOT_FOUND
    return _page(standin.world.in_subreddit(args["sr"]), query)


def front_page(
    standin: RedditStandin, _h: Handler, _a: Any, query: dict[str, str], _f: Any
) -> Reply:
    """The front page: every subreddit's submissions, newest first (no ranking modelled)."""
    with standin.world.lock:
        subs = list(standin.world.subreddits.values())
    items = sorted(
        (d for sub in subs for d in standin.world.in_subreddit(sub.name)),
        key=lambda d: d["created_utc"],
        reverse=True,
    )
    return _page(items, query)


def link_flair(
    standin: RedditStandin, _h: Handler, args: dict[str, str], _q: Any, _f: Any
) -> Reply:
    sub = standin.world.subreddit(args["sr"])
    if sub is None:
        raise NOT_FOUND
    return Reply(200, [dict(f) for f in sub.flairs])


def post_requirements(
    standin: RedditStandin, _h: Handler, args: dict[str, str], _q: Any, _f: Any
) -> Reply:
    sub = standin.world.subreddit(args["sr"])
    if sub is None:
        raise NOT_FOUND
    return Reply(200, dict(sub.requirements))


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v1/me"): me,
    ("POST", "/api/submit"): submit,
    ("POST", "/api/comment"): comment,
    ("POST", "/api/editusertext"): editusertext,
    ("POST", "/api/del"): delete,
    ("GET", "/api/info"): info,
    ("GET", "/comments/{id}"): comments,
    ("GET", "/user/{name}/submitted"): submitted,
    ("GET", "/user/{name}/comments"): user_comments,
    ("GET", "/r/{sr}/new"): subreddit_new,
    ("GET", "/"): front_page,
    ("GET", "/r/{sr}/api/link_flair_v2"): link_flair,
    ("GET", "/api/v1/{sr}/post_requirements"): post_requirements,
}
