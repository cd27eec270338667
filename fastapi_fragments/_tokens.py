"""Normalise anything that yields text into one async iterator of text deltas, and always close it.

A token source may be an async or sync iterable of ``str``, an awaitable resolving to one, a
context manager that yields one (``client.messages.stream(...)``), or an SDK stream whose items
``adapters._chunks.extract_text`` understands. Whatever it was, the consumer sees ``AsyncIterator[str]``
and closing that iterator (or cancelling the task reading it) closes the upstream: leaving the
``async with`` of the SDK, ``aclose()``/``close()`` on the stream. A ``break`` alone would leave
the HTTP response open and the LLM billing.

Sync sources run in a worker thread so they never block the event loop. Starlette's
``iterate_in_threadpool`` is not used because it never closes the iterator; and the lock is a
threading lock because a cancelled ``await`` does not stop the worker thread, so closing must
wait for the ``next()`` in flight (closing a running generator raises ``ValueError``).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import anyio
import anyio.to_thread

from ._exceptions import ConfigurationError, TokenSourceError
from .adapters._chunks import extract_text, interrupt_blocking_read, reads_async, text_iterable

__all__ = ("TextStream", "check_tokens", "close_quietly", "discard", "discard_now", "iter_text")

logger = logging.getLogger("fastapi_fragments")

#: How long closing a source may take before we give up on it (seconds).
CLOSE_TIMEOUT = 5.0

_DONE = object()


def iter_text(source: Any) -> TextStream:
    """Yield the text deltas of ``source``; close it on every exit path.

    Any exception raised by the source (opening, iterating, or an SDK error event) is
    re-raised as :class:`~fastapi_fragments.TokenSourceError` with the original as
    ``__cause__``. Empty deltas are skipped. Closing the result closes ``source`` even if it
    was never iterated (an SDK stream is already an open HTTP response). What can never stream
    text (a ``str``, bytes, a number, ``None``) raises :class:`~fastapi_fragments.ConfigurationError`
    at once (see :func:`check_tokens`).

    Example::

        stream = await client.chat.completions.create(model="m", messages=msgs, stream=True)
        async for delta in iter_text(stream):   # str deltas; the HTTP response is closed at the end
            print(delta, end="")
    """
    if isinstance(source, TextStream):
        return source
    check_tokens(source)
    return TextStream(source)


def check_tokens(source: object) -> None:
    """Refuse what can never stream text, at the call that passed it (before any response starts).

    A ``str`` is iterable (by character) and would "stream", and an object with nothing to iterate
    would fail only once the response had started, looking like an LLM failure. What is accepted
    is what :func:`iter_text` can open: an (async) iterable, an awaitable or (async) context
    manager resolving to one, or an SDK object offering its text (``text_stream``, ``stream_text``).

    Example::

        check_tokens(llm.stream(q))  # fine
        check_tokens("hello")        # ConfigurationError: pass an iterable of text deltas
    """
    if isinstance(source, str | bytes | bytearray | memoryview):
        raise ConfigurationError(
            f"tokens must be an iterable of text deltas, not one {type(source).__name__}: pass the LLM's stream "
            "(llm.stream(...)), or a list such as [text] for a fixed answer"
        )
    if not any(hasattr(source, name) for name in _STREAMABLE) and not inspect.isawaitable(source):
        raise ConfigurationError(
            f"tokens must be an async or sync iterable of str, or an SDK stream (see iter_text), "
            f"not {type(source).__name__}: pass llm.stream(...) or an async generator of text deltas"
        )


#: The attributes of what ``iter_text`` can open: iterables, context managers, SDK text offers.
_STREAMABLE = ("__aiter__", "__iter__", "__aenter__", "__enter__", "text_stream", "stream_text")


class TextStream:
    """What :func:`iter_text` returns: text deltas from one source, closable before or after it started.

    A plain class rather than an async generator: one layer less per token, which the response
    pays for nearly every frame. Any way out of ``__anext__`` but a delta (the end, an error,
    cancellation) closes the source before it returns.
    """

    __slots__ = ("_closed", "_items", "_source", "_stack")
    raw = False  # True: items are yielded as they come (the parts producer's stream), not as their text

    def __init__(self, source: Any) -> None:
        self._source = source
        self._stack: AsyncExitStack | None = None  # when opening entered or registered more than an iterator
        self._items: AsyncIterator[Any] | None = None
        self._closed = False

    def __aiter__(self) -> TextStream:
        return self

    async def __anext__(self) -> str:
        items = self._items
        if items is None:
            items = await self._start()
        while True:
            try:
                item = await items.__anext__()
                text = item if type(item) is str else extract_text(item)  # str: the common case, no call
            except BaseException as exc:  # the end, an error, or cancelled while waiting: close it now
                await self._failed(exc)
                raise
            if text:
                return text if text.isascii() else _encodable(text)

    async def pump(
        self, feed: Callable[[Any], object], changed: Callable[[], bool], render: Callable[[], Awaitable[object]]
    ) -> None:
        """The producer's loop: ``feed`` each delta, then ``await render()`` whenever ``changed()`` says so.

        The same deltas as iterating this stream, and closed the same ways, without a coroutine per
        delta (``__anext__``'s was a twentieth of a frame's CPU with ``min_interval=0``). The source
        is read with ``async for``, taken up again after each render; an error of ``render`` is the
        caller's, not the source's. A ``raw`` stream (``ItemStream``) feeds each item as it comes,
        and ``changed()`` is asked only when ``feed`` returns something true (what the item changed).
        """
        items = self._items
        if items is None:
            items = await self._start()
        raw = self.raw
        while True:
            try:
                async for item in items:
                    if raw:
                        if feed(item) and changed():
                            break
                        continue
                    text = item if type(item) is str else extract_text(item)
                    if text:
                        feed(text if text.isascii() else _encodable(text))
                        if changed():
                            break
                else:
                    break  # the source's end
            except BaseException as exc:
                await self._failed(exc)
                raise
            await render()
        await self.aclose()

    async def _failed(self, exc: BaseException) -> None:
        """Close the source on any way out but an item; raise an error as :class:`TokenSourceError`."""
        await self.aclose()
        if _wraps(exc):
            raise TokenSourceError(f"the token source failed: {exc!r}") from exc

    async def _start(self) -> AsyncIterator[Any]:
        if self._closed:
            raise StopAsyncIteration
        source = self._source
        try:
            iterable = reads_async(source) and not inspect.isawaitable(source)
            if iterable and (self.raw or text_iterable(source) is None):  # else the text it offers
                # The common case, an async iterator of text: nothing to enter, and closing it
                # needs no exit stack (about a kilobyte per open stream).
                self._items = source.__aiter__()
            else:
                self._stack = AsyncExitStack()
                self._items = await _open(source, self._stack, raw=self.raw)
        except BaseException as exc:
            await self.aclose()
            if _wraps(exc):
                raise TokenSourceError(f"the token source failed to open: {exc!r}") from exc
            raise
        return self._items

    @property
    def closed(self) -> bool:
        """Whether the source has been closed (it ran to its end, failed, or ``aclose`` was called)."""
        return self._closed

    async def aclose(self) -> None:
        """Close the source: what opening registered, or the source itself if it never started."""
        if self._closed:
            return
        self._closed = True
        items, self._items = self._items, None
        if self._stack is not None:
            # Not in a scope of ours: the stack may exit the SDK's own context manager, whose
            # cancel scopes must unwind in the order they were entered. Its closes are shielded.
            await self._stack.aclose()
        elif items is not None:  # opened as a plain async iterator
            await close_quietly(items)
            if items is not self._source:
                await close_quietly(self._source)
        else:
            await discard(self._source)


def _encodable(text: str) -> str:
    """``text`` with a lone surrogate (half of a split ``\\uXXXX`` escape) replaced: it cannot be encoded as UTF-8."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _wraps(exc: BaseException) -> bool:
    """Whether ``exc`` from a source is re-raised as TokenSourceError: an error, not the end or a
    cancellation, and not already wrapped (by a nested iter_text, an adapter's stream)."""
    return isinstance(exc, Exception) and not isinstance(exc, (StopAsyncIteration, TokenSourceError))


