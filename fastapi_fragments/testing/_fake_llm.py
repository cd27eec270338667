"""``FakeLLM``: a scripted LLM client for tests (tokens, delays, failure after N tokens)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

import anyio

from ..adapters._client import Document, Message, check_documents

__all__ = ("FakeLLM", "FakeLLMCall", "FakeLLMError", "FakeOpenStream")


class FakeOpenStream:
    """An SDK stream handed over already open (its HTTP response exists before iteration).

    It yields ``tokens`` and records whether it was closed, to test that a route closes a
    stream it never iterated (a HEAD request, a failing constructor, a refused start).

    Example::

        stream = FakeOpenStream()
        client.head("/answer")            # the route returns FragmentStreamResponse(stream, ...)
        assert stream.closed
    """

    def __init__(self, tokens: Sequence[str] = ()) -> None:
        self._tokens = iter(tokens)
        self.closed = False

    def __aiter__(self) -> FakeOpenStream:
        return self

    async def __anext__(self) -> str:
        try:
            return next(self._tokens)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """Close the (pretend) HTTP response."""
        self.closed = True


class FakeLLMError(RuntimeError):
    """Raised by a FakeLLM stream scripted to fail (``fail_after``)."""


@dataclass
class FakeLLMCall:
    """One ``stream()`` call: what was asked, how many tokens were pulled, whether it was closed."""

    prompt: str
    history: Sequence[Message]
    system: str | None
    documents: Sequence[Document]
    pulled: int = 0
    finished: bool = False
    closed: bool = False
    closed_event: anyio.Event | None = field(default=None, repr=False)


class FakeLLM:
    """A scripted LLM client implementing ``LLMClient``, for tests and demos.

    ``tokens`` is the answer as a list of deltas, or a function of the prompt returning one.
    ``delay`` is the pause before each token, ``fail_after`` makes the stream raise
    :class:`FakeLLMError` (whose message contains ``secret``, to prove it never reaches a page)
    after that many tokens. Every call is recorded in ``calls``, with how many tokens were
    pulled and whether the stream was closed.

    Example::

        llm = FakeLLM(["Hel", "lo"], delay=0.01, fail_after=None)
        app.dependency_overrides[get_llm] = lambda: llm
        read_events(client, "/answer")
        assert llm.calls[0].closed
    """

    def __init__(
        self,
        tokens: Sequence[str] | Callable[[str], Sequence[str]] = ("Hello", ",", " world", "!"),
        *,
        delay: float = 0.0,
        first_delay: float = 0.0,
        fail_after: int | None = None,
        secret: str = "SECRET-upstream-error-detail",
    ) -> None:
        self.tokens = tokens
        self.delay = delay
        self.first_delay = first_delay
        self.fail_after = fail_after
        self.secret = secret
        self.calls: list[FakeLLMCall] = []
        self.closed = False

    def stream(
        self,
        prompt: str,
        /,
        *,
        history: Sequence[Message] = (),
        system: str | None = None,
        documents: Sequence[Document] = (),
    ) -> AsyncIterator[str]:
        """Stream the scripted answer; nothing runs until the iterator is first awaited.

        :raises TypeError: like every client, at this call, for documents that are not ``Document``.
        """
        call = FakeLLMCall(prompt, tuple(history), system, check_documents(documents))
        self.calls.append(call)
        return self._run(call)

    async def _run(self, call: FakeLLMCall) -> AsyncIterator[str]:
        call.closed_event = anyio.Event()
        tokens = self.tokens(call.prompt) if callable(self.tokens) else self.tokens
        try:
            if self.first_delay:
                await anyio.sleep(self.first_delay)
            for index, token in enumerate(tokens):
                if self.fail_after is not None and index >= self.fail_after:
                    raise FakeLLMError(f"upstream exploded: {self.secret}")
                if self.delay:
                    await anyio.sleep(self.delay)
                call.pulled += 1
                yield token
            if self.fail_after is not None and self.fail_after >= len(tokens):
                raise FakeLLMError(f"upstream exploded: {self.secret}")
            call.finished = True
        finally:
            call.closed = True
            call.closed_event.set()

    async def aclose(self) -> None:
        """Mark the client closed (a real adapter closes its connection pool here)."""
        self.closed = True
