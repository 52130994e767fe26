"""Credentials at rest, against the reference PDS: after a real login, a full dump of the
store (SQLite ``.dump`` and its raw files; PostgreSQL ``pg_dump``) holds no token and no
password; with the wrong key the stored session is discarded and the account logs in
afresh, once."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.secretkey import KeySource, new_key_text
from bot.store import open_store
from bot.threads import PostDraft
from tests.bluesky.test_send import outgoing
from tests.pg import BIN, PgServer


def _secrets(store: object, name: str, password: str) -> list[str]:
    from atproto_client.client.session import Session

    text = store.load_session("bluesky", name)  # type: ignore[attr-defined]
    assert text, "the login left no session in the store"
    session = Session.decode(text)
    return [session.access_jwt, session.refresh_jwt, password]


def _dump(url: str, server: PgServer | None) -> str:
    if server is None:
        path = Path(url.removeprefix("sqlite:///"))
        with sqlite3.connect(path) as conn:
            dumped = "\n".join(conn.iterdump())
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        return dumped + raw.decode("latin-1")
    database = url.rsplit("/", 1)[1]
    out = subprocess.run(
        [str(BIN / "pg_dump"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
         database],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_dump_holds_no_token_or_password(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, pds, account, make_platform
) -> None:
    server = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    url = server.new_database() if server else f"sqlite:///{tmp_path}/s.db"
    store = open_store(url, key=KeySource(tmp_path / "secret.key"))
    platform = make_platform(account.config(pds.url), store)
    platform.send(outgoing(platform, PostDraft(text="hello"), "k1"))
    secrets = _secrets(store, account.handle, account.password)
    dumped = _dump(url, server)
    store.close()
    assert "CREATE TABLE" in dumped and "sb1:" in dumped  # a real dump, with the sealed row
    leaked = [s[:12] + "…" for s in secrets if s in dumped]
    assert leaked == []


def test_wrong_key_logs_in_afresh_once(tmp_path: Path, pds, account, make_platform) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    first = open_store(url, key=KeySource(tmp_path / "k1"))
    before = make_platform(account.config(pds.url), first)
    before.send(outgoing(before, PostDraft(text="one"), "k1"))
    sealed_before = first.load_session("bluesky", account.handle)
    first.close()
    assert sealed_before

    store = open_store(url, key=KeySource(tmp_path / "k2", env_text=new_key_text()))
    assert store.load_session("bluesky", account.handle) is None  # wrong key: discarded
    saves: list[str] = []
    save = store.save_session
    store.save_session = lambda *args: (saves.append(args[1]), save(*args))[1]  # type: ignore[method-assign]
    platform = make_platform(account.config(pds.url), store)
    for i in range(3):
        platform.send(outgoing(platform, PostDraft(text=f"after {i}"), f"k{i + 2}"))
    fresh = store.load_session("bluesky", account.handle)
    store.close()
    assert fresh and fresh != sealed_before  # a new login, sealed with the new key
    assert saves == [account.handle]  # one login for three posts: no retry storm
