"""Bluesky: the pure ``build_record`` and the ``BlueskyPlatform`` adapter (atproto SDK).

Exactly once: ``prepare`` fixes the record key (a TID) and ``createdAt`` at claim
time; ``send`` writes with ``com.atproto.repo.createRecord`` under that rkey, so a
second write of the same post cannot create a second record (the PDS answers it
with HTTP 500), and ``reconcile`` asks ``getRecord`` whether an earlier attempt
landed. The SDK is imported lazily: ``import atproto`` costs about a second.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import BlueskyAccount
from bot.errors import AuthError, PlatformError, RateLimitedError, RejectedError
from bot.fetch import FetchPolicy
from bot.platforms import bluesky_embeds, bluesky_gates
from bot.platforms.base import Engagement, Outgoing, Ref, SessionCache
from bot.platforms.bluesky_budget import BudgetObserver
from bot.platforms.bluesky_errors import PLATFORM, map_error
from bot.threads import BLUESKY_LIMITS, ImagesEmbed, LinkCard, PostDraft, embed_json

log = logging.getLogger("bot.platforms.bluesky")

COLLECTION = "app.bsky.feed.post"
_B32 = "234567abcdefghijklmnopqrstuvwxyz"
_TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})
REFRESH_MARGIN = timedelta(minutes=20)


def tid(micros: int, clock_id: int) -> str:
    """A record key in TID form: 53 bits of microseconds + 10 bits of clock id, base32-sortable."""
    return _tid(_pack(micros, clock_id))


def _pack(micros: int, clock_id: int) -> int:
    """The 63-bit value a TID spells."""
    return ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)


def _tid(value: int) -> str:
    return "".join(_B32[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


# The PDS refuses a record key holding a slur ("Unacceptable slur in record key": its
# handle/explicit-slurs.ts, also applied to rkeys). Over the TID alphabet only one of its
# patterns can match inside a key (the others match whole words, which no 13-character
# TID spells). A TID's leading characters are the time: while they spell the start of one
# (as "3n3nogg" did for a second on 2 December 2026), a key whose next characters complete
# it was refused, and its post went to review.
REFUSED_IN_RKEY = re.compile(r"n[4ailo][gq]{2}(?:l[3e]t|[3e]r)")


def make_rkey(key: str, now: datetime) -> str:
    """A TID for ``key`` at ``now``; the key's hash spreads posts claimed in the same instant.
    A TID the PDS would refuse (REFUSED_IN_RKEY) is moved just past the refused span: the
    last matching character goes up by one, so the key stays a TID of about that time."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    micros = int(now.timestamp()) * 1_000_000 + now.microsecond + (digest >> 44)
    value = _pack(micros, digest)
    rkey = _tid(value)
    while (found := REFUSED_IN_RKEY.search(rkey)) is not None:
        value += 32 ** (12 - (found.end() - 1))  # the match's last character, plus one
        rkey = _tid(value)
    return rkey


def created_at(now: datetime) -> str:
    """``now`` as the ISO 8601 UTC string Bluesky expects (millisecond precision, Z)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def strong_ref(ref: Ref) -> dict[str, str]:
    """A ``com.atproto.repo.strongRef``."""
    return {"uri": ref.uri, "cid": ref.cid}


def build_record(
    draft: PostDraft,
    *,
    created_at: str,
    root: Ref | None,
    parent: Ref | None,
    facets: list[dict[str, Any]],
    embed: dict[str, Any] | None,
) -> dict[str, Any]:
    """The ``app.bsky.feed.post`` record for ``draft`` (pure; key order is fixed)."""
    record: dict[str, Any] = {"$type": COLLECTION, "text": draft.text, "createdAt": created_at}
    if draft.langs:
        record["langs"] = list(draft.langs[: BLUESKY_LIMITS.max_langs])
    if facets:
        record["facets"] = facets
    if parent is not None:
        record["reply"] = {"root": strong_ref(root or parent), "parent": strong_ref(parent)}
    if embed is not None:
        record["embed"] = embed
    if draft.labels:
        record["labels"] = bluesky_gates.self_labels(draft.labels)
    return record


def gate_records(draft: PostDraft, post_uri: str, when: str, *, root: bool) -> dict[str, Any]:
    """The gate records a post needs, by collection: a threadgate beside a root with reply
    rules, a postgate beside a post that may not be quoted (pure)."""
    records: dict[str, Any] = {}
    if root and draft.gate is not None:
        records[bluesky_gates.THREADGATE] = bluesky_gates.threadgate_record(
            draft.gate, post_uri, when
        )
    if not draft.quotes:
        records[bluesky_gates.POSTGATE] = bluesky_gates.postgate_record(post_uri, when)
    return records


def web_url(handle: str, rkey: str) -> str:
    """The post's page on bsky.app."""
    return f"https://bsky.app/profile/{handle}/post/{rkey}"


