"""Golden files: preview JSON per article and platform.

Regenerate after an intended change with ``SHAREBOT_REGEN_GOLDEN=1 pytest tests/compile``
and review the diff by eye.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.commands.preview import preview_data
from bot.readers import read_source
from tests.compile.conftest import DATA, GOLDEN

SOURCES = sorted(
    p
    for folder in (DATA / "seed", DATA / "corpus")
    for p in folder.iterdir()
    if p.is_file() and p.suffix != ".json"
)
CASES = [(p, platform) for p in SOURCES for platform in ("bluesky", "reddit")]


def render(path: Path, platform: str) -> str:
    data = preview_data(read_source(str(path)), (platform,))
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def test_corpus_is_there() -> None:
    assert len(SOURCES) >= 11


@pytest.mark.parametrize(("path", "platform"), CASES, ids=lambda v: getattr(v, "name", v))
def test_golden(path: Path, platform: str) -> None:
    golden = GOLDEN / f"{path.name}.{platform}.json"
    actual = render(path, platform)
    if os.environ.get("SHAREBOT_REGEN_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"missing {golden.name}: run with SHAREBOT_REGEN_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8")
