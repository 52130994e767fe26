"""Golden files: every corpus article and the seed, read and compared as JSON.

Regenerate after an intended change with ``SHAREBOT_REGEN_GOLDEN=1 pytest tests/readers``
and read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.article import from_dict, to_dict
from bot.readers import read_source
from tests.readers.conftest import CORPUS, GOLDEN, SEED

ARTICLES = [*sorted(p for p in CORPUS.iterdir() if p.suffix in (".md", ".txt", ".html")), SEED]
REGEN = os.environ.get("SHAREBOT_REGEN_GOLDEN") == "1"


def _golden(path: Path) -> Path:
    return GOLDEN / f"{path.name}.json"


def test_every_article_has_a_golden_file() -> None:
    assert len(ARTICLES) == 11
    assert sorted(p.name for p in GOLDEN.glob("*.json")) == sorted(
        _golden(p).name for p in ARTICLES
    )


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_article_matches_golden(path: Path) -> None:
    data = to_dict(read_source(str(path)))
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if REGEN:
        _golden(path).write_text(text, encoding="utf-8")
    assert text == _golden(path).read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_to_dict_round_trips(path: Path) -> None:
    article = read_source(str(path))
    assert from_dict(to_dict(article), source=article.source) == article
