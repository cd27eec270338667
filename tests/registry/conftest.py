from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from fastapi_fragments import StreamRegistry
from fastapi_fragments.testing import FakeLLM, LiveServer
from tests.registry.registry_app import create_app
from tests.registry.registry_helpers import Serve
from tests.stores.redis_server import redis_server


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Serve the test app with a registry and a FakeLLM on a real uvicorn; returns its URL."""
    with ExitStack() as stack:

        def start(registry: StreamRegistry, llm: FakeLLM, completed: list[str] | None = None) -> str:
            return stack.enter_context(LiveServer(create_app(registry, llm, completed))).url

        yield start


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url
