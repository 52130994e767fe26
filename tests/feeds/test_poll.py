"""Polling feeds into the queue, against a local site and a real store: the first poll
takes nothing (backfill 0), a new entry queues its article once (also across restarts and
with two daemons on PostgreSQL), 304s cost nothing, an updated entry re-plans, broken feeds
are reported and never stop the others."""

from __future__ import annotations

import threading
from datetime import timedelta

from bot.app import App
from bot.config import feed_config
from tests.feeds.conftest import make_app, page
from tests.servers.feeds import Site, rss

RSS = "application/rss+xml"


def follow(app: App, url: str, **options: object) -> None:
    app.follow(feed_config({"url": url, "platforms": ["bluesky"], **options}, source="test",
                           where="feed"))  # fmt: skip


def items(site: Site, *names: str) -> list[dict[str, str]]:
    return [{"title": n, "guid": f"guid-{n}", "link": site.url + f"/posts/{n}.html"} for n in names]


def publish(site: Site, *names: str, path: str = "/feed.xml") -> str:
    for name in names:
        site.put(f"/posts/{name}.html", page(f"Article {name}"))
    return site.put(path, rss("Site", items(site, *reversed(names))), RSS)


def articles(app: App) -> list[str]:
    return sorted(
        {app.show(f"a{p.article_id}").title for p in app.queue(view="all", limit=1000).posts}
    )


def test_first_poll_takes_nothing_then_each_new_entry_once(app: App, site: Site) -> None:
    url = publish(site, "one", "two")
    follow(app, url)
    (first,) = app.poll_feeds()
    assert first.status == "ok" and first.queued == [] and first.skipped == 2
    assert articles(app) == []
    (again,) = app.poll_feeds([url])
    assert again.status == "not modified" and site.not_modified == 1
    publish(site, "one", "two", "three")
    (third,) = app.poll_feeds([url])
    assert len(third.queued) == 1 and articles(app) == ["Article three"]
    (fourth,) = app.poll_feeds([url])
    assert fourth.queued == [] and articles(app) == ["Article three"]


def test_backfill_takes_the_newest_entries_in_order(app: App, site: Site) -> None:
    url = publish(site, "a", "b", "c")
    follow(app, url, backfill=2)
    (result,) = app.poll_feeds()
    assert len(result.queued) == 2 and result.skipped == 1
    assert articles(app) == ["Article b", "Article c"]
    assert result.queued[0] < result.queued[1]  # the older one queued first


def test_restart_does_not_queue_twice(tmp_path, site: Site) -> None:
    url = publish(site, "x")
    store_url = f"sqlite:///{tmp_path}/restart.db"
    first = make_app(store_url)
    follow(first, url)
    first.poll_feeds()
    publish(site, "x", "y")
    assert len(first.poll_feeds([url])[0].queued) == 1
    first.close()
    second = make_app(store_url)  # a restarted daemon
    site.put("/feed.xml", site.pages["/feed.xml"].body + b"\n")  # new ETag, same entries
    (result,) = second.poll_feeds([url])
    assert result.queued == [] and articles(second) == ["Article y"]
    second.close()


def test_two_daemons_on_postgresql_queue_a_new_entry_once(pg_server, site: Site) -> None:
    store_url = pg_server.new_database()
    url = publish(site, "p")
    setup = make_app(store_url)
    follow(setup, url)
    setup.poll_feeds()
    publish(site, "p", "q", "r")
    daemons = [make_app(store_url), make_app(store_url)]
    barrier = threading.Barrier(2)
    results: list[list[int]] = []

    def poll(app: App) -> None:
        barrier.wait()
        results.append([a for r in app.poll_feeds([url]) for a in r.queued])

    threads = [threading.Thread(target=poll, args=(d,)) for d in daemons]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a for r in results for a in r) == sorted(set(a for r in results for a in r))
    assert articles(setup) == ["Article q", "Article r"]
    for app in (setup, *daemons):
        app.close()


