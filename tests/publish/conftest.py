"""Fixtures for the publisher's unit tests (in-memory store and platforms)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.publish import Publisher, PublishOptions
from tests.publish.fakes import T0, FakePlatform, FakeStore


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Rig:
    """A publisher wired to a fake store and one fake platform per (platform, account)."""

    def __init__(self, **options: object) -> None:
        self.store = FakeStore()
        self.clock = Clock()
        self.platforms: dict[tuple[str, str], FakePlatform] = {}
        opts = PublishOptions(owner="me", **options)  # type: ignore[arg-type]
        self.publisher = Publisher(
            self.store,
            self.platform,
            {"bluesky": ["a", "b"], "reddit": ["r"]},
            opts,
            clock=self.clock,
            rng=random.Random(7),
        )

    def platform(self, name: str, account: str) -> FakePlatform:
        key = (name, account)
        if key not in self.platforms:
            self.platforms[key] = FakePlatform(name, account)
        return self.platforms[key]

    def run(self) -> list[object]:
        return list(self.publisher.run_until_idle())


@pytest.fixture
def rig() -> Iterator[Rig]:
    r = Rig()
    yield r
    r.publisher.close()


@pytest.fixture
def make_rig() -> Iterator[type[Rig]]:
    made: list[Rig] = []

    class Made(Rig):
        def __init__(self, **options: object) -> None:
            super().__init__(**options)
            made.append(self)

    yield Made
    for r in made:
        r.publisher.close()
