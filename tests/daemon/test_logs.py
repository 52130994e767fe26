"""Logging: text and JSON formats, secrets redacted everywhere."""

from __future__ import annotations

import io
import json
import logging

from bot.config import Secret
from bot.logs import redact, register_secrets, setup


def _capture(fmt: str) -> io.StringIO:
    stream = io.StringIO()
    setup(fmt, "INFO", stream)
    return stream


def test_registered_secret_is_redacted_in_message_args_and_traceback():
    register_secrets([Secret("hunter2-app-pass"), None, ""])
    stream = _capture("text")
    log = logging.getLogger("sharebot.test")
    log.info("login with %s", "hunter2-app-pass")
    try:
        raise ValueError("bad password hunter2-app-pass")
    except ValueError:
        log.exception("failed")
    out = stream.getvalue()
    assert "hunter2-app-pass" not in out
    assert out.count("***") >= 2 and "ValueError" in out


def test_patterns_are_redacted_without_registration():
    text = redact(
        'Authorization: Bearer eyJhbGciOi.abc {"accessJwt": "eyJx.y.z"} '
        "postgresql+psycopg://bot:s3cretpw@127.0.0.1/db password=opensesame"
    )
    for leaked in ("eyJhbGciOi.abc", "eyJx.y.z", "s3cretpw", "opensesame"):
        assert leaked not in text
    assert "postgresql+psycopg://bot:***@127.0.0.1/db" in text


def test_json_lines_carry_level_logger_message_and_extras():
    register_secrets(["tok-123456"])
    stream = _capture("json")
    logging.getLogger("sharebot.daemon").warning(
        "post %d failed: tok-123456", 7, extra={"post_id": 7}
    )
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["level"] == "warning" and entry["logger"] == "sharebot.daemon"
    assert entry["message"] == "post 7 failed: ***" and entry["post_id"] == 7
    assert entry["ts"].endswith("+00:00")
