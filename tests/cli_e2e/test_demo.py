"""`make demo` (sharebot run --sandbox) end to end: its own PDS and stand-in, every post out."""

from __future__ import annotations

import re
import subprocess
import sys

from bot.sandbox.reddit import standin
from tests.cli_e2e.conftest import ROOT


def test_demo_publishes_the_sample_and_prints_urls_and_share_links():
    result = subprocess.run(
        [sys.executable, "-m", "bot.sandbox.demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
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
