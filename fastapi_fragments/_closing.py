"""Closing a token source, whatever it is: bounded in time, shielded from cancellation, quiet on failure.

A source that is never iterated (an unawaited coroutine, an SDK stream already open) is discarded;
one that was is closed with ``aclose()`` or ``close()``. A close that hangs is abandoned after
``CLOSE_TIMEOUT``, with a warning: the stream must still end.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

import anyio

__all__ = ("CLOSE_TIMEOUT", "close_quietly", "discard", "discard_now")

logger = logging.getLogger("fastapi_fragments")

#: How long closing a source may take before we give up on it (seconds).
CLOSE_TIMEOUT = 5.0


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


async def close_quietly(obj: Any) -> None:
    """Close ``obj`` (``aclose`` or ``close``, awaited if async), shielded and bounded in time."""
    if (inspect.isasyncgen(obj) and obj.ag_frame is None) or getattr(obj, "closed", False) is True:
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
