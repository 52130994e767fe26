"""The plain PDS launcher (bot/sandbox/node, the demo's): loopback only, a ready line with
working URLs (fixture ``plain_pds``); the test networks' own checks are in
tests/appview/test_network.py."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx


def listeners(port: int) -> set[str]:
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_both_servers_listen_on_loopback_only(plain_pds):
    for url in (plain_pds.url, plain_pds.plc_url):
        assert listeners(urlsplit(url).port or 0) == {"0100007F"}  # 127.0.0.1


def test_ready_urls_answer(plain_pds):
    described = httpx.get(f"{plain_pds.url}/xrpc/com.atproto.server.describeServer", timeout=10)
    assert described.status_code == 200
    assert described.json()["availableUserDomains"] == [".test"]
    assert described.json()["inviteCodeRequired"] is False
    assert httpx.get(f"{plain_pds.plc_url}/_health", timeout=10).status_code == 200