def _prepared(post: Outgoing) -> tuple[str, str]:
    rkey, when = post.prepared.get("rkey"), post.prepared.get("createdAt")
    if not isinstance(rkey, str) or not isinstance(when, str):
        raise RejectedError(f"post {post.post_id} was claimed without an rkey", platform=PLATFORM)
    return rkey, when


class BlueskyPlatform:
    """Publishes to one Bluesky account; logs in once and keeps the session in ``sessions``."""

    name = PLATFORM
    limits = BLUESKY_LIMITS

    def __init__(
        self,
        account: BlueskyAccount,
        sessions: SessionCache,
        *,
        fetch_policy: FetchPolicy | None = None,
        base_dir: str | Path | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 30.0,
    ) -> None:
        self.account = account
        self.sessions = sessions
        self.fetch_policy = fetch_policy or FetchPolicy()
        self.base_dir = str(base_dir) if base_dir is not None else None
        self.clock = clock
        self.timeout = timeout
        self._client: Any = None
        self._did = ""
        self._handle = account.handle
        self._auth_failed: str | None = None
        self._from_cache = False  # the session came from the cache and may have gone stale
        self._expires: datetime | None = None
        self._dids: dict[str, str | None] = {}
        self._public: Any = None  # an AppView client without a session, for public reads

    def prepare(self, draft: PostDraft, key: str, now: datetime) -> dict[str, Any]:
        """Fix the rkey and createdAt at claim time (pure; the caller stores the result)."""
        return {"rkey": make_rkey(key, now), "createdAt": created_at(now)}

    def send(self, post: Outgoing) -> Ref:
        """Write the post with its fixed rkey; raise a PlatformError subclass on failure."""
        rkey, when = _prepared(post)
        self._ensure_client()
        facets = self._facets(post.draft)
        embed = self._embed(post)
        record = build_record(
            post.draft,
            created_at=when,
            root=post.root,
            parent=post.parent,
            facets=facets,
            embed=embed,
        )
        answer = self._write("createRecord", COLLECTION, rkey, record)
        self._write_gates(post, rkey, when, answer["uri"])
        return Ref(answer["uri"], answer["cid"], web_url(self._handle, rkey))

    def _write(self, procedure: str, collection: str, rkey: str, record: Any) -> Any:
        """One repo write (``createRecord`` or ``putRecord``) of ``record`` at ``rkey``.

        The SDK checks the session before every call by decoding the access token (about
        a tenth of a millisecond); ``send`` has just refreshed it ahead of the SDK
        (``_refresh_if_due``: REFRESH_MARGIN is wider than the SDK's 15 minutes), so a
        write skips that check when the token's expiry is known."""
        body = {"repo": self._did, "collection": collection, "rkey": rkey, "record": record}
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        checked = {"ignore_session_check": True} if self._expires is not None else {}
        return self._call(
            lambda c: (
                c.invoke_procedure(
                    f"com.atproto.repo.{procedure}",
                    content=content,
                    headers={"Content-Type": "application/json"},
                    **checked,
                ).content
            ),
            write=True,
            what=f"{procedure} {rkey}",
        )

    def _write_gates(self, post: Outgoing, rkey: str, when: str, uri: str) -> None:
        """Write the post's gate records under its rkey (putRecord: writing one again after
        a crash changes nothing, so reconcile may always call this)."""
        gates = gate_records(post.draft, uri, when, root=post.parent is None)
        for collection, record in gates.items():
            self._write("putRecord", collection, rkey, record)

    def reconcile(self, post: Outgoing) -> Ref | None:
        """The post's Ref if an earlier attempt wrote it (same createdAt), None if not."""
        rkey, when = _prepared(post)
        self._ensure_client()
        params = {"repo": self._did, "collection": COLLECTION, "rkey": rkey}
        try:
            found = self._call(
                lambda c: c.com.atproto.repo.get_record(params=params),
                write=False,
                what=f"getRecord {rkey}",
                missing_ok=True,
            )
        except LookupError:
            return None
        stored = getattr(found.value, "created_at", None) or _get(found.value, "createdAt")
        if stored != when:
            raise RejectedError(
                f"rkey {rkey} holds another record (createdAt {stored}, expected {when})",
                platform=PLATFORM,
            )
        self._write_gates(post, rkey, when, found.uri)  # the crash may have come before them
        return Ref(found.uri, found.cid or "", web_url(self._handle, rkey))

    def whoami(self) -> dict[str, str]:
        """Log in (or reuse the stored session) and say who the account is."""
        self._ensure_client()
        return {"handle": self._handle, "did": self._did, "service": self.account.service}

    def delete(self, ref: Ref) -> None:
        """deleteRecord of a post of this account (the PDS answers a gone one with success:
        a re-run after a crash deletes only what is left)."""
        self._ensure_client()
        repo, collection, rkey = ref.uri.removeprefix("at://").split("/")
        if repo != self._did or collection != COLLECTION:
            raise RejectedError(f"{ref.uri} is not a post of {self._handle}", platform=PLATFORM)
        body = {"repo": repo, "collection": collection, "rkey": rkey}
        self._call(
            lambda c: c.com.atproto.repo.delete_record(data=body),
            write=False,  # deleting twice is harmless: a transient failure may be retried
            what=f"deleteRecord {rkey}",
        )

    stats_batch = 25  # app.bsky.feed.getPosts takes at most 25 URIs

    def fetch_stats(self, uris: Sequence[str]) -> dict[str, Engagement]:
        """Like, repost, reply and quote counts as readers see them: ``getPosts`` of the
        account's AppView without logging in (or through the PDS when ``appview`` is empty);
        a deleted post is missing from the answer."""
        params = {"uris": list(uris[: self.stats_batch])}
        what = f"getPosts ({len(params['uris'])} posts)"
        if self.account.appview:
            answer = self._public_read(lambda c: c.app.bsky.feed.get_posts(params=params), what)
        else:
            self._ensure_client()
            answer = self._call(
                lambda c: c.app.bsky.feed.get_posts(params=params), write=False, what=what
            )
        return {view.uri: _engagement(view) for view in answer.posts}

    def _public_read(self, fn: Callable[[Any], Any], what: str) -> Any:
        if self._public is None:
            from atproto_client import Client
            from atproto_client.request import Request

            self._public = Client(
                base_url=self.account.appview, request=Request(timeout=self.timeout)
            )
        try:
            return fn(self._public)
        except Exception as exc:
            raise map_error(exc, write=False, what=what, now=self.clock()) from exc

    def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            self._client.request.close()
            self._client = None
        if self._public is not None:
            self._public.request.close()
            self._public = None

    # --- session -------------------------------------------------------------

    def _ensure_client(self) -> None:
        if self._auth_failed is not None:
            raise AuthError(self._auth_failed, platform=PLATFORM)
        if self._client is not None:
            self._refresh_if_due()
            return
        from atproto_client import Client
        from atproto_client.request import Request

        observe = BudgetObserver(self.sessions, self.account.name, self.clock)
        request = Request(timeout=self.timeout, event_hooks={"response": [observe]})
        client = Client(base_url=self.account.service, request=request)
        client.on_session_change(self._on_session_change)
        saved = self.sessions.load_session(PLATFORM, self.account.name)
        self._client = client
        if saved:
            try:
                self._login(session_string=saved)
            except Exception:  # a local parse of our own stored string: any failure = unusable
                log.warning("the saved bluesky session of %s is unreadable", self.account.name)
            else:
                self._from_cache = True
                self._refresh_if_due()
                return
        self._password_login()

    def _login(self, **kwargs: Any) -> None:
        login = self._client.login
        if "fetch_bsky_profile" in inspect.signature(login).parameters:
            kwargs["fetch_bsky_profile"] = False  # no AppView needed to log in
        login(**kwargs)
        self._remember(self._client.export_session_string())  # parses the token: may raise

    def _password_login(self) -> None:
        """createSession, once; a refusal blocks the account until an operator acts."""
        try:
            self._login(login=self.account.handle, password=self.account.password.reveal())
        except Exception as exc:
            error = map_error(exc, write=False, what="login", now=self.clock())
            if isinstance(error, AuthError):
                self._auth_failed = f"login as {self.account.handle} refused: {error}"
                self.sessions.block_account(PLATFORM, self.account.name, None, str(error))
            self._report(error)
            self._client = None
            raise error from exc

    def _on_session_change(self, event: Any, session: Any) -> None:
        if getattr(event, "value", event) == "import":
            return
        self._remember(session.export())
        self.sessions.save_session(PLATFORM, self.account.name, session.export())

    def _remember(self, session_string: str) -> None:
        from atproto_client.client.session import Session

        session = Session.decode(session_string)
        self._did, self._handle = session.did, session.handle
        exp = session.access_jwt_payload.exp
        self._expires = datetime.fromtimestamp(exp, UTC) if exp else None

    def _refresh_if_due(self) -> None:
        """Refresh the session (not a new login) when the access token is about to expire."""
        if self._expires is None or self._expires - self.clock() > REFRESH_MARGIN:
            return
        log.info("refreshing the bluesky session of %s", self.account.name)
        self._call(
            lambda c: c._refresh_and_set_session(),  # the SDK's own refresh (refreshSession)
            write=False,
            what="refreshSession",
        )

    # --- calls ---------------------------------------------------------------

    def _call(
        self, fn: Callable[[Any], Any], *, write: bool, what: str, missing_ok: bool = False
    ) -> Any:
        """Run ``fn(client)``; after a stale session, log in with the password and retry once."""
        for attempt in (1, 2):
            try:
                return fn(self._client)
            except Exception as exc:
                if missing_ok and _error_name(exc) == "RecordNotFound":
                    raise LookupError(what) from exc
                if attempt == 1 and self._from_cache and _stale_session(exc):
                    self._from_cache = False
                    log.info("bluesky session for %s expired; logging in", self.account.name)
                    self._password_login()
                    continue
                error = map_error(exc, write=write, what=what, now=self.clock())
                self._report(error)
                raise error from exc
        raise AssertionError("unreachable")

    def _report(self, error: PlatformError) -> None:
        if isinstance(error, RateLimitedError):
            self.sessions.block_account(PLATFORM, self.account.name, error.until, str(error))

    def _facets(self, draft: PostDraft) -> list[dict[str, Any]]:
        """Facets as lexicon JSON; mentions resolved now, unresolvable ones left as plain text."""
        out = []
        for facet in draft.facets:
            if facet.kind != "mention":
                out.append(facet.to_lexicon())
                continue
            did = self._resolve(facet.value)
            if did is None:
                log.warning("@%s does not resolve; posting it as plain text", facet.value)
                continue
            out.append(facet.to_lexicon(did))
        return out

    def _resolve(self, handle: str) -> str | None:
        if handle not in self._dids:
            try:
                answer = self._call(
                    lambda c: c.com.atproto.identity.resolve_handle(params={"handle": handle}),
                    write=False,
                    what=f"resolveHandle {handle}",
                )
                self._dids[handle] = answer.did
            except AuthError:
                raise
            except RejectedError:  # "Unable to resolve handle"
                self._dids[handle] = None
        return self._dids[handle]

    def _embed(self, post: Outgoing) -> dict[str, Any] | None:
        embed = post.draft.embed
        base_dir = post.base_dir or self.base_dir
        if isinstance(embed, ImagesEmbed):
            return bluesky_embeds.images_embed(
                embed, self._upload, base_dir=base_dir, policy=self.fetch_policy
            )
        if isinstance(embed, LinkCard):
            return bluesky_embeds.external_embed(
                embed, self._upload, base_dir=base_dir, policy=self.fetch_policy
            )
        return embed_json(embed)  # a quote (app.bsky.embed.record) or none

    def _upload(self, data: bytes, mime: str) -> dict[str, Any]:
        answer = self._call(
            lambda c: (
                c.invoke_procedure(
                    "com.atproto.repo.uploadBlob", content=data, headers={"Content-Type": mime}
                ).content
            ),
            write=False,  # an orphan blob is harmless: retrying is safe
            what=f"uploadBlob ({len(data)} bytes)",
        )
        blob: dict[str, Any] = answer["blob"]
        return blob


def _error_name(exc: BaseException) -> str | None:
    content = getattr(getattr(exc, "response", None), "content", None)
    name = getattr(content, "error", None)
    return name if isinstance(name, str) else None


def _stale_session(exc: BaseException) -> bool:
    """True for a refused/expired token (not for a wrong password: that is createSession)."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return _error_name(exc) in _TOKEN_ERRORS or (
        status == 401 and _error_name(exc) != "AuthFactorTokenRequired"
    )


_COUNTS = ("like_count", "repost_count", "reply_count", "quote_count")


def _engagement(view: Any) -> Engagement:
    """The counts of an ``app.bsky.feed.defs#postView`` (the SDK's model)."""
    likes, reposts, replies, quotes = (int(getattr(view, name, 0) or 0) for name in _COUNTS)
    return Engagement(likes=likes, reposts=reposts, replies=replies, quotes=quotes)


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else getattr(value, key, None)
