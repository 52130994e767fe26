"""Migrations: ordered, recorded once each, and a first-migration database upgrades intact."""

from __future__ import annotations

import threading

from sqlalchemy import inspect, select, text

from bot.platforms.base import Ref
from bot.store import Store, open_store
from bot.store.engine import make_engine
from bot.store.schema import (
    MIGRATIONS,
    accounts,
    micros,
    migrate,
    schema_migrations,
    share_links,
)
from tests.store.helpers import MIN, NOW, bluesky_thread, claim, enqueue, reddit_threads

HEAD = list(range(1, len(MIGRATIONS) + 1))


def test_first_migration_database_upgrades_with_data_intact(store_url: str) -> None:
    engine = make_engine(store_url)
    with engine.begin() as conn:
        assert migrate(conn, MIGRATIONS[:1]) == [1]
    old = Store(engine)
    with old.write() as conn:  # a plain-text session, as stored before migration 7
        conn.execute(accounts.insert().values(platform="bluesky", account="b", session="jwt"))
    aid = enqueue(old, [bluesky_thread(0, 2), *reddit_threads(1, 1)])
    (c,) = claim(old, platforms=["bluesky"])
    old.confirm(c.post_id, "d1", Ref("at://x", "cid", "https://u"), NOW)
    with old.write() as conn:  # what confirm stored before migration 3
        conn.execute(
            share_links.insert().values(
                article_id=aid, anchor="", platform="bluesky", kind="post", url="https://u"
            )
        )
    before = [(p.id, p.state, p.text, p.due_at, p.url) for p in old.list_posts(limit=10)]
    assert "daemons" not in inspect(engine).get_table_names()
    old.close()

    store = open_store(store_url)
    after = [(p.id, p.state, p.text, p.due_at, p.url) for p in store.list_posts(limit=10)]
    assert after == before and store.get_article(aid).title == "Partners"
    assert store.load_session("bluesky", "b") is None  # dropped: it was plain text
    with store.read() as conn:
        assert conn.scalar(select(accounts.c.session)) is None
    with store.read() as conn:
        versions = list(conn.scalars(select(schema_migrations.c.version)))
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("posts")}
    assert versions == HEAD and "ix_posts_state_due" in indexes
    post_links = [x for x in store.get_article(aid).share_links if x["kind"] == "post"]
    assert [(x["platform"], x["url"]) for x in post_links] == [("bluesky", "https://u")]
    store.heartbeat("d1", NOW)  # the tables of migration 2 work
    assert [x.post_id for x in claim(store, NOW + 2 * MIN)] != []
    store.close()


def test_reopening_applies_nothing_twice(store_url: str) -> None:
    open_store(store_url).close()
    store = open_store(store_url)
    with store.write() as conn:
        assert migrate(conn) == []
        assert len(list(conn.scalars(select(schema_migrations.c.version)))) == len(MIGRATIONS)
    store.close()


def test_concurrent_openers_migrate_once(store_url: str) -> None:
    errors: list[BaseException] = []

    def open_close() -> None:
        try:
            open_store(store_url).close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=open_close) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert errors == [] and not any(w.is_alive() for w in workers)
    store = open_store(store_url)
    with store.read() as conn:
        assert list(conn.scalars(select(schema_migrations.c.version))) == HEAD
    store.close()


