"""[budgets.<platform>] overrides: read from the file, checked with the file and key named."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot import budget
from bot.config import load
from bot.errors import ConfigError
from bot.secretkey import key_source

Write = Callable[[str], str]


def test_overrides_reach_the_limits(write_toml: Write) -> None:
    path = write_toml(
        '[budgets.bluesky]\npoints_hour = 300\nrequests_5m = "100/1m"\n'
        "[budgets.reddit]\nrequests_10m = 60\n"
    )
    settings = load(path, env={})
    limits = {p: {x.name: x for x in ls} for p, ls in budget.from_settings(settings).items()}
    assert limits["bluesky"]["points_hour"].capacity == 300
    assert limits["bluesky"]["points_day"].capacity == 35_000  # untouched
    assert limits["bluesky"]["requests_5m"].window == timedelta(minutes=1)
    assert limits["reddit"]["requests_10m"].capacity == 60
    assert budget.from_settings(load(None, env={}))["bluesky"] == budget.DEFAULTS["bluesky"]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[budgets.mastodon]\nrequests = 5\n", "budgets.mastodon"),
        ("[budgets.bluesky]\npoints_hour = true\n", "budgets.bluesky.points_hour"),
        ("budgets = 5\n", "budgets"),
    ],
)
def test_bad_tables_name_file_and_key(write_toml: Write, text: str, key: str) -> None:
    path = write_toml(text)
    with pytest.raises(ConfigError) as err:
        load(path, env={})
    assert path in str(err.value) and key in str(err.value)


def test_unknown_limit_names_file_and_key(write_toml: Write) -> None:
    path = write_toml("[budgets.bluesky]\npoints_week = 5\n")
    with pytest.raises(ConfigError) as err:
        budget.from_settings(load(path, env={}))
    assert path in str(err.value) and "budgets.bluesky.points_week" in str(err.value)


def test_secret_key_file_setting_and_default(write_toml: Write) -> None:
    settings = load(write_toml('data_dir = "/srv/sb"\n'), env={})
    assert str(key_source(settings.data_dir, settings.secret_key_file, {}).path) == (
        "/srv/sb/secret.key"
    )
    settings = load(write_toml('secret_key_file = "/etc/sb.key"\n'), env={})
    assert str(key_source(settings.data_dir, settings.secret_key_file, {}).path) == "/etc/sb.key"
    env = {"SHAREBOT_SECRET_KEY_FILE": "/run/k"}
    settings = load(None, env=env)
    assert str(key_source(settings.data_dir, settings.secret_key_file, env).path) == "/run/k"
