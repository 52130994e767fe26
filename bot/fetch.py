"""The only module that talks HTTP to the open web (pages, OpenGraph, images).

Every fetch is bounded: http/https only, one deadline for the whole download
(redirects included: a server dripping a few bytes at a time cannot hold it
open), a timeout for each read, a size cap checked while streaming, a
content-type check, at most five redirects (each hop re-checked), and no
private, loopback or link-local addresses unless the policy allows them (the
tests allow loopback). A download stopped by the deadline or the cap says both.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from bot import __version__
from bot.errors import ContentError

MAX_REDIRECTS = 5
KEPT_HEADERS = ("etag", "last-modified")


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch: ``timeout`` per read, ``deadline`` for the whole download."""

    timeout: float = 10.0
    max_bytes: int = 10_000_000
    allow_private: bool = False
    allowed_networks: tuple[str, ...] = ()  # private networks allowed all the same (CIDR)
    user_agent: str = f"sharebot/{__version__} (+https://github.com/sharebot/sharebot)"
    deadline: float = 20.0

    def limits(self) -> str:
        """Both limits, for an error message."""
        return f"a download must finish within {self.deadline:g} s and {self.max_bytes} bytes"


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content_type: str
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # etag, last-modified

    @property
    def not_modified(self) -> bool:
        """A 304 answer to a conditional GET: nothing new, no body."""
        return self.status == 304

    @property
    def text(self) -> str:
        """The body decoded with the charset the server declared (UTF-8 otherwise)."""
        charset = "utf-8"
        for part in self.content_type.split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def check_url(url: str, policy: FetchPolicy) -> None:
    """Refuse a URL that is not http(s) or that points at a private address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ContentError(url, "only http:// and https:// URLs can be fetched")
    if policy.allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ContentError(url, f"cannot resolve host {parts.hostname!r}") from exc
    allowed = [ipaddress.ip_network(n) for n in policy.allowed_networks]
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global and not any(address in net for net in allowed):
            raise ContentError(url, f"refusing to fetch a private address ({address})")


def fetch(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    accept: tuple[str, ...] = (),
    client: httpx.Client | None = None,
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """GET ``url`` within ``policy``; ``accept`` lists allowed content-type prefixes.
    ``headers`` are sent too (``if-none-match``/``if-modified-since`` make a conditional
    GET: a 304 comes back as a Fetched with ``not_modified`` and no body)."""
    policy = policy or FetchPolicy()
    own = client is None
    http = client or httpx.Client(
        timeout=policy.timeout, headers={"user-agent": policy.user_agent}, follow_redirects=False
    )
    until = time.monotonic() + policy.deadline
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, policy)
            result = _get_once(http, url, policy, accept, headers or {}, until)
            if isinstance(result, Fetched):
                return result
            url = result
        raise ContentError(url, f"more than {MAX_REDIRECTS} redirects")
    finally:
        if own:
            http.close()


def _get_once(
    http: httpx.Client,
    url: str,
    policy: FetchPolicy,
    accept: tuple[str, ...],
    headers: Mapping[str, str],
    until: float,
) -> Fetched | str:
    """One request: a Fetched, or the next URL to follow (all before ``until``)."""
    try:
        with http.stream(
            "GET", url, headers=dict(headers), timeout=_timeout(policy, until)
        ) as response:
            kept = {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers}
            if response.status_code == 304:
                return Fetched(str(response.url), 304, "", b"", kept)
            if response.is_redirect:
                if "location" not in response.headers:
                    raise ContentError(url, f"HTTP {response.status_code} without a Location")
                return urljoin(url, response.headers["location"])
            if response.status_code >= 400:
                raise ContentError(url, f"HTTP {response.status_code}")
            content_type = response.headers.get("content-type", "")
            if accept and not content_type.lower().startswith(accept):
                raise ContentError(url, f"unexpected content type {content_type or 'none'!r}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                raise ContentError(url, f"larger than {policy.max_bytes} bytes ({policy.limits()})")
            body = _read(response, url, policy, until)
            return Fetched(str(response.url), response.status_code, content_type, body, kept)
    except httpx.TimeoutException as exc:
        if time.monotonic() >= until:
            raise ContentError(url, f"not finished in time ({policy.limits()})") from exc
        raise ContentError(url, f"timed out after {policy.timeout:g} s") from exc
    except httpx.HTTPError as exc:
        raise ContentError(url, f"fetch failed: {exc}") from exc


def _timeout(policy: FetchPolicy, until: float) -> httpx.Timeout:
    """The per-read timeout, never past the deadline."""
    left = until - time.monotonic()
    if left <= 0:
        raise httpx.ReadTimeout("the deadline has passed")
    return httpx.Timeout(min(policy.timeout, left))


def _read(response: httpx.Response, url: str, policy: FetchPolicy, until: float) -> bytes:
    """The body, stopped at the size cap or the deadline (checked after every chunk)."""
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > policy.max_bytes:
            raise ContentError(url, f"larger than {policy.max_bytes} bytes ({policy.limits()})")
        if time.monotonic() >= until:
            received = f"{len(body)} bytes received"
            raise ContentError(url, f"not finished in time, {received} ({policy.limits()})")
    return bytes(body)
