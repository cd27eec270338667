"""Sending one ``FragmentStreamResponse`` over ASGI: the per-request half of the response.

One task pulls the source, renders and sends (one event-loop turn per frame), while the
request's task listens for the client going away, which stops the pull and closes the source
(the upstream LLM request with it); nothing more is sent then. The per-loop watcher
(``_watcher``) says when the server shuts down and when a keep-alive ping is due (every
``ping`` seconds, to the second). The coalescer's flusher, a third task, exists only once the
source has gone quiet with text unsent. sse-starlette's own ``__call__``
runs five tasks per response and a cancel scope per send, which doubled our CPU per frame and
memory per stream (``benchmarks/README.md``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from time import monotonic

import anyio
from starlette.types import Message, Receive, Send

from ._dialects import Dialect
from ._hooks import HOOK_TIMEOUT, ErrorHook, call_hook
from ._loop import watching
from ._pace import Coalescer, Pace
from ._produce import DEFAULT_ERROR_HTML, Feed
from ._tokens import CLOSE_TIMEOUT
from ._types import TextHook

__all__ = ("Delivery", "Sender")

logger = logging.getLogger("fastapi_fragments")

#: How long a request cancelled from outside waits for its pull loop to wind down: a hook and
#: a source's close, each bounded on its own.
_WORKER_GRACE = HOOK_TIMEOUT + CLOSE_TIMEOUT


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
        self._pulling = anyio.CancelScope()  # cancelled by the client leaving, shutdown or a failed render
        self._client_gone = False
        self._next_ping = monotonic() + delivery.ping_interval
        self._ping_task: asyncio.Task[None] | None = None
        self._ended = False  # a hook has been told how the stream ended
        self._broken: Exception | None = None  # the sources could not be sent
        self._finishing: anyio.CancelScope | None = None  # around the sends after the pull

    async def run(self, receive: Receive, start: Message) -> None:
        """Send the response, from ``start`` to the end of the body; returns when the stream is over."""
        coalescer = Coalescer(self._pace, self._send_frames)
        worker: asyncio.Task[None] | None = None
        try:
            try:
                await self._send(start)
            except OSError:  # the client left before the response started (ASGI 2.4)
                self._gone()
                return
            await self._send_sources()
            # The pull loop gets a task of its own: a token then resumes a stack a few frames
            # deep, not the twenty of uvicorn, Starlette's middleware and the routing under this
            # call. This task listens for the client leaving meanwhile, until the loop is done.
            worker = asyncio.get_running_loop().create_task(self._stream(coalescer))
            await self._listen(receive, worker)
            await asyncio.shield(worker)  # a cancellation of this task must not reach a hook running there
        finally:
            if worker is not None and not worker.done():  # cancelled from outside: a middleware, a forced shutdown
                # Stop the pull as if the client had left: the loop closes the source as it unwinds
                # (closing it from here meanwhile would find the model's generator still running),
                # and a hook already running finishes, which a native cancel() would cut short.
                self._gone()
                coalescer.close()  # its flusher may be in a send to a client that stopped reading
                with anyio.CancelScope(shield=True):  # anyio re-cancels every await in a cancelled scope
                    await asyncio.wait({worker}, timeout=_WORKER_GRACE)
                    if not worker.done():  # stuck in a send to a client that stopped reading
                        worker.cancel()
                        await asyncio.wait({worker})
            if self._ping_task is not None:
                self._ping_task.cancel()  # no ping may follow the end of the body
            coalescer.close()
            if not self._ended:  # the client left (or the request was cancelled): the answer stays unfinished
                await self._feed.aclose()
                await call_hook(self._delivery.on_disconnect, self._feed.final_text())
        if not self._client_gone:
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _send_sources(self) -> None:
        """The sources frame, sent by the request's task: before the pull loop's task even starts."""
        if self._sources is not None:
            try:
                html, self._sources = await self._sources(), None
                await self._send_frames([self._dialect.sources(html)])
            except Exception as exc:
                self._broken = exc  # _stream ends the stream with the built-in message

    async def _stream(self, coalescer: Coalescer) -> None:
        broken = self._broken
        if broken is None:
            try:
                with self._pulling, watching(self):
                    try:
                        await self._feed.run(coalescer)
                    except Exception as exc:
                        self._failure = exc
                    finally:
                        await self._feed.aclose()
                await coalescer.finish()
            except Exception as exc:  # a send in the coalescer's flusher failed
                broken = exc
        # A send after the pull can wait on a client that stopped reading: the client leaving (or
        # the request being cancelled) stops it through this scope, made only now because a scope
        # per open stream is most of a kilobyte.
        self._finishing = anyio.CancelScope()
        with self._finishing:
            await self._finish(broken)

    async def _finish(self, broken: Exception | None) -> None:
        """The stream's last frames and hook, for however it ended; ``broken``: it broke outright."""
        dialect, hooks = self._dialect, self._delivery
        try:
            if broken is not None:
                raise broken
            if self._client_gone:
                self._ended = True
                await call_hook(hooks.on_disconnect, self._feed.final_text())
                return
            if self._pulling.cancel_called and self._failure is None:  # the server is shutting down
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

    async def _last_frames(self) -> list[bytes]:
        dialect, hooks = self._dialect, self._delivery
        if self._failure is None:
            try:
                return await self._feed.render(dialect, final=True)
            except Exception as exc:
                self._failure = exc
        logger.error("the stream failed; sending the error fragment", exc_info=self._failure)
        self._ended = True  # told by on_error: a cancellation while the error frame goes out adds no on_disconnect
        await call_hook(hooks.on_error, self._failure)
        try:
            return await self._feed.render_error(dialect)
        except Exception:
            logger.exception("rendering the error block failed too; sending the built-in message")
            return await self._feed.render_error(dialect, builtin=True)

    async def _send_frames(self, frames: list[bytes] | None = None) -> int:
        """Send ``frames``, or (``None``: the coalescer's call) the latest state rendered now; returns the bytes.

        Rendering and sending share one coroutine because the coalescer's call runs for nearly
        every token with ``min_interval=0``. Nothing is sent once the client is gone.
        """
        if self._client_gone:
            return 0
        if frames is None:
            try:
                frames = self._feed.render_now(self._dialect, final=False)
                if frames is None:
                    frames = await self._feed.render(self._dialect, final=False)
            except Exception as exc:
                self._failure = exc
                self._pulling.cancel()  # stop pulling; the error block is sent as the last frame
                return 0
        if not frames:
            return 0
        body = frames[0] if len(frames) == 1 else b"".join(frames)
        message = {"type": "http.response.body", "body": body, "more_body": True}
        timeout = self._delivery.send_timeout
        try:
            if timeout is None:
                await self._send(message)
            else:
                with anyio.move_on_after(timeout) as waited:
                    await self._send(message)
                if waited.cancelled_caught:  # the client stopped reading: give up on it as on a disconnect
                    logger.warning("a send took longer than send_timeout=%s s; closing the stream", timeout)
                    self._gone()
        except OSError:  # servers other than uvicorn may raise when the client has gone (ASGI 2.4)
            self._gone()
        return len(body)

    async def _listen(self, receive: Receive, worker: asyncio.Task[None]) -> None:
        """Watch the client until it leaves or ``worker`` (the pull loop) is done, whichever comes first.

        The worker's end cancels this task's wait for ``receive()``, as ``asyncio.timeout`` does its
        own (``uncancel`` tells that cancellation from a real one): an anyio scope here would cost
        most of a kilobyte per open stream.
        """
        me = asyncio.current_task()
        done = False

        def stop_listening(_: asyncio.Task[None]) -> None:
            nonlocal done
            done = True
            if me is not None:
                me.cancel()

        worker.add_done_callback(stop_listening)
        try:
            await self._watch_client(receive)
        except asyncio.CancelledError:
            if not done or me is None or me.uncancel() > 0:
                raise  # cancelled from outside too
        finally:
            worker.remove_done_callback(stop_listening)

    async def _watch_client(self, receive: Receive) -> None:
        """Wait for the client to leave, then stop the pull."""
        try:
            while (message := await receive())["type"] != "http.disconnect":
                pass
            handler = self._delivery.on_client_close
            if handler is not None:
                await handler(message)
        except Exception:  # a failing close handler: the client is gone all the same
            logger.exception("the client_close_handler_callable failed")
        self._gone()

    def shut_down(self) -> None:
        """The server is shutting down (the watcher says): stop pulling, end with the final frames."""
        self._pulling.cancel()

    def tick(self, now: float) -> None:
        """Once a second, from the watcher: a keep-alive ping when ``ping_interval`` is up."""
        interval = self._delivery.ping_interval
        if interval and now >= self._next_ping and not self._client_gone:
            self._next_ping = now + interval
            if self._ping_task is None or self._ping_task.done():
                self._ping_task = asyncio.get_running_loop().create_task(self._send_ping())

    async def _send_ping(self) -> None:
        try:
            await self._send_frames([self._delivery.ping()])
        except Exception:
            logger.exception("sending a keep-alive ping failed")

    def _gone(self) -> None:
        self._client_gone = True
        self._pulling.cancel()
        if self._finishing is not None:
            self._finishing.cancel()
