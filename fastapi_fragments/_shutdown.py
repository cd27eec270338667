"""Server shutdown, as open streams see it: the answer is cut short and ends with a final frame.

uvicorn waits for open responses before it exits, and an SSE stream stays open for as long as
the model talks. sse-starlette patches uvicorn's exit handler to set its public
``AppStatus.should_exit``; one watcher task per event loop polls that flag (and uvicorn's own,
in case the patch came too late) and cancels the scope each open stream registered.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
from sse_starlette.sse import AppStatus

__all__ = ("POLL_INTERVAL", "on_shutdown")

#: How often the watcher looks at the shutdown flags (seconds); sse-starlette polls as often.
POLL_INTERVAL = 0.5


class _Watch(threading.local):
    """The scopes to cancel on shutdown, and the watcher task of this thread's event loop."""

    def __init__(self) -> None:
        self.scopes: set[anyio.CancelScope] = set()
        self.task: asyncio.Task[None] | None = None


_watch = _Watch()


@contextmanager
def on_shutdown(scope: anyio.CancelScope) -> Iterator[None]:
    """Cancel ``scope`` if the server shuts down while the ``with`` block runs.

    Example::

        with anyio.CancelScope() as pulling, on_shutdown(pulling):
            await pull_tokens()
        interrupted = pulling.cancelled_caught
    """
    if _shutting_down():
        scope.cancel()
    loop = asyncio.get_running_loop()
    if _watch.task is None or _watch.task.done() or _watch.task.get_loop() is not loop:
        _watch.task = loop.create_task(_watch_flags())
    _watch.scopes.add(scope)
    try:
        yield
    finally:
        _watch.scopes.discard(scope)


async def _watch_flags() -> None:
    while not _shutting_down():  # noqa: ASYNC110 - the flags are plain attributes: nothing can wake us
        await asyncio.sleep(POLL_INTERVAL)
    for scope in list(_watch.scopes):
        scope.cancel()


def _shutting_down() -> bool:
    if AppStatus.should_exit:
        return True
    # uvicorn installs its exit handler as a bound method: its server is the handler's __self__.
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return AppStatus.enable_automatic_graceful_drain and bool(getattr(server, "should_exit", False))
