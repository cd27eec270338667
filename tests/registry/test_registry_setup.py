"""StreamRegistry's set-up errors: each raised before any stream exists, naming what to fix."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fastapi_fragments import BlockNotFoundError, ConfigurationError, StreamRegistry
from fastapi_fragments.stores import MemoryStore
from fastapi_fragments.stores.redis import RedisStore
from fastapi_fragments.testing import FakeLLM, FakeOpenStream
from tests.registry.registry_app import create_app

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"deadline": 0}, "deadline must be > 0"),
        ({"lease": -1}, "lease must be > 0"),
        ({"abandon_after": 0}, "abandon_after must be > 0"),
        ({"max_active": 0}, "max_active must be >= 1"),
        ({"outage_window": 0}, "outage_window must be > 0"),
        ({"min_interval": -1}, "min_interval must be >= 0"),
        ({"result_ttl": 0}, "result_ttl must be > 0"),
    ],
)
def test_bad_options_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        StreamRegistry(**options)  # type: ignore[arg-type]  # the values are right, mypy sees a dict


def test_the_store_defaults_to_memory_and_a_url_means_redis(redis_url: str) -> None:
    assert isinstance(StreamRegistry().store, MemoryStore)
    assert isinstance(StreamRegistry(redis_url).store, RedisStore)


def app_with(registry: StreamRegistry, *, scaffold_block: str = "turn", routes: bool = True) -> FastAPI:
    return create_app(registry, FakeLLM(), scaffold_block=scaffold_block, routes=routes)


async def post(app: FastAPI, *, lifespan: bool = True) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as client:
        if not lifespan:
            return await client.post("/chat", data={"q": "hi"})
        async with app.router.lifespan_context(app):
            return await client.post("/chat", data={"q": "hi"})


async def test_starting_outside_the_lifespan_says_how_to_run_the_registry() -> None:
    with pytest.raises(RuntimeError, match="lifespan"):
        await post(app_with(StreamRegistry()), lifespan=False)


async def test_starting_without_the_stream_route_names_it() -> None:
    store = MemoryStore()
    with pytest.raises(ConfigurationError, match="fragments_stream"):
        await post(app_with(StreamRegistry(store), routes=False))
    assert len(store) == 0


async def test_a_missing_scaffold_block_fails_before_a_stream_exists() -> None:
    store = MemoryStore()
    with pytest.raises(BlockNotFoundError, match="nope"):
        await post(app_with(StreamRegistry(store), scaffold_block="nope"))
    assert len(store) == 0


async def test_a_started_answer_sets_the_owner_cookie_once() -> None:
    registry = StreamRegistry()
    app = app_with(registry)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as client,
        app.router.lifespan_context(app),
    ):
        first = await client.post("/chat", data={"q": "hi"})
        second = await client.post("/chat", data={"q": "hi"})
    assert "fragments_owner=" in first.headers["set-cookie"] and "httponly" in first.headers["set-cookie"].lower()
    assert "set-cookie" not in second.headers


async def test_a_registry_runs_once_at_a_time() -> None:
    registry = StreamRegistry()
    async with registry:
        with pytest.raises(RuntimeError, match="already running"):
            await registry.__aenter__()


class OpenStreamLLM(FakeLLM):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[FakeOpenStream] = []

    def stream(self, prompt: str, /, **options: object) -> FakeOpenStream:
        self.opened.append(FakeOpenStream())
        return self.opened[-1]


@pytest.mark.parametrize("broken", ["scaffold", "route"])
async def test_a_start_that_fails_closes_the_already_open_stream(broken: str) -> None:
    llm = OpenStreamLLM()
    app = create_app(
        StreamRegistry(), llm, scaffold_block="nope" if broken == "scaffold" else "turn", routes=broken != "route"
    )
    with pytest.raises((BlockNotFoundError, ConfigurationError)):
        await post(app)
    assert llm.opened and llm.opened[0].closed


async def test_only_snapshot_modes_can_be_registry_streams() -> None:
    with pytest.raises(ConfigurationError, match="snapshots"):
        request: Any = None  # refused before the request is looked at
        await StreamRegistry().start(request, FakeLLM().stream("q"), "x.html", scaffold_block="turn", mode="append")  # type: ignore[arg-type]
