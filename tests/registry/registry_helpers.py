"""Helpers of the registry tests: follow a started answer as its owner, and read how it ended."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from fastapi_fragments.testing import SSEMessage
from tests.registry.sse_client import RawSSE

Serve = Callable[..., str]


@dataclass(frozen=True)
class Turn:
    """What the POST returned: the scaffold's URLs and the owner cookie to follow them with."""

    stream_url: str
    stop_url: str
    headers: dict[str, str]
    html: str

    async def open(self, base: str | None = None, headers: Mapping[str, str] | None = None) -> RawSSE:
        """Follow the stream as its owner, on the server at ``base`` if given (another worker)."""
        url = self.stream_url if base is None else base + urlsplit(self.stream_url).path
        return await RawSSE.open(url, headers={**self.headers, **(headers or {})})

    async def read(self, base: str | None = None, headers: Mapping[str, str] | None = None) -> list[SSEMessage]:
        """Follow the stream to its end."""
        return await (await self.open(base, headers)).read_all()


def final_fragment(events: list[SSEMessage]) -> str:
    """The data of the last ``fragment`` event of a stream that must have ended with ``done``."""
    assert events and events[-1].event == "done", events
    return [event for event in events if event.event == "fragment"][-1].data


async def start_answer(client: httpx.AsyncClient, q: str = "hello") -> Turn:
    response = await client.post("/chat", data={"q": q})
    assert response.status_code == 200, response.text
    stream_url, stop_url = (
        re.search(r'sse-connect="([^"]+)"', response.text),
        re.search(r'hx-post="([^"]+)"', response.text),
    )
    assert stream_url and stop_url, response.text
    cookie = f"fragments_owner={client.cookies['fragments_owner']}"
    base = str(client.base_url).rstrip("/")
    return Turn(base + stream_url[1], base + stop_url[1], {"Cookie": cookie}, response.text)


async def ask_and_read(url: str, headers: Mapping[str, str] | None = None) -> list[SSEMessage]:
    """POST a question to the app at ``url`` and follow its answer to the end."""
    async with httpx.AsyncClient(base_url=url) as client:
        return await (await start_answer(client)).read(headers=headers)


class FakeClock:
    """A ``time.monotonic`` stand-in that moves only when a test moves ``now``."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now
