"""Reader controls on Bluesky posts (pure builders): who may reply (a threadgate record
beside the thread's root), whether it may be quoted (a postgate beside each post), and the
self-labels a post carries. Both gate records take the post's own rkey: a gate written
under another rkey silently does nothing. Rule names are sharebot's; the records follow the
``app.bsky.feed.threadgate`` / ``postgate`` lexicons.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

THREADGATE = "app.bsky.feed.threadgate"
POSTGATE = "app.bsky.feed.postgate"
_RULE_TYPES = {
    "mentioned": f"{THREADGATE}#mentionRule",
    "following": f"{THREADGATE}#followingRule",
    "followers": f"{THREADGATE}#followerRule",
}


def threadgate_record(rules: Sequence[str], post_uri: str, created_at: str) -> dict[str, Any]:
    """The threadgate for a root post; ``rules == ()`` lets nobody reply."""
    allow = []
    for rule in rules:
        if rule.startswith("list:"):
            allow.append({"$type": f"{THREADGATE}#listRule", "list": rule.removeprefix("list:")})
        else:
            allow.append({"$type": _RULE_TYPES[rule]})
    return {"$type": THREADGATE, "post": post_uri, "allow": allow, "createdAt": created_at}


def postgate_record(post_uri: str, created_at: str) -> dict[str, Any]:
    """The postgate that disables quoting a post."""
    return {
        "$type": POSTGATE,
        "post": post_uri,
        "createdAt": created_at,
        "embeddingRules": [{"$type": f"{POSTGATE}#disableRule"}],
    }


def self_labels(labels: Sequence[str]) -> dict[str, Any]:
    """A post's ``labels`` value."""
    return {
        "$type": "com.atproto.label.defs#selfLabels",
        "values": [{"val": label} for label in labels],
    }
