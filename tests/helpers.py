"""Helpers the test modules share (fixtures live in the conftest files)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any


class Source:
    """An async token source that records whether it was closed."""

    def __init__(self, tokens: list[str], *, delay: float = 0.0, pause_before: dict[int, float] | None = None) -> None:
        self.tokens, self.delay, self.pause_before = tokens, delay, pause_before or {}
        self.closed = False

    async def stream(self, forever: bool = False) -> AsyncIterator[str]:
        try:
            index = 0
            while forever or index < len(self.tokens):
                await asyncio.sleep(self.pause_before.get(index, self.delay))
                yield self.tokens[index % len(self.tokens)]
                index += 1
        finally:
            self.closed = True


def wait_for(condition: Callable[[], object], within: float = 2.0) -> bool:
    """Poll ``condition`` until it holds or ``within`` seconds pass; whether it held."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and not condition():
        time.sleep(0.01)
    return bool(condition())


def openai_kwargs(base_url: str) -> dict[str, Any]:
    """An OpenAI SDK client's arguments for the fake provider at ``base_url``."""
    return {"base_url": base_url + "/v1", "api_key": "test-key", "max_retries": 0}


def anthropic_kwargs(base_url: str) -> dict[str, Any]:
    """An Anthropic SDK client's arguments for the fake provider at ``base_url``."""
    return {"base_url": base_url, "api_key": "test-key", "max_retries": 0}
