"""Fixtures for the configuration tests: write a TOML file into a temp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[[str], str]:
    """Write ``text`` to sharebot.toml in a temp dir; return its path."""

    def write(text: str) -> str:
        path = tmp_path / "sharebot.toml"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write
