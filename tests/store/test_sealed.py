"""Sessions at rest: sealed with the store's key; a wrong or missing key reads as "no
session" (never a crash); the key file is created 0600; rotation re-seals."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.errors import ConfigError
from bot.secretkey import ENV, KeySource, key_source, new_key_text
from bot.store import Store, open_store
from bot.store.schema import accounts
from bot.store.sealed import Sealer, seal, unseal

TOKEN = "alice.test:::did:plc:abc:::eyJhbGciOi.access:::eyJhbGciOi.refresh:::http://pds"


def _stored(store: Store) -> str | None:
    with store.read() as conn:
        return conn.scalar(select(accounts.c.session))


def test_seal_binds_key_and_account() -> None:
    key, other = b"k" * 32, b"o" * 32
    sealed = seal(key, TOKEN, "bluesky/a")
    assert "refresh" not in sealed and sealed.startswith("sb1:")
    assert unseal(key, sealed, "bluesky/a") == TOKEN
    assert unseal(other, sealed, "bluesky/a") is None
    assert unseal(key, sealed, "bluesky/b") is None  # copied to another row: does not open
    assert unseal(key, TOKEN, "bluesky/a") is None  # plain text from an older version
    assert seal(key, TOKEN, "x") != seal(key, TOKEN, "x")  # a fresh nonce each time


def test_key_file_created_0600_on_first_save_and_sessions_sealed(store_url: str, tmp_path: Path):
    source = key_source(str(tmp_path / "data"), env={})
    store = open_store(store_url, key=source)
    assert not source.path.exists()  # first use, not first open
    assert store.load_session("bluesky", "a") is None
    assert not source.path.exists()
    store.save_session("bluesky", "a", TOKEN)
    assert stat.S_IMODE(source.path.stat().st_mode) == 0o600
    assert TOKEN not in (_stored(store) or "") and "refresh" not in (_stored(store) or "")
    assert store.load_session("bluesky", "a") == TOKEN
    store.close()
    again = open_store(store_url, key=source)  # a new process reads the same key file
    assert again.load_session("bluesky", "a") == TOKEN
    again.close()


def test_wrong_or_missing_key_discards_the_session_once(
    store_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(store_url, key=KeySource(tmp_path / "k1"))
    store.save_session("bluesky", "a", TOKEN)
    store.close()
    wrong = open_store(store_url, key=KeySource(tmp_path / "k2", env_text=new_key_text()))
    missing = open_store(store_url, key=KeySource(tmp_path / "none"))
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert wrong.load_session("bluesky", "a") is None
            assert missing.load_session("bluesky", "a") is None
    warnings = [r.getMessage() for r in caplog.records if "discarded" in r.getMessage()]
    assert len(warnings) == 2, warnings  # one per store and account, not one per read
    assert all("logging in afresh" in w for w in warnings)
    assert not (tmp_path / "none").exists()  # reading never creates a key
    wrong.save_session("bluesky", "a", "fresh")  # the new login replaces it
    assert wrong.load_session("bluesky", "a") == "fresh"
    wrong.close()
    missing.close()


def test_bad_keys_are_clear_errors_without_the_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as bad_env:
        KeySource(tmp_path / "k", env_text="hunter2-not-a-key").load(create=True)
    assert ENV in str(bad_env.value) and "hunter2" not in str(bad_env.value)
    loose = tmp_path / "loose.key"
    loose.write_text(new_key_text())
    loose.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        KeySource(loose).load(create=False)
    # the store treats an unusable key like a missing one: no crash
    store = open_store(f"sqlite:///{tmp_path}/s.db", key=KeySource(loose))
    with store.write() as conn:
        conn.execute(accounts.insert().values(platform="bluesky", account="a", session="sb1:x"))
    assert store.load_session("bluesky", "a") is None
    store.close()


def test_reseal_moves_sessions_to_the_new_key(store_url: str, tmp_path: Path) -> None:
    old = KeySource(tmp_path / "old")
    store = open_store(store_url, key=old)
    store.save_session("bluesky", "a", TOKEN)
    store.save_session("reddit", "r", "refresh-r")
    with store.write() as conn:  # unreadable: dropped
        conn.execute(accounts.insert().values(platform="bluesky", account="z", session="sb1:x"))
    new = KeySource(tmp_path / "new", env_text=new_key_text())
    assert store.reseal_sessions(Sealer(new)) == (2, 1)
    store.close()
    after = open_store(store_url, key=new)
    assert after.load_session("bluesky", "a") == TOKEN
    assert after.load_session("reddit", "r") == "refresh-r"
    with after.read() as conn:
        dropped = conn.scalar(select(accounts.c.session).where(accounts.c.account == "z"))
    assert dropped is None
    after.close()


def test_processes_creating_the_key_together_all_get_the_one_key(tmp_path: Path) -> None:
    """Two daemons starting on a fresh data folder both create the key file: the first
    wins, both read its key, nothing fails (a shared temporary name once made one fail)."""
    import threading

    from bot.secretkey import KeySource

    path = tmp_path / "data" / "secret.key"
    barrier = threading.Barrier(8)
    keys: list[bytes | None] = []
    errors: list[BaseException] = []

    def create() -> None:
        barrier.wait()
        try:
            keys.append(KeySource(path).load(create=True))
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=create) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert errors == [] and len(keys) == 8 and len(set(keys)) == 1
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no temporary left
