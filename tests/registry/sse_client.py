"""A raw-socket SSE client (asyncio streams, HTTP/1.1 chunked), as close to a browser's EventSource as a test gets.

It sends what EventSource sends (``Accept: text/event-stream``, ``Last-Event-ID`` on a
reconnect, the cookies) and parses with the library's spec-following parser. Closing it is a
real TCP close, which is what a phone switching networks looks like to the server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from urllib.parse import urlsplit

from fastapi_fragments.testing import SSEMessage, SSEParser


class RawSSE:
    """One GET of an SSE URL; ``next_event()`` returns events as they are dispatched."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, status: int) -> None:
        self.status = status
        self.events: list[SSEMessage] = []
        self.ended = False
        self._reader, self._writer = reader, writer
        self._parser = SSEParser()
        self._ready: list[SSEMessage] = []

    @classmethod
    async def open(cls, url: str, *, headers: Mapping[str, str] | None = None) -> RawSSE:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        lines = [f"GET {parts.path} HTTP/1.1", f"Host: {parts.netloc}", "Accept: text/event-stream"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if b"transfer-encoding: chunked" not in head.lower():
            raise AssertionError(f"expected a chunked streaming response, got {head!r}")
        return cls(reader, writer, status)

    async def next_event(self) -> SSEMessage | None:
        """The next dispatched event; None once the server ended the response."""
        while not self._ready:
            if self.ended:
                return None
            size = int((await self._reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await self._reader.readexactly(size + 2)
            if size == 0:
                self.ended = True
                continue
            self._ready.extend(self._parser.feed(chunk[:-2]))
        event = self._ready.pop(0)
        self.events.append(event)
        return event

    async def read_all(self) -> list[SSEMessage]:
        """Read until the server ends the response, then close the connection."""
        while await self.next_event() is not None:
            pass
        await self.close()
        return self.events

    async def until(self, name: str, count: int = 1) -> SSEMessage:
        """Read until the ``count``-th event named ``name``."""
        seen = sum(1 for event in self.events if event.event == name)
        while seen < count:
            event = await self.next_event()
            if event is None:
                raise AssertionError(f"the stream ended before {count} {name!r} events: {self.events}")
            seen += event.event == name
        return self.events[-1]

    async def close(self) -> None:
        """Drop the connection (a real TCP close)."""
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    @property
    def last_event_id(self) -> str:
        return self._parser.last_event_id
