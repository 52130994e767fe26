"""A publisher process for the crash test: sends one prepared post, prints its Ref, then
blocks at the hook point (between send and confirm) until the parent kills it.

Input on stdin (JSON): service, handle, password, text, prepared.
"""

from __future__ import annotations

import json
import os
import sys
import threading

from bot.config import BlueskyAccount, Secret
from bot.platforms.base import Outgoing
from bot.platforms.bluesky import BlueskyPlatform
from bot.threads import PostDraft
from tests.bluesky.conftest import MemorySessions


def main() -> None:
    job = json.loads(sys.stdin.readline())
    account = BlueskyAccount(job["handle"], job["handle"], Secret(job["password"]), job["service"])
    platform = BlueskyPlatform(account, MemorySessions())
    draft = PostDraft(job["text"])
    post = Outgoing(1, "crash", job["handle"], draft, prepared=job["prepared"])
    ref = platform.send(post)
    print(json.dumps({"uri": ref.uri, "cid": ref.cid}), flush=True)
    if os.environ.get("SHAREBOT_TEST_HOLD_AFTER_SEND") == "1":
        threading.Event().wait()  # the hook point: killed here, before any confirm
    print("confirmed", flush=True)


if __name__ == "__main__":
    main()
