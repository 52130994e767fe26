"""The desk in real headless Chromium, the way an editor uses it."""

from __future__ import annotations

import queue
import re
import signal
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD, Sandbox

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "china-russia-partnership.txt"
XSS = """<script>alert('owned')</script> Trap

Section one

Click [me](javascript:alert(1)) or <img src=x onerror=alert(2)> now.
"""


def login(page: Page, sandbox: Sandbox, name: str) -> None:
    page.goto(f"{sandbox.url}/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Upcoming")).to_be_visible()


def watch_dialogs(page: Page) -> list[str]:
    """Every alert/confirm/prompt the page opens (none may open)."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


def wait_published(proc, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Read the daemon's log until ``count`` posts were published (bounded)."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    published: list[str] = []
    seen: list[str] = []
    while len(published) < count:
        line = lines.get(timeout=90)
        assert line is not None, f"the daemon exited: {seen}"
        seen.append(line)
        if " published: " in line:
            published.append(line)
    return published


def test_an_editor_queues_moves_fixes_and_publishes(
    page: Page, sandbox: Sandbox, artefacts: Path
) -> None:
    dialogs = watch_dialogs(page)
    assert sandbox.sharebot("desk", "user", "add", "ed", "--role", "editor",
                            stdin=PASSWORD + "\n").returncode == 0  # fmt: skip
    login(page, sandbox, "ed")
    tz = ZoneInfo("Europe/Berlin")
    start = (datetime.now(tz) + timedelta(days=7)).replace(hour=9, minute=0)

    page.get_by_role("link", name="Add an article").first.click()
    page.get_by_label("Article text (paste it here)").fill(SEED.read_text(encoding="utf-8"))
    page.get_by_label("First thread at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#section-count")).to_have_text("16 sections")
    expect(page.locator('[aria-label="bluesky preview"] .section')).to_have_count(16)
    expect(page.locator('[aria-label="reddit preview"] .section')).to_have_count(16)
    page.locator("#preview h2").scroll_into_view_if_needed()
    page.screenshot(path=str(artefacts / "add-preview.png"))
    page.get_by_role("button", name="Queue").click()
    expect(page.get_by_text("Queued.")).to_be_visible()
    article_id = int(re.search(r"/articles/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    page.screenshot(path=str(artefacts / "article.png"))

    threads = [p for p in sandbox.app.show(f"a{article_id}").posts if p.seq == 0]
    moved = next(p for p in threads if p.platform == "bluesky" and p.due_at > threads[0].due_at)
    page.goto(f"{sandbox.url}/calendar?week={start.date().isoformat()}")
    slot = page.locator(f"#thread-{moved.thread_id}")
    expect(slot).to_be_visible()
    page.screenshot(path=str(artefacts / "calendar.png"))
    target = (moved.due_at.astimezone(tz) + timedelta(days=1)).replace(hour=11, minute=30)
    slot.get_by_label(f"Move thread t{moved.thread_id} to").fill(target.strftime("%Y-%m-%dT%H:%M"))
    slot.get_by_role("button", name="Move").click()
    day = page.locator(f'[data-day="{target.date().isoformat()}"]')
    expect(day.locator(f"#thread-{moved.thread_id}")).to_contain_text("11:30")

    first = next(p for p in threads if p.platform == "bluesky")
    reddit = next(p for p in threads if p.platform == "reddit")
    page.goto(f"{sandbox.url}/posts/{first.id}")
    text = page.get_by_label("Text", exact=True)
    text.fill("This opening is far too long. " * 15)
    expect(page.locator("#counter")).to_contain_text("over the limit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("graphemes, Bluesky allows 300")
    assert sandbox.app.post(first.id).text == first.text  # stopped: nothing saved
    page.get_by_label("Text", exact=True).fill("China and Russia: a partnership, in 16 parts.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Done: saved.")).to_be_visible()
    page.screenshot(path=str(artefacts / "fix-post.png"))
    page.get_by_role("button", name="Publish now").click()
    page.goto(f"{sandbox.url}/posts/{reddit.id}")
    page.get_by_role("button", name="Publish now").click()

    daemon = sandbox.daemon()
    try:
        urls = wait_published(daemon, 2)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    assert len(urls) == 2

    page.goto(f"{sandbox.url}/articles/{article_id}")
    links = page.locator("a.posturl")
    expect(links).to_have_count(2)
    hrefs = {links.nth(i).get_attribute("href") or "" for i in range(2)}
    assert any("/post/" in h for h in hrefs) and any("/comments/" in h for h in hrefs)
    expect(page.get_by_text("China and Russia: a partnership, in 16 parts.")).to_be_visible()
    button = page.get_by_role("button", name="Copy the Bluesky share link to the article")
    button.click()
    expect(page.locator(".copied")).to_contain_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == button.get_attribute("data-copy") and copied.startswith("https://bsky.app/")
    page.goto(f"{sandbox.url}/")
    page.screenshot(path=str(artefacts / "upcoming.png"))
    page.goto(f"{sandbox.url}/status")
    expect(page.get_by_text("sandbox").first).to_be_visible()
    page.screenshot(path=str(artefacts / "status.png"))
    assert dialogs == []


def test_a_script_in_an_article_never_runs(page: Page, sandbox: Sandbox) -> None:
    dialogs = watch_dialogs(page)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    sandbox.app.add_user("ed2", "editor", PASSWORD)
    login(page, sandbox, "ed2")
    page.goto(f"{sandbox.url}/add")
    page.get_by_label("Article text (paste it here)").fill(XSS)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#section-count")).to_be_visible()
    page.get_by_role("button", name="Queue").click()
    expect(page.get_by_text("Queued.")).to_be_visible()
    expect(page.get_by_text("<script>alert('owned')</script> Trap").first).to_be_visible()
    page.get_by_role("link", name="Post", exact=False).first.click()
    page.goto(f"{sandbox.url}/")
    assert dialogs == [] and page.evaluate("typeof window.owned") == "undefined"
    assert console == []  # htmx and the desk's script run under the CSP without complaint


def test_a_contributors_article_waits_for_approval(browser: Browser, sandbox: Sandbox) -> None:
    sandbox.app.add_user("cora", "contributor", PASSWORD)
    sandbox.app.add_user("ed3", "editor", PASSWORD)
    contributor = browser.new_page()
    login(contributor, sandbox, "cora")
    contributor.goto(f"{sandbox.url}/add")
    expect(contributor.get_by_text("wait for an editor's approval")).to_be_visible()
    contributor.get_by_label("Article text (paste it here)").fill(
        "A contributor's note\n\nOnly part\n\nA paragraph that waits for an editor.\n"
    )
    contributor.get_by_role("checkbox", name="reddit").uncheck()
    contributor.get_by_role("button", name="Queue").click()
    expect(contributor.get_by_text("It waits for an editor's approval.")).to_be_visible()
    expect(contributor.get_by_role("button", name="Approve")).to_have_count(0)
    article = contributor.url.split("?")[0]
    article_id = int(article.rsplit("/", 1)[1])
    assert {p.state for p in sandbox.app.show(f"a{article_id}").posts} == {"awaiting_approval"}
    contributor.close()

    editor = browser.new_page()
    login(editor, sandbox, "ed3")
    editor.goto(f"{sandbox.url}/?state=awaiting_approval")
    expect(editor.get_by_role("link", name=f"a{article_id}").first).to_be_visible()
    editor.goto(article)
    editor.get_by_role("button", name="Approve").click()
    expect(editor.get_by_text("Done: approved 1.")).to_be_visible()
    assert {p.state for p in sandbox.app.show(f"a{article_id}").posts} == {"queued"}
    editor.close()


def test_the_queue_page_works_with_the_keyboard_alone(page: Page, sandbox: Sandbox) -> None:
    sandbox.app.add_user("kim", "editor", PASSWORD)
    page.goto(f"{sandbox.url}/login")
    page.keyboard.press("Tab")  # the skip link, then the name field (autofocus may hold it)
    page.get_by_label("User name").focus()
    page.keyboard.type("kim")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Upcoming")).to_be_visible()

    def tab_to(selector: str) -> None:
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    tab_to("#f-platform")
    page.keyboard.press("ArrowDown")  # "bluesky"
    tab_to("button[type=submit]:not(header button)")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"platform=bluesky"))
    tab_to("a[href^='/posts/']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/posts/\d+$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Post \d+"))).to_be_visible()


def test_dragging_a_thread_to_another_day_moves_it(page: Page, sandbox: Sandbox) -> None:
    from bot.app import Choices

    tz = ZoneInfo("Europe/Berlin")
    monday = (datetime.now(tz) + timedelta(days=14)).date()
    monday -= timedelta(days=monday.weekday())
    at = datetime.combine(monday, datetime.min.time(), tz).replace(hour=13, minute=0)
    queued = sandbox.app.add_text("Drag me\n\nOnly part\n\nA paragraph to move around.\n",
                                  "drag.txt", Choices(at=at, platforms=("bluesky",)))  # fmt: skip
    (post,) = sandbox.app.show(f"a{queued.article_id}").posts
    sandbox.app.add_user("dee", "editor", PASSWORD)
    login(page, sandbox, "dee")
    page.goto(f"{sandbox.url}/calendar?week={monday.isoformat()}")
    wednesday = page.locator(f'[data-day="{(monday + timedelta(days=2)).isoformat()}"]')
    page.locator(f"#thread-{post.thread_id}").drag_to(wednesday)
    expect(wednesday.locator(f"#thread-{post.thread_id}")).to_contain_text("13:00")
    moved = sandbox.app.post(post.id).due_at.astimezone(tz)
    assert (moved.date(), moved.hour) == (monday + timedelta(days=2), 13)


def test_an_articles_page_shows_each_sections_stats_as_bars(page: Page, sandbox: Sandbox) -> None:
    from bot.app import Choices
    from bot.platforms.base import Engagement

    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    text = "Stats chart\n\nFirst part\n\nOne thing said.\n\nSecond part\n\nAnother thing said.\n"
    aid = sandbox.app.add_text(text, "stats.txt", Choices(platforms=("bluesky",))).article_id
    first, second = (s.threads[0].posts[0].id for s in sandbox.app.outline(aid).sections[:2])
    now = sandbox.app.clock()
    sandbox.app.store.record_stats({first: Engagement(likes=4, reposts=1, replies=0, quotes=0)},
                                   [], now)  # fmt: skip
    sandbox.app.store.record_stats({first: Engagement(likes=10, reposts=1, replies=0, quotes=0),
                                    second: Engagement(likes=20, reposts=0, replies=2, quotes=0)},
                                   [], now + timedelta(hours=1))  # fmt: skip
    sandbox.app.add_user("ed3", "editor", PASSWORD)
    login(page, sandbox, "ed3")
    page.goto(f"{sandbox.url}/articles/{aid}")
    tables = page.get_by_role("table", name=re.compile("Bluesky engagement"))
    expect(tables).to_have_count(2)
    row = tables.nth(0).get_by_role("row", name=re.compile("likes"))
    expect(row).to_contain_text("10")
    expect(row).to_contain_text("+6")

    def drawn(table: int) -> float:
        bar = tables.nth(table).locator("tr[data-count=likes] svg rect")
        boxes = [bar.nth(i).bounding_box() for i in range(2)]
        return sum(b["width"] for b in boxes if b)

    assert drawn(0) > 0 and abs(drawn(1) / drawn(0) - 2) < 0.05  # 20 likes vs 10
    assert console == []  # drawn under the CSP (no inline style)
