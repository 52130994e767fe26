"""The stand-in answers like Reddit did in the recorded traffic (tests/data/reddit-recorded).

Every recorded interaction (71) is replayed against a fresh stand-in per cassette, in the
cassette's order, or named in NOT_REPLAYED with the reason. Recorded failures are replayed
by arming the fault that stands for them (5xx, 401 invalid_token, 429).

What must match (``differences``):

- the status; the x-ratelimit-* headers (present exactly where recorded, ``used`` rising
  by one per request, remaining + used = the window's budget, reset within the window);
  ``www-authenticate``, ``retry-after``; JSON or HTML or empty, as recorded;
- the JSON structure: every recorded key, with a value of the same JSON type, lists of
  things of the same length and kinds in the same order;
- the values: everything outside things (error codes and messages, envelopes, token
  types...), and inside the things the replay itself wrote (submit/comment/edit) the
  fields that follow from the request (VALUE_KEYS), fullnames mapped to the stand-in's.

Things that existed before a cassette (the parent of a recorded reply, the things an
``info`` call reads) are created before the replay with only their identity (fullname,
subreddit, author, title) taken from the recording; their other values are the
stand-in's own and are compared by type (nested objects such as ``preview`` by type
alone: they depend on content the stand-in does not have). The test subreddit's settings
(post requirements, link flair templates) are set from the recordings before each
replay: they are the moderators' configuration, not answers to the requests. Value
differences that are expected are listed in EXPECTED with the reason.
``test_a_broken_standin_is_caught`` breaks the stand-in on purpose in each way this test
checks and shows each is reported.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from bot.sandbox.reddit import routes
from bot.sandbox.reddit.standin import (
    CLIENT_ID,
    INSTALLED_CLIENT_ID,
    PASSWORD,
    REFRESH_TOKEN,
    USERNAME,
    RedditStandin,
    start_standin,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "reddit-recorded"
CASSETTES = sorted(DATA.glob("*/*.json"))
SUBREDDIT = "sharebot_test"
PLACEHOLDERS = {
    "<TEST_SUBREDDIT>": SUBREDDIT,
    "<USERNAME>": USERNAME,
    "<PASSWORD>": PASSWORD,
    "<REFRESH_TOKEN>": REFRESH_TOKEN,
}
THING_KINDS = ("t1", "t3", "t5")
RL = ("x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset")
# Fields of a thing the replay wrote that follow from the request: compared by value.
VALUE_KEYS = ("title", "selftext", "body", "subreddit", "is_self", "parent_id", "link_id",
              "link_flair_text", "over_18", "spoiler", "author", "name", "kind")  # fmt: skip
# Compared by type only, everywhere: secrets and the stand-in's own ids and times.
TYPE_ONLY = {"access_token", "refresh_token", "id", "url", "permalink", "created",
             "created_utc", "edited", "subreddit_id", "link_permalink"}  # fmt: skip
NOT_REPLAYED = {
    "/api/site_admin": "creates a subreddit: sharebot never does, the stand-in has no route",
    403: "OAuth scopes are not modelled: every stand-in token has scope * (a 403 needs a "
    "scope the token lacks)",
}
# (cassette, JSON path) -> why the stand-in's value differs from the recorded one.
EXPECTED = {
    ("TestSubreddit.test_submit__url_selftext", "$.expires_in"): "this app's tokens lived 1 day",
    ("TestAuthorizer.test_refresh", "$.scope"): "the recorded grant asked for scope modmail",
    ("TestSession.test_request__with_insufficient_scope", "$.scope"): "scopes are not modelled",
    ("TestSession.test_request__too__many_requests__with_retry_headers", "$.scope"): "",
}
_OTHER = "recorded with another account (the recorder scrubbed only the requests)"
_STATE = "that account's own state (karma, age, roles)"
_MORE = "the recorded listing had further pages the cassette does not hold"
EXPECTED |= {
    ("TestUser.test_me", "$.name"): _OTHER,
    **{("TestUser.test_me", f"$.{k}"): _STATE for k in
       ("link_karma", "comment_karma", "over_18", "is_mod")},
    ("TestSubreddit.test_submit__flair", "$[0].data.children[0].data.subreddit"): _OTHER,
    ("TestSubreddit.test_submit__flair", "$[0].data.children[0].data.author"): _OTHER,
    ("TestRedditorListings.test_submissions__new", "$.data.after"): _MORE,
    ("TestSession.test_request__with_invalid_access_token__retry", "$.data.after"): _MORE,
}  # fmt: skip
EXPECTED_WHY = {k: v or "scopes are not modelled" for k, v in EXPECTED.items()}
# Reddit's schema gives these two JSON types: false when never edited, else a time.
UNIONS = {"edited": (bool, int, float)}
# The recorded password grant with a wrong password came from a non-script app: Reddit's
# answer says so ("Only script apps may use password auth"); it is replayed as one.
INSTALLED_APP = {"TestScriptAuthorizer.test_refresh__with_invalid_username_or_password"}


def load(path: Path) -> list[dict[str, Any]]:
    text = path.read_text()
    # The recorder's scrubbing also hit "contest_mode"; undo that before the swap.
    text = text.replace("con<TEST_SUBREDDIT>_mode", "contest_mode")
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    return list(json.loads(text)["interactions"])


def path_of(interaction: dict[str, Any]) -> str:
    return urlsplit(interaction["request"]["uri"]).path.rstrip("/") or "/"


def route_of(interaction: dict[str, Any]) -> str | None:
    route, _ = routes.match(interaction["request"]["method"], path_of(interaction))
    return None if route == "?" else f"{interaction['request']['method']} {route}"


def why_not_replayed(interaction: dict[str, Any]) -> str | None:
    """The reason an interaction is not replayed, None when it is."""
    status = interaction["response"]["status"]["code"]
    return NOT_REPLAYED.get(path_of(interaction)) or NOT_REPLAYED.get(status)


def body_json(interaction: dict[str, Any]) -> Any:
    try:
        return json.loads(interaction["response"]["body"]["string"])
    except ValueError:
        return None


def headers_of(interaction: dict[str, Any]) -> dict[str, str]:
    return {k.lower(): v[0] for k, v in interaction["response"]["headers"].items()}


def walk_things(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("kind") in THING_KINDS and isinstance(value.get("data"), dict):
            yield value
        for item in value.values():
            yield from walk_things(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_things(item)


@dataclass
class Replay:
    """One cassette against one stand-in: seeding, id mapping, replay, comparison."""

    stem: str
    standin: RedditStandin
    interactions: list[dict[str, Any]]
    ids: dict[str, str] = field(default_factory=dict)  # recorded fullname -> stand-in's
    seeded: set[str] = field(default_factory=set)
    token: str = ""
    last_used: int | None = None
    recorded_used: int | None = None

    def seed(self) -> None:
        """Things that existed before the cassette, with their identity only."""
        world = self.standin.world
        made = ("POST /api/submit", "POST /api/comment")
        wrote = {t["data"]["name"] for i in self.interactions if route_of(i) in made
                 for t in walk_things(body_json(i))}  # fmt: skip
        wrote |= {d["json"]["data"]["name"] for i in self.interactions
                  if isinstance(d := body_json(i), dict) and "name" in
                  (d.get("json") or {}).get("data", {})}  # fmt: skip
        things = [t for i in self.interactions for t in walk_things(body_json(i))]
        for t in (t for t in things if t["kind"] == "t5"):
            self.seeded.add(t["data"]["name"])
            if world.subreddit(t["data"]["display_name"]) is None:
                world.add_subreddit(t["data"]["display_name"], id=t["data"]["id"])
        for t in sorted(things, key=lambda t: t["kind"], reverse=True):  # t3 before t1
            d = t["data"]
            if t["kind"] == "t5" or d["name"] in wrote or d["name"] in world.things:
                continue
            self._identity(d)
        known = {t["data"].get("parent_id"): t["data"] for t in things}
        for interaction in self.interactions:
            for name in _referenced(interaction):
                if name not in world.things and name not in wrote:
                    child = known.get(name, {})
                    link = {k: child[k] for k in ("link_id", "subreddit") if k in child}
                    self._identity({"name": name, **link})
        self._settings()
        if self.stem == "TestSubmission.test_reply__none":  # the spam filter took it
            self.standin.spam_filtered.add(world.things["t3_ah19vv"]["subreddit"].lower())

    def _settings(self) -> None:
        """The test subreddit as its moderators set it up (see the module docstring)."""
        sub = self.standin.world.subreddit(SUBREDDIT) or self.standin.world.add_subreddit(SUBREDDIT)
        rules = load(DATA / "praw" / "TestSubreddit.test_post_requirements.json")[1]
        sub.requirements.update(body_json(rules))
        flairs = load(DATA / "praw" / "TestSubredditLinkFlairTemplates.test__iter.json")[1]
        sub.flairs = list(body_json(flairs))

    def _identity(self, d: dict[str, Any]) -> None:
        world, name = self.standin.world, d["name"]
        who = {"author": d["author"]} if "author" in d else {}
        sr = d.get("subreddit", SUBREDDIT)
        if name.startswith("t3_"):
            world.add_submission(sr=sr, title=d.get("title", "seeded"), id=name[3:], **who)
        else:
            link = d.get("link_id", "t3_seededlink")
            if link not in world.things:
                world.add_submission(sr=sr, title="seeded", id=link[3:])
                self.seeded.add(link)
            parent = d.get("parent_id", link)
            if parent not in world.things:
                self._identity({"name": parent, "link_id": link, "subreddit": sr})
            world.add_comment(parent=parent, body="seeded", id=name[3:], **who)
        self.seeded.add(name)

    def send(self, interaction: dict[str, Any]) -> requests.Response:
        request, response = interaction["request"], interaction["response"]
        parts = urlsplit(request["uri"])
        path, query = self._mapped(parts.path), self._mapped(parts.query)
        body = self._mapped(request["body"] or "")
        status = response["status"]["code"]
        if path.endswith("/access_token"):
            client = INSTALLED_CLIENT_ID if self.stem in INSTALLED_APP else CLIENT_ID
            secret = self.standin.apps[client]
            auth = "Basic " + base64.b64encode(f"{client}:{secret}".encode()).decode()
        else:
            auth = f"bearer {self.token}"
        if status >= 500:
            self.standin.set_fault("server_error", status=status, times=1, scope="any")
        elif status == 401 and not path.endswith("/access_token"):
            self.standin.set_fault("unauthorized_once", times=1)
        elif status == 429:
            retry = headers_of(interaction).get("retry-after", "4")
            self.standin.set_fault("too_many_requests", retry_after=int(retry), times=1)
        got = requests.request(
            request["method"], self.standin.url + path + (f"?{query}" if query else ""),
            data=body or None, timeout=10,
            headers={"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        self.standin.clear_fault()
        if path.endswith("/access_token") and got.ok and "access_token" in got.json():
            self.token = got.json()["access_token"]
        self._learn(body_json(interaction), got)
        return got

    def _mapped(self, text: str) -> str:
        for recorded, ours in self.ids.items():
            text = text.replace(recorded, ours).replace(recorded[3:], ours[3:])
        return text

    def _learn(self, recorded: Any, got: requests.Response) -> None:
        """Map the fullnames a write created (recorded -> stand-in)."""
        try:
            ours = got.json()
        except ValueError:
            return
        mine = [t["data"]["name"] for t in walk_things(ours)]
        theirs = [t["data"]["name"] for t in walk_things(recorded)]
        pairs = list(zip(theirs, mine, strict=False))
        data = (recorded.get("json") or {}).get("data") if isinstance(recorded, dict) else None
        if isinstance(data, dict) and "name" in data:
            pairs.append((data["name"], ours["json"]["data"]["name"]))
        self.ids.update((a, b) for a, b in pairs if a != b and a not in self.seeded)

    def differences(self, n: int, interaction: dict[str, Any], got: requests.Response) -> list[str]:
        where = f"{self.stem} #{n} {route_of(interaction) or path_of(interaction)}"
        out = [f"{where}: {d}" for d in self._status_and_headers(interaction, got)]
        recorded, text = body_json(interaction), interaction["response"]["body"]["string"]
        if recorded is None:
            if (got.content == b"") != (text == ""):
                out.append(f"{where}: body empty {got.content == b''}, recorded {text == ''}")
            if text and "<html>" in text and "<html>" not in got.text:
                out.append(f"{where}: recorded an HTML page, stand-in {got.text[:40]!r}")
            return out
        try:
            ours = got.json()
        except ValueError:
            return [*out, f"{where}: recorded JSON, stand-in {got.text[:60]!r}"]
        return out + [f"{where}: {d}" for d in self.compare(recorded, ours, "$", thing=None)]

    def _status_and_headers(self, interaction: dict[str, Any], got: requests.Response) -> list[str]:
        out = []
        status = interaction["response"]["status"]["code"]
        if got.status_code != status:
            out.append(f"status {got.status_code}, recorded {status}")
        recorded, ours = headers_of(interaction), {k.lower(): v for k, v in got.headers.items()}
        for name in ("www-authenticate", "retry-after"):
            if recorded.get(name) != ours.get(name):
                out.append(f"{name} {ours.get(name)!r}, recorded {recorded.get(name)!r}")
        if path_of(interaction).endswith("/access_token"):
            return out  # Reddit's token answers carry no (or stale) rate-limit headers
        for name in RL:
            if (name in recorded) != (name in ours):
                out.append(f"{name} {'missing' if name in recorded else 'not recorded'}")
        if all(name in ours for name in RL):
            out += self._ratelimit(recorded, ours)
        return out

    def _ratelimit(self, recorded: dict[str, str], ours: dict[str, str]) -> list[str]:
        used, left = int(ours["x-ratelimit-used"]), float(ours["x-ratelimit-remaining"])
        out = []
        if left + used != self.standin.ratelimit_budget:
            out.append(f"remaining {left} + used {used} is not the budget")
        if not 0 < int(ours["x-ratelimit-reset"]) <= 600:
            out.append(f"reset {ours['x-ratelimit-reset']} outside the window")
        step = int(recorded.get("x-ratelimit-used", 0)) - (self.recorded_used or 0)
        if (
            self.last_used is not None
            and self.recorded_used is not None
            and (used - self.last_used != step)
        ):
            out.append(f"used rose by {used - self.last_used}, recorded by {step}")
        self.last_used, self.recorded_used = used, int(recorded.get("x-ratelimit-used", 0))
        return out

    def compare(self, recorded: Any, got: Any, where: str, *, thing: str | None) -> list[str]:
        """Structure everywhere; values outside things and in things the replay wrote."""
        key = where.rsplit(".", 1)[-1]
        if (self.stem, where) in EXPECTED_WHY:
            return []
        if key in UNIONS and isinstance(got, UNIONS[key]) and isinstance(recorded, UNIONS[key]):
            return []
        if thing in self.seeded and where.count(".data.") > 1 and isinstance(recorded, dict):
            return [] if isinstance(got, dict) else [f"{where}: not an object"]
        if not _same_type(recorded, got):
            if recorded is None and thing is not None:
                return []  # null fields of a thing (banned_by, ...) vary with its history
            return [f"{where}: {type(got).__name__}, recorded {type(recorded).__name__}"]
        if isinstance(recorded, dict):
            inner = recorded.get("data") if recorded.get("kind") in THING_KINDS else None
            out = [f"{where}.{k}: missing" for k in recorded if k not in got]
            for k, v in recorded.items():
                if k in got:
                    name = inner.get("name") if isinstance(inner, dict) else None
                    out += self.compare(v, got[k], f"{where}.{k}", thing=name or thing)
            return out
        if isinstance(recorded, list):
            if len(recorded) != len(got) and (thing is None or key in ("children", "things")):
                return [f"{where}: {len(got)} items, recorded {len(recorded)}"]
            return [d for i, (a, b) in enumerate(zip(recorded, got, strict=False))
                    for d in self.compare(a, b, f"{where}[{i}]", thing=thing)]  # fmt: skip
        return self._value(recorded, got, where, key, thing)

    def _value(self, recorded: Any, got: Any, where: str, key: str, thing: str | None) -> list[str]:
        if key in TYPE_ONLY:
            return []
        if thing is not None and (thing in self.seeded or key not in VALUE_KEYS):
            return []
        if isinstance(recorded, str) and self.ids.get(recorded, recorded) == got:
            return []
        return [] if recorded == got else [f"{where}: {got!r}, recorded {recorded!r}"]


def _same_type(recorded: Any, got: Any) -> bool:
    if isinstance(recorded, bool) or isinstance(got, bool):
        return type(recorded) is type(got)
    if isinstance(recorded, int | float):
        return isinstance(got, int | float)
    return type(recorded) is type(got)


def _referenced(interaction: dict[str, Any]) -> list[str]:
    """Fullnames a recorded request acts on (form thing_id/id, /comments/ID). The ids an
    ``info`` call asks for are not: those Reddit did not have are missing from its answer."""
    form = parse_qs(interaction["request"]["body"] or "")
    names = [v for k in ("thing_id", "id") for v in form.get(k, [])]
    path = path_of(interaction)
    if path.startswith("/comments/"):
        names.append("t3_" + path.split("/")[2])
    return names


@contextmanager
def replaying(cassette: Path) -> Iterator[Replay]:
    with start_standin() as standin:
        replay = Replay(cassette.stem, standin, load(cassette))
        replay.seed()
        replay.token = standin.issue_token(USERNAME)
        yield replay


def differences(cassette: Path) -> list[str]:
    """Every difference between the stand-in and the cassette's replayed interactions."""
    out: list[str] = []
    with replaying(cassette) as replay:
        for n, interaction in enumerate(replay.interactions):
            if why_not_replayed(interaction) is None:
                out += replay.differences(n, interaction, replay.send(interaction))
    return out


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_cassette(cassette: Path) -> None:
    assert differences(cassette) == []


