"""The Reddit adapter's HTTP session: requests, with a short way for prawcore's API calls.

prawcore sends every API call through ``requests.Session.request``, which builds a
``Request``, merges the session's settings into a ``PreparedRequest`` (headers, cookies,
hooks, auth, environment), dispatches hooks, walks redirects and extracts cookies from
the answer: about a third of the CPU of a post sent to Reddit, for calls that use none
of it. :class:`LeanSession` is a ``requests.Session`` whose ``request`` sends such a
call (a plain method, URL, query, form or JSON body, headers and timeout; no files,
auth, cookies, hooks, proxies or redirects) straight to urllib3's connection pool for
its host, the pool requests itself would use (same TLS settings, through the session's
own ``HTTPAdapter``), and answers with a ``requests.Response`` built from it. Every other
call (the token request with its Basic auth, uploads with files, a session that reads
proxies from the environment on each request) goes through requests unchanged.

What it sends is what requests would send: the same merged headers (session headers
under the call's, ``None`` dropping one), the same form and JSON encoding, the same
``Content-Type``/``Content-Length``. Two things differ on purpose:

- no cookies, on either path: the session's jar stores none (Reddit's API authorises
  each call by its bearer token; the cookies real Reddit sets on the token answer are
  Cloudflare's and are not needed by the API);
- a failure is urllib3's own exception (``NewConnectionError``, ``ReadTimeoutError``,
  ``ProtocolError``...), not requests' wrapper of it: the requestor that calls this
  (bot.platforms.reddit_transport) classifies both, never retrying.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.models import RequestEncodingMixin
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, requote_uri
from urllib3 import Timeout

# The keywords of Session.request the short way handles itself (when empty or false);
# any other value given sends the call through requests.
_HANDED_ON = ("cookies", "files", "auth", "hooks", "stream", "verify", "cert", "proxies")


class LeanSession(requests.Session):
    """A ``requests.Session`` sending prawcore's plain API calls the short way."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # stores none
        self._pools: dict[tuple[str, str], Any] = {}  # (scheme, netloc) -> urllib3 pool

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str | bytes,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        timeout: Any = None,
        allow_redirects: bool = True,
        json: Any = None,
        **rest: Any,
    ) -> requests.Response:
        if isinstance(url, bytes):
            url = url.decode("utf-8")
        if not self._short(url, allow_redirects, rest) or not _plain(data, headers):
            return super().request(
                method, url, params=params, data=data, headers=headers, timeout=timeout,
                allow_redirects=allow_redirects, json=json, **rest,
            )  # fmt: skip
        return self._send(method.upper(), url, params, data, headers, timeout, json)

    def close(self) -> None:
        self._pools.clear()  # closed with the adapters' pool managers
        super().close()

    def _short(self, url: str, allow_redirects: bool, rest: dict[str, Any]) -> bool:
        """Whether this call may go the short way (see the module docstring)."""
        return (
            not allow_redirects
            and not self.trust_env  # else requests reads the environment per request
            and not self.proxies
            and self.auth is None
            and self.cert is None
            and not any(self.hooks.values())
            and not any(rest.get(name) for name in _HANDED_ON)
            and "?" not in url
            and "#" not in url
            and url.startswith(("https://", "http://"))
        )

    def _send(
        self, method: str, url: str, params: Any, data: Any, headers: Any, timeout: Any, json: Any
    ) -> requests.Response:
        parts = urlsplit(url)
        query = RequestEncodingMixin._encode_params(params) if params else ""
        target = requote_uri(parts.path or "/") + (f"?{query}" if query else "")
        sent = CaseInsensitiveDict(self.headers)
        for name, value in (headers or {}).items():
            if value is None:
                sent.pop(name, None)
            else:
                sent[name] = value
        body = _body(method, data, json, sent)
        pool = self._pool(parts.scheme, parts.netloc, url)
        answer = pool.urlopen(
            method, target, body=body, headers=dict(sent), retries=False, redirect=False,
            assert_same_host=False, timeout=_timeout(timeout), preload_content=True,
            decode_content=True,
        )  # fmt: skip
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(answer.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.reason = answer.reason
        response.url = f"{parts.scheme}://{parts.netloc}{target}"
        response.raw = answer
        response._content = answer.data
        return response

    def _pool(self, scheme: str, netloc: str, url: str) -> Any:
        """urllib3's pool for a host, as the session's HTTPAdapter sets it up."""
        key = (scheme, netloc)
        pool = self._pools.get(key)
        if pool is None:
            adapter = self.get_adapter(url)
            if not isinstance(adapter, HTTPAdapter):
                raise TypeError(f"no HTTPAdapter for {scheme}://{netloc}")
            probe = requests.Request("GET", url).prepare()
            pool = adapter.get_connection_with_tls_context(probe, self.verify)
            adapter.cert_verify(pool, url, self.verify, None)
            self._pools[key] = pool
        return pool


def _plain(data: Any, headers: Any) -> bool:
    """A body requests would encode in one piece (not a file or a stream), headers as a
    mapping."""
    return isinstance(data, str | bytes | Mapping | list | tuple | None) and isinstance(
        headers, Mapping | None
    )


def _body(method: str, data: Any, json: Any, headers: CaseInsensitiveDict[Any]) -> Any:
    """The body requests would send (``PreparedRequest.prepare_body``), its headers set."""
    body: Any = None
    content_type = None
    if not data and json is not None:
        body = jsonlib.dumps(json, allow_nan=False).encode("utf-8")
        content_type = "application/json"
    elif data:
        body = RequestEncodingMixin._encode_params(data)
        if not isinstance(data, str | bytes):
            content_type = "application/x-www-form-urlencoded"
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body is not None:
        headers["Content-Length"] = str(len(body))
    elif method not in ("GET", "HEAD"):
        headers["Content-Length"] = "0"
    if content_type and "content-type" not in headers:
        headers["Content-Type"] = content_type
    return body


def _timeout(value: Any) -> Timeout:
    """requests' reading of a timeout: one number for both, or (connect, read)."""
    if isinstance(value, tuple):
        connect, read = value
        return Timeout(connect=connect, read=read)
    if isinstance(value, Timeout):
        return value
    return Timeout(connect=value, read=value)
