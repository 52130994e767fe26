"""bot.config.load: precedence, validation errors naming file and key, secrets."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings, load, parse_duration, parse_every, parse_slot
from bot.errors import ConfigError

Write = Callable[[str], str]

ACCOUNTS = """
[[bluesky]]
name = "main"
handle = "news.example.com"
service = "http://127.0.0.1:2583"
password_env = "BSKY_PW"

[[reddit]]
client_id = "cid"
user_agent = "sharebot/0.1 by u/news"
username = "news"
client_secret_env = "R_SECRET"
password_env = "R_PW"
subreddits = ["r/worldnews", "politics"]
flair = "Analysis"
link_post = true
"""


def test_defaults_without_a_file() -> None:
    settings = load(None, env={})
    assert settings == Settings(store_url="sqlite:///data/sharebot.db")
    assert settings.bluesky == () and settings.reddit == ()


def test_default_store_follows_data_dir(write_toml: Write) -> None:
    settings = load(write_toml('data_dir = "/var/lib/sb"\n'), env={})
    assert settings.store_url == "sqlite:////var/lib/sb/sharebot.db"
    assert load(None, env={"SHAREBOT_DATA_DIR": "x"}).store_url == "sqlite:///x/sharebot.db"


def test_precedence_flag_env_file_default(write_toml: Write) -> None:
    path = write_toml('store_url = "sqlite:///file.db"\ntimezone = "Europe/Berlin"\nutm = false\n')
    env = {"SHAREBOT_STORE": "sqlite:///env.db", "SHAREBOT_TIMEZONE": "America/New_York"}
    assert load(path, env={}).store_url == "sqlite:///file.db"
    assert load(path, env=env).store_url == "sqlite:///env.db"
    assert load(path, env=env, store_url="sqlite:///flag.db").store_url == "sqlite:///flag.db"
    settings = load(path, env=env)
    assert settings.timezone == "America/New_York"
    assert settings.utm is False  # from the file
    assert settings.every == timedelta(hours=3)  # default


def test_env_types(write_toml: Write) -> None:
    env = {
        "SHAREBOT_SLOTS": "Mon-Fri 09:00, Sat 11:30",
        "SHAREBOT_UTM": "off",
        "SHAREBOT_CONCURRENCY": "8",
        "SHAREBOT_EVERY": "next slot",
    }
    settings = load(None, env=env)
    assert settings.slots == (parse_slot("Mon-Fri 09:00"), parse_slot("Sat 11:30"))
    assert settings.utm is False
    assert settings.concurrency == 8
    assert settings.every is None  # "next slot"


def test_env_bad_value_names_the_variable() -> None:
    with pytest.raises(ConfigError) as info:
        load(None, env={"SHAREBOT_TIMEZONE": "Mars/Olympus"})
    assert info.value.source == "environment"
    assert info.value.key == "SHAREBOT_TIMEZONE"
    assert "Mars/Olympus" in str(info.value)


def test_daemon_fields_present() -> None:
    settings = load(None, env={})
    for name in ("max_attempts", "max_ambiguous", "concurrency", "lease", "tick", "stale_after"):
        assert getattr(settings, name)
    assert settings.stale_policy == "review"
    assert settings.posts_dir == "posts"


def test_accounts(write_toml: Write) -> None:
    env = {"BSKY_PW": "app-pw-1", "R_SECRET": "rs", "R_PW": "rpw"}
    settings = load(write_toml(ACCOUNTS), env=env)
    (bsky,) = settings.bluesky
    assert (bsky.name, bsky.handle, bsky.service) == ("main", "news.example.com",
                                                      "http://127.0.0.1:2583")  # fmt: skip
    assert bsky.password.reveal() == "app-pw-1"
    (red,) = settings.reddit
    assert red.name == "news"  # defaults to the username
    assert red.subreddits == ("worldnews", "politics")
    assert red.link_post is True and red.flair == "Analysis"
    assert red.client_secret is not None and red.client_secret.reveal() == "rs"
    assert red.refresh_token is None


@pytest.mark.parametrize(
    ("text", "key", "needle"),
    [
        ('timezone = "Nowhere/City"\n', "timezone", "unknown timezone"),
        ('slots = ["Mon-Fri 9am"]\n', "slots", "malformed slot"),
        ('slots = ["Funday 09:00"]\n', "slots", "unknown day"),
        ('slots = ["Mon 25:00"]\n', "slots", "no such time"),
        ('every = "soon"\n', "every", "not a duration"),
        ('stale_after = "0h"\n', "stale_after", "positive"),
        ('stale_policy = "burst"\n', "stale_policy", "review, reslot"),
        ('overflow = "truncate"\n', "overflow", "continue, link"),
        ("max_posts_per_thread = 0\n", "max_posts_per_thread", "expected a positive integer"),
        ('fetch_deadline = "later"\n', "fetch_deadline", "not a duration"),
        ('colour = "blue"\n', "colour", "unknown key"),
        ("utm = 3\n", "utm", "expected bool"),
        ("slots = \"Mon 09:00\"\n", "slots", "expected list"),
        ('[[bluesky]]\nhandle = "a"\npassword_env = "PW"\nextra = 1\n', "bluesky[0].extra",
         "unknown key"),
        ('[[bluesky]]\nhandle = "a"\n', "bluesky[0].password_env", "missing"),
        ('[[reddit]]\nclient_id = "c"\nuser_agent = "u"\n', "reddit[0].client_secret_env",
         "refresh_token_env"),
        ('[[reddit]]\nclient_id = "c"\nuser_agent = "u"\nsubreddits = "x"\n'
         'refresh_token_env = "PW"\n', "reddit[0].subreddits", "list of strings"),
    ],
)  # fmt: skip
def test_errors_name_file_and_key(write_toml: Write, text: str, key: str, needle: str) -> None:
    path = write_toml(text)
    with pytest.raises(ConfigError) as info:
        load(path, env={"PW": "x"})
    assert info.value.source == path
    assert info.value.key == key
    assert path in str(info.value) and key in str(info.value) and needle in str(info.value)
    assert info.value.exit_code == 2


def test_bad_toml_and_missing_file(write_toml: Write, tmp_path: Path) -> None:
    path = write_toml("timezone = \n")
    with pytest.raises(ConfigError, match="not valid TOML") as info:
        load(path, env={})
    assert info.value.source == path
    missing = str(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="cannot read") as info:
        load(missing, env={})
    assert missing in str(info.value)


def test_missing_env_var_names_it_not_a_value(write_toml: Write) -> None:
    path = write_toml(ACCOUNTS)
    with pytest.raises(ConfigError) as info:
        load(path, env={"BSKY_PW": "hunter2-secret", "R_PW": "rpw"})
    message = str(info.value)
    assert path in message and "reddit[0].client_secret_env" in message
    assert "R_SECRET" in message
    assert "hunter2-secret" not in message and "rpw" not in message


def test_secret_never_in_repr(write_toml: Write) -> None:
    env = {"BSKY_PW": "hunter2-secret", "R_SECRET": "rs-secret-9", "R_PW": "rpw-secret-7"}
    settings = load(write_toml(ACCOUNTS), env=env)
    shown = repr(settings) + str(settings)
    for value in env.values():
        assert value not in shown
    assert "Secret('***')" in shown


def test_password_file_must_be_0600(write_toml: Write, tmp_path: Path) -> None:
    secret = tmp_path / "bsky.pw"
    secret.write_text("file-pw-123\n")
    os.chmod(secret, 0o644)
    path = write_toml(f'[[bluesky]]\nhandle = "a.test"\npassword_file = "{secret}"\n')
    with pytest.raises(ConfigError) as info:
        load(path, env={})
    assert info.value.key == "bluesky[0].password_file"
    assert "chmod 600" in str(info.value) and "file-pw-123" not in str(info.value)
    os.chmod(secret, 0o600)
    (account,) = load(path, env={}).bluesky
    assert account.password.reveal() == "file-pw-123"
    assert account.name == "a.test"


def test_duplicate_account_names(write_toml: Write) -> None:
    block = '[[bluesky]]\nname = "x"\nhandle = "a"\npassword_env = "PW"\n'
    with pytest.raises(ConfigError, match="two accounts named 'x'"):
        load(write_toml(block * 2), env={"PW": "p"})


def test_example_config_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "config" / "sharebot.example.toml"
    env = {"SHAREBOT_BLUESKY_PASSWORD": "p", "REDDIT_CLIENT_SECRET": "s", "REDDIT_PASSWORD": "p"}
    settings = load(str(example), env=env)
    assert settings.bluesky and settings.reddit
    assert settings.timezone == "Europe/Berlin"


def test_thread_cap_and_fetch_deadline(write_toml: Write) -> None:
    assert (Settings().max_posts_per_thread, Settings().overflow) == (12, "continue")
    assert Settings().fetch_deadline == timedelta(seconds=20)
    path = write_toml('max_posts_per_thread = 8\noverflow = "link"\nfetch_deadline = "5s"\n')
    settings = load(path, env={})
    assert (settings.max_posts_per_thread, settings.overflow) == (8, "link")
    assert settings.fetch_deadline == timedelta(seconds=5)


def test_grammar() -> None:
    assert parse_duration("1h30m").total_seconds() == 5400
    assert parse_duration("1d").days == 1
    assert parse_every("Next  Slot") is None
    assert parse_slot("Mon-Fri 09:00").days == frozenset(range(5))
    assert parse_slot("Fri-Mon 07:05").days == frozenset({4, 5, 6, 0})
    assert parse_slot("Daily 08:00").days == frozenset(range(7))
    assert parse_slot("mon,wed 17:30").days == frozenset({0, 2})
    for bad in ("", "3x", "h"):
        with pytest.raises(ValueError):
            parse_duration(bad)
