"""A fake LLM provider: a real HTTP server on 127.0.0.1 that speaks the providers' streaming wire formats.

Point a real SDK client at :attr:`FakeProvider.base_url` and it streams a scripted reply exactly as the
provider would send it: plain tokens, or reasoning, tool calls, citations, usage and a finish reason
(:class:`FakeReply` and its parts, in ``_fake_script.py``):

========================  ===========================================================
path                      wire format
========================  ===========================================================
``/v1/chat/completions``  OpenAI Chat Completions SSE (``data:`` frames, ``[DONE]``)
``/v1/responses``         OpenAI Responses SSE (typed ``response.*`` events)
``/v1/messages``          Anthropic Messages SSE (``event:`` lines are required)
``/api/chat``             Ollama chat NDJSON
========================  ===========================================================

The server runs its own event loop in a daemon thread, so it serves sync SDK clients as well as async
ones (a sync client calling a server hosted by the caller's own loop would deadlock). It records every
request, and it notices when the client hangs up even while it waits between tokens, which is how tests
prove that a closed browser tab closed the upstream connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import anyio
import anyio.to_thread

from fastapi_fragments.testing._fake_script import FakeReply
from fastapi_fragments.testing._fake_wire import Wire
from fastapi_fragments.testing._wire_openai import OpenAIChatWire, OpenAIResponsesWire
from fastapi_fragments.testing._wire_others import AnthropicWire, OllamaChatWire

__all__ = ("FakeProvider", "FakeReply", "RecordedRequest")

#: Wire format by request path.
WIRES: dict[str, Wire] = {
    "/v1/chat/completions": OpenAIChatWire(),
    "/v1/responses": OpenAIResponsesWire(),
    "/v1/messages": AnthropicWire(),
    "/api/chat": OllamaChatWire(),
}


@dataclass(slots=True)
class RecordedRequest:
    """One request the fake provider received, and how its response ended.

    Example::

        request = provider.requests[-1]
        assert request.json["model"] == "fake-model"
        with anyio.fail_after(1):
            await request.wait_disconnected()
    """

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    tokens_sent: int = 0
    #: Set when the scripted response was sent to its end (including a scripted error frame).
    completed: threading.Event = field(default_factory=threading.Event)
    #: Set when the client hung up before the last frame.
    disconnected: threading.Event = field(default_factory=threading.Event)

    @property
    def json(self) -> Any:
        """The request body decoded as JSON."""
        return json.loads(self.body)

    async def wait_disconnected(self) -> None:
        """Wait, without blocking the event loop, until the client hangs up; bound it with ``anyio.fail_after``."""
        # Short waits in a worker thread keep this cancellable: a thread blocked in wait() can't be interrupted.
        while not await anyio.to_thread.run_sync(self.disconnected.wait, 0.05):
            pass


class FakeProvider:
    """A fake LLM provider HTTP server on ``127.0.0.1`` with a free port, for sync and async tests.

    Use it as a context manager (sync or async); change :attr:`reply` between requests.

    Example::

        with FakeProvider(FakeReply(["Hel", "lo"])) as provider:
            client = AsyncOpenAI(base_url=provider.base_url + "/v1", api_key="test", max_retries=0)
            async for chunk in await client.chat.completions.create(model="m", messages=[], stream=True):
                ...
            assert provider.requests[-1].json["stream"] is True
    """

    def __init__(self, reply: FakeReply | None = None) -> None:
        self.reply = reply if reply is not None else FakeReply()
        self.requests: list[RecordedRequest] = []
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; append ``/v1`` for the OpenAI and Anthropic SDKs."""
        if self._port is None:
            raise RuntimeError("the fake provider is not running; use it as a context manager or call start()")
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> None:
        """Start serving in a daemon thread; returns once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("the fake provider is already running")
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), name="fake-provider", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._port is None:
            raise RuntimeError("the fake provider did not start within 10 seconds")

    def stop(self) -> None:
        """Stop serving, cut open responses, and join the thread."""
        if self._thread is None or self._loop is None or self._stop is None:
            return
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        self._thread, self._port = None, None
        self._ready.clear()

    def __enter__(self) -> FakeProvider:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeProvider:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        handlers: set[asyncio.Task[None]] = set()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None  # always inside a task here
            handlers.add(task)
            try:
                await self._serve(reader, writer)
            except asyncio.CancelledError:
                pass  # stop() cut this response; ending normally keeps asyncio's stream callback from logging it
            finally:
                handlers.discard(task)
                writer.close()

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            for task in list(handlers):
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await _read_request(reader)
        if request is None:
            return
        self.requests.append(request)
        wire = WIRES.get(request.path)
        reply = self.reply
        if wire is None:
            await _write_json(writer, 404, {"error": f"the fake provider has no route {request.path}"})
        elif reply.status != 200:
            await _write_json(writer, reply.status, wire.http_error(reply.status, reply.error_message))
        else:
            hangup = asyncio.ensure_future(reader.read(1))
            try:
                await _stream(writer, hangup, wire, reply, request)
            except ConnectionError:
                request.disconnected.set()
            finally:
                hangup.cancel()


async def _stream(
    writer: asyncio.StreamWriter, hangup: asyncio.Future[bytes], wire: Wire, reply: FakeReply, request: RecordedRequest
) -> None:
    """Send the scripted frames; stop as soon as the client hangs up (EOF on the read side)."""
    writer.write(
        f"HTTP/1.1 200 OK\r\ncontent-type: {wire.content_type}\r\ntransfer-encoding: chunked\r\n"
        "connection: close\r\ncache-control: no-cache\r\n\r\n".encode()
    )
    body = request.json if request.body else {}
    await _send(writer, wire.start(reply, body))
    if await _send_parts(writer, hangup, wire, reply, request, body):
        await _send(writer, wire.finish(reply, body))
    elif request.disconnected.is_set():
        return
    # Set before the last chunk goes out, so a client that has read the whole body always sees it set.
    request.completed.set()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def _send_parts(
    writer: asyncio.StreamWriter,
    hangup: asyncio.Future[bytes],
    wire: Wire,
    reply: FakeReply,
    request: RecordedRequest,
    body: Any,
) -> bool:
    """Send the script's parts, one delta per step; whether they all went (not cut by an error or hang-up)."""
    step = 0
    for position in range(len(reply.script)):
        frames = wire.part(reply, position, body)
        await _send(writer, frames.open)
        for delta in frames.deltas:
            if step == reply.fail_after:
                await _send(writer, wire.error(reply.error_message))
                return False
            if reply.delay or step == reply.stall_after:
                # Waiting on the read side, not just sleeping, is what notices a hang-up between deltas.
                await asyncio.wait({hangup}, timeout=None if step == reply.stall_after else reply.delay)
            if hangup.done():
                request.disconnected.set()
                return False
            await _send(writer, delta)
            request.tokens_sent += 1
            step += 1
        await _send(writer, frames.close)
    return True


async def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
    if not data:
        return  # an empty chunk would end the chunked body
    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
    await writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    try:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return RecordedRequest(method, path.split("?", 1)[0], headers, body)


async def _write_json(writer: asyncio.StreamWriter, status: int, payload: object) -> None:
    body = json.dumps(payload).encode()
    phrase = http.HTTPStatus(status).phrase
    writer.write(
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n".encode()
        + body
    )
    with contextlib.suppress(ConnectionError):
        await writer.drain()
