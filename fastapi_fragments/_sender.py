"""Sending one ``FragmentStreamResponse`` over ASGI: the per-request half of the response.

The request's own task pulls the source, renders and sends (one event-loop turn per frame). A
second task listens for the client going away, which cancels everything and closes the source
(the upstream LLM request with it), and sends a keep-alive ping every ``ping`` seconds. The
coalescer's flusher, a third, exists only once the source has gone quiet with text unsent.
sse-starlette's own ``__call__`` runs five tasks per response and a cancel scope per send,
which doubled our CPU per frame and memory per stream (``benchmarks/README.md``).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
from starlette.types import Message, Receive, Send

from ._coalesce import Coalescer, Pace
from ._dialects import Dialect
from ._feeds import DEFAULT_ERROR_HTML, Feed
from ._hooks import ErrorHook, call_hook
from ._types import TextHook
from ._watcher import watching

__all__ = ("Delivery", "Sender")

logger = logging.getLogger("fastapi_fragments")


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one response is delivered: the hooks, and sse-starlette's connection options."""

    on_complete: TextHook | None
    on_error: ErrorHook | None
    on_disconnect: TextHook | None
    ping_interval: float  # 0: no pings
    ping: Callable[[], bytes]
    send_timeout: float | None
    on_client_close: Callable[[Message], Awaitable[None]] | None
    grace_period: float  # how long the final frames may take once the server is shutting down


class Sender:
    """Streams ``feed`` to one client: sources, coalesced renders, the final render, ``done``."""

    def __init__(
        self,
        send: Send,
        dialect: Dialect,
        feed: Feed,
        pace: Pace,
        sources: Callable[[], Awaitable[str]] | None,
        delivery: Delivery,
    ) -> None:
        self._send = send
        self._dialect = dialect
        self._feed = feed
        self._pace = pace
        self._sources = sources
        self._delivery = delivery
        self._failure: BaseException | None = None
        self._pulling = anyio.CancelScope()
        self._stream_scope = anyio.CancelScope()  # cancelled when the client leaves: ends everything
        self._client_gone = False
        self._ended = False  # a hook has been told how the stream ended

    async def run(self, receive: Receive, start: Message) -> None:
        """Send the response, from ``start`` to the end of the body; returns when the stream is over."""
        await self._send(start)
        # A plain asyncio task: an anyio task group (a scope, a handle, callbacks) costs more per
        # stream than everything else it would do here.
        watcher = asyncio.get_running_loop().create_task(self._watch_client(receive))
        coalescer = Coalescer(self._pace, self._emit)
        try:
            with self._stream_scope:
                await self._stream(coalescer)
        finally:
            watcher.cancel()
            coalescer.close()
            if not self._ended:  # the client left (or the request was cancelled): the answer stays unfinished
                await self._feed.aclose()
                await call_hook(self._delivery.on_disconnect, self._feed.final_text())
        if not self._client_gone:
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _stream(self, coalescer: Coalescer) -> None:
        dialect, hooks = self._dialect, self._delivery
        try:
            if self._sources is not None:
                await self._send_frames([dialect.sources(await self._sources())])
            with self._pulling, watching(self._pulling):
                try:
                    await self._feed.run(coalescer)
                except Exception as exc:
                    self._failure = exc
                finally:
                    await self._feed.aclose()
            await coalescer.finish()
            if self._pulling.cancel_called and self._failure is None:  # only shutdown cancels it without a failure
                self._feed.interrupted = True
                with anyio.move_on_after(hooks.grace_period):
                    await self._send_frames(await self._last_frames())
                self._ended = True
                await call_hook(hooks.on_disconnect, self._feed.final_text())
            else:
                await self._send_frames(await self._last_frames())
                self._ended = True
                if self._failure is None:
                    await call_hook(hooks.on_complete, self._feed.final_text())
        except Exception as exc:
            # Last resort (a sources template that fails on this data, text that cannot be
            # encoded...): the stream must still end with a message and done, or the browser
            # reconnects and runs the model again.
            logger.exception("the stream broke; ending it with the built-in error message")
            await self._feed.aclose()
            self._ended = True
            await call_hook(hooks.on_error, exc)
            await self._send_frames([dialect.response(DEFAULT_ERROR_HTML, 0)])
        done = dialect.done()
        if done:
            await self._send_frames([done])

    async def _emit(self) -> int:
        """Render the latest state and send it (the coalescer decides when); returns the bytes sent."""
        try:
            frames = await self._feed.render(self._dialect, final=False)
        except Exception as exc:
            self._failure = exc
            self._pulling.cancel()  # stop pulling; the error block is sent as the last frame
            return 0
        return await self._send_frames(frames)

    async def _last_frames(self) -> list[bytes]:
        dialect, hooks = self._dialect, self._delivery
        if self._failure is None:
            try:
                return await self._feed.render(dialect, final=True)
            except Exception as exc:
                self._failure = exc
        logger.error("the stream failed; sending the error fragment", exc_info=self._failure)
        await call_hook(hooks.on_error, self._failure)
        try:
            return await self._feed.render_error(dialect)
        except Exception:
            logger.exception("rendering the error block failed too; sending the built-in message")
            return await self._feed.render_error(dialect, builtin=True)

    async def _send_frames(self, frames: list[bytes]) -> int:
        if not frames:
            return 0
        body = frames[0] if len(frames) == 1 else b"".join(frames)
        message = {"type": "http.response.body", "body": body, "more_body": True}
        timeout = self._delivery.send_timeout
        if timeout is None:
            await self._send(message)
        else:
            with anyio.move_on_after(timeout) as waited:
                await self._send(message)
            if waited.cancelled_caught:  # the client stopped reading: give up on it like on a disconnect
                logger.warning("a send took longer than send_timeout=%s s; closing the stream", timeout)
                self._gone()
        return len(body)

    async def _watch_client(self, receive: Receive) -> None:
        """Wait for the client to leave (then cancel the stream); meanwhile ping every ``ping_interval``."""
        hooks = self._delivery
        interval = hooks.ping_interval or math.inf
        try:
            while True:
                with anyio.move_on_after(interval):
                    while True:
                        message = await receive()
                        if message["type"] == "http.disconnect":
                            if hooks.on_client_close is not None:
                                await hooks.on_client_close(message)
                            self._gone()
                            return
                await self._send_frames([hooks.ping()])
        except Exception:  # a failing close handler or ping: the connection is not usable
            logger.exception("watching the client failed; closing the stream")
            self._gone()

    def _gone(self) -> None:
        self._client_gone = True
        self._stream_scope.cancel()
