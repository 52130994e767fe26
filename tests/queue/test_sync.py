"""`sharebot sync` and sync_folder: idempotent, re-plans changed files, reports bad ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.queueing import sync_folder
from bot.config import BlueskyAccount, Secret, Settings, from_mapping
from bot.errors import ConfigError
from bot.platforms.base import Ref
from bot.store import Store, open_store
from tests.queue.conftest import Run

Sharebot = Callable[..., Run]
NOW = datetime(2099, 1, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def settings(workdir: Path, store_url: str) -> Settings:
    raw = {"store_url": store_url, "timezone": "UTC", "slots": ["Daily 09:00"], "every": "1h",
           "posts_dir": str(workdir / "posts")}  # fmt: skip
    return replace(from_mapping(raw), bluesky=(BlueskyAccount("desk", "desk.test", Secret("pw")),))


def with_front_matter(path: Path, extra: str) -> None:
    text = path.read_text().replace("tags: [travel]\n", f"tags: [travel]\n{extra}")
    path.write_text(text)


def test_sync_twice_changes_nothing(sharebot: Sharebot, workdir: Path) -> None:
    with_front_matter(workdir / "posts/essay.md", "platforms: [bluesky]\n")
    (workdir / "posts/.hidden.md").write_text("# not imported\n\ntext\n")
    (workdir / "posts/image.png").write_bytes(b"\x89PNG")
    run = sharebot("sync", str(workdir / "posts"), "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert sorted(Path(a["path"]).name for a in data["added"]) == ["essay.md", "note.txt"]
    before = sharebot("queue", "list", "--limit", "1000", "--json").json()
    again = sharebot("sync", str(workdir / "posts"), "--json").json()
    assert again["added"] == [] and again["updated"] == [] and len(again["unchanged"]) == 2
    assert sharebot("queue", "list", "--limit", "1000", "--json").json() == before
    platforms = {p["platform"] for p in before if p["article"] == 1}
    assert platforms == {"bluesky"}  # front-matter decides


def test_default_folder_from_settings(sharebot: Sharebot, workdir: Path) -> None:
    config = workdir / "sharebot.toml"
    config.write_text(f'posts_dir = "{workdir / "posts"}"\n' + config.read_text())
    run = sharebot("sync")
    assert run.code == 0, run.err
    assert "added" in run.out and "essay.md" in run.out


def test_front_matter_time_and_subreddit(store: Store, settings: Settings, workdir: Path) -> None:
    with_front_matter(
        workdir / "posts/essay.md",
        "publish_at: 2099-02-01T10:00:00Z\nplatforms: [reddit]\nsubreddit: travel\n",
    )
    report = sync_folder(store, settings, now=NOW)
    assert report.ok, report.failed
    essay = next(a for a in report.added if a["path"].endswith("essay.md"))
    posts = store.get_article(essay["article"]).posts
    assert {p.platform for p in posts} == {"reddit"}
    assert min(p.due_at for p in posts) == datetime(2099, 2, 1, 10, tzinfo=UTC)


def test_changed_file_replans_unpublished_keeps_published(
    store: Store, settings: Settings, workdir: Path
) -> None:
    essay = workdir / "posts/essay.md"
    with_front_matter(essay, "platforms: [bluesky]\n")
    (workdir / "posts/note.txt").unlink()
    report = sync_folder(store, settings, now=NOW)
    article_id = report.added[0]["article"]
    first_due = min(p.due_at for p in store.get_article(article_id).posts)
    (claim,) = store.claim_due(first_due, limit=50, owner="t", lease=timedelta(minutes=5),
                               prepare=lambda *a: {})  # fmt: skip
    store.confirm(claim.post_id, "t", Ref("at://did:plc:x/app.bsky.feed.post/1", "c", "u"),
                  first_due)  # fmt: skip
    published_text = next(p for p in store.list_posts() if p.id == claim.post_id).draft.text
    essay.write_text(essay.read_text().replace("two passes", "three passes"))
    changed = sync_folder(store, settings, now=NOW)
    assert changed.added == [] and len(changed.updated) == 1
    (update,) = changed.updated
    assert update["kept_threads"] == 1 and update["replaced_threads"] >= 1
    posts = store.get_article(article_id).posts
    assert any("three passes" in p.draft.text for p in posts)
    assert not any("two passes" in p.draft.text for p in posts)
    kept = next(p for p in posts if p.id == claim.post_id)
    assert kept.state == "published" and kept.draft.text == published_text


def test_changed_file_message_says_published_left_alone(sharebot: Sharebot, workdir: Path) -> None:
    sharebot("sync", str(workdir / "posts"))
    note = workdir / "posts/note.txt"
    note.write_text(note.read_text() + "\nA second paragraph arrives.\n")
    run = sharebot("sync", str(workdir / "posts"))
    assert run.code == 0, run.err
    assert "updated" in run.out and "re-planned" in run.out and "left alone" in run.out


def test_bad_file_reported_rest_imported(sharebot: Sharebot, workdir: Path) -> None:
    bad = workdir / "posts/broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\n\n# Broken\n\ntext\n")
    empty = workdir / "posts/empty.txt"
    empty.write_bytes(b"")
    run = sharebot("sync", str(workdir / "posts"), "--json")
    assert run.code == 1
    data = run.json()
    failed = {Path(f["path"]).name: f["reason"] for f in data["failed"]}
    assert set(failed) == {"broken.md", "empty.txt"}
    assert all(str(workdir / "posts") in reason for reason in failed.values())
    assert sorted(Path(a["path"]).name for a in data["added"]) == ["essay.md", "note.txt"]
    assert "broken.md" in run.err


def test_missing_folder(sharebot: Sharebot, workdir: Path) -> None:
    run = sharebot("sync", str(workdir / "nope"))
    assert run.code == 2 and "no such folder" in run.err


def test_sync_folder_raises_config_error_for_missing_folder(
    store: Store, settings: Settings
) -> None:
    with pytest.raises(ConfigError):
        sync_folder(store, settings, "/nonexistent/posts", now=NOW)


def test_daemon_sync_without_posts_folder_is_quiet(store: Store, workdir: Path) -> None:
    settings = Settings(posts_dir=str(workdir / "absent"))
    report = sync_folder(store, settings, now=NOW)
    assert report.ok and report.as_dict() == {"added": [], "updated": [], "unchanged": [],
                                              "failed": [], "warnings": []}  # fmt: skip


def test_sync_command_without_default_folder(sharebot: Sharebot, workdir: Path) -> None:
    config = workdir / "sharebot.toml"
    config.write_text(f'posts_dir = "{workdir / "absent"}"\n' + config.read_text())
    run = sharebot("sync")
    assert run.code == 2 and "absent" in run.err
