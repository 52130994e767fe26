"""`sharebot run --sandbox --appview`: the demo on Bluesky's test network, every Bluesky thread
read back through the AppView whole and in order; nothing secret printed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.sandbox.reddit import standin

ROOT = Path(__file__).resolve().parents[2]


def test_demo_reads_every_thread_back_through_the_appview(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--sandbox", "--appview"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    read = re.search(r"read back through the AppView: (\d+) of (\d+) Bluesky threads whole", out)
    assert read is not None, out
    assert read.group(1) == read.group(2) and int(read.group(2)) >= 3
    assert re.search(r"\d+ posts, \d+ threads \(published\):", out)
    assert "Traceback" not in result.stderr
    for secret in (standin.CLIENT_SECRET, standin.PASSWORD):
        assert secret not in out and secret not in result.stderr
