"""iter_text: every kind of source becomes text deltas, and is closed on every exit path."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from types import TracebackType

import anyio
import anyio.lowlevel
import pytest

from fastapi_fragments import ConfigurationError, TokenSourceError, iter_text
from fastapi_fragments._items import iter_items

pytestmark = pytest.mark.anyio


async def collect(source: object) -> list[str]:
    return [delta async for delta in iter_text(source)]


class Tracker:
    def __init__(self) -> None:
        self.closed = False
        self.pulled = 0


def async_tokens(tracker: Tracker, count: int = 100, fail_at: int | None = None) -> AsyncIterator[str]:
    async def gen() -> AsyncIterator[str]:
        try:
            for i in range(count):
                if i == fail_at:
                    raise RuntimeError("boom")
                tracker.pulled += 1
                await anyio.lowlevel.checkpoint()
                yield f"{i} "
        finally:
            tracker.closed = True

    return gen()


async def stalls(tracker: Tracker) -> AsyncIterator[str]:
    """One delta, then a model that stalls: a reader cancelled meanwhile must close it."""
    try:
        yield "first"
        await anyio.sleep(10)
        yield "never"
    finally:
        tracker.closed = True


async def test_async_and_sync_iterables_and_empty_deltas_skipped() -> None:
    assert await collect(["a", "", "b"]) == ["a", "b"]
    assert await collect(iter(["x", "y"])) == ["x", "y"]
    tracker = Tracker()
    assert await collect(async_tokens(tracker, 3)) == ["0 ", "1 ", "2 "]
    assert tracker.closed


async def test_awaitable_resolving_to_a_stream() -> None:
    tracker = Tracker()

    async def create() -> AsyncIterator[str]:
        return async_tokens(tracker, 2)

    assert await collect(create()) == ["0 ", "1 "]


async def test_async_context_manager_is_entered_and_exited() -> None:
    events: list[str] = []

    class Manager:
        async def __aenter__(self) -> list[str]:
            events.append("enter")
            return ["a", "b"]

        async def __aexit__(self, *exc: object) -> None:
            events.append("exit")

    assert await collect(Manager()) == ["a", "b"]
    assert events == ["enter", "exit"]


async def test_sync_context_manager_is_entered_in_a_thread_and_exited() -> None:
    threads: list[str] = []

    class Manager:
        def __enter__(self) -> list[str]:
            threads.append(threading.current_thread().name)
            return ["s"]

        def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
            threads.append("exit")

    assert await collect(Manager()) == ["s"]
    assert threads[0] != threading.main_thread().name and threads[1] == "exit"


async def test_closing_early_closes_the_source() -> None:
    tracker = Tracker()
    async with aclosing(iter_text(async_tokens(tracker))) as deltas:
        async for _ in deltas:
            break
    assert tracker.closed and tracker.pulled == 1


async def test_cancelling_the_reader_closes_the_source() -> None:
    tracker = Tracker()

    with anyio.move_on_after(0.2):
        async for _ in iter_text(stalls(tracker)):
            pass
    assert tracker.closed


async def test_errors_become_token_source_errors_with_the_cause() -> None:
    tracker = Tracker()
    with pytest.raises(TokenSourceError) as info:
        await collect(async_tokens(tracker, 5, fail_at=2))
    assert isinstance(info.value.__cause__, RuntimeError) and tracker.closed

    async def fails_to_open() -> list[str]:
        raise ConnectionError("refused")

    with pytest.raises(TokenSourceError, match="open") as info:
        await collect(fails_to_open())
    assert isinstance(info.value.__cause__, ConnectionError)


async def test_non_text_items_and_sources_are_rejected_clearly() -> None:
    with pytest.raises(TokenSourceError, match="cannot take text from a builtins.int item"):
        await collect([1, 2])
    with pytest.raises(ConfigurationError, match="not int"):  # at the call, before anything starts
        iter_text(42)

    async def resolves_to_a_number() -> int:
        return 42

    with pytest.raises(TokenSourceError, match="cannot stream text from int"):  # known only once awaited
        await collect(resolves_to_a_number())


async def test_sync_generator_is_closed_after_its_blocking_next_returns() -> None:
    state = {"closed": False, "pulled": 0}

    def blocking() -> Iterator[str]:
        try:
            while True:
                time.sleep(0.05)
                state["pulled"] += 1
                yield "x"
        finally:
            state["closed"] = True

    async with aclosing(iter_text(blocking())) as deltas:
        async for _ in deltas:
            break
    assert state["closed"]


async def test_sync_owner_close_runs_first_to_unblock_a_read() -> None:
    unblock = threading.Event()
    order: list[str] = []

    class Stream:
        """Like an SDK's sync Stream: iteration blocks on the socket until close() is called."""

        def __iter__(self) -> Iterator[str]:
            yield "first"
            unblock.wait(5)
            order.append("read returned")

        def close(self) -> None:
            order.append("close")
            unblock.set()

    with anyio.move_on_after(0.3):
        async for _ in iter_text(Stream()):
            pass
    await anyio.sleep(0.1)
    assert order[:2] == ["close", "read returned"]


