"""`sharebot feeds …` end to end through the CLI and the daemon's feed job."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bot.daemon import Daemon
from tests.feeds.conftest import page
from tests.queue.conftest import Run, sharebot, store_url, workdir  # noqa: F401
from tests.servers.feeds import Site, rss

Sharebot = Callable[..., Run]
LOCAL = {"SHAREBOT_FETCH_NETWORKS": "127.0.0.0/8"}


def test_feeds_add_poll_list_remove(sharebot: Sharebot, site: Site) -> None:  # noqa: F811
    site.put("/posts/1.html", page("First"))
    url = site.put("/feed.xml", rss("S", [{"title": "1", "guid": "1",
                                           "link": site.url + "/posts/1.html"}]),
                   "application/rss+xml")  # fmt: skip
    added = sharebot("feeds", "add", url, "--to", "bluesky", "--backfill", "1", env=LOCAL)
    assert added.code == 0 and "following" in added.out
    polled = sharebot("feeds", "poll", url, "--json", env=LOCAL)
    assert polled.code == 0, polled.err
    (result,) = json.loads(polled.out)
    assert result["status"] == "ok" and len(result["queued"]) == 1
    listed = sharebot("feeds", "--json", env=LOCAL).json()
    assert listed[0]["url"] == url and listed[0]["articles"] == 1 and not listed[0]["last_error"]
    bad = sharebot("feeds", "add", "ftp://example.org/feed", env=LOCAL)
    assert bad.code == 2 and "expected an http(s) URL" in bad.err
    assert sharebot("feeds", "remove", url).code == 0
    assert sharebot("feeds", "--json").json() == []


def test_the_daemon_polls_feeds_on_its_own_job(workdir: Path, site: Site) -> None:  # noqa: F811
    polled = []

    class Publisher:
        owner = "test"
        stopping = type("E", (), {"set": lambda self: None})()

        def run_until_idle(self) -> list[object]:
            return []

        def stop(self) -> None:
            pass

    class Store:
        def heartbeat(self, owner: str, now: object) -> None:
            pass

    jobs = [("feeds", lambda: polled.append(1))]
    daemon = Daemon(Store(), Publisher(), tick=30, jobs=jobs)  # type: ignore[arg-type]
    daemon.run_once()
    assert polled == [1]
    assert daemon.scheduler.get_job("feeds") is not None
