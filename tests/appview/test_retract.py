"""`retract` against the real network (the thread disappears from getPostThread) and the Reddit
stand-in (real PRAW): last reply first, recorded, idempotent after an interruption, a post
already gone counts as retracted; the command lists what it deletes and asks first."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from bot.app import App
from bot.app.editing import NothingToDo
from bot.app.publishing import platform_factory
from bot.cli import cli
from bot.platforms.base import Platform, Ref
from bot.sandbox.reddit import standin as standin_mod
from tests.appview.conftest import publish, thread_chain


class Interrupted(BaseException):
    """Stands for the process dying between two deletions."""


def stopping_after(app: App, deletions: int) -> Any:
    """A factory of the real adapters whose delete dies after ``deletions`` deletions."""
    real = platform_factory(app.settings, app.store, timeout=8.0)
    done: list[str] = []

    class Dying:
        def __init__(self, adapter: Platform) -> None:
            self.adapter = adapter

        def delete(self, ref: Ref) -> None:
            if len(done) == deletions:
                raise Interrupted
            self.adapter.delete(ref)  # type: ignore[attr-defined]
            done.append(ref.uri)

        def close(self) -> None:
            self.adapter.close()

    return lambda platform, account: Dying(real(platform, account))


def test_bluesky_thread_disappears_last_reply_first(app, source, network, author):
    aid = publish(app, source, "bluesky").article_id
    network.process_all()
    posts = sorted(app.store.retraction_targets(f"a{aid}"), key=lambda p: p.published_at)
    roots = [p for p in posts if p.parent_post_id is None]
    assert len(roots) == 2
    assert [p["uri"] for p in thread_chain(network, roots[0].uri)] == [
        p.uri for p in posts if p.thread_id == roots[0].thread_id
    ]
    _delete_directly(network, author, posts[-1].uri)  # already gone before retract runs

    with pytest.raises(Interrupted):
        app.retract(f"a{aid}", factory=stopping_after(app, 2))
    assert app.store.post_states(f"a{aid}") == {"retracted": 2, "published": len(posts) - 2}
    done = app.retract(f"a{aid}")
    assert done.failed is None and len(done.deleted) == len(posts) - 2

    retracted = sorted((app.store.get_post(p.id) for p in posts), key=lambda p: p.retracted_at)
    assert [p.id for p in retracted] == [p.id for p in reversed(posts)]  # last reply first
    assert {p.state for p in retracted} == {"retracted"}
    network.process_all()
    for root in roots:
        with pytest.raises(RuntimeError, match="NotFound"):
            network.read("app.bsky.feed.getPostThread", {"uri": root.uri})
    listed = network.read("app.bsky.feed.getAuthorFeed", {"actor": author.did})
    assert listed["feed"] == []
    with pytest.raises(NothingToDo, match=r"nothing published to retract: .*retracted"):
        app.retraction(f"a{aid}")


def _delete_directly(network, author, uri: str) -> None:
    with httpx.Client(base_url=f"{network.url}/xrpc", timeout=30) as http:
        session = http.post(
            "com.atproto.server.createSession",
            json={"identifier": author.handle, "password": author.password},
        ).json()
        repo, collection, rkey = uri.removeprefix("at://").split("/")
        answer = http.post(
            "com.atproto.repo.deleteRecord",
            json={"repo": repo, "collection": collection, "rkey": rkey},
            headers={"authorization": f"Bearer {session['accessJwt']}"},
        )
        assert answer.status_code == 200, answer.text


def test_reddit_comments_then_submission_through_the_command(app, source, standin, tmp_path):
    aid = publish(app, source, "reddit").article_id
    posts = app.store.retraction_targets(f"a{aid}", "reddit")
    assert posts[-1].draft.kind == "submission"
    before = standin.counters["POST /api/del"]
    config = tmp_path / "sharebot.toml"
    config.write_text(
        f"""[[reddit]]
name = "sandbox"
client_id = "{standin_mod.CLIENT_ID}"
user_agent = "sharebot-tests/0.1"
username = "{standin_mod.USERNAME}"
client_secret_env = "T_REDDIT_SECRET"
password_env = "T_REDDIT_PASSWORD"
oauth_url = "{standin.url}"
reddit_url = "{standin.url}"
""",
        encoding="utf-8",
    )
    env = {"T_REDDIT_SECRET": standin_mod.CLIENT_SECRET, "T_REDDIT_PASSWORD": standin_mod.PASSWORD,
           "SHAREBOT_STORE": app.settings.store_url}  # fmt: skip
    argv = ["--config", str(config), "retract", f"a{aid}", "--platform", "reddit"]

    refused = CliRunner().invoke(cli, argv, env=env, input="n\n")
    assert refused.exit_code == 1 and standin.counters["POST /api/del"] == before
    assert all(f"p{p.id} reddit/sandbox" in refused.stderr for p in posts)  # listed first
    assert standin_mod.PASSWORD not in refused.output + refused.stderr

    done = CliRunner().invoke(cli, [*argv, "--json"], env=env, input="y\n")
    assert done.exit_code == 0, done.output
    assert standin.counters["POST /api/del"] == before + len(posts)
    assert [d["post"] for d in json.loads(done.stdout)["deleted"]] == [p.id for p in posts]
    for post in posts:
        assert standin.world.things[post.uri]["author"] == "[deleted]"
        assert app.store.get_post(post.id).state == "retracted"
    history = {p.id: p.state for p in app.queue(view="history", article=aid).posts}
    assert all(history[p.id] == "retracted" for p in posts)  # `queue list --history` shows them
