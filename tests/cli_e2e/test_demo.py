"""`make demo` (`sharebot run --sandbox`) end to end from a built wheel installed into a
fresh virtualenv outside the repository: its own PDS and stand-in, every post out."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

from bot.sandbox.node import install_dir
from bot.sandbox.reddit import standin
from tests.cli_e2e.conftest import ROOT


def installed_wheel(tmp: Path) -> Path:
    """Build the wheel (no network: the venv's setuptools) and install it, without its
    dependencies, into a fresh venv that sees this venv's third-party packages."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp / "dist").glob("sharebot-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run([python, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    # the dependencies come from this venv's site-packages (its editable sharebot does not:
    # a path line in a .pth file adds the folder without running the .pth files inside it)
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                           str(wheel)], capture_output=True, text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return venv


def test_installed_wheel_runs_the_sandbox_outside_the_repo(tmp_path: Path) -> None:
    venv = installed_wheel(tmp_path)
    where = subprocess.run([venv / "bin" / "python", "-c", "import bot; print(bot.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True)  # fmt: skip
    assert not where.stdout.startswith(str(ROOT))  # the installed copy, not the checkout
    env = {**os.environ, "SHAREBOT_SANDBOX_HOME": str(install_dir().parent)}
    result = subprocess.run([venv / "bin" / "sharebot", "run", "--sandbox"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=240)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    total = int(re.search(r"(\d+) posts, \d+ threads \(published\):", out).group(1))
    urls = re.findall(r"^    (https://\S+)$", out, re.M)
    assert total >= 10 and len(urls) == len(set(urls)) == total
    assert any("bsky.app/profile/" in u for u in urls)
    assert any("/r/sharebot_test/comments/" in u for u in urls)
    assert "Bluesky: https://bsky.app/intent/compose?" in out
    assert "Reddit:  https://www.reddit.com/submit?" in out
    assert "Traceback" not in result.stderr
    for secret in (standin.CLIENT_SECRET, standin.PASSWORD):
        assert secret not in out and secret not in result.stderr


def test_keep_leaves_the_sandbox_up_to_read_the_threads_back_until_ctrl_c() -> None:
    import signal

    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "bot.sandbox.demo", "--keep"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:  # bounded by the demo's own 3-minute deadline
            lines.append(line)
            if "listRecords" in line:
                break
        read_back = re.search(r"curl '(\S+)'", lines[-1])
        assert read_back, "".join(lines)
        records = httpx.get(read_back.group(1), timeout=10).json()["records"]
        total = int(re.search(r"(\d+) posts", "".join(lines)).group(1))
        assert len(records) == sum(1 for line in lines if "bsky.app/profile/" in line) > 0
        assert total > len(records)  # the Reddit posts are listed too
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
