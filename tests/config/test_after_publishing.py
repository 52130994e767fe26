"""Settings for after publishing: stats intervals (file, environment, errors naming the key)
and a Bluesky account's AppView for stats reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import load
from bot.errors import ConfigError

HOUR = timedelta(hours=1)
ACCOUNT = """
[[bluesky]]
name = "main"
handle = "news.example.com"
password_env = "BSKY_PW"
"""


def test_stats_intervals_default_file_and_environment(write_toml) -> None:
    assert load(None, env={}).stats_intervals == (
        HOUR, 6 * HOUR, 24 * HOUR, 72 * HOUR, 168 * HOUR, 720 * HOUR,
    )  # fmt: skip
    path = write_toml('stats_intervals = ["2h", "1d"]\n')
    assert load(path, env={}).stats_intervals == (2 * HOUR, 24 * HOUR)
    env = {"SHAREBOT_STATS_INTERVALS": "30m, 3h"}
    assert load(path, env=env).stats_intervals == (timedelta(minutes=30), 3 * HOUR)


@pytest.mark.parametrize(
    ("value", "reason"),
    [('["6h", "1h"]', "must increase"), ('["1h", "soon"]', "not a duration"), ('"1h"', "")],
)
def test_bad_stats_intervals_name_the_file_and_key(write_toml, value, reason) -> None:
    path = write_toml(f"stats_intervals = {value}\n")
    with pytest.raises(ConfigError, match=f"stats_intervals.*{reason}") as caught:
        load(path, env={})
    assert path in str(caught.value)


def test_bluesky_appview_for_stats(write_toml) -> None:
    (account,) = load(write_toml(ACCOUNT), env={"BSKY_PW": "x"}).bluesky
    assert account.appview == "https://public.api.bsky.app"
    (account,) = load(write_toml(ACCOUNT + 'appview = ""\n'), env={"BSKY_PW": "x"}).bluesky
    assert account.appview == ""
