"""Browser tests: the desk served by uvicorn in this process (bot.desk.server.running: a
socket bound before the browser connects), Debian's chromium driven by pytest-playwright,
the sandbox PDS and the Reddit stand-in, and a real `sharebot run` daemon in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, load_settings
from bot.desk.server import running
from bot.sandbox.pds import PdsServer
from bot.sandbox.reddit import standin as standin_mod
from bot.sandbox.reddit.standin import RedditStandin, start_standin

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """Debian's chromium (playwright cannot download its own browsers here)."""
    return {"executable_path": CHROMIUM, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    """Every page may use the clipboard (the Copy buttons)."""
    return {"permissions": ["clipboard-read", "clipboard-write"], "viewport": {
        "width": 1280, "height": 900}}  # fmt: skip


@pytest.fixture(scope="session")
def artefacts(pytestconfig: pytest.Config) -> Path:
    """Where screenshots go (pytest-playwright's --output folder, default test-results/)."""
    folder = Path(str(pytestconfig.getoption("--output"))) / "desk"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Sandbox:
    """The desk's URL, its App, the config and the environment a daemon needs."""

    url: str
    app: App
    config: Path
    env: dict[str, str]
    did: str

    def sharebot(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """Run one `sharebot` command against the sandbox's config."""
        return subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(self.config), *args], cwd=ROOT,
            env=self.env, input=stdin, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def daemon(self) -> subprocess.Popen[str]:
        """Start `sharebot run` (its log lines on stderr)."""
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), "run"], cwd=ROOT,
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory, network: PdsServer) -> Iterator[Sandbox]:
    """The session's test network (its PDS; what the daemon publishes is read back through
    its AppView) + Reddit stand-in + a config + the desk on a free port, once per session."""
    tmp = tmp_path_factory.mktemp("desk")
    with start_standin() as reddit:
        yield from _desk(tmp, network, reddit)


def _desk(tmp: Path, pds: PdsServer, reddit: RedditStandin) -> Iterator[Sandbox]:
    did, handle, app_password = pds.create_account("deskbrowser")
    (tmp / "posts").mkdir()
    config = tmp / "sharebot.toml"
    config.write_text(f"""store_url = "sqlite:///{tmp}/store.db"
posts_dir = "{tmp}/posts"
data_dir = "{tmp}/data"
timezone = "Europe/Berlin"
slots = ["Daily 09:00", "Daily 13:00", "Daily 17:00"]
tick = "1s"

[[bluesky]]
name = "sandbox"
handle = "{handle}"
service = "{pds.url}"
password_env = "DESK_BLUESKY_PASSWORD"

[[reddit]]
name = "sandbox"
client_id = "{standin_mod.CLIENT_ID}"
user_agent = "sharebot-desk-test/0.1"
username = "{standin_mod.USERNAME}"
client_secret_env = "DESK_REDDIT_SECRET"
password_env = "DESK_REDDIT_PASSWORD"
oauth_url = "{reddit.url}"
reddit_url = "{reddit.url}"
subreddits = ["sharebot_test"]
""", encoding="utf-8")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREBOT_")}
    env.update(DESK_BLUESKY_PASSWORD=app_password, DESK_REDDIT_SECRET=standin_mod.CLIENT_SECRET,
               DESK_REDDIT_PASSWORD=standin_mod.PASSWORD)  # fmt: skip
    app = App.open(load_settings(str(config), None, secrets=False, env=env))
    try:
        with running(app) as url:
            yield Sandbox(url, app, config, env, did)
    finally:
        app.close()
