from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from fastapi_fragments.stores import MemoryStore, Store
from fastapi_fragments.stores.redis import RedisStore
from tests.stores.redis_server import redis_server

POLL = 0.05


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore(poll_interval=POLL)
        return
    # A fresh prefix per test keeps tests apart on the shared server.
    redis_store = RedisStore(request.getfixturevalue("redis_url"), prefix=uuid.uuid4().hex, poll_interval=POLL)
    yield redis_store
    await redis_store.aclose()
