"""The test network itself: every server it opens listens on loopback only, and its control
server counts the requests each server received."""

from __future__ import annotations

import subprocess

import httpx


def listening(pid: int) -> list[str]:
    """Local addresses of the TCP sockets process ``pid`` listens on (from ss)."""
    out = subprocess.run(["ss", "-H", "-ltnp"], capture_output=True, text=True, check=True)
    return [line.split()[3] for line in out.stdout.splitlines() if f"pid={pid}," in line]


def test_every_server_listens_on_loopback_only(network):
    addresses = listening(network.process.pid)
    assert len(addresses) >= 7  # PLC, two PDSs, AppView, dataplane, bsync, ozone, control
    assert all(a.startswith("127.0.0.1:") for a in addresses), addresses
    assert f"127.0.0.1:{network.elsewhere_url.rsplit(':', 1)[1]}" in addresses


def test_requests_are_counted_per_server_and_path(network):
    path = f"{network.url}/xrpc/com.atproto.server.describeServer"
    before = network.request_counts().get(path, 0)
    for _ in range(3):
        assert httpx.get(path, timeout=30).status_code == 200
    assert network.request_counts()[path] == before + 3
