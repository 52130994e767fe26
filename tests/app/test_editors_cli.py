"""The editors' CLI views: upcoming by default, history apart, local times with the zone's
abbreviation, reschedule old -> new, quiet hours respected and said."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.queue.conftest import Run

Sharebot = Callable[..., Run]


def test_list_shows_upcoming_in_local_time_and_history_apart(sharebot: Sharebot,
                                                             workdir: Path) -> None:  # fmt: skip
    essay = str(workdir / "posts/essay.md")
    assert sharebot("queue", "add", essay, "--to", "bluesky", "--at", "2099-07-01T09:00").code == 0
    upcoming = sharebot("queue", "list")
    assert upcoming.code == 0 and "2099-07-01 09:00 CEST" in upcoming.out  # Berlin, summer
    assert "upcoming posts (times in Europe/Berlin)" in upcoming.out
    utc = sharebot("queue", "list", "--utc")
    assert "2099-07-01 07:00 UTC" in utc.out
    assert sharebot("queue", "cancel", "a1").code == 0
    assert "0 upcoming posts" in sharebot("queue", "list").out
    history = sharebot("queue", "list", "--history", "--json").json()
    assert history and {p["state"] for p in history} == {"cancelled"}


def test_reschedule_prints_old_and_new_time_of_each_thread(sharebot: Sharebot,
                                                           workdir: Path) -> None:  # fmt: skip
    essay = str(workdir / "posts/essay.md")
    assert sharebot("queue", "add", essay, "--to", "bluesky", "--at", "2099-01-05T09:00").code == 0
    moved = sharebot("queue", "reschedule", "a1", "--at", "2099-01-06T10:00")
    assert moved.code == 0
    lines = [line for line in moved.out.splitlines() if "->" in line]
    assert lines and lines[0].endswith("2099-01-05 09:00 CET -> 2099-01-06 10:00 CET")


def test_quiet_hours_move_posts_to_the_window_end_and_say_so(sharebot: Sharebot,
                                                             workdir: Path) -> None:  # fmt: skip
    config = workdir / "sharebot.toml"
    config.write_text('quiet_hours = "22:00-07:00"\n' + config.read_text())
    essay = str(workdir / "posts/essay.md")
    added = sharebot("queue", "add", essay, "--to", "bluesky", "--at", "2099-01-05T23:30",
                     "--every", "30m", "--json")  # fmt: skip
    assert added.code == 0, added.err
    dues = [t["due"] for t in added.json()["threads"]]
    assert dues[0] == "2099-01-06T06:00:00+00:00"  # 07:00 CET
    assert added.json()["quiet_moved"] >= 1
    moved = sharebot("queue", "reschedule", "a1", "--at", "2099-01-07T03:00")
    assert moved.code == 0 and "is in quiet hours: moved to 2099-01-07 07:00 CET" in moved.out
    bad = sharebot("--config", str(config), "queue", "list", env={"SHAREBOT_QUIET_HOURS": "22-7"})
    assert bad.code == 2 and "SHAREBOT_QUIET_HOURS" in bad.err
