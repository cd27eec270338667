"""The HTTP sink: one SSE response over ASGI, for a ``FragmentStreamResponse`` or a registry follower.

One task runs the producer (pull, render, write: one event-loop turn per frame), while the
request's task listens for the client going away, which stops the producer and closes its
source (the upstream LLM request with it); nothing more is sent then. The loop monitor
(``_loop``) says when the server shuts down and when a keep-alive ping is due (every ``ping``
seconds, to the second). sse-starlette's own ``__call__`` runs five tasks per response and a
cancel scope per send, which doubled our CPU per frame and memory per stream
(``benchmarks/README.md``).

This module is asyncio-only, on purpose and measured: the pull task and the listener are plain
asyncio tasks, owned by :meth:`Sender.run`, which never returns before both are done. An AnyIO
task group and a cancel scope per stream cost about a kilobyte each of the 30 KiB per open
stream the benchmarks allow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from sse_starlette import ServerSentEvent
from starlette.types import Message, Receive, Send

from ._closing import CLOSE_TIMEOUT
from ._dialects import Dialect, encode
from ._hooks import HOOK_TIMEOUT
from ._loop import LoopMonitor
from ._pace import Pace
from ._produce import Producer
from ._updates import ANSWER, Outcome, Replace, Update, numbered

__all__ = ("Delivery", "Sender", "require_asyncio")

logger = logging.getLogger("fastapi_fragments")

#: A keep-alive comment: proxies close connections that stay silent (sse-starlette pings every 15 s).
PING = b": ping\n\n"

#: How long a request cancelled from outside waits for its pull task to wind down: a hook and
#: a source's close, each bounded on its own.
_WORKER_GRACE = HOOK_TIMEOUT + CLOSE_TIMEOUT


def require_asyncio() -> None:
    """Raise a RuntimeError that says why, unless this runs on an asyncio event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            "FragmentStreamResponse streams on asyncio (uvicorn, hypercorn's asyncio worker, granian's asyncio "
            "loop): its sender is asyncio-only by design (see fastapi_fragments/_wire.py), and this server runs "
            "another event loop"
        ) from None


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one response is delivered: pings, the send timeout, the close handler, the shutdown grace."""

    ping_interval: float  # 0: no pings
    ping_factory: Callable[[], ServerSentEvent] | None  # sse-starlette's ping_message_factory; None: ``PING``
    send_timeout: float | None
    on_client_close: Callable[[Message], Awaitable[None]] | None
    grace_period: float  # how long the final frames may take once the server is shutting down


class Sender:
    """Streams one producer to one client: the sink its updates are written to (see the module docstring)."""

    def __init__(self, send: Send, dialect: Dialect, delivery: Delivery, monitor: LoopMonitor) -> None:
        self._send = send
        self._dialect = dialect
        self._delivery = delivery
        self._monitor = monitor
        self._producer: Producer | None = None
        self._event_id = 0
        self._client_gone = False
        self._next_ping = monitor.clock() + delivery.ping_interval
        self._ping_task: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[Any] | None = None  # the request's task, while it listens
        self._produced = False  # the producer's task is done

    async def run(
        self, receive: Receive, status: int, headers: Sequence[tuple[bytes, bytes]], producer: Producer, pace: Pace
    ) -> None:
        """Send the response, from its start to the end of the body; returns when the stream is over."""
        self._producer = producer
        worker: asyncio.Task[None] | None = None
        try:
            try:
                await self._send({"type": "http.response.start", "status": status, "headers": headers})
            except OSError:  # the client left before the response started (ASGI 2.4)
                self._gone()
                return
            # The producer gets a task of its own: a token then resumes a stack a few frames
            # deep, not the twenty of uvicorn, Starlette's middleware and the routing under this
            # call. This task listens for the client leaving meanwhile, until the producer is done.
            worker = asyncio.get_running_loop().create_task(self._produce(producer, pace))
            await self._listen(receive, worker)
            await asyncio.shield(worker)  # a cancellation of this task must not reach a hook running there
        finally:
            if worker is not None and not worker.done():  # cancelled from outside: a middleware, a forced shutdown
                # Stop the producer as if the client had left: it closes the source as it unwinds
                # (closing it from here meanwhile would find the model's generator still running),
                # and a hook already running finishes, which a native cancel() would cut short.
                self._gone()
                with anyio.CancelScope(shield=True):  # anyio re-cancels every await in a cancelled scope
                    await asyncio.wait({worker}, timeout=_WORKER_GRACE)
                    if not worker.done():  # stuck in a send to a client that stopped reading
                        worker.cancel()
                        await asyncio.wait({worker})
            if self._ping_task is not None:
                self._ping_task.cancel()  # no ping may follow the end of the body
            await producer.left()  # the client left before the producer's end told a hook
        if not self._client_gone:
            await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _produce(self, producer: Producer, pace: Pace) -> None:
        self._monitor.watch(self)
        try:
            await producer.pull(self, pace)
        finally:
            self._monitor.unwatch(self)
        await producer.end(self, grace=self._delivery.grace_period)

    def write(self, updates: Sequence[Update]) -> Awaitable[int]:
        """Encode ``updates`` for this client's dialect and send them in one body chunk; resolves to the bytes.

        Not a coroutine itself: it runs per frame, and the send is the only step that awaits.
        """
        if len(updates) == 1:  # nearly every frame: no list to build and join
            update = updates[0]
            if type(update) is Replace and update.part is ANSWER and update.seq is None:  # replace mode's every frame
                self._event_id += 1  # encode() and numbered() would say the same, two calls later
                return self._send_body(self._dialect.response(update.html, self._event_id))
            return self._send_body(self._encode(update))
        return self._send_body(b"".join([self._encode(update) for update in updates]))

    def _encode(self, update: Update) -> bytes:
        if numbered(update):
            self._event_id += 1
        return encode(self._dialect, update, self._event_id)

    async def _send_body(self, body: bytes) -> int:
        if not body or self._client_gone:
            return 0
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
        """Watch the client until it leaves or ``worker`` (the producer) is done, whichever comes first.

        The worker's end cancels this task's wait for ``receive()``, as ``asyncio.timeout`` does its
        own (``uncancel`` tells that cancellation from a real one): an anyio scope here would cost
        most of a kilobyte per open stream. The callback is a method, not a closure: one object
        per open stream instead of four (the function, its cells and their tuple).
        """
        me = self._listener = asyncio.current_task()
        worker.add_done_callback(self._stop_listening)
        try:
            await self._watch_client(receive)
        except asyncio.CancelledError:
            if not self._produced or me is None or me.uncancel() > 0:
                raise  # cancelled from outside too
        finally:
            worker.remove_done_callback(self._stop_listening)
            self._listener = None

    def _stop_listening(self, _: asyncio.Task[None]) -> None:
        self._produced = True
        if self._listener is not None:
            self._listener.cancel()

    async def _watch_client(self, receive: Receive) -> None:
        """Wait for the client to leave, then stop the producer."""
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
        """The server is shutting down (the loop monitor says): end with the final frames."""
        if self._producer is not None:
            self._producer.stop(Outcome.SHUTDOWN)

    def tick(self, now: float) -> None:
        """Once a second, from the loop monitor: a keep-alive ping when ``ping_interval`` is up."""
        interval = self._delivery.ping_interval
        if interval and now >= self._next_ping and not self._client_gone:
            self._next_ping = now + interval
            if self._ping_task is None or self._ping_task.done():
                self._ping_task = asyncio.get_running_loop().create_task(self._send_ping())

    async def _send_ping(self) -> None:
        try:
            factory = self._delivery.ping_factory
            await self._send_body(PING if factory is None else factory().encode())
        except Exception:
            logger.exception("sending a keep-alive ping failed")

    def _gone(self) -> None:
        self._client_gone = True
        if self._producer is not None:
            self._producer.stop(Outcome.CLIENT_LEFT)
