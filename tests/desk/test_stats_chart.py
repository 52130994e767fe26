"""The article page's engagement charts: each section's latest counts and growth per
platform, as numbers in a table and as bars sized on one scale per platform."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

from starlette.testclient import TestClient

from bot.app import App
from bot.desk.charts import WIDTH
from bot.platforms.base import Engagement
from tests.desk.test_pages import queue_seed

HOUR = timedelta(hours=1)


def thread_posts(app: App, article_id: int, section: int, platform: str) -> list[int]:
    (found,) = [s for s in app.outline(article_id).sections if s.index == section]
    return [p.id for t in found.threads if t.platform == platform for p in t.posts]


class _Charts(HTMLParser):
    """Per table caption: each row's name, latest, growth and its two bar widths."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._in: str | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "stats" in (a.get("class") or ""):
            self.tables.append(("", []))
        elif tag == "caption" and self.tables:
            self._in = "caption"
        elif tag == "tr" and a.get("data-count") and self.tables:
            self._row = [a["data-count"] or ""]
            self.tables[-1][1].append(self._row)
        elif tag == "td" and self._row is not None:
            self._in = "td"
        elif tag == "rect" and self._row is not None:
            self._row.append(a.get("width") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("caption", "td"):
            self._in = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in == "caption":
            caption, rows = self.tables[-1]
            self.tables[-1] = (caption + data, rows)
        elif self._in == "td" and self._row is not None and data.strip():
            self._row.append(data.strip())


def charts_of(html: str) -> dict[str, dict[str, list[str]]]:
    parser = _Charts()
    parser.feed(html)
    return {caption: {row[0]: row[1:] for row in rows} for caption, rows in parser.tables}


def test_each_section_shows_its_stats_as_bars(editor: TestClient, app: App) -> None:
    aid = queue_seed(editor)
    a, b = thread_posts(app, aid, 0, "bluesky")[:2]
    (c,) = thread_posts(app, aid, 1, "bluesky")[:1]
    r = thread_posts(app, aid, 0, "reddit")[0]
    now = app.clock()
    app.store.record_stats({a: Engagement(likes=2, reposts=0, replies=0, quotes=0),
                            r: Engagement(score=3, comments=1, upvote_ratio=0.9)},
                           [], now + HOUR)  # fmt: skip
    app.store.record_stats(
        {
            a: Engagement(likes=6, reposts=1, replies=0, quotes=0),
            b: Engagement(likes=4, reposts=0, replies=2, quotes=0),
            c: Engagement(likes=20, reposts=0, replies=0, quotes=1),
            r: Engagement(score=5, comments=4, upvote_ratio=0.95),
        },
        [],
        now + 6 * HOUR,
    )
    page = editor.get(f"/articles/{aid}")
    assert page.status_code == 200
    tables = charts_of(page.text)
    assert len(tables) == 3, list(tables)

    def table(platform: str, posts: int) -> dict[str, list[str]]:
        caption = f"{platform} engagement · {posts} post"
        return next(t for c, t in tables.items() if c.startswith(caption))

    first, reddit, second = table("Bluesky", 2), table("Reddit", 1), table("Bluesky", 1)
    # name -> [latest, growth, bar before the growth, bar gained] (pixels); Bluesky's scale:
    # its largest count (20 likes) is WIDTH
    assert first["likes"][:2] == ["10", "+8"]  # 6 + 4, grown from 2
    assert first["likes"][2:] == [str(WIDTH * 2 // 20), str(WIDTH * 8 // 20)]
    assert first["replies"] == ["2", "+2", "0", str(WIDTH * 2 // 20)]  # new since
    assert first["reposts"][:2] == ["1", "+1"] and first["quotes"] == ["0", "0", "0", "0"]
    assert second["likes"] == ["20", "+20", "0", str(WIDTH)]  # the first snapshot: all new
    assert reddit["score"] == ["5", "+2", str(WIDTH * 3 // 5), str(WIDTH * 2 // 5)]
    assert reddit["comments"] == ["4", "+3", str(WIDTH * 1 // 5), str(WIDTH * 3 // 5)]
    assert "likes" not in reddit and "score" not in first
    # each chart sits in its own section, after the section's heading
    sections = re.split(r'<section class="section">', page.text)
    assert "Bluesky engagement · 2 posts" in sections[1]
    assert "Reddit engagement · 1 post " in sections[1]
    assert "Bluesky engagement · 1 post " in sections[2]
    assert 'aria-hidden="true"' in sections[1]  # the numbers are the text, the bars decoration


def test_no_stats_no_chart(editor: TestClient, app: App) -> None:
    aid = queue_seed(editor)
    page = editor.get(f"/articles/{aid}")
    assert page.status_code == 200 and 'class="stats' not in page.text