def test_an_updated_entry_replans_its_article_and_is_not_new(app: App, site: Site) -> None:
    url = publish(site, "u")
    follow(app, url)
    app.poll_feeds()
    publish(site, "u", "v")
    (added,) = app.poll_feeds([url])
    (article_id,) = added.queued
    site.put("/posts/v.html", page("Article v", sections=3))  # the article grew a section
    body = rss("Site", [{**items(site, "v")[0], "date": "Wed, 02 Dec 2026 08:00:00 GMT"},
                        items(site, "u")[0]])  # fmt: skip
    site.put("/feed.xml", body, RSS)
    (updated,) = app.poll_feeds([url])
    assert updated.queued == [] and updated.updated == [article_id]
    assert len({p.thread_id for p in app.show(f"a{article_id}").posts}) == 4


def test_broken_feeds_are_reported_back_off_and_do_not_stop_others(app: App,
                                                                  site: Site) -> None:  # fmt: skip
    good = publish(site, "g")
    site.put("/private.xml", b"", status=302, location="http://10.1.2.3/feed.xml")
    site.put("/huge.xml", b"<rss>" + b"x" * 5_100_000 + b"</rss>", RSS)
    site.put("/broken.xml", b"<rss><channel><item>", RSS)
    for path in ("/private.xml", "/huge.xml", "/broken.xml", "/missing.xml"):
        follow(app, site.url + path)
    follow(app, good, backfill=1)
    results = {r.url.removeprefix(site.url): r for r in app.poll_feeds()}
    assert results["/feed.xml"].status == "ok" and len(results["/feed.xml"].queued) == 1
    assert "refusing to fetch a private address (10.1.2.3)" in results["/private.xml"].error
    assert "larger than 5000000 bytes" in results["/huge.xml"].error
    assert "not a feed" in results["/broken.xml"].error
    assert "HTTP 404" in results["/missing.xml"].error
    state = {f.url.removeprefix(site.url): f for f in app.list_feeds()}
    assert state["/huge.xml"].failures == 1 and state["/huge.xml"].last_error
    backoff = state["/missing.xml"].next_poll_at - state["/missing.xml"].last_poll_at
    assert backoff == timedelta(minutes=15)
    app.poll_feeds([site.url + "/missing.xml"])
    state = {f.url.removeprefix(site.url): f for f in app.list_feeds()}
    assert state["/missing.xml"].failures == 2
    assert state["/missing.xml"].next_poll_at - state["/missing.xml"].last_poll_at == timedelta(
        minutes=30
    )
    status = app.status().as_dict()
    assert sum(1 for f in status["feeds"] if f["last_error"]) == 4


def test_an_entry_whose_page_404s_falls_back_to_the_feed_content(app: App, site: Site) -> None:
    url = site.put("/feed.xml", rss("Site", []), RSS)
    follow(app, url)
    app.poll_feeds()
    gone = {"title": "Gone", "guid": "gone", "link": site.url + "/posts/gone.html",
            "content": page("Carried in the feed")}  # fmt: skip
    bare = {"title": "Bare", "guid": "bare", "link": site.url + "/posts/bare.html"}
    site.put("/feed.xml", rss("Site", [bare, gone]), RSS)
    (result,) = app.poll_feeds([url])
    assert len(result.queued) == 1 and articles(app) == ["Carried in the feed"]
    assert len(result.errors) == 1 and "HTTP 404" in result.errors[0]
    assert "feed carries no content" in result.errors[0]


def test_a_slow_feed_hits_the_whole_download_deadline(tmp_path, site: Site) -> None:
    from dataclasses import replace

    app = make_app(f"sqlite:///{tmp_path}/slow.db")
    app.settings = replace(app.settings, fetch_deadline=timedelta(seconds=1))
    body = rss("Slow", items(site, *[f"s{i}" for i in range(20)]))
    url = site.put("/slow.xml", body, RSS, slow=0.2)  # 64 bytes every 0.2 s, never stalls
    follow(app, url)
    (result,) = app.poll_feeds()
    assert result.status == "failed" and "not finished in time" in (result.error or "")
    assert "within 1 s" in (result.error or "")
    app.close()


def test_a_feed_with_approval_holds_its_articles_for_an_editor(app: App, site: Site) -> None:
    url = publish(site, "h1")
    follow(app, url, approval=True)
    app.poll_feeds()
    publish(site, "h1", "h2")
    (result,) = app.poll_feeds([url])
    (article_id,) = result.queued
    states = {p.state for p in app.show(f"a{article_id}").posts}
    assert states == {"awaiting_approval"}  # never claimed until approved
    app.approve(f"a{article_id}")
    assert {p.state for p in app.show(f"a{article_id}").posts} == {"queued"}
