"""DeferredCall: the SDK request happens on await, a sync one in a worker thread, and iter_text closes it."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator

import anyio
import anyio.to_thread
import pytest

from fastapi_fragments import iter_text
from fastapi_fragments.adapters._base import DeferredCall

pytestmark = pytest.mark.anyio


class FakeStream:
    """A sync SDK stream: iterable and closable."""

    closed = False

    def __iter__(self) -> Iterator[str]:
        return iter(["never read"])

    def close(self) -> None:
        self.closed = True


async def test_nothing_is_called_until_awaited() -> None:
    calls: list[str] = []

    def create(model: str) -> None:
        calls.append(model)

    deferred = DeferredCall(create, model="m")
    assert calls == []
    await deferred
    assert calls == ["m"]


async def test_a_wrapped_async_function_is_awaited_on_the_event_loop() -> None:
    async def create(**request: object) -> dict[str, object]:
        return request

    @functools.wraps(create)
    def decorated(**request: object) -> object:  # like openai's @required_args: hides the coroutine function
        return create(**request)

    assert await DeferredCall(decorated, model="m") == {"model": "m"}


async def test_a_sync_call_runs_in_a_worker_thread() -> None:
    def create() -> int:
        return threading.get_ident()

    assert await DeferredCall(create) != threading.get_ident()


async def test_a_sync_request_cancelled_in_flight_is_closed_by_iter_text() -> None:
    started, release, stream = threading.Event(), threading.Event(), FakeStream()

    def create() -> FakeStream:
        started.set()
        release.wait(5)  # the request is in flight when the client goes away
        return stream

    async def consume() -> None:
        async for _ in iter_text(DeferredCall(create)):
            pass

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(consume)
        await anyio.to_thread.run_sync(started.wait, 5)
        tasks.cancel_scope.cancel()
        release.set()
    assert stream.closed
