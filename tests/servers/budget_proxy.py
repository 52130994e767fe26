"""A FaultProxy that enforces a scaled-down budget the way the platform does: requests
beyond ``capacity`` units in any rolling ``window`` get 429 with the platform's headers,
without being forwarded (the PDS: ``ratelimit-limit/remaining/reset/policy``; Reddit:
``x-ratelimit-used/remaining/reset``)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from tests.servers.proxy import Fault, FaultProxy


class BudgetProxy(FaultProxy):
    """Counts requests whose path contains one of ``match`` at ``cost`` units each."""

    def __init__(
        self,
        upstream: str,
        *,
        match: tuple[str, ...],
        capacity: int,
        window: float,
        cost: int = 1,
        style: str = "pds",
    ) -> None:
        super().__init__(upstream)
        self.match, self.capacity, self.window, self.cost = match, capacity, window, cost
        self.style = style
        self.forwarded: list[float] = []  # when each counted request went through
        self.limited = 0  # 429s answered
        self._window: deque[float] = deque()
        self._budget_lock = threading.Lock()

    def _take(self, path: str) -> Fault | None:
        fault = super()._take(path)
        if fault is not None or not any(m in path for m in self.match):
            return fault
        with self._budget_lock:
            now = time.time()
            while self._window and self._window[0] <= now - self.window:
                self._window.popleft()
            if (len(self._window) + 1) * self.cost > self.capacity:
                self.limited += 1
                return Fault(path, "429", self._headers(now))
            self._window.append(now)
            self.forwarded.append(now)
        return None

    def _headers(self, now: float) -> dict[str, str]:
        reset = self._window[0] + self.window
        wait = str(max(1, math.ceil(reset - now)))
        if self.style == "reddit":
            used = str(len(self._window) * self.cost)
            return {"x-ratelimit-used": used, "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": wait, "retry-after": wait}  # fmt: skip
        return {
            "ratelimit-limit": str(self.capacity),
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(math.ceil(reset)),
            "ratelimit-policy": f"{self.capacity};w={int(self.window)}",
            "retry-after": wait,
        }
