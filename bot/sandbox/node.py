"""The sandbox's npm packages: installed once per lock file, reused by every later run.

The packages (the reference PDS and an in-memory PLC, pinned by ``node/package-lock.json``)
go to ``<home>/node-<hash of the lock file>/node_modules``, where ``<home>`` is
``$SHAREBOT_SANDBOX_HOME``, else ``.sandbox/`` of a source checkout, else
``~/.cache/sharebot/sandbox``. A changed lock file gets a fresh folder; an unchanged one is
never reinstalled (``make demo`` and ``make test`` call :func:`ensure_installed`, which
returns at once when the stamp is there). Concurrent callers wait on one file lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bot.errors import ConfigError

NODE_DIR = Path(__file__).resolve().parent / "node"
LAUNCHER = NODE_DIR / "launcher.js"
LOCK_FILE = NODE_DIR / "package-lock.json"
HOME_ENV = "SHAREBOT_SANDBOX_HOME"
STAMP = ".sharebot-installed"


def sandbox_home() -> Path:
    """Where the sandbox keeps its npm packages (see the module doc)."""
    configured = os.environ.get(HOME_ENV)
    if configured:
        return Path(configured).expanduser()
    checkout = NODE_DIR.parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / ".git").exists():
        return checkout / ".sandbox"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "sharebot" / "sandbox"


def install_dir(lock_file: Path = LOCK_FILE, prefix: str = "node") -> Path:
    """The folder for a lock file's packages (its name carries the lock's hash)."""
    digest = hashlib.sha256(lock_file.read_bytes()).hexdigest()[:12]
    return sandbox_home() / f"{prefix}-{digest}"


def installed_once(target: Path, install: Callable[[Path], None]) -> Path:
    """``target/node_modules``, running ``install(target)`` only when no stamp says it ran
    to completion; concurrent callers wait on one file lock, then find the stamp."""
    modules = target / "node_modules"
    if (target / STAMP).is_file():
        return modules
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / STAMP).is_file():
            install(target)
            (target / STAMP).write_text("ok\n")
    return modules


def ensure_installed(*, quiet: bool = True) -> Path:
    """The ``node_modules`` folder for the pinned packages, running ``npm ci`` only the first
    time (ConfigError naming what is missing when node or npm are not installed)."""
    return installed_once(install_dir(), lambda target: _npm_ci(target, quiet=quiet))


def _npm_ci(target: Path, *, quiet: bool) -> None:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise ConfigError("the sandbox needs Node >= 20 and npm on the PATH (Debian: nodejs npm)")
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(NODE_DIR / name, target / name)
    if not quiet:
        print(f"installing the sandbox's npm packages into {target} (once)…", file=sys.stderr)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=target,
        capture_output=quiet,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr or b"")[-2000:].decode(errors="replace")
        raise ConfigError(f"npm ci in {target} failed ({done.returncode}): {tail}")


if __name__ == "__main__":
    print(ensure_installed(quiet=False))