class Pumped:
    """What ``TextStream.pump`` is given by a producer: the deltas fed, a render every ``every`` deltas."""

    def __init__(self, every: int = 1, render_error: Exception | None = None) -> None:
        self.fed: list[str] = []
        self.renders: list[int] = []  # how many deltas each render saw
        self.every = every
        self.render_error = render_error

    def changed(self) -> bool:
        return len(self.fed) % self.every == 0

    async def render(self) -> None:
        if self.render_error is not None:
            raise self.render_error
        self.renders.append(len(self.fed))

    async def pump(self, source: object) -> None:
        await iter_text(source).pump(self.fed.append, self.changed, self.render)


@pytest.mark.parametrize("every", [1, 2, 5])
async def test_pump_feeds_the_deltas_iteration_yields_and_renders_when_told(every: int) -> None:
    items = ["a", "", "b\ud800", "c", "", "d", "e"]  # empties skipped; a lone surrogate replaced
    pumped, tracker = Pumped(every), Tracker()
    await pumped.pump(items)
    assert pumped.fed == await collect(items) == ["a", "b" + "\ufffd" * 3, "c", "d", "e"]  # its 3 UTF-8 bytes
    assert pumped.renders == list(range(every, 6, every))  # after the delta that made changed() say so
    await Pumped(every).pump(async_tokens(tracker, 7))
    assert tracker.closed and tracker.pulled == 7


async def test_pump_raises_the_sources_error_wrapped_and_the_renders_as_it_is() -> None:
    tracker = Tracker()
    pumped = Pumped()
    with pytest.raises(TokenSourceError) as info:
        await pumped.pump(async_tokens(tracker, 5, fail_at=3))
    assert isinstance(info.value.__cause__, RuntimeError) and tracker.closed
    assert pumped.renders == [1, 2, 3]
    # A render's error (the sink's) is the caller's: not a TokenSourceError, and the source is left to it.
    tracker = Tracker()
    stream = iter_text(async_tokens(tracker, 5))
    with pytest.raises(ConnectionResetError):
        await stream.pump(lambda delta: None, lambda: True, Pumped(render_error=ConnectionResetError()).render)
    assert not tracker.closed and tracker.pulled == 1
    await stream.aclose()
    assert tracker.closed


async def test_pump_closes_the_source_when_cancelled_while_waiting_for_it() -> None:
    tracker = Tracker()

    pumped = Pumped()
    with anyio.move_on_after(0.2):
        await pumped.pump(stalls(tracker))
    assert tracker.closed and pumped.fed == ["first"] and pumped.renders == [1]


async def test_an_item_stream_pumps_its_items_as_they_come_and_asks_only_after_a_change() -> None:
    items: list[object] = [{"type": "ping"}, "", {"delta": "a"}, 7]
    fed: list[object] = []
    asked: list[int] = []

    def feed(item: object) -> bool:
        fed.append(item)
        return item != {"type": "ping"}  # a producer's "nothing changed"

    def changed() -> bool:
        asked.append(len(fed))
        return True

    renders = Pumped()
    await iter_items(items).pump(feed, changed, renders.render)
    assert fed == items  # no text extracted, nothing skipped
    assert [item async for item in iter_items(items)] == items  # as iterating it gives them
    assert asked == [2, 3, 4]  # not after the ping
    assert len(renders.renders) == 3


async def test_an_iterator_with_anext_alone_streams_through_iteration_and_the_pump() -> None:
    class AnextOnly:  # what a source's __aiter__ may return: no __aiter__ of its own
        def __init__(self) -> None:
            self.left = ["a", "b"]

        async def __anext__(self) -> str:
            if not self.left:
                raise StopAsyncIteration
            return self.left.pop(0)

    class Source:
        def __aiter__(self) -> AnextOnly:
            return AnextOnly()

    assert await collect(Source()) == ["a", "b"]
    pumped = Pumped()
    await pumped.pump(Source())
    assert pumped.fed == ["a", "b"]
