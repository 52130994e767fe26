"""Every desk page and action through Starlette's TestClient on a real SQLite store."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from click.testing import CliRunner
from starlette.testclient import TestClient

from bot.app import App
from bot.cli import cli
from bot.store.claims import new_key
from tests.desk.conftest import PASSWORD, login, post, seed_text

BOTH = {"to_bluesky": "1", "to_reddit": "1"}


def queue_seed(client: TestClient, **extra: str) -> int:
    answer = post(client, "/add", {"text": seed_text(), **BOTH, **extra})
    assert answer.status_code == 303, answer.text
    return int(re.search(r"/articles/(\d+)", answer.headers["location"]).group(1))  # type: ignore[union-attr]


def test_preview_shows_every_section_per_platform(editor: TestClient) -> None:
    answer = post(editor, "/add/preview", {"text": seed_text(), **BOTH})
    assert answer.status_code == 200 and "16 sections" in answer.text
    assert answer.text.count('class="section"') == 32  # 16 on each platform
    assert "graphemes" in answer.text and "r/sharebot_test" in answer.text
    fragment = post(editor, "/add/preview", {"text": seed_text(), **BOTH},
                    headers={"HX-Request": "true"})  # fmt: skip
    assert "16 sections" in fragment.text and "<html" not in fragment.text


def test_upload_and_bad_input(editor: TestClient) -> None:
    files = {"file": ("note.md", b"# Title\n\n## Part\n\nSome #tag text https://example.org/x\n")}
    answer = post(editor, "/add/preview", {**BOTH}, files=files)
    assert answer.status_code == 200 and 'class="facet tag"' in answer.text
    assert 'class="facet link"' in answer.text
    empty = post(editor, "/add/preview", {**BOTH})
    assert empty.status_code == 400 and "paste the article" in empty.text
    odd = post(editor, "/add/preview", {**BOTH}, files={"file": ("x.pdf", b"%PDF")})
    assert odd.status_code == 400 and "x.pdf" in odd.text and "unknown format" in odd.text


def test_queue_then_the_duplicate_guard_asks_to_confirm(editor: TestClient, app: App) -> None:
    article_id = queue_seed(editor)
    page = editor.get(f"/articles/{article_id}?queued=1")
    assert page.status_code == 200 and "Queued." in page.text
    assert page.text.count('<section class="section">') == 16
    assert "Share on Bluesky" in page.text and 'class="copy"' in page.text
    again = post(editor, "/add", {"text": seed_text(), **BOTH})
    assert again.status_code == 409 and "already queued" in again.text
    assert 'name="again"' in again.text and seed_text()[:40] in again.text
    assert queue_seed(editor, again="1") != article_id
    assert all(p.state == "queued" for p in app.show(f"a{article_id}").posts)


def test_flood_guard_asks_for_force(editor: TestClient, app: App) -> None:
    from dataclasses import replace

    app.settings = replace(app.settings, max_posts_per_article=3)
    answer = post(editor, "/add", {"text": seed_text(), **BOTH})
    assert answer.status_code == 409 and 'name="force"' in answer.text
    assert queue_seed(editor, force="1") > 0


def test_upcoming_by_day_with_zone_filters_paging_and_history(editor: TestClient, app: App) -> None:
    article_id = queue_seed(editor)
    queue_seed(editor, again="1")  # 100 posts: two pages
    page = editor.get("/")
    assert page.status_code == 200 and "(CET)" in page.text and "Next page" in page.text
    assert "Tuesday 01 December 2026 (CET)" in page.text
    reddit = editor.get("/?platform=reddit")
    assert "<td>reddit</td>" in reddit.text and "<td>bluesky</td>" not in reddit.text
    second = editor.get("/?page=2")
    assert "Previous page" in second.text
    assert "<td>news</td>" in editor.get("/?account=news").text
    assert "no article 999" in editor.get("/?article=a999").text
    assert post(editor, f"/articles/{article_id}/cancel").status_code == 303
    history = editor.get("/?view=history")
    assert "cancelled" in history.text and 'aria-current="page">History' in history.text
    assert "No posts here." in editor.get(f"/?article=a{article_id}").text


def test_calendar_shows_threads_and_moves_one(editor: TestClient, app: App) -> None:
    queue_seed(editor)
    first = app.queue(platform="bluesky").posts[0]
    week = editor.get("/calendar?week=2026-12-01")
    assert week.status_code == 200 and f'id="thread-{first.thread_id}"' in week.text
    moved = post(editor, f"/threads/{first.thread_id}/move",
                 {"at": "2026-12-10T11:15", "week": "2026-12-01"})  # fmt: skip
    assert moved.status_code == 303 and "week=2026-12-10" in moved.headers["location"]
    assert app.post(first.id).due_at.isoformat() == "2026-12-10T10:15:00+00:00"
    assert f'id="thread-{first.thread_id}"' in editor.get("/calendar?week=2026-12-07").text
    past = post(editor, f"/threads/{first.thread_id}/move", {"at": "2026-11-01T09:00"})
    assert past.status_code == 400 and "in the past" in past.text


def test_fix_a_post_retry_cancel_undo_and_publish_now(editor: TestClient, app: App) -> None:
    queue_seed(editor)
    first = app.queue(platform="bluesky").posts[0]
    page = editor.get(f"/posts/{first.id}")
    assert page.status_code == 200 and 'data-limit="300"' in page.text
    over = post(editor, f"/posts/{first.id}/edit", {"text": "x " * 200})
    assert over.status_code == 422 and "graphemes, Bluesky allows 300" in over.text
    assert app.post(first.id).text == first.text
    fixed = post(editor, f"/posts/{first.id}/edit", {"text": "A shorter opening, see #China."})
    assert fixed.status_code == 303
    assert app.post(first.id).text == "A shorter opening, see #China."
    card = post(editor, f"/posts/{first.id}/edit", {"text": "A shorter opening, see #China.",
                "card": "https://example.org/a", "card_title": "A card"})  # fmt: skip
    assert card.status_code == 303 and "A card" in editor.get(f"/posts/{first.id}").text
    image = post(editor, f"/posts/{first.id}/edit",
                 {"text": "A shorter opening, see #China.", "alt1": "A map"},
                 files={"image1": ("map.png", b"\x89PNG\r\n\x1a\n")})  # fmt: skip
    assert image.status_code == 303 and "Image: A map" in editor.get(f"/posts/{first.id}").text
    assert post(editor, f"/posts/{first.id}/cancel").status_code == 303
    assert app.post(first.id).state == "cancelled"
    assert "Undo cancel" in editor.get(f"/posts/{first.id}").text
    assert post(editor, f"/posts/{first.id}/restore").status_code == 303
    assert app.post(first.id).state == "queued"
    assert post(editor, f"/posts/{first.id}/publish-now").status_code == 303
    assert app.post(first.id).due_at == app.clock()
    nothing = post(editor, f"/posts/{first.id}/retry")
    assert nothing.status_code == 400 and "nothing to retry" in nothing.text


def test_a_contributors_article_waits_until_an_editor_approves(client: TestClient,
                                                                app: App) -> None:  # fmt: skip
    login(client, "cora")
    article_id = queue_seed(client)
    states = {p.state for p in app.show(f"a{article_id}").posts}
    assert states == {"awaiting_approval"}
    claims = app.store.claim_due(app.clock().replace(year=2030), limit=50, owner="d",
                                 lease=app.settings.lease,
                                 prepare=lambda *a: {"key": new_key()})  # fmt: skip
    assert claims == []  # never claimed while it waits
    page = client.get(f"/articles/{article_id}")
    assert "await approval" in page.text and ">Approve<" not in page.text
    own = app.show(f"a{article_id}").posts[0]
    assert post(client, f"/posts/{own.id}/edit", {"text": "Mine to fix."}).status_code == 303
    assert post(client, f"/articles/{article_id}/approve").status_code == 403
    assert "awaiting_approval" in client.get("/?state=awaiting_approval").text
    client.cookies.clear()
    login(client, "ed")
    assert ">Approve<" in client.get(f"/articles/{article_id}").text
    assert post(client, f"/articles/{article_id}/approve").status_code == 303
    assert {p.state for p in app.show(f"a{article_id}").posts} == {"queued"}


def test_status_page(editor: TestClient, app: App) -> None:
    queue_seed(editor)
    post_id = app.queue().posts[0].id
    with app.store.write() as conn:
        from sqlalchemy import update

        from bot.store.schema import posts

        conn.execute(update(posts).where(posts.c.id == post_id)
                     .values(state="needs_review", last_error="rejected: too long"))  # fmt: skip
    app.store.heartbeat("daemon-1", app.clock())
    page = editor.get("/status")
    assert page.status_code == 200 and "needs_review" in page.text
    assert "rejected: too long" in page.text and "daemon-1" in page.text
    assert "pw" not in re.sub(r"<[^>]+>", "", page.text).split()


class _Fields(HTMLParser):
    """Form fields without a label[for] (hidden inputs and buttons need none)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str | None] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"] or "")
        if tag in ("select", "textarea") or (tag == "input" and a.get("type") != "hidden"):
            self.ids.append(a.get("id"))


