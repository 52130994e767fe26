"""Read-back as readers see it (issue 15): every Bluesky post a test wrote is checked through the
AppView of the one test network the session starts.

The session's Bluesky server is the dev-env network (:mod:`bot.sandbox.appview`): ``network``
and ``pds`` are the same running network, started once (fixtures in tests/conftest.py). After
each test that used it, the autouse fixture ``_read_back`` lists the repos whose head moved
since the last check (``com.atproto.sync.listRepos``), their new ``app.bsky.feed.post``
records (``com.atproto.repo.listRecords``), lets the AppView index everything (``process_all``), and
checks each author's threads through ``app.bsky.feed.getPostThread`` (posts that are a thread
of their own through ``app.bsky.feed.getPosts``, 25 a request):

- the author's posts under one root form one chain: no post of theirs has two replies of theirs,
  and each reply names the thread's root as its ``reply.root``;
- the AppView shows the chain: each reply directly under the post before it, with the same cid
  and the same record (text, facets, langs, embed), by an author whose handle it knows;
- facets resolve: a mention names a DID the AppView knows, whose handle is the mentioned text;
  a tag's text is ``#tag``; a link's range holds text and its URI is http(s);
- embeds are hydrated: a link card with its title (and a thumb URL of its blob), images with
  their alt texts and URLs of their blobs, a quote with the quoted post;
- self-labels show as labels on the post.

Posts whose own parent was deleted (retraction) start a new chain; replies by other accounts are
chains of their own under the post they answer. A test meant to leave posts that readers cannot
see as written opts out, naming why: ``@pytest.mark.unreadable("reason")``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.sandbox.appview import AppViewNetwork

POST = "app.bsky.feed.post"
THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"


@dataclass(frozen=True)
class Record:
    """One post record as its PDS holds it."""

    uri: str
    cid: str
    value: dict[str, Any]

    @property
    def did(self) -> str:
        return self.uri.removeprefix("at://").split("/", 1)[0]

    @property
    def parent(self) -> str | None:
        reply = self.value.get("reply")
        return str(reply["parent"]["uri"]) if reply else None

    @property
    def root(self) -> str:
        reply = self.value.get("reply")
        return str(reply["root"]["uri"]) if reply else self.uri


@dataclass
class Memory:
    """What the session has checked already: each repo's head rev and its post URIs."""

    revs: dict[str, str] = field(default_factory=dict)
    uris: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    checked: int = 0  # posts read back (for the session summary)
    tests: int = 0  # tests whose posts were read back
    opted_out: list[str] = field(default_factory=list)  # "test id: reason"
    touched: list[AppViewNetwork] = field(default_factory=list)  # asked for by the running test
    networks: list[AppViewNetwork] = field(default_factory=list)  # those started so far


class ReadBackError(AssertionError):
    """Posts that readers do not see as they were written (one line per problem)."""


# --- reading the PDS -------------------------------------------------------------------------


def _get(base: str, nsid: str, params: Mapping[str, Any]) -> dict[str, Any]:
    response = httpx.get(f"{base}/xrpc/{nsid}", params=params, timeout=60)
    if response.status_code != 200:
        raise ReadBackError(f"{nsid} {dict(params)} -> {response.status_code} {response.text}")
    result: dict[str, Any] = response.json()
    return result


def pages(base: str, nsid: str, params: Mapping[str, Any], key: str) -> Iterator[Any]:
    """Every item under ``key`` of a paged (``cursor``) xrpc query to ``base``."""
    cursor: str | None = None
    while True:
        page = _get(base, nsid, {**params, **({"cursor": cursor} if cursor else {})})
        yield from page[key]
        cursor = page.get("cursor")
        if not cursor or not page[key]:
            return


def new_records(network: AppViewNetwork, memory: Memory) -> tuple[list[Record], list[Record]]:
    """Post records written since the last call, and every post record of the repos that
    changed (the threads the new ones continue); updates ``memory``."""
    fresh: list[Record] = []
    current: list[Record] = []
    for repo in pages(network.url, "com.atproto.sync.listRepos", {"limit": 1000}, "repos"):
        did, rev = repo["did"], repo.get("rev") or repo["head"]
        if memory.revs.get(did) == rev:
            continue
        params = {"repo": did, "collection": POST, "limit": 100}
        records = [
            Record(r["uri"], r["cid"], r["value"])
            for r in pages(network.url, "com.atproto.repo.listRecords", params, "records")
        ]
        current += records
        fresh += [r for r in records if r.uri not in memory.uris[did]]
        memory.uris[did] = {r.uri for r in records}
        memory.revs[did] = rev
    return fresh, current


# --- the checks ------------------------------------------------------------------------------


