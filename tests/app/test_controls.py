"""Reader controls and languages as editors set them: command line > front-matter >
configuration, refused before anything is queued when wrong, shown by preview and
--dry-run, changeable with `queue edit` before publishing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app.langs import Languages, detect
from bot.article import Article, Paragraph, Section
from bot.compile.controls import Controls, apply
from bot.config import from_mapping
from bot.controls import parse_labels, parse_replies
from bot.errors import ConfigError
from bot.threads import PostDraft, ThreadDraft
from tests.app.test_guards import articles_in
from tests.queue.conftest import Run

Sharebot = Callable[..., Run]
SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "china-russia-partnership.txt"
ENGLISH = ("The harbour road runs along the water for eleven kilometres, past the old salt "
           "warehouses and the fishing cooperative, before it turns inland.")  # fmt: skip
GERMAN = ("Der Hafenweg führt elf Kilometer am Wasser entlang, vorbei an den alten "
          "Salzlagern und der Fischergenossenschaft, bevor er ins Land abbiegt.")  # fmt: skip


def article(lang: str | None = None) -> Article:
    blocks = (Paragraph(ENGLISH), Paragraph(ENGLISH))
    return Article(
        "Roads", None, lang, (), None, None, (Section("Roads", 1, ("Roads",), "", blocks),)
    )


def thread(*texts: str, platform: str = "bluesky") -> ThreadDraft:
    return ThreadDraft(platform, 0, tuple(PostDraft(t) for t in texts))


def test_grammar() -> None:
    assert parse_replies(["everyone"]) is None and parse_replies([]) is None
    assert parse_replies(["nobody"]) == ()
    assert parse_replies(["following", "following", "list:at://x"]) == ("following", "list:at://x")
    for bad in (
        ["nobody", "following"],
        ["friends"],
        ["mentioned"] * 1 + [f"list:at://{i}" for i in range(5)],
    ):
        with pytest.raises(ValueError):
            parse_replies(bad)
    assert parse_labels(["Nudity", "porn"]) == ("nudity", "porn")
    with pytest.raises(ValueError, match="unknown label 'spoiler'"):
        parse_labels(["spoiler"])


def test_precedence_and_scope() -> None:
    settings = from_mapping({"replies": "nobody", "quotes": False, "quotes_on": "root",
                             "labels": ["nudity"]})  # fmt: skip
    (bsky, reddit) = apply([thread("one", "two"), thread("r", platform="reddit")], article(),
                           settings, Controls())  # fmt: skip
    root, reply = bsky.posts
    assert (root.gate, reply.gate) == ((), None)
    assert (root.quotes, reply.quotes) == (False, True)  # quotes_on = "root"
    assert root.labels == reply.labels == ("nudity",)
    assert reddit.posts[0] == PostDraft("r")  # other platforms untouched
    (chosen,) = apply([thread("one")], article(), settings,
                      Controls(replies=("everyone",), quotes=True, labels=()))  # fmt: skip
    assert (chosen.posts[0].gate, chosen.posts[0].quotes, chosen.posts[0].labels) == (
        None, True, ())  # fmt: skip


def test_languages_detected_per_post_with_the_article_as_fallback() -> None:
    assert detect(ENGLISH)[0] == "en" and detect(GERMAN)[0] == "de"
    langs = Languages(article(), None)
    assert langs.of(PostDraft(ENGLISH)) == ("en",)
    assert langs.of(PostDraft(GERMAN)) == ("de",)
    assert langs.of(PostDraft("ok, 3/5")) == ("en",)  # too short: the article's guess
    assert Languages(article("fr"), None).of(PostDraft(GERMAN)) == ("fr",)  # the article says
    assert Languages(article(), "pt-BR").of(PostDraft(ENGLISH)) == ("pt-BR",)  # --lang
    with pytest.raises(ConfigError, match="not a language tag"):
        Languages(article(), "english!")


def test_bad_values_are_refused_before_anything_is_queued(sharebot: Sharebot, workdir: Path,
                                                          store_url: str) -> None:  # fmt: skip
    essay = workdir / "posts/essay.md"
    bad = sharebot("queue", "add", str(essay), "--to", "bluesky", "--replies", "friends")
    assert bad.code == 2 and "unknown reply rule 'friends'" in bad.err
    label = sharebot("queue", "add", str(essay), "--to", "bluesky", "--label", "spoiler")
    assert label.code == 2 and "unknown label" in label.err
    essay.write_text(essay.read_text().replace("tags: [travel]\n", "tags: [travel]\n"
                                                "replies: [nobody, following]\n"))  # fmt: skip
    front = sharebot("queue", "add", str(essay), "--to", "bluesky")
    assert front.code == 1 and f"{essay}" in front.err and "replies" in front.err
    assert articles_in(store_url) == 0


def test_dry_run_and_preview_show_the_controls(sharebot: Sharebot, workdir: Path) -> None:
    essay = workdir / "posts/essay.md"
    extra = "replies: nobody\nquotes: false\nlabels: [nudity]\n"
    essay.write_text(essay.read_text().replace("tags: [travel]\n", "tags: [travel]\n" + extra))
    dry = json.loads(sharebot("publish", str(essay), "--to", "bluesky", "--dry-run").out)
    root = dry[0]
    assert root["gates"]["app.bsky.feed.threadgate"]["allow"] == []
    assert "app.bsky.feed.postgate" in root["gates"]
    assert root["body"]["labels"]["values"] == [{"val": "nudity"}]
    assert root["body"]["langs"] == ["en"]  # detected: the essay does not say
    preview = json.loads(sharebot("preview", str(essay), "--json").out)
    first = preview["threads"]["bluesky"][0]["posts"][0]
    assert (first["replies"], first["quotes"], first["labels"]) == ("nobody", False, ["nudity"])


def test_queue_edit_changes_controls_before_publishing(sharebot: Sharebot, workdir: Path) -> None:
    assert sharebot("queue", "add", str(SEED), "--to", "bluesky").code == 0
    posts = sharebot("queue", "list", "--limit", "500", "--json").json()
    root = next(p for p in posts if p["seq"] == 0)
    reply = next(p for p in posts if p["seq"] == 1)
    done = sharebot("queue", "edit", str(root["id"]), "--replies", "following,mentioned",
                    "--no-quotes", "--label", "graphic-media")  # fmt: skip
    assert done.code == 0, done.err
    from bot.store import open_store

    store = open_store(f"sqlite:///{workdir}/sharebot.db")
    try:
        draft = store.get_post(root["id"]).draft
    finally:
        store.close()
    assert (draft.gate, draft.quotes, draft.labels) == (("following", "mentioned"), False,
                                                        ("graphic-media",))  # fmt: skip
    refused = sharebot("queue", "edit", str(reply["id"]), "--replies", "nobody")
    assert refused.code == 2 and "first post" in refused.err
