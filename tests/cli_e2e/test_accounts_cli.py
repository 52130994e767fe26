"""`sharebot accounts` end to end: budgets spent by real publishing (PDS + Reddit stand-in),
`accounts check` logging in for real, `accounts rotate-key` re-sealing the sessions."""

from __future__ import annotations

import json
import stat

from bot.secretkey import KeySource
from bot.store import open_store
from tests.cli_e2e.conftest import SHORT


def _publish_short(cli) -> None:
    article = cli.tmp / "short.txt"
    article.write_text(SHORT, encoding="utf-8")
    added = cli.run("queue", "add", str(article), "--now", "--to", "bluesky,reddit")
    assert added.returncode == 0, added.stderr
    ran = cli.run("run", "--once")
    assert ran.returncode == 0, ran.stderr


def test_accounts_lists_budget_left_after_publishing(cli):
    _publish_short(cli)
    out = cli.run("accounts", "--json")
    assert out.returncode == 0, out.stderr
    rows = {(r["platform"], r["account"]): r for r in json.loads(out.stdout)}
    bsky = {x["limit"]: x for x in rows[("bluesky", "sandbox")]["limits"]}
    assert bsky["points_hour"]["capacity"] == 5_000
    assert bsky["points_hour"]["left"] <= 5_000 - 3  # at least one post was paid for
    assert rows[("bluesky", "sandbox")]["next_refill"] is not None
    reddit = {x["limit"]: x for x in rows[("reddit", "sandbox")]["limits"]}
    assert reddit["requests_10m"]["left"] < 1_000
    assert rows[("bluesky", "sandbox")]["out_of_budget_until"] is None
    text = cli.run("accounts")
    assert text.returncode == 0 and "points_hour" in text.stdout and "sandbox" in text.stdout
    cli.assert_no_secret(out.stdout, text.stdout, out.stderr, text.stderr)


def test_accounts_check_logs_in_and_says_who(cli):
    out = cli.run("accounts", "check", "--json")
    assert out.returncode == 0, out.stderr
    found = {(r["platform"], r["account"]): r for r in json.loads(out.stdout)}
    bsky = found[("bluesky", "sandbox")]
    assert bsky["ok"] and bsky["identity"]["did"] == cli.did
    reddit = found[("reddit", "sandbox")]
    assert reddit["ok"] and reddit["identity"]["username"]
    key = cli.tmp / "data" / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # created on first use
    cli.assert_no_secret(out.stdout, out.stderr)


def test_accounts_check_reports_a_refused_login(cli):
    cli.env["E2E_BLUESKY_PASSWORD"] = "wrong-password-123"
    cli.secrets = (*cli.secrets, "wrong-password-123")
    out = cli.run("accounts", "check", "sandbox")
    assert out.returncode == 1
    assert "bluesky/sandbox: FAILED" in out.stdout
    cli.assert_no_secret(out.stdout, out.stderr)
    assert cli.run("accounts", "check", "nobody").returncode == 2


def test_rotate_key_keeps_the_sessions_usable(cli):
    _publish_short(cli)  # a session is stored, sealed
    key = cli.tmp / "data" / "secret.key"
    old = key.read_text()
    out = cli.run("accounts", "rotate-key")
    assert out.returncode == 0, out.stderr
    assert "re-sealed 1 session" in out.stdout
    assert key.read_text() != old and stat.S_IMODE(key.stat().st_mode) == 0o600
    url = f"sqlite:///{cli.tmp}/store.db"
    with_new = open_store(url, key=KeySource(key))
    with_old = open_store(url, key=KeySource(cli.tmp / "none", env_text=old.strip()))
    try:
        assert with_new.load_session("bluesky", "sandbox")  # re-sealed under the new key
        assert with_old.load_session("bluesky", "sandbox") is None
    finally:
        with_new.close()
        with_old.close()
    checked = cli.run("accounts", "check", "sandbox", "--json")
    assert checked.returncode == 0, checked.stderr
