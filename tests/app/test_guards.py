"""Guards and clear errors of the application layer, through the CLI (real SQLite store):
floods and duplicates refused before anything is written, bad input named, no traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tests.queue.conftest import Run

Sharebot = Callable[..., Run]


def articles_in(store_url: str) -> int:
    path = store_url.removeprefix("sqlite:///")
    if not Path(path).exists():
        return 0
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])


def test_the_same_file_twice_is_refused_with_its_id_and_state(sharebot: Sharebot,
                                                               workdir: Path) -> None:  # fmt: skip
    essay = str(workdir / "posts/essay.md")
    assert sharebot("queue", "add", essay, "--to", "bluesky").code == 0
    second = sharebot("queue", "add", essay, "--to", "bluesky")
    assert second.code == 2
    assert "already queued as a1 (queued: " in second.err and "--again" in second.err
    assert sharebot("queue", "add", essay, "--to", "bluesky", "--again").code == 0


def test_same_canonical_url_is_a_duplicate(sharebot: Sharebot, workdir: Path) -> None:
    essay = workdir / "posts/essay.md"
    copy = workdir / "copy.md"
    copy.write_text(essay.read_text().replace("Why the long way", "Why the longer way"))
    assert sharebot("queue", "add", str(essay), "--to", "bluesky").code == 0
    refused = sharebot("queue", "add", str(copy), "--to", "bluesky")
    assert refused.code == 2 and "(same URL)" in refused.err


def test_a_flood_is_refused_before_anything_is_written(sharebot: Sharebot, workdir: Path,
                                                       store_url: str) -> None:  # fmt: skip
    big = workdir / "big.txt"
    heading = "Section {i}\n\n" + "A sentence that goes on for a while. " * 30 + "\n\n"
    big.write_text("A flood\n\n" + "".join(heading.format(i=i) for i in range(400)))
    refused = sharebot("queue", "add", str(big), "--to", "bluesky")
    assert refused.code == 2
    assert "over max_posts_per_article = 200" in refused.err and "nothing was queued" in refused.err
    assert articles_in(store_url) == 0
    forced = sharebot("queue", "add", str(big), "--to", "bluesky", "--force", "--json")
    assert forced.code == 0 and articles_in(store_url) == 1


def test_times_out_of_range_are_clear_errors(sharebot: Sharebot, workdir: Path,
                                             store_url: str) -> None:  # fmt: skip
    essay = str(workdir / "posts/essay.md")
    for at in ("+99999999h", "9999-12-31T23:59", "next tuesday"):
        run = sharebot("queue", "add", essay, "--to", "bluesky", "--at", at)
        assert run.code == 2 and "--at" in run.err, (at, run)
    assert articles_in(store_url) == 0


def test_impossible_and_damaged_stores_are_named(sharebot: Sharebot, workdir: Path) -> None:
    essay = str(workdir / "posts/essay.md")
    file_as_folder = sharebot("--store", "sqlite:////etc/passwd/sb.db", "queue", "add", essay)
    assert file_as_folder.code == 1 and "a part of this path is a file" in file_as_folder.err
    damaged = workdir / "damaged.db"
    damaged.write_bytes(b"this is not an SQLite database" * 200)
    run = sharebot("--store", f"sqlite:///{damaged}", "queue", "list")
    assert run.code == 1 and "the store is damaged" in run.err and "backup" in run.err
    unwritable = sharebot("--store", "sqlite:////proc/sharebot/sb.db", "queue", "add", essay)
    assert unwritable.code == 1 and "cannot create the store" in unwritable.err


def test_read_only_commands_create_no_store_and_need_no_secrets(
    sharebot: Sharebot, workdir: Path
) -> None:
    missing = workdir / "nowhere.db"
    run = sharebot("--store", f"sqlite:///{missing}", "status")
    assert run.code == 1 and "no store there yet" in run.err and not missing.exists()
    essay = str(workdir / "posts/essay.md")
    assert sharebot("queue", "add", essay, "--to", "bluesky").code == 0
    no_secret = {"TEST_BSKY_PASSWORD": None}
    for args in (("queue", "list"), ("queue", "show", "a1"), ("links", "a1"), ("status",)):
        assert sharebot(*args, env=no_secret).code == 0, args


def test_wrong_state_changes_say_which_state_and_why(sharebot: Sharebot, workdir: Path) -> None:
    essay = str(workdir / "posts/essay.md")
    assert sharebot("queue", "add", essay, "--to", "bluesky").code == 0
    assert sharebot("queue", "cancel", "a1").code == 0
    retry = sharebot("queue", "retry", "a1")
    assert retry.code == 1
    assert "nothing to retry" in retry.err and "cancelled" in retry.err
    assert "failed or needs_review" in retry.err
    moved = sharebot("queue", "reschedule", "a1", "--at", "+2h")
    assert moved.code == 1 and "nothing to reschedule" in moved.err


def test_unknown_front_matter_key_is_warned_with_file_and_line(sharebot: Sharebot,
                                                               workdir: Path) -> None:  # fmt: skip
    essay = workdir / "posts/essay.md"
    essay.write_text(essay.read_text().replace("tags: [travel]\n", "tags: [travel]\nplaforms: x\n"))
    run = sharebot("queue", "add", str(essay), "--to", "bluesky")
    assert run.code == 0
    assert f"{essay}:5: unknown front-matter key 'plaforms'" in run.err
    assert "did you mean 'platforms'?" in run.err
