"""`sharebot links`: share links of the article and its sections, URLs of published posts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from bot.platforms.base import Ref
from bot.store import open_store
from tests.queue.conftest import Run

Sharebot = Callable[..., Run]


def test_links(sharebot: Sharebot, workdir: Path, store_url: str) -> None:
    sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky",
             "--at", "2099-01-05T10:00Z")  # fmt: skip
    before = sharebot("links", "a1", "--json").json()
    assert before["posts"] == []
    article = before["share_links"]["article"]
    assert article["url"] == "https://example.org/slow-roads"
    tracked = parse_qs(urlparse(article["bluesky"]).query)
    assert tracked["utm_source"] == ["bluesky"]
    assert "Slow Roads" in parse_qs(urlparse(article["bluesky_intent"]).query)["text"][0]
    assert len(before["share_links"]["sections"]) >= 2

    store = open_store(store_url)
    now = datetime(2099, 1, 5, 10, tzinfo=UTC)
    (claim,) = store.claim_due(now, limit=5, owner="t", lease=timedelta(minutes=1),
                               prepare=lambda *a: {})  # fmt: skip
    url = "https://bsky.app/profile/desk.test/post/3kabc"
    store.confirm(claim.post_id, "t", Ref("at://did:plc:x/app.bsky.feed.post/3kabc", "c", url),
                  now)  # fmt: skip
    store.close()
    after = sharebot("links", "a1", "--json").json()
    assert after["posts"] == [{"id": claim.post_id, "platform": "bluesky", "url": url}]
    table = sharebot("links", "1")
    assert (
        table.code == 0
        and "Bluesky: https://bsky.app/intent/compose?" in table.out
        and "3kabc" in table.out
    )


def test_links_unknown_article(sharebot: Sharebot) -> None:
    assert sharebot("links", "a404").code == 1
    assert sharebot("links", "four").code == 2


def test_links_respect_utm_off(sharebot: Sharebot, workdir: Path) -> None:
    sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky",
             "--at", "2099-01-05T10:00Z")  # fmt: skip
    data = sharebot("links", "a1", "--json", env={"SHAREBOT_UTM": "false"}).json()
    assert "utm_" not in data["share_links"]["article"]["bluesky"]
