"""Feed tests: a local site (feeds + article pages) and an App over a real store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import App
from bot.config import BlueskyAccount, Secret, from_mapping
from bot.store import open_store
from tests.servers.feeds import Site, serve

WORDS = (
    "The harbour road runs along the water for eleven kilometres, past the old salt "
    "warehouses and the fishing cooperative, before it turns inland towards the hills. "
)


def page(title: str, sections: int = 2) -> str:
    """An article page the HTML reader takes in full."""
    body = "".join(f"<h2>Part {i} of {title}</h2><p>{WORDS * 3}</p><p>{WORDS * 2}</p>"
                   for i in range(sections))  # fmt: skip
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{WORDS * 2}</p>{body}</article></body></html>")  # fmt: skip


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def make_app(store_url: str) -> App:
    """An App over ``store_url`` that may fetch from 127.0.0.1 only."""
    raw = {"store_url": store_url, "timezone": "UTC", "slots": ["Daily 09:00"], "every": "1h",
           "fetch_networks": ["127.0.0.0/8"]}  # fmt: skip
    settings = replace(from_mapping(raw), bluesky=(BlueskyAccount("b", "b.test", Secret("pw")),))
    return App(settings, open_store(store_url))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    opened = make_app(f"sqlite:///{tmp_path}/feeds.db")
    yield opened
    opened.close()