def chains(records: list[Record]) -> tuple[list[list[Record]], list[str]]:
    """The records as chains of one author's posts (head first) and the structural problems:
    forks (two own replies to one post) and replies whose ``reply.root`` is not their thread's.
    A post whose parent is not among ``records`` (deleted, another author's) heads a chain."""
    by_uri = {r.uri: r for r in records}
    children: dict[str, list[Record]] = defaultdict(list)
    problems: list[str] = []
    for record in records:
        parent = by_uri.get(record.parent or "")
        if parent is not None and parent.did == record.did:
            children[parent.uri].append(record)
            if record.root != parent.root:
                problems.append(
                    f"{record.uri}: reply.root is {record.root}, its parent's thread is "
                    f"{parent.root}"
                )
    for parent_uri, replies in children.items():
        if len(replies) > 1:
            problems.append(
                f"{parent_uri} has {len(replies)} replies by its author, a thread has one: "
                + ", ".join(f"{r.uri} {r.value.get('text', '')[:40]!r}" for r in replies)
            )
    # after a fork each branch is read back as a chain of its own
    attached = {r.uri for replies in children.values() if len(replies) == 1 for r in replies}
    out: list[list[Record]] = []
    for head in (r for r in records if r.uri not in attached):
        chain = [head]
        while len(children.get(chain[-1].uri, ())) == 1:
            chain.append(children[chain[-1].uri][0])
        out.append(chain)
    return out, problems


def check(network: AppViewNetwork, fresh: list[Record], current: list[Record]) -> list[str]:
    """Every problem a reader would see in the ``fresh`` records, in the threads of their
    authors' ``current`` records (empty: all read back as written)."""
    if not fresh:
        return []
    network.process_all()
    new = {r.uri for r in fresh}
    found, problems = chains(current)
    problems = [p for p in problems if any(uri in p for uri in new)]
    found = [chain for chain in found if any(r.uri in new for r in chain)]
    profiles = _profiles(network, [r for chain in found for r in chain])
    present = {r.uri for r in current}
    alone = [c[0] for c in found if len(c) == 1 and c[0].parent is None]
    problems += _check_alone(network, alone, profiles)
    for chain in found:
        if len(chain) > 1 or chain[0].parent is not None:
            problems += _check_chain(network, chain, present, profiles)
    return problems


def _check_alone(
    network: AppViewNetwork, records: list[Record], handles: Mapping[str, str]
) -> list[str]:
    """Posts that are a thread of their own, 25 a request (getPosts: no structure to check)."""
    problems: list[str] = []
    for start in range(0, len(records), 25):
        batch = records[start : start + 25]
        answer = network.read("app.bsky.feed.getPosts", {"uris": [r.uri for r in batch]})
        shown = {post["uri"]: post for post in answer["posts"]}
        for record in batch:
            if record.uri not in shown:
                problems.append(f"{record.uri}: not shown by the AppView")
            else:
                problems += [
                    f"{record.uri}: {p}" for p in check_post(shown[record.uri], record, handles)
                ]
    return problems


def _profiles(network: AppViewNetwork, records: list[Record]) -> dict[str, str]:
    """Handle by DID, as the AppView knows them, for every author and mentioned account."""
    dids = sorted({r.did for r in records} | {did for r in records for did in _mentions(r)})
    handles: dict[str, str] = {}
    for start in range(0, len(dids), 25):
        answer = network.read("app.bsky.actor.getProfiles", {"actors": dids[start : start + 25]})
        handles |= {p["did"]: p["handle"] for p in answer["profiles"]}
    return handles


def _mentions(record: Record) -> list[str]:
    return [
        feature["did"]
        for facet in record.value.get("facets", [])
        for feature in facet["features"]
        if feature["$type"] == "app.bsky.richtext.facet#mention"
    ]


def _check_chain(
    network: AppViewNetwork, chain: list[Record], current: set[str], handles: Mapping[str, str]
) -> list[str]:
    head = chain[0]
    params = {"uri": head.uri, "depth": min(len(chain), 1000), "parentHeight": 1}
    try:
        view = network.read("app.bsky.feed.getPostThread", params)["thread"]
    except RuntimeError as exc:
        return [f"{head.uri}: getPostThread failed: {exc}"]
    problems = _check_parent(head, view, current)
    for n, record in enumerate(chain):
        if view.get("$type") != THREAD_VIEW:
            return [*problems, f"{record.uri}: the AppView shows {view.get('$type')}"]
        if view["post"]["uri"] != record.uri:
            return [*problems, f"{record.uri}: the AppView shows {view['post']['uri']} instead"]
        problems += [f"{record.uri}: {p}" for p in check_post(view["post"], record, handles)]
        if n + 1 < len(chain):
            following = chain[n + 1].uri
            under = [r for r in view.get("replies") or [] if r.get("post", {}).get("uri")]
            view = next((r for r in under if r["post"]["uri"] == following), {})
            if not view:
                shown = [r["post"]["uri"] for r in under]
                return [*problems, f"{following} is not shown under {record.uri} (shown: {shown})"]
    return problems