def test_every_form_field_has_a_label(editor: TestClient, app: App) -> None:
    queue_seed(editor)
    first = app.queue().posts[0]
    for path in ("/", "/calendar?week=2026-12-01", "/add", f"/posts/{first.id}", "/status",
                 f"/articles/{first.article_id}"):  # fmt: skip
        parser = _Fields()
        parser.feed(editor.get(path).text)
        unlabelled = [i for i in parser.ids if i is None or i not in parser.labelled]
        assert unlabelled == [], (path, unlabelled)
    parser = _Fields()
    editor.cookies.clear()
    parser.feed(editor.get("/login").text)
    assert parser.ids and all(i in parser.labelled for i in parser.ids)


def test_cli_desk_user_add_and_queue_approve(app: App, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = app.settings.store_url
    runner = CliRunner()
    helped = runner.invoke(cli, ["desk", "--help"])
    assert "127.0.0.1" in helped.output and "8470" in helped.output and "Example" in helped.output
    made = runner.invoke(cli, ["--store", url, "desk", "user", "add", "zoe", "--role",
                               "contributor"], input=PASSWORD + "\n")  # fmt: skip
    assert made.exit_code == 0 and "zoe (contributor)" in made.output
    assert PASSWORD not in made.output
    short = runner.invoke(cli, ["--store", url, "desk", "user", "add", "x", "--role", "editor"],
                          input="short\n")  # fmt: skip
    assert short.exit_code != 0
    listed = runner.invoke(cli, ["--store", url, "desk", "user", "list"])
    assert "zoe\tcontributor" in listed.output
    from bot.app import Choices

    held = app.add_text(seed_text(), "seed.txt", Choices(hold=True))
    done = runner.invoke(cli, ["--store", url, "queue", "approve", f"a{held.article_id}"])
    assert done.exit_code == 0 and "approved" in done.output
    assert {p.state for p in app.show(f"a{held.article_id}").posts} == {"queued"}
    twice = runner.invoke(cli, ["--store", url, "queue", "approve", f"a{held.article_id}"])
    assert "nothing to approve" in str(twice.exception)
