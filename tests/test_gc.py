"""freeze_after_startup(): start-up garbage is freed, the live start-up heap leaves the collector's
reach, and what the server allocates afterwards is still collected. (Its pause is measured in
benchmarks/gcpause.py, never here.)"""

from __future__ import annotations

import gc
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from fastapi_fragments import freeze_after_startup


class Node:
    """A container that can refer to itself: cyclic garbage only the cycle collector frees."""

    def __init__(self) -> None:
        self.self: Node | None = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Each test starts and ends with nothing frozen and automatic collection as it was."""
    enabled = gc.isenabled()
    gc.unfreeze()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def walked(obj: object) -> bool:
    """Whether a collection would visit ``obj`` (frozen objects are tracked, but in no generation)."""
    return any(candidate is obj for candidate in gc.get_objects())


def test_the_live_heap_is_frozen_and_what_comes_after_is_not() -> None:
    survivor = [object()]
    assert walked(survivor)
    frozen = freeze_after_startup()
    assert frozen == gc.get_freeze_count() > 0
    assert gc.is_tracked(survivor) and not walked(survivor)
    later = [object()]
    assert walked(later)


def test_start_up_garbage_is_freed_not_frozen_forever() -> None:
    gc.disable()  # no automatic collection may free the cycle first: only the helper's own
    node = Node()
    ref = weakref.ref(node)
    del node
    assert ref() is not None
    freeze_after_startup()
    assert ref() is None


def test_garbage_made_after_start_up_is_still_collected() -> None:
    freeze_after_startup()
    gc.disable()
    node = Node()
    ref = weakref.ref(node)
    del node
    gc.collect()
    assert ref() is None


def test_what_was_frozen_is_not_collected_even_as_garbage() -> None:
    # The caveat the docstring states: call it once after start-up, not while serving.
    gc.disable()
    node = Node()
    ref = weakref.ref(node)
    freeze_after_startup()
    del node
    gc.collect()
    assert ref() is not None
    gc.unfreeze()
    gc.collect()
    assert ref() is None


def test_in_a_lifespan_the_app_is_frozen_and_serves() -> None:
    counts: list[int] = []

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        counts.append(freeze_after_startup())
        yield

    app = Starlette(routes=[Route("/", hello)], lifespan=lifespan)
    assert walked(app.router.routes)
    with TestClient(app) as client:
        assert counts and counts[0] > 0
        assert not walked(app.router.routes)
        assert client.get("/").text == "hello"