def test_migration_4_gives_every_article_the_one_content_hash(store_url: str) -> None:
    """From the previous head: an article queued with the old `queue add` hash (pretty JSON)
    gets the one hash, so `sync` sees the unchanged file as unchanged."""
    import hashlib
    import json

    from bot.article import content_hash, from_dict, to_dict
    from bot.store.schema import articles
    from tests.store.helpers import article

    engine = make_engine(store_url)
    with engine.begin() as conn:
        assert migrate(conn, MIGRATIONS[:3]) == [1, 2, 3]
    old = Store(engine)
    aid = enqueue(old, [bluesky_thread(0, 1)])
    legacy = hashlib.sha256(
        json.dumps(to_dict(article()), sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()
    with old.write() as conn:
        conn.execute(articles.update().where(articles.c.id == aid).values(content_hash=legacy))
    old.close()
    store = open_store(store_url)
    stored = from_dict(dict(store.get_article(aid).data))
    assert store.get_article(aid).content_hash == content_hash(stored) != legacy
    assert store.find_article_by_hash(content_hash(stored)) == aid
    store.close()


def test_migration_9_adds_desk_users_sessions_and_submitters(store_url: str) -> None:
    """From the previous head: articles keep their data, gain ``submitted_by`` (None), and
    users, sessions and approval work."""
    engine = make_engine(store_url)
    with engine.begin() as conn:
        assert migrate(conn, MIGRATIONS[:8]) == list(range(1, 9))
        assert "submitted_by" in {c["name"] for c in inspect(conn).get_columns("articles")}
    old = Store(engine)
    aid = enqueue(old, [bluesky_thread(0, 2)])
    old.close()
    with make_engine(store_url).begin() as conn:  # the articles table as version 8 made it
        conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN submitted_by")
    store = open_store(store_url)
    assert store.submitted_by(aid) is None and store.get_article(aid).title == "Partners"
    user = store.add_user("ed", "editor", "$argon2id$hash", NOW)
    store.set_submitter(aid, user.id)
    assert store.submitted_by(aid) == user.id
    store.start_session("h" * 64, user.id, "csrf", NOW)
    assert store.find_session("h" * 64, NOW + MIN, 10 * MIN).user.name == "ed"  # type: ignore[union-attr]
    assert store.find_session("h" * 64, NOW + 20 * MIN, 10 * MIN) is None
    with store.read() as conn:
        assert list(conn.scalars(select(schema_migrations.c.version))) == HEAD
    store.close()


def test_migration_12_counts_claims_apart_from_attempts(store_url: str) -> None:
    """From the previous head: a post claimed twice (counted as two attempts then) keeps
    them as claims that may have sent it, with its article's time as the first send bound;
    an unclaimed post has none."""
    from bot.store.schema import posts

    engine = make_engine(store_url)
    with engine.begin() as conn:
        assert migrate(conn, MIGRATIONS[:11]) == list(range(1, 12))
        columns = {c["name"] for c in inspect(conn).get_columns("posts")}
    # migration 1 builds today's table: take it back to what migration 11 left
    with engine.begin() as conn:
        for name in ("claims", "transient", "first_sent_at", "last_sent_at"):
            assert name in columns
            conn.execute(text(f"ALTER TABLE posts DROP COLUMN {name}"))
    old = Store(engine)
    enqueue_sql(old)
    old.close()
    store = open_store(store_url)
    with store.read() as conn:
        rows = {r.id: r for r in conn.execute(select(posts))}
    tried, fresh = rows[1], rows[2]
    assert (tried.claims, tried.attempts, tried.transient) == (2, 2, 0)
    assert tried.first_sent_at == NOW and tried.last_sent_at == NOW + MIN
    assert (fresh.claims, fresh.first_sent_at) == (0, None)
    (c,) = claim(store, NOW + 2 * MIN, platforms=["bluesky"])
    assert c.post_id == 1 and c.sent_before and c.attempts == 2
    store.close()


def enqueue_sql(store: Store) -> None:
    """An article with two posts written as the schema of migration 4 had them."""
    with store.write() as conn:
        conn.execute(
            text(
                "INSERT INTO articles (id, source, content_hash, title, slug, data, created_at)"
                " VALUES (1, 's', 'h', 'T', 't', '{}', :t)"
            ),
            {"t": micros(NOW)},
        )
        conn.execute(
            text(
                "INSERT INTO threads (id, article_id, platform, account, idx, section, continues)"
                " VALUES (1, 1, 'bluesky', 'b', 0, 0, false)"
            )
        )
        for pid, state, attempts in ((1, "failed", 2), (2, "queued", 0)):
            conn.execute(
                text(
                    "INSERT INTO posts (id, thread_id, article_id, seq, platform, account, draft,"
                    " due_at, state, attempts, next_attempt_at, ambiguous, updated_at,"
                    " idem_key, prepared)"
                    " VALUES (:id, 1, 1, :seq, 'bluesky', 'b', :draft, :t, :state, :a, :t, 0,"
                    " :u, 'sbk', '{}')"
                ),
                {"id": pid, "seq": pid - 1, "draft": '{"text": "x"}', "t": micros(NOW),
                 "state": state, "a": attempts, "u": micros(NOW + MIN)},
            )  # fmt: skip
