from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import pytest
from registry_app import create_app
from stores.redis_server import redis_server

from fastapi_fragments._registry import StreamRegistry
from fastapi_fragments.testing import FakeLLM, LiveServer

Serve = Callable[..., str]


@dataclass(frozen=True)
class Turn:
    """What the POST returned: the scaffold's URLs and the owner cookie to follow them with."""

    stream_url: str
    stop_url: str
    headers: dict[str, str]
    html: str


async def start_answer(client: httpx.AsyncClient, q: str = "hello") -> Turn:
    response = await client.post("/chat", data={"q": q})
    assert response.status_code == 200, response.text
    stream_url, stop_url = (
        re.search(r'sse-connect="([^"]+)"', response.text),
        re.search(r'hx-post="([^"]+)"', response.text),
    )
    assert stream_url and stop_url, response.text
    cookie = f"fragments_owner={client.cookies['fragments_owner']}"
    return Turn(stream_url[1], stop_url[1], {"Cookie": cookie}, response.text)


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