async def discard(source: Any) -> None:
    """Close a source that will never be iterated: an unawaited coroutine, an open SDK stream."""
    if inspect.iscoroutine(source):
        source.close()  # never awaited: no request was made, and no "never awaited" warning
    elif not isinstance(source, (str, bytes, list, tuple)):
        await close_quietly(source)


def discard_now(source: Any) -> None:
    """:func:`discard` from sync code (a constructor that failed), as far as sync code can.

    An unawaited coroutine or a sync ``close()`` is handled; an object whose only close is async
    (an async SDK stream) is left to the garbage collector, with a warning in the log.
    """
    if inspect.iscoroutine(source):
        source.close()
        return
    close = getattr(source, "close", None)
    if callable(close) and not inspect.iscoroutinefunction(close):
        close()
    elif close is not None or (hasattr(source, "aclose") and not inspect.isasyncgen(source)):
        logger.warning("%r could not be closed from sync code; close it when building the response fails", source)


async def _open(source: Any, stack: AsyncExitStack, *, raw: bool = False) -> AsyncIterator[Any]:
    """Resolve awaitables and context managers; register every close on ``stack``.

    ``raw``: an iterable SDK object is iterated itself (its events), not for the text it offers.
    """
    if inspect.isawaitable(source):
        source = await source
    if hasattr(source, "__aenter__") and not hasattr(source, "__aiter__"):
        source = await stack.enter_async_context(source)
    elif hasattr(source, "__enter__") and not hasattr(source, "__iter__") and not hasattr(source, "__aiter__"):
        source = await anyio.to_thread.run_sync(stack.enter_context, source)
    owner = source  # what holds the HTTP response, when text_iterable swaps in a text stream
    inner = None if raw and (hasattr(source, "__aiter__") or hasattr(source, "__iter__")) else text_iterable(source)
    if inner is not None:
        stack.push_async_callback(close_quietly, source)
        source = inner
    if reads_async(source):
        iterator = source.__aiter__()
        stack.push_async_callback(close_quietly, iterator)
        if iterator is not source:
            stack.push_async_callback(close_quietly, source)
        return iterator  # type: ignore[no-any-return]
    if hasattr(source, "__iter__") and not isinstance(source, (str, bytes)):
        threaded = _ThreadedIterator(source, owner)
        stack.push_async_callback(threaded.aclose)
        return threaded
    raise TypeError(f"cannot stream text from {type(source).__name__}: expected an (async) iterable of str")


async def close_quietly(obj: Any) -> None:
    """Close ``obj`` (``aclose`` or ``close``, awaited if async), shielded and bounded in time."""
    if (inspect.isasyncgen(obj) and obj.ag_frame is None) or (isinstance(obj, TextStream) and obj.closed):
        return  # it ran to its end and closed what it held: no scope to pay for
    close = getattr(obj, "aclose", None) or getattr(obj, "close", None)
    if close is None:
        return
    with anyio.move_on_after(CLOSE_TIMEOUT, shield=True) as scope:
        try:
            result = close()
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.warning("closing the token source %r failed", obj, exc_info=True)
    if scope.cancelled_caught:
        logger.warning("closing the token source %r took longer than %s s; abandoned", obj, CLOSE_TIMEOUT)


class _ThreadedIterator:
    """Iterate a sync iterable in worker threads, one ``next()`` at a time, and close it safely."""

    def __init__(self, iterable: Any, owner: Any) -> None:
        self._iterable = iterable
        self._owner = owner
        self._iterator: Iterator[Any] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def __aiter__(self) -> _ThreadedIterator:
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
