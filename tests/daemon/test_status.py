"""`sharebot status` data: counts, next due, accounts and heartbeats as JSON-ready values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.app.views import status


def status_data(store):
    return status(store).as_dict()


T = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


class StatusStore:
    def counts(self):
        return {"queued": 3, "published": 7}

    def next_due(self):
        return T

    def account_status(self):
        return [{"platform": "bluesky", "account": "main", "last_success": T,
                 "last_error": "429", "blocked_until": None}]  # fmt: skip

    def daemons(self):
        return [{"owner": "host:1", "heartbeat": T}]

    def list_feeds(self):
        return []


def test_status_data_is_json_ready():
    data = status_data(StatusStore())
    assert json.loads(json.dumps(data)) == {
        "counts": {"queued": 3, "published": 7},
        "next_due": "2026-03-01T09:30:00+00:00",
        "accounts": [{"platform": "bluesky", "account": "main",
                      "last_success": "2026-03-01T09:30:00+00:00", "last_error": "429",
                      "blocked_until": None}],
        "daemons": [{"owner": "host:1", "heartbeat": "2026-03-01T09:30:00+00:00"}],
        "feeds": [],
    }  # fmt: skip
