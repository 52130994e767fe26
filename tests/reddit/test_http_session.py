"""The adapter's HTTP session reads the proxy and CA-bundle environment once, with the same
outcome requests would reach by reading it on every request."""

from __future__ import annotations

import pytest

from bot.platforms.reddit_transport import http_session

URLS = ("https://oauth.reddit.com", "https://www.reddit.com")


def test_proxies_and_bundle_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = http_session(URLS)
    assert session.trust_env is False
    assert session.proxies["https"] == "http://proxy.example:3128"
    assert session.verify == "/etc/ssl/corp.pem"


def test_no_proxy_for_both_hosts_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "reddit.com")
    session = http_session(URLS)
    assert session.trust_env is False and dict(session.proxies) == {}


def test_hosts_treated_differently_keep_per_request_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "oauth.reddit.com")
    assert http_session(URLS).trust_env is True
