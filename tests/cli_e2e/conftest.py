"""End-to-end CLI fixtures: the real PDS and Reddit stand-in (session), a fresh SQLite
store, a generated config TOML and env secrets per test; ``python -m bot`` subprocesses."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.sandbox.pds import PdsServer
from bot.sandbox.reddit import standin as standin_mod
from bot.sandbox.reddit.standin import RedditStandin, start_standin
from tests.bluesky.conftest import list_records

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "posts" / "china-russia-partnership.txt"
TIMEOUT = 120.0
SHORT = """Short article for the CLI tests

First section

A first paragraph that is long enough to be a post of its own.
"""


@pytest.fixture(scope="session")
def standin() -> Iterator[RedditStandin]:
    """One Reddit stand-in for the whole CLI test session."""
    with start_standin() as server:
        yield server


@dataclass
class Cli:
    """A generated config + env secrets; runs ``python -m bot`` in a subprocess."""

    tmp: Path
    config: Path
    env: dict[str, str]
    did: str
    secrets: tuple[str, ...]
    pds: PdsServer
    standin: RedditStandin
    running: list[subprocess.Popen[str]] = field(default_factory=list)

    def run(self, *args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Run one command to completion."""
        return subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(self.config), *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def start(self, *args: str) -> Daemon:
        """Start a long-running command; its stderr lines are collected."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), *args],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.running.append(proc)
        return Daemon(proc)

    def records(self) -> list[dict]:
        """This test's account's app.bsky.feed.post records on the PDS."""
        return list_records(self.pds, self.did)

    def reddit_things(self) -> int:
        """Submissions + comments on the stand-in (shared by the session: compare deltas)."""
        return self.standin.count("t3") + self.standin.count("t1")

    def assert_no_secret(self, *texts: str) -> None:
        """No secret value appears in any of ``texts``."""
        for text in texts:
            for secret in self.secrets:
                assert secret not in text


class Daemon:
    """A running ``sharebot run``: stderr read line by line on a thread."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, needle: str, timeout: float = 60.0) -> str:
        """Block until a stderr line contains ``needle`` (bounded)."""
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line with {needle!r}; got {self.lines}") from None
            if line is None:
                raise AssertionError(f"exited before {needle!r}; got {self.lines}")
            self.lines.append(line)
            if needle in line:
                return line

    def finish(self, timeout: float) -> int:
        """Wait for exit; collect the rest of stderr."""
        code = self.proc.wait(timeout=timeout)
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return code


@pytest.fixture
def cli(pds: PdsServer, standin: RedditStandin, tmp_path: Path, request) -> Iterator[Cli]:
    """A fresh Bluesky account, store and config for one test."""
    name = "e2e" + "".join(c for c in request.node.name if c.isalnum())[-14:].lower()
    did, handle, app_password = pds.create_account(name)
    (tmp_path / "posts").mkdir()
    config = tmp_path / "sharebot.toml"
    config.write_text(
        f"""store_url = "sqlite:///{tmp_path}/store.db"
data_dir = "{tmp_path}/data"
posts_dir = "{tmp_path}/posts"
tick = "1s"

[[bluesky]]
name = "sandbox"
handle = "{handle}"
service = "{pds.url}"
password_env = "E2E_BLUESKY_PASSWORD"

[[reddit]]
name = "sandbox"
client_id = "{standin_mod.CLIENT_ID}"
user_agent = "sharebot-e2e/0.1"
username = "{standin_mod.USERNAME}"
client_secret_env = "E2E_REDDIT_SECRET"
password_env = "E2E_REDDIT_PASSWORD"
oauth_url = "{standin.url}"
reddit_url = "{standin.url}"
subreddits = ["sharebot_test"]
""",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREBOT_")}
    env.update(
        E2E_BLUESKY_PASSWORD=app_password,
        E2E_REDDIT_SECRET=standin_mod.CLIENT_SECRET,
        E2E_REDDIT_PASSWORD=standin_mod.PASSWORD,
        COLUMNS="200",
    )
    secrets = (app_password, standin_mod.CLIENT_SECRET, standin_mod.PASSWORD)
    rig = Cli(tmp_path, config, env, did, secrets, pds, standin)
    yield rig
    for proc in rig.running:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
