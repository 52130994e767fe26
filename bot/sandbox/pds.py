"""Start the reference PDS (+ in-memory PLC) on 127.0.0.1 for tests and the sandbox.

``start_pds()`` runs ``node/launcher.js`` with the npm packages of ``node/package-lock.json``
(installed once per lock file by :func:`bot.sandbox.node.ensure_installed`), waits for its
JSON ready line with a bounded timeout, and stops it with SIGTERM on exit::

    with start_pds() as pds:
        did, handle, app_password = pds.create_account("alice")
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.sandbox.node import LAUNCHER, ensure_installed

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


class PdsStartError(RuntimeError):
    """The launcher did not print its ready line in time (stderr is attached)."""


@dataclass
class PdsServer:
    """A running PDS: ``url`` (http://localhost:PORT), ``plc_url`` and the admin password."""

    url: str
    plc_url: str
    admin_password: str
    process: subprocess.Popen[bytes]

    def create_account(self, name: str, domain: str = ".test") -> tuple[str, str, str]:
        """Create ``<name><domain>`` with an app password; returns (did, handle, app_password)."""
        handle = f"{name}{domain}"
        with httpx.Client(base_url=f"{self.url}/xrpc", timeout=30) as http:
            created = _post(
                http,
                "com.atproto.server.createAccount",
                {
                    "handle": handle,
                    "email": f"{name}@example.test",
                    "password": secrets.token_urlsafe(16),
                },
            )
            headers = {"authorization": f"Bearer {created['accessJwt']}"}
            app = _post(http, "com.atproto.server.createAppPassword", {"name": "sharebot"}, headers)
        return created["did"], created["handle"], app["password"]


def _post(
    http: httpx.Client, nsid: str, body: dict[str, str], headers: dict[str, str] | None = None
) -> dict[str, str]:
    response = http.post(nsid, json=body, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{nsid} -> {response.status_code} {response.text}")
    result: dict[str, str] = response.json()
    return result


def _read_ready(process: subprocess.Popen[bytes], timeout: float) -> dict[str, str]:
    """The first stdout line as JSON, or PdsStartError after ``timeout`` seconds."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise PdsStartError(f"PDS not ready after {timeout:g} s")
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                raise PdsStartError(f"PDS launcher exited with {process.wait()}")
            buffer += chunk
    ready: dict[str, str] = json.loads(buffer.split(b"\n", 1)[0])
    return ready


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


@contextmanager
def launched(
    command: list[str], cwd: Path, env: Mapping[str, str], timeout: float, what: str
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str]]]:
    """Run a Node launcher (``--watch-stdin``) until its JSON ready line; yields (process,
    ready). A launcher that is not ready in time is a PdsStartError naming ``what``, with
    the end of its stderr; it is stopped (SIGTERM, then SIGKILL) when the block ends."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [*command, "--watch-stdin"],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        try:
            try:
                ready = _read_ready(process, timeout)
            except PdsStartError as exc:
                errors.seek(0)
                tail = errors.read()[-3000:].decode(errors="replace")
                raise PdsStartError(f"{what}: {exc}\n{tail}") from None
            yield process, ready
        finally:
            _stop(process)


@contextmanager
def start_pds(*, rate_limits: bool = False, timeout: float = READY_TIMEOUT) -> Iterator[PdsServer]:
    """Run a PDS for the duration of the ``with`` block."""
    modules = ensure_installed()
    env = {**os.environ, "PDS_RATE_LIMITS_ENABLED": "true" if rate_limits else "false"}
    env["NODE_PATH"] = str(modules)
    env.setdefault("LOG_ENABLED", "false")
    command = ["node", str(LAUNCHER)]
    with launched(command, modules.parent, env, timeout, "PDS") as (process, ready):
        yield PdsServer(ready["pds"], ready["plc"], ready["adminPassword"], process)
