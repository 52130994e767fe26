"""The stand-in's data: subreddits, submissions and comments, shaped like Reddit's JSON."""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.reddit import shapes

TITLE_MAX = 300
SELFTEXT_MAX = 40_000
COMMENT_MAX = 10_000

REQUIREMENTS_DEFAULT: dict[str, Any] = {
    "domain_blacklist": [],
    "body_restriction_policy": "none",
    "domain_whitelist": [],
    "title_regexes": [],
    "body_blacklisted_strings": [],
    "body_required_strings": [],
    "title_text_min_length": None,
    "is_flair_required": False,
    "title_text_max_length": None,
    "body_regexes": [],
    "link_repost_age": None,
    "body_text_min_length": None,
    "link_restriction_policy": "none",
    "body_text_max_length": None,
    "title_required_strings": [],
    "title_blacklisted_strings": [],
    "guidelines_text": None,
    "guidelines_display_policy": None,
}


def flair_template(text: str, template_id: str, *, editable: bool = False) -> dict[str, Any]:
    """A link flair template as ``/r/{sr}/api/link_flair_v2`` lists it."""
    return {
        "type": "text",
        "text_editable": editable,
        "allowable_content": "all",
        "text": text,
        "max_emojis": 10,
        "text_color": "dark",
        "mod_only": False,
        "css_class": "",
        "richtext": [{"e": "text", "t": text}],
        "background_color": "",
        "id": template_id,
    }


@dataclass
class Subreddit:
    name: str
    id: str
    allowed: bool = True
    flairs: list[dict[str, Any]] = field(default_factory=list)
    requirements: dict[str, Any] = field(default_factory=lambda: dict(REQUIREMENTS_DEFAULT))


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50] or "post"


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


LISTING_CAP = 1000  # Reddit lists at most the newest 1,000 things of any listing


