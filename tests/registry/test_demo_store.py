"""The demo keeps its streams in memory, or in Redis when FRAGMENTS_REDIS_URL is set."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from demo_app.app import create_app
from fastapi_fragments import MemoryStore
from fastapi_fragments.stores.redis import RedisStore
from fastapi_fragments.testing import FakeLLM

pytestmark = pytest.mark.anyio


async def store_of(app: FastAPI) -> object:
    async with app.router.lifespan_context(app):
        return app.state.registry.store


async def test_the_demo_needs_no_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRAGMENTS_REDIS_URL", raising=False)
    assert isinstance(await store_of(create_app(FakeLLM())), MemoryStore)


async def test_a_redis_url_switches_the_demo_to_redis(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    monkeypatch.setenv("FRAGMENTS_REDIS_URL", redis_url)
    assert isinstance(await store_of(create_app(FakeLLM())), RedisStore)
