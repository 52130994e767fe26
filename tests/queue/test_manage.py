"""list, show, reschedule, cancel, retry, edit: happy paths and errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.base import Ref
from bot.store import Store, open_store
from tests.queue.conftest import Run

Sharebot = Callable[..., Run]


@pytest.fixture
def queued(sharebot: Sharebot, workdir: Path) -> dict[str, Any]:
    """The essay queued on Bluesky at a fixed future time (article 1)."""
    run = sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky",
                   "--at", "2099-01-05T10:00Z", "--every", "1h", "--json")  # fmt: skip
    assert run.code == 0, run.err
    data: dict[str, Any] = run.json()
    return data


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


def claim_all(store: Store, now: datetime) -> list[Any]:
    return store.claim_due(now, limit=50, owner="test", lease=timedelta(minutes=5),
                           prepare=lambda *a: {})  # fmt: skip


def test_list_filters_and_json(sharebot: Sharebot, queued: dict[str, Any]) -> None:
    everything = sharebot("queue", "list", "--json").json()
    assert everything and {p["state"] for p in everything} == {"queued"}
    assert sharebot("queue", "list", "--status", "failed", "--json").json() == []
    assert len(sharebot("queue", "list", "--limit", "1", "--json").json()) == 1
    assert len(sharebot("queue", "list", "--article", "a1", "--json").json()) == len(everything)
    table = sharebot("queue", "list").out
    assert "queued" in table and "bluesky" in table
    unknown = sharebot("queue", "list", "--article", "a99")
    assert unknown.code == 1 and "no article 99" in unknown.err
    bad = sharebot("queue", "list", "--status", "lost")
    assert bad.code == 2


def test_show(sharebot: Sharebot, queued: dict[str, Any]) -> None:
    data = sharebot("queue", "show", "a1", "--json").json()
    assert data["title"] == "Slow Roads"
    first = data["posts"][0]
    assert first["due_at"].startswith("2099-01-05T10:00") and first["attempts"] == 0
    assert "Slow Roads" in sharebot("queue", "show", "1").out
    by_post = sharebot("queue", "show", f"p{first['id']}", "--json").json()
    assert by_post["article"] == 1
    assert sharebot("queue", "show", "p999").code == 1
    assert sharebot("queue", "show", "a42").code == 1
    assert sharebot("queue", "show", "xyz").code == 2


def test_reschedule(sharebot: Sharebot, queued: dict[str, Any]) -> None:
    run = sharebot("queue", "reschedule", "a1", "--at", "2099-02-01T08:00Z", "--json")
    assert run.code == 0, run.err
    assert run.json()["rescheduled"] > 0
    dues = sorted(p["due_at"] for p in sharebot("queue", "list", "--json").json())
    assert dues[0].startswith("2099-02-01T08:00")
    assert any(d.startswith("2099-02-01T09:00") for d in dues)  # 1h spacing kept
    past = sharebot("queue", "reschedule", "a1", "--at", "2001-01-01T00:00Z")
    assert past.code == 2 and "in the past" in past.err
    assert sharebot("queue", "reschedule", "a7", "--at", "+1h").code == 1


def test_cancel(sharebot: Sharebot, queued: dict[str, Any]) -> None:
    posts = sharebot("queue", "list", "--json").json()
    one = sharebot("queue", "cancel", f"p{posts[0]['id']}")
    assert one.code == 0 and "1 post(s) cancelled" in one.out
    rest = sharebot("queue", "cancel", "a1", "--json")
    assert rest.json()["cancelled"] == len(posts) - 1
    again = sharebot("queue", "cancel", "a1")
    assert again.code == 1  # nothing left to cancel
    assert sharebot("queue", "cancel", "a5").code == 1


def test_retry_failed_post(sharebot: Sharebot, queued: dict[str, Any], store: Store) -> None:
    later = datetime(2099, 1, 5, 10, 0, tzinfo=UTC)
    (claim,) = claim_all(store, later)
    store.fail(claim.post_id, "test", error="rejected: too spicy", retry_at=None, now=later,
               review=True)  # fmt: skip
    shown = sharebot("queue", "list", "--status", "needs_review", "--json").json()
    assert [p["error"] for p in shown] == ["rejected: too spicy"]
    run = sharebot("queue", "retry", f"t{claim.thread_id}", "--json")
    assert run.code == 0 and run.json()["requeued"] == 1
    assert sharebot("queue", "list", "--status", "needs_review", "--json").json() == []
    assert sharebot("queue", "retry", "a1").code == 1  # nothing failed now


def test_edit(sharebot: Sharebot, queued: dict[str, Any], store: Store) -> None:
    posts = sharebot("queue", "list", "--json").json()
    target = posts[1]["id"]
    run = sharebot("queue", "edit", str(target), "--text", "New words, see https://example.org/x")
    assert run.code == 0, run.err
    view = next(p for p in store.list_posts() if p.id == target)
    assert view.draft.text == "New words, see https://example.org/x"
    (facet,) = view.draft.facets
    assert (facet.kind, facet.value) == ("link", "https://example.org/x")
    assert view.draft.text.encode()[facet.byte_start : facet.byte_end] == b"https://example.org/x"
    too_long = sharebot("queue", "edit", str(target), "--text", "é" * 301)
    assert too_long.code == 2 and "301 graphemes" in too_long.err
    assert sharebot("queue", "edit", "99999", "--text", "x").code == 1
    assert sharebot("queue", "edit", "p-1", "--text", "x").code == 2


def test_edit_refused_once_published(
    sharebot: Sharebot, queued: dict[str, Any], store: Store
) -> None:
    later = datetime(2099, 1, 5, 10, 0, tzinfo=UTC)
    (claim,) = claim_all(store, later)
    ref = Ref("at://did:plc:x/app.bsky.feed.post/3k", "cid", "https://bsky.app/x")
    store.confirm(claim.post_id, "test", ref, later)
    run = sharebot("queue", "edit", str(claim.post_id), "--text", "changed")
    assert run.code == 1 and "published" in run.err
    text = next(p for p in store.list_posts() if p.id == claim.post_id).draft.text
    assert text != "changed"


def test_edit_reddit_limit(sharebot: Sharebot, workdir: Path) -> None:
    sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "reddit",
             "--subreddit", "travel", "--at", "2099-01-05T10:00Z")  # fmt: skip
    comment = next(p for p in sharebot("queue", "list", "--json").json() if p["seq"] == 0
                   and p["title"] is None)  # fmt: skip
    ok = sharebot("queue", "edit", str(comment["id"]), "--text", "**Bold** text " * 500)
    assert ok.code == 0, ok.err
    long = sharebot("queue", "edit", str(comment["id"]), "--text", "x" * 10_001)
    assert long.code == 2 and "Reddit allows" in long.err


def test_every_command_has_help_with_an_example(sharebot: Sharebot) -> None:
    commands = [("queue",), ("sync",), ("links",)]
    commands += [("queue", c) for c in ("add", "list", "show", "reschedule", "cancel", "retry",
                                        "edit")]  # fmt: skip
    for args in commands:
        run = sharebot(*args, "--help")
        assert run.code == 0 and "Example:" in run.out and "sharebot" in run.out, args
