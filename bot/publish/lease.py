"""The lease keeper: renews the leases of a publisher's in-flight posts, so a slow send is
not reclaimed by another daemon."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.publish import Publisher

log = logging.getLogger("sharebot.publish")


class LeaseKeeper:
    """Renews the leases of in-flight posts every third of the lease."""

    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_running(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        pub = self.publisher
        period = pub.options.lease.total_seconds() / 3
        while not self._stop.wait(period):
            until = pub.clock() + pub.options.lease
            for post_id in pub.inflight_ids():
                try:
                    pub.store.renew_lease(post_id, pub.owner, until)
                except Exception as exc:  # a post confirmed meanwhile, or the lease is gone
                    log.debug("post %s: lease not renewed: %s", post_id, exc)