def test_every_recorded_interaction_is_replayed_or_named() -> None:
    everything = [(c.stem, n, i) for c in CASSETTES for n, i in enumerate(load(c))]
    skipped = [(c, n, why_not_replayed(i)) for c, n, i in everything if why_not_replayed(i)]
    assert len(everything) == 71
    assert [(c, n) for c, n, _ in skipped] == [
        ("TestSubreddit.test_create__missing_parameter", 1),
        ("TestSession.test_request__forbidden", 1),
        ("TestSession.test_request__with_insufficient_scope", 1),
    ]
    replayed = [i for _, _, i in everything if why_not_replayed(i) is None]
    assert all(route_of(i) is not None for i in replayed)  # all on implemented routes
    assert len(replayed) == 68


def _broken(standin: RedditStandin, how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Break the stand-in on purpose, one way per check of ``differences``."""
    if how == "status":
        monkeypatch.setitem(routes.ROUTES, ("GET", "/api/v1/me"),
                            lambda *a: routes.Reply(201, {"name": USERNAME}))  # fmt: skip
    elif how == "value":
        original = routes.ROUTES[("POST", "/api/comment")]

        def renamed(s: Any, h: Any, a: Any, q: Any, form: dict[str, str]) -> Any:
            return original(s, h, a, q, form | {"text": form.get("text", "") + "!"})

        monkeypatch.setitem(routes.ROUTES, ("POST", "/api/comment"), renamed)
    elif how == "structure":
        from bot.sandbox.reddit import shapes

        monkeypatch.delitem(shapes.COMMENT, "score_hidden")
    elif how == "error_body":
        monkeypatch.setattr(standin, "script_apps", {CLIENT_ID, INSTALLED_CLIENT_ID})
    elif how == "ratelimit":
        monkeypatch.setattr(standin, "ratelimit_headers", False)
    elif how == "ratelimit_step":  # every request counted twice
        once = standin._ratelimit_headers

        def twice(reply: Any, user: str | None) -> None:
            once(reply, user)
            once(reply, user)

        monkeypatch.setattr(standin, "_ratelimit_headers", twice)
    elif how == "ratelimit_reset":
        monkeypatch.setattr(standin, "ratelimit_reset", 700)
    elif how == "www_authenticate":
        monkeypatch.setattr(standin, "user_of", lambda h: (_ for _ in ()).throw(
            routes.Reply(401, {"message": "Unauthorized", "error": 401})))  # fmt: skip
    elif how == "listing":
        monkeypatch.setitem(routes.ROUTES, ("GET", "/api/info"),
                            lambda *a: routes.Reply(200, routes.listing([])))  # fmt: skip


BREAKAGES = {
    "status": "TestUser.test_me",
    "value": "TestComment.test_reply",
    "structure": "TestSubmission.test_reply",
    "error_body": "TestScriptAuthorizer.test_refresh__with_invalid_username_or_password",
    "ratelimit": "TestSubmission.test_edit",
    "ratelimit_step": "TestComment.test_delete",
    "ratelimit_reset": "TestUser.test_me",
    "www_authenticate": "TestSession.test_request__with_invalid_access_token__retry",
    "listing": "TestReddit.test_info",
}


@pytest.mark.parametrize("how", BREAKAGES)
def test_a_broken_standin_is_caught(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (cassette,) = [c for c in CASSETTES if c.stem == BREAKAGES[how]]
    out: list[str] = []
    with replaying(cassette) as replay:
        _broken(replay.standin, how, monkeypatch)
        for n, interaction in enumerate(replay.interactions):
            if why_not_replayed(interaction) is None:
                out += replay.differences(n, interaction, replay.send(interaction))
    assert out != [], f"breaking {how!r} went unnoticed"


def test_faults_answer_like_recorded_failures() -> None:
    """Each recorded failure status is replayed above; here: the fault behind each one
    answers on any endpoint (sharebot meets them on its own endpoints)."""
    with start_standin() as standin:
        token = standin.issue_token(USERNAME)
        standin.set_fault("server_error", status=502, times=1)
        got = requests.post(
            f"{standin.url}/api/comment",
            headers={"Authorization": f"bearer {token}"},
            data=urlencode({"thing_id": "t3_x"}),
            timeout=5,
        )
    assert (got.status_code, got.content) == (502, b"")
