"""A subreddit's rules (``GET /api/v1/{sr}/post_requirements``), checked before posting (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.threads import REDDIT_LIMITS

TITLE_MAX = REDDIT_LIMITS.max_title_chars or 300
SELFTEXT_MAX = REDDIT_LIMITS.max_body_chars or 40_000


def _domain(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _lengths(rules: Mapping[str, Any], what: str, text: str, hard_max: int) -> list[str]:
    problems = []
    low, high = rules.get(f"{what}_text_min_length"), rules.get(f"{what}_text_max_length")
    high = min(high, hard_max) if isinstance(high, int) else hard_max
    if isinstance(low, int) and len(text) < low:
        problems.append(f"{what} is {len(text)} characters, the subreddit wants at least {low}")
    if len(text) > high:
        problems.append(f"{what} is {len(text)} characters, the limit is {high}")
    return problems


def _strings(rules: Mapping[str, Any], what: str, text: str) -> list[str]:
    low = text.lower()
    problems = [
        f"{what} contains the banned string {bad!r}"
        for bad in rules.get(f"{what}_blacklisted_strings") or ()
        if bad.lower() in low
    ]
    required = rules.get(f"{what}_required_strings") or ()
    if required and not any(r.lower() in low for r in required):
        problems.append(f"{what} must contain one of {', '.join(map(repr, required))}")
    for pattern in rules.get(f"{what}_regexes") or ():
        if not re.search(pattern, text):
            problems.append(f"{what} must match {pattern!r}")
    return problems


def _body_policy(rules: Mapping[str, Any], body: str) -> list[str]:
    policy = rules.get("body_restriction_policy") or "none"
    if policy == "required" and not body.strip():
        return ["the subreddit requires a post body"]
    if policy == "notAllowed" and body.strip():
        return ["the subreddit does not allow a post body"]
    return []


def _link_policy(rules: Mapping[str, Any], url: str) -> list[str]:
    domain = _domain(url)
    if domain in {d.lower() for d in rules.get("domain_blacklist") or ()}:
        return [f"links to {domain} are not allowed"]
    allowed = {d.lower() for d in rules.get("domain_whitelist") or ()}
    if rules.get("link_restriction_policy") == "whitelist" and domain not in allowed:
        return [f"links to {domain} are not on the subreddit's list of allowed domains"]
    return []


def requirement_problems(
    rules: Mapping[str, Any],
    *,
    title: str,
    body: str,
    link_url: str | None,
    has_flair: bool,
) -> list[str]:
    """Why the post cannot satisfy ``rules`` (empty when it can); ``body`` is the text sent."""
    problems = []
    if rules.get("is_flair_required") and not has_flair:
        problems.append("the subreddit requires post flair and none is configured")
    if not title.strip():
        problems.append("the title is empty")
    problems += _lengths(rules, "title", title, TITLE_MAX)
    problems += _strings(rules, "title", title)
    problems += _body_policy(rules, body)
    if body:
        problems += _lengths(rules, "body", body, SELFTEXT_MAX)
        problems += _strings(rules, "body", body)
    if link_url:
        problems += _link_policy(rules, link_url)
    return problems
