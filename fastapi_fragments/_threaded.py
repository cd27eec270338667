"""A sync token source read in worker threads, one ``next()`` at a time, and closed safely.

Sync sources run in a worker thread so they never block the event loop. Starlette's
``iterate_in_threadpool`` is not used because it never closes the iterator; and the lock is a
threading lock because a cancelled ``await`` does not stop the worker thread, so closing must
wait for the ``next()`` in flight (closing a running generator raises ``ValueError``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.to_thread

from ._closing import CLOSE_TIMEOUT
from .adapters._chunks import interrupt_blocking_read

__all__ = ("ThreadedIterator",)

logger = logging.getLogger("fastapi_fragments")

_DONE = object()


class ThreadedIterator:
    """Iterate a sync iterable in worker threads, one ``next()`` at a time, and close it safely."""

    def __init__(self, iterable: Any, owner: Any) -> None:
        self._iterable = iterable
        self._owner = owner
        self._iterator: Iterator[Any] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def __aiter__(self) -> ThreadedIterator:
        return self

    def _next(self) -> Any:
        with self._lock:
            if self._closed:
                return _DONE
            if self._iterator is None:
                self._iterator = iter(self._iterable)
            return next(self._iterator, _DONE)

    async def __anext__(self) -> Any:
        item = await anyio.to_thread.run_sync(self._next, abandon_on_cancel=True)
        if item is _DONE:
            raise StopAsyncIteration
        return item

    def _close(self) -> None:
        # Wake a next() stuck in a read first: closing a socket does not, shutting it down does.
        # Then the owner's close() (an SDK Stream.close()); only then can we take the lock and
        # close the generator.
        interrupt_blocking_read(self._owner)
        owner_close = getattr(self._owner, "close", None)
        if callable(owner_close) and self._owner is not self._iterator:
            owner_close()
        with self._lock:
            self._closed = True
            iterator_close = getattr(self._iterator, "close", None)
            if callable(iterator_close):
                iterator_close()

    async def aclose(self) -> None:
        with anyio.move_on_after(CLOSE_TIMEOUT, shield=True):
            try:
                await anyio.to_thread.run_sync(self._close, abandon_on_cancel=True)
            except Exception:
                logger.warning("closing the sync token source %r failed", self._owner, exc_info=True)
