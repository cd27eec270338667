"""Normalise anything that yields text into one async iterator of text deltas, and always close it.

A token source may be an async or sync iterable of ``str``, an awaitable resolving to one, a
context manager that yields one (``client.messages.stream(...)``), or an SDK stream whose items
``adapters._chunks.extract_text`` understands. Whatever it was, the consumer sees ``AsyncIterator[str]``
and closing that iterator (or cancelling the task reading it) closes the upstream: leaving the
``async with`` of the SDK, ``aclose()``/``close()`` on the stream. A ``break`` alone would leave
the HTTP response open and the LLM billing.

Sync sources run in worker threads (``_threaded``); closing, bounded in time, is ``_closing``'s.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import anyio.to_thread

from ._closing import close_quietly, discard
from ._exceptions import ConfigurationError, TokenSourceError
from ._threaded import ThreadedIterator
from .adapters._chunks import extract_text, reads_async, text_iterable

__all__ = ("TextStream", "check_tokens", "iter_text")

logger = logging.getLogger("fastapi_fragments")


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
        caller's, one of ``feed`` the source's (a text mode only stores the delta; a multi-part
        stream's normaliser reads the item, and an SDK's error event is the source failing). A
        ``raw`` stream (``ItemStream``) feeds each item as it comes, and ``changed()`` is asked only
        when ``feed`` returns something true (what the item changed).
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
            if not hasattr(self._items, "__aiter__"):  # only __anext__: pump's async for needs __aiter__
                self._items = _Anext(self._items)
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


class _Anext:
    """An async iterator with ``__anext__`` alone, which ``__aiter__``'s callers accept and ``async for`` does not."""

    __slots__ = ("_iterator",)

    def __init__(self, iterator: Any) -> None:
        self._iterator = iterator

    def __aiter__(self) -> _Anext:
        return self

    def __anext__(self) -> Any:
        return self._iterator.__anext__()

    async def aclose(self) -> None:
        await close_quietly(self._iterator)


def _encodable(text: str) -> str:
    """``text`` with a lone surrogate (half of a split ``\\uXXXX`` escape) replaced: it cannot be encoded as UTF-8."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _wraps(exc: BaseException) -> bool:
    """Whether ``exc`` from a source is re-raised as TokenSourceError: an error, not the end or a
    cancellation, and not already wrapped (by a nested iter_text, an adapter's stream)."""
    return isinstance(exc, Exception) and not isinstance(exc, (StopAsyncIteration, TokenSourceError))


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
        threaded = ThreadedIterator(source, owner)
        stack.push_async_callback(threaded.aclose)
        return threaded
    raise TypeError(f"cannot stream text from {type(source).__name__}: expected an (async) iterable of str")
