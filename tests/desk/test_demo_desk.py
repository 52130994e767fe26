"""`sharebot run --sandbox --keep` opens the desk on the sandbox's store with a one-time
login it prints."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.app import App
from bot.sandbox import demo


def test_the_sandbox_desk_prints_a_working_one_time_login(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    with demo._desk(app):
        out = capsys.readouterr().out
        found = re.search(r"desk: (http://127\.0\.0\.1:\d+)/  \(user demo, one-time "
                          r"password (\S+)\)", out)  # fmt: skip
        assert found, out
        url, password = found.groups()
        with httpx.Client(base_url=url, timeout=10) as http:
            page = http.get("/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            done = http.post("/login", data={"name": "demo", "password": password, "csrf": token})
            assert done.status_code == 303
            assert "Upcoming" in http.get("/").text
    assert [u.role for u in app.users() if u.name == "demo"] == ["editor"]