def _check_parent(head: Record, view: Mapping[str, Any], current: set[str]) -> list[str]:
    """A chain that answers a post is shown under it (or under a deleted post of its own)."""
    if head.parent is None:
        return []
    shown = view.get("parent") or {}
    if shown.get("$type") == THREAD_VIEW and shown["post"]["uri"] == head.parent:
        return []
    retracted = Record(head.parent, "", {}).did == head.did and head.parent not in current
    if retracted and shown.get("$type") == "app.bsky.feed.defs#notFoundPost":
        return []
    return [f"{head.uri}: its parent {head.parent} shows as {shown.get('$type')}"]


def check_post(post: Mapping[str, Any], record: Record, handles: Mapping[str, str]) -> list[str]:
    """What differs between the AppView's post view and the record its author wrote."""
    problems: list[str] = []
    if post["cid"] != record.cid:
        problems.append(f"cid {post['cid']} shown, {record.cid} written")
    if post["record"] != record.value:
        problems.append(f"record shown {post['record']} differs from written {record.value}")
    author = post["author"]
    if author["did"] != record.did or author["handle"] in ("handle.invalid", ""):
        problems.append(f"author shown as {author['did']} {author['handle']}")
    problems += _check_facets(record, handles)
    problems += _check_embed(post.get("embed"), record.value.get("embed"))
    wanted = {v["val"] for v in (record.value.get("labels") or {}).get("values", [])}
    labels = {label["val"] for label in post.get("labels", []) if label["src"] == record.did}
    if not wanted <= labels:
        problems.append(f"self-labels {sorted(wanted - labels)} not shown")
    return problems


def _check_facets(record: Record, handles: Mapping[str, str]) -> list[str]:
    text = record.value.get("text", "").encode()
    problems: list[str] = []
    for facet in record.value.get("facets", []):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        try:
            shown = text[start:end].decode() if 0 <= start < end <= len(text) else ""
        except UnicodeDecodeError:
            shown = ""
        for feature in facet["features"]:
            problem = _facet_problem(feature, shown, handles)
            if problem:
                problems.append(f"facet [{start}:{end}] {shown!r}: {problem}")
    return problems


def _facet_problem(feature: Mapping[str, Any], shown: str, handles: Mapping[str, str]) -> str:
    kind = feature["$type"].rsplit("#", 1)[-1]
    if not shown:
        return "its byte range holds no whole text"
    if kind == "mention":
        handle = handles.get(feature["did"])
        if handle is None:
            return f"mentions {feature['did']}, an account the AppView does not know"
        return "" if shown == f"@{handle}" else f"mentions {feature['did']}, shown as @{handle}"
    if kind == "tag":
        return "" if shown == f"#{feature['tag']}" else f"tag {feature['tag']!r} on other text"
    if kind == "link":
        ok = str(feature["uri"]).startswith(("https://", "http://"))
        return "" if ok else f"link to {feature['uri']!r}"
    return f"unknown facet {kind}"


def _check_embed(view: Mapping[str, Any] | None, embed: Mapping[str, Any] | None) -> list[str]:
    if embed is None:
        return [] if view is None else [f"an embed shown that was not written: {view}"]
    kind = embed["$type"]
    if view is None or view.get("$type") != f"{kind}#view":
        return [f"{kind} shown as {view and view.get('$type')}"]
    if kind == "app.bsky.embed.recordWithMedia":
        record = _check_embed(view["record"], embed["record"])
        return record + _check_embed(view["media"], embed["media"])
    if kind == "app.bsky.embed.external":
        return _check_card(view["external"], embed["external"])
    if kind == "app.bsky.embed.images":
        return _check_images(view["images"], embed["images"])
    if kind == "app.bsky.embed.record":
        quoted = view["record"]
        if quoted.get("$type") != "app.bsky.embed.record#viewRecord":
            return [f"the quoted post shows as {quoted.get('$type')}"]
        if quoted["uri"] != embed["record"]["uri"]:
            return [f"quotes {quoted['uri']}, written {embed['record']['uri']}"]
        return []
    return [f"an embed the read-back does not know: {kind}"]


def _check_card(shown: Mapping[str, Any], written: Mapping[str, Any]) -> list[str]:
    problems = [
        f"card {key} shown as {shown.get(key)!r}, written {written.get(key)!r}"
        for key in ("uri", "title", "description")
        if shown.get(key) != written.get(key)
    ]
    if "thumb" in written:
        cid = written["thumb"]["ref"]["$link"]
        if cid not in str(shown.get("thumb", "")):
            problems.append(f"card thumb {shown.get('thumb')!r} is not the blob {cid}")
    elif shown.get("thumb"):
        problems.append(f"card thumb {shown['thumb']!r} shown, none written")
    return problems


def _check_images(shown: list[Mapping[str, Any]], written: list[Mapping[str, Any]]) -> list[str]:
    alts = [i["alt"] for i in shown], [i["alt"] for i in written]
    if alts[0] != alts[1]:
        return [f"alt texts shown {alts[0]}, written {alts[1]}"]
    problems = []
    for image, blob in zip(shown, written, strict=True):
        cid = blob["image"]["ref"]["$link"]
        if cid not in image["thumb"] or cid not in image["fullsize"]:
            problems.append(f"image {image['thumb']!r} is not the blob {cid}")
    return problems
