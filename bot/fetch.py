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
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from bot import __version__
from bot.errors import ContentError

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch: ``timeout`` per read, ``deadline`` for the whole download."""

    timeout: float = 10.0
    max_bytes: int = 10_000_000
    allow_private: bool = False
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
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ContentError(url, f"refusing to fetch a private address ({address})")


def fetch(
    url: str,
    *,
    policy: FetchPolicy | None = None,
    accept: tuple[str, ...] = (),
    client: httpx.Client | None = None,
) -> Fetched:
    """GET ``url`` within ``policy``; ``accept`` lists allowed content-type prefixes."""
    policy = policy or FetchPolicy()
    own = client is None
    http = client or httpx.Client(
        timeout=policy.timeout, headers={"user-agent": policy.user_agent}, follow_redirects=False
    )
    until = time.monotonic() + policy.deadline
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, policy)
            result = _get_once(http, url, policy, accept, until)
            if isinstance(result, Fetched):
                return result
            url = result
        raise ContentError(url, f"more than {MAX_REDIRECTS} redirects")
    finally:
        if own:
            http.close()


def _get_once(
    http: httpx.Client, url: str, policy: FetchPolicy, accept: tuple[str, ...], until: float
) -> Fetched | str:
    """One request: a Fetched, or the next URL to follow (all before ``until``)."""
    try:
        with http.stream("GET", url, timeout=_timeout(policy, until)) as response:
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
            return Fetched(str(response.url), response.status_code, content_type, body)
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
