"""Logging setup: text or JSON lines on stderr, with secrets redacted.

Every secret value the configuration loaded (``config.Secret``) is registered
here, and a filter replaces it, wherever it appears in a record's message or
arguments, with ``***``. Bearer tokens, ``password=``/``secret=``/``token=``
pairs and the password part of a URL are redacted by pattern as well, so a
foreign library's message cannot leak one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.config import Secret

REDACTED = "***"
_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)((?:password|passwd|secret|token|refresh_token|access_token|accessJwt|refreshJwt)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
    re.compile(r"(://[^/\s:@]+:)[^@\s/]+(@)"),
)
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secrets(values: Iterable[Secret | str | None]) -> None:
    """Remember secret values so every log line redacts them."""
    with _lock:
        for value in values:
            raw = value.reveal() if isinstance(value, Secret) else value
            if raw and len(raw) >= 4:
                _secrets.add(raw)


def redact(text: str) -> str:
    """``text`` with every registered secret and every secret-looking pattern replaced."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(
            lambda m: m.group(1) + REDACTED + (m.group(2) if m.lastindex == 2 else ""), text
        )
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (arguments merged) and exception text, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message (+ exc, + extra ``post_id``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        for key in ("post_id", "platform", "account"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup(fmt: str = "text", level: str | int = "INFO", stream: TextIO | None = None) -> None:
    """Configure the ``sharebot`` root logging once: ``fmt`` is ``text`` or ``json``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("apscheduler", "httpx", "httpcore", "urllib3", "prawcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
