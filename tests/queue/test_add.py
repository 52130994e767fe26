"""`sharebot queue add`: read, compile, plan, store; the bad-input cases write nothing."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store import open_store
from tests.queue.conftest import Run

Sharebot = Callable[..., Run]


def posts_in(store_url: str) -> int:
    store = open_store(store_url)
    try:
        return sum(store.counts().values())
    finally:
        store.close()


def test_add_prints_plan_on_free_slots(sharebot: Sharebot, workdir: Path) -> None:
    run = sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky", "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert data["title"] == "Slow Roads" and data["article"] == 1
    dues = [datetime.fromisoformat(t["due"]) for t in data["threads"]]
    assert len(dues) >= 2 and dues == sorted(dues)
    for due in dues:  # 09:00/13:00/17:00 Berlin = 08:00/12:00/16:00 UTC in winter
        assert due > datetime.now(UTC) and due.minute == 0
        assert due.astimezone(UTC).hour in (7, 8, 11, 12, 15, 16)
    assert len(set(dues)) == len(dues)  # every = "next slot"
    table = sharebot("queue", "add", str(workdir / "posts/note.txt"), "--to", "bluesky")
    assert "Queued a2" in table.out and "A Short Note" in table.out


def test_two_articles_never_share_a_slot(sharebot: Sharebot, workdir: Path) -> None:
    first = sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky", "--json")
    second = sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky",
                      "--again", "--json")  # fmt: skip
    a = {t["due"] for t in first.json()["threads"]}
    b = {t["due"] for t in second.json()["threads"]}
    assert a and b and not a & b


def test_at_and_every(sharebot: Sharebot, workdir: Path) -> None:
    run = sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky",
                   "--at", "2099-01-05T10:00", "--every", "90m", "--json")  # fmt: skip
    assert run.code == 0, run.err
    dues = [datetime.fromisoformat(t["due"]) for t in run.json()["threads"]]
    assert dues[0] == datetime(2099, 1, 5, 9, 0, tzinfo=UTC)  # naive = Berlin (CET)
    assert all(b - a == timedelta(minutes=90) for a, b in itertools.pairwise(dues))


def test_reddit_gets_subreddit_and_both_platforms(sharebot: Sharebot, workdir: Path) -> None:
    run = sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky,reddit",
                   "--subreddit", "r/travel", "--flair", "Essay", "--json")  # fmt: skip
    assert run.code == 0, run.err
    platforms = {t["platform"] for t in run.json()["threads"]}
    assert platforms == {"bluesky", "reddit"}
    listed = sharebot("queue", "list", "--platform", "reddit", "--json").json()
    assert listed and listed[0]["title"] == "Slow Roads"


def test_past_time_refused_unless_now(sharebot: Sharebot, workdir: Path, store_url: str) -> None:
    source = str(workdir / "posts/note.txt")
    run = sharebot("queue", "add", source, "--to", "bluesky", "--at", "2020-01-01T09:00")
    assert run.code == 2 and "in the past" in run.err and "--at" in run.err
    assert posts_in(store_url) == 0
    forced = sharebot("queue", "add", source, "--to", "bluesky", "--now", "--json")
    assert forced.code == 0
    due = datetime.fromisoformat(forced.json()["threads"][0]["due"])
    assert abs(due - datetime.now(UTC)) < timedelta(minutes=5)


def test_bad_input_writes_nothing(sharebot: Sharebot, workdir: Path, store_url: str) -> None:
    essay = str(workdir / "posts/essay.md")
    cases = [
        (("queue", "add", essay, "--to", "mastodon"), 2, "unknown platform 'mastodon'"),
        (("queue", "add", str(workdir / "missing.md"), "--to", "bluesky"), 1, "missing.md"),
        (("queue", "add", essay, "--to", "reddit"), 2, "subreddit"),
        (("queue", "add", essay, "--to", "bluesky", "--every", "often"), 2, "not a duration"),
        (("queue", "add", essay, "--to", "bluesky", "--at", "someday"), 2, "cannot read time"),
    ]
    for args, code, needle in cases:
        run = sharebot(*args)
        assert (run.code, needle in run.err) == (code, True), (args, run.err)
    assert posts_in(store_url) == 0


def test_bad_config_exits_2_naming_file_and_key(
    sharebot: Sharebot, workdir: Path, store_url: str
) -> None:
    config = workdir / "sharebot.toml"
    config.write_text('slots = ["Someday 9"]\n')
    run = sharebot("queue", "add", str(workdir / "posts/note.txt"), "--to", "bluesky")
    assert run.code == 2 and str(config) in run.err and "'slots'" in run.err
    config.write_text("")
    bad_tz = sharebot("queue", "list", env={"SHAREBOT_TIMEZONE": "Atlantis/Capital"})
    assert bad_tz.code == 2 and "SHAREBOT_TIMEZONE" in bad_tz.err
    assert "unknown timezone" in bad_tz.err


def test_main_maps_errors_to_exit_codes(workdir: Path, store_url: str) -> None:
    import pytest
    from click.testing import CliRunner

    from bot.cli import main

    runner = CliRunner()
    with runner.isolation() as (_, err, _), pytest.raises(SystemExit) as exit_:
        main(["--store", store_url, "queue", "add", "x.md", "--to", "myspace"])
    assert exit_.value.code == 2
    assert b"unknown platform 'myspace'" in err.getvalue()


def test_add_from_a_url(sharebot: Sharebot, workdir: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = (workdir / "posts/essay.md").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/markdown; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/essay.md"
        refused = sharebot("queue", "add", url, "--to", "bluesky")
        assert refused.code == 1 and "127.0.0.1" in refused.err  # private address by default
        run = sharebot("queue", "add", url, "--to", "bluesky", "--json",
                       env={"SHAREBOT_ALLOW_PRIVATE_FETCH": "1"})  # fmt: skip
        assert run.code == 0, run.err
        assert run.json()["title"] == "Slow Roads"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_article_mode_and_configured_account(sharebot: Sharebot, workdir: Path) -> None:
    run = sharebot("queue", "add", str(workdir / "posts/essay.md"), "--mode", "article",
                   "--json")  # fmt: skip
    assert run.code == 0, run.err
    threads = run.json()["threads"]
    assert [t["platform"] for t in threads] == ["bluesky"]  # the configured platform only
    posts = sharebot("queue", "list", "--json").json()
    assert {p["account"] for p in posts} == {"desk"}
    assert {p["thread"] for p in posts} == {posts[0]["thread"]}