class World:
    """Everything the stand-in stores. Thread-safe: one lock around every change.

    ``clock`` gives the stand-in's time (epoch seconds); tests move it forward."""

    def __init__(self, username: str, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.username = username
        self.lock = threading.RLock()
        self.subreddits: dict[str, Subreddit] = {}
        self.things: dict[str, dict[str, Any]] = {}  # fullname -> data, in creation order
        self._next = 36**5

    def new_id(self) -> str:
        with self.lock:
            self._next += 1
            return _b36(self._next)

    def add_subreddit(self, name: str, **kwargs: Any) -> Subreddit:
        with self.lock:
            sub = Subreddit(name=name, id=kwargs.pop("id", None) or self.new_id(), **kwargs)
            self.subreddits[name.lower()] = sub
            return sub

    def subreddit(self, name: str) -> Subreddit | None:
        return self.subreddits.get(name.lower())

    def subreddit_thing(self, sub: Subreddit) -> dict[str, Any]:
        data = copy.deepcopy(shapes.SUBREDDIT)
        data.update(
            display_name=sub.name,
            display_name_prefixed=f"r/{sub.name}",
            id=sub.id,
            name=f"t5_{sub.id}",
            url=f"/r/{sub.name}/",
            title=sub.name,
            subreddit_type="public" if sub.allowed else "restricted",
            created=self.clock(),
            created_utc=self.clock(),
        )
        return data

    def add_submission(self, *, sr: str, title: str, **fields: Any) -> dict[str, Any]:
        """Store a submission; ``fields`` override any default (id, author, selftext, ...)."""
        with self.lock:
            sub = self.subreddit(sr) or self.add_subreddit(sr)
            data = copy.deepcopy(shapes.SUBMISSION)
            tid = fields.pop("id", None) or self.new_id()
            now = float(int(self.clock()))
            permalink = f"/r/{sub.name}/comments/{tid}/{_slug(title)}/"
            url = fields.pop("url", None)
            data.update(
                id=tid,
                name=f"t3_{tid}",
                title=title,
                subreddit=sub.name,
                subreddit_id=f"t5_{sub.id}",
                subreddit_name_prefixed=f"r/{sub.name}",
                author=self.username,
                author_fullname="t2_standin",
                permalink=permalink,
                url=url or f"https://www.reddit.com{permalink}",
                is_self=url is None,
                domain=f"self.{sub.name}" if url is None else _domain(url),
                created=now,
                created_utc=now,
                score=1,
                ups=1,
                upvote_ratio=1.0,
            )
            data.update(fields)
            self.things[data["name"]] = data
            return data

    def add_comment(self, *, parent: str, body: str, **fields: Any) -> dict[str, Any]:
        """Store a reply to ``parent`` (a t3_ or t1_ fullname that must exist)."""
        with self.lock:
            up = self.things[parent]
            link = up if parent.startswith("t3_") else self.things[up["link_id"]]
            data = copy.deepcopy(shapes.COMMENT)
            cid = fields.pop("id", None) or self.new_id()
            now = float(int(self.clock()))
            data.update(
                id=cid,
                name=f"t1_{cid}",
                body=body,
                body_html=f'<div class="md"><p>{body}</p>\n</div>',
                parent_id=parent,
                link_id=link["name"],
                subreddit=link["subreddit"],
                subreddit_id=link["subreddit_id"],
                subreddit_name_prefixed=link["subreddit_name_prefixed"],
                author=self.username,
                author_fullname="t2_standin",
                permalink=f"{link['permalink']}{cid}/",
                link_permalink=link["url"],
                link_title=link["title"],
                link_author=link["author"],
                created=now,
                created_utc=now,
                score=1,
                ups=1,
                replies="",
            )
            data.update(fields)
            self.things[data["name"]] = data
            link["num_comments"] = int(link.get("num_comments") or 0) + 1
            return data

    def edit(self, fullname: str, text: str) -> dict[str, Any]:
        with self.lock:
            data = self.things[fullname]
            data["selftext" if fullname.startswith("t3_") else "body"] = text
            data["edited"] = float(int(self.clock()))
            return data

    def delete(self, fullname: str) -> None:
        with self.lock:
            data = self.things.get(fullname)
            if data is None:
                return
            data["author"] = "[deleted]"
            data["selftext" if fullname.startswith("t3_") else "body"] = "[deleted]"
            if fullname.startswith("t3_"):
                data["removed_by_category"] = "deleted"

    def by_author(self, name: str, kind: str, *, lag: float = 0.0) -> list[dict[str, Any]]:
        """The author's things of one kind, newest first, as Reddit lists them: at most
        LISTING_CAP, and only those older than ``lag`` seconds (listings lag behind writes;
        modelled, not recorded). Spam-filtered things stay visible to their author."""
        seen_before = self.clock() - lag
        with self.lock:
            found = [
                d
                for n, d in self.things.items()
                if n.startswith(kind + "_")
                and d["author"].lower() == name.lower()
                and d["created_utc"] <= seen_before
            ]
        return found[::-1][:LISTING_CAP]

    def in_subreddit(self, sr: str) -> list[dict[str, Any]]:
        """A subreddit's submissions, newest first, without spam-filtered or deleted ones."""
        with self.lock:
            found = [
                d
                for n, d in self.things.items()
                if n.startswith("t3_")
                and d["subreddit"].lower() == sr.lower()
                and not d.get("removed_by_category")
            ]
        return found[::-1][:LISTING_CAP]

    def reply_refusal(self, parent: str) -> list[str] | None:
        """Reddit's error item for a reply to ``parent``, or None when a reply may go there.

        Modelled on Reddit's documented error codes (r2's errors list); no recording has
        them: a deleted post or comment, a locked thread, an archived (too old) thread."""
        with self.lock:
            up = self.things[parent]
            link = up if parent.startswith("t3_") else self.things[up["link_id"]]
        if link.get("removed_by_category") == "deleted" or link["author"] == "[deleted]":
            return ["DELETED_LINK", "the link you are commenting on has been deleted", "parent"]
        if up is not link and up["author"] == "[deleted]":
            return ["DELETED_COMMENT", "that comment has been deleted", "parent"]
        if link.get("archived"):
            return ["TOO_OLD", "that's a piece of history now; it's too old to reply to", "parent"]
        if link.get("locked") or up.get("locked"):
            return ["THREAD_LOCKED", "Comments are locked.", "parent"]
        return None

    def children(self, parent: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                d
                for n, d in self.things.items()
                if n.startswith("t1_") and d["parent_id"] == parent
            ]

    def tree(self, parent: str) -> list[dict[str, Any]]:
        """Comments under ``parent`` as kind/data pairs with nested ``replies`` listings."""
        out = []
        for child in self.children(parent):
            data = dict(child)
            below = self.tree(child["name"])
            data["replies"] = listing(below) if below else ""
            out.append({"kind": "t1", "data": data})
        return out

    def count(self, kind: str) -> int:
        """How many things of ``kind`` ("t1", "t3") are stored (deleted ones included)."""
        with self.lock:
            return sum(1 for n in self.things if n.startswith(kind + "_"))


def _domain(url: str) -> str:
    host = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0]
    return host.removeprefix("www.")


def listing(children: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    """Reddit's Listing envelope."""
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(children),
            "modhash": "",
            "geo_filter": "",
            "children": children,
            "before": None,
        },
    }


def thing(data: dict[str, Any]) -> dict[str, Any]:
    return {"kind": data["name"][:2], "data": data}
