"""Read a route's SSE stream into parsed events, with an httpx client (async or sync).

Works with ``httpx.AsyncClient``/``httpx.Client`` against a live server and with Starlette's
``TestClient`` (an ``httpx.Client``, or an ``httpx2.Client`` from Starlette 1.10 on): any client
whose ``stream()`` gives a response with ``status_code``, ``headers`` and ``iter_raw()`` will do.
Reading stops at ``max_events`` (then the connection is closed, as a browser tab closing would),
at the end of the stream, or after ``timeout`` seconds so a test never hangs on a stream that
does not end.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

try:
    import httpx  # noqa: F401 - not called here, but the clients these helpers read with are httpx's
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the installed extras
    raise ModuleNotFoundError(
        "fastapi_fragments.testing needs httpx and uvicorn: pip install 'fastapi-fragments[testing]'"
    ) from exc

from ._sse import SSEMessage, SSEParser

__all__ = ("SSEResult", "aread_events", "read_events")


class _ResponseHead(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...


class _Response(_ResponseHead, Protocol):
    def iter_raw(self) -> Iterator[bytes]: ...


class _AsyncResponse(_ResponseHead, Protocol):
    def aiter_raw(self) -> AsyncIterator[bytes]: ...


class _Client(Protocol):
    """What :func:`read_events` needs of a client: httpx's, httpx2's (TestClient) or alike."""

    def stream(self, method: str, url: str, *, timeout: Any = ...) -> AbstractContextManager[_Response]: ...


class _AsyncClient(Protocol):
    """What :func:`aread_events` needs of a client: ``httpx.AsyncClient`` or alike."""

    def stream(self, method: str, url: str, *, timeout: Any = ...) -> AbstractAsyncContextManager[_AsyncResponse]: ...


@dataclass
class SSEResult:
    """What a stream delivered: status, headers, dispatched events, comment count, raw bytes.

    Example::

        result = await aread_events(client, "/stream")
        assert result.names == ["sources", "fragment", "fragment", "done"]
    """

    status_code: int
    headers: Mapping[str, str]
    events: list[SSEMessage] = field(default_factory=list)
    comments: int = 0
    raw: bytes = b""
    ended: bool = False

    @property
    def names(self) -> list[str]:
        """The event types in order (``"message"`` for unnamed ones)."""
        return [event.event for event in self.events]

    def data_of(self, name: str) -> list[str]:
        """The data of every event of type ``name``."""
        return [event.data for event in self.events if event.event == name]


async def aread_events(
    client: _AsyncClient,
    url: str,
    *,
    method: str = "GET",
    max_events: int | None = None,
    timeout: float = 30.0,  # noqa: ASYNC109 - also httpx's per-read timeout, not only a deadline
    **request: Any,
) -> SSEResult:
    """Request ``url`` and parse its SSE stream (see the module docstring).

    Example::

        async with httpx.AsyncClient(base_url=server_url) as client:
            result = await aread_events(client, "/chat", method="POST", data={"q": "hi"})
    """
    deadline = time.monotonic() + timeout
    parser = SSEParser()
    async with client.stream(method, url, timeout=timeout, **request) as response:
        result = SSEResult(response.status_code, response.headers)
        async for chunk in response.aiter_raw():
            if _take(result, parser, chunk, max_events) or time.monotonic() > deadline:
                return result
        result.ended = True
    return result


def read_events(
    client: _Client,
    url: str,
    *,
    method: str = "GET",
    max_events: int | None = None,
    timeout: float = 30.0,
    **request: Any,
) -> SSEResult:
    """The sync twin of :func:`aread_events` (also for Starlette's ``TestClient``).

    Example::

        with TestClient(app) as client:
            result = read_events(client, "/stream")
    """
    deadline = time.monotonic() + timeout
    parser = SSEParser()
    with client.stream(method, url, timeout=timeout, **request) as response:
        result = SSEResult(response.status_code, response.headers)
        for chunk in response.iter_raw():
            if _take(result, parser, chunk, max_events) or time.monotonic() > deadline:
                return result
        result.ended = True
    return result


def _take(result: SSEResult, parser: SSEParser, chunk: bytes, max_events: int | None) -> bool:
    """Add a chunk's events to ``result``; True when ``max_events`` is reached."""
    result.raw += chunk
    result.events.extend(parser.feed(chunk))
    result.comments = parser.comments
    if max_events is not None and len(result.events) >= max_events:
        del result.events[max_events:]
        return True
    return False
