"""Fixtures for the schedule tests: threads to plan."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.threads import PostDraft, ThreadDraft


@pytest.fixture
def threads() -> Callable[[int], list[ThreadDraft]]:
    """``n`` one-post Bluesky threads."""

    def make(n: int) -> list[ThreadDraft]:
        return [ThreadDraft("bluesky", i, (PostDraft(f"section {i}"),)) for i in range(n)]

    return make
