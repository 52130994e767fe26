"""`queue edit` replaces images and link cards; `publish` follows front-matter choices."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.queue.conftest import Run

Sharebot = Callable[..., Run]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def _first_post(sharebot: Sharebot) -> dict:
    return sharebot("queue", "list", "--json").json()[0]


def test_edit_replaces_images_with_alt_then_a_link_card(sharebot: Sharebot,
                                                        workdir: Path) -> None:  # fmt: skip
    assert sharebot("queue", "add", str(workdir / "posts/essay.md"), "--to", "bluesky").code == 0
    post = _first_post(sharebot)["id"]
    (workdir / "red.png").write_bytes(PNG)
    edited = sharebot("queue", "edit", str(post), "--image", str(workdir / "red.png"),
                      "--alt", "A red dot", "--json")  # fmt: skip
    assert edited.code == 0, edited.err
    shown = sharebot("queue", "show", f"p{post}", "--json").json()
    assert shown["article"] == 1
    from bot.store import open_store

    store = open_store(f"sqlite:///{workdir}/sharebot.db")
    try:
        embed = store.get_post(post).draft.embed
        assert embed is not None and embed.images[0].src == str(workdir / "red.png")  # type: ignore[union-attr]
        assert embed.images[0].alt == "A red dot"  # type: ignore[union-attr]
        card = sharebot("queue", "edit", str(post), "--card", "https://example.org/other",
                        "--card-title", "Other")  # fmt: skip
        assert card.code == 0, card.err
        embed = store.get_post(post).draft.embed
        assert embed.uri == "https://example.org/other" and embed.title == "Other"  # type: ignore[union-attr]
    finally:
        store.close()
    missing = sharebot("queue", "edit", str(post), "--image", str(workdir / "absent.png"))
    assert missing.code == 2 and "absent.png: no such image file" in missing.err
    both = sharebot("queue", "edit", str(post), "--image", str(workdir / "red.png"),
                    "--card", "https://example.org")  # fmt: skip
    assert both.code == 2 and "not both" in both.err


def test_publish_follows_front_matter_platforms_and_flair(sharebot: Sharebot,
                                                          workdir: Path) -> None:  # fmt: skip
    essay = workdir / "posts/essay.md"
    essay.write_text(essay.read_text().replace(
        "tags: [travel]\n", "tags: [travel]\nplatforms: [reddit]\nsubreddit: r/roads\n"
        "flair: Analysis\n"))  # fmt: skip
    run = sharebot("publish", str(essay), "--dry-run")
    assert run.code == 0, run.err
    bodies = json.loads(run.out)
    assert {b["platform"] for b in bodies} == {"reddit"}
    assert bodies[0]["body"]["sr"] == "roads" and bodies[0]["body"]["flair_text"] == "Analysis"
