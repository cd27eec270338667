"""What a route receives from ``Depends``: an LLM client that streams text deltas.

Every adapter in ``fastapi_fragments.adapters`` implements :class:`LLMClient`; so does the
embedded default and ``fastapi_fragments.testing.FakeLLM``. Routes depend on the protocol,
never on an SDK, so swapping the provider never touches a route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict, runtime_checkable

__all__ = ("Document", "LLMClient", "Message")


class Message(TypedDict):
    """One turn of a conversation, as every SDK understands it.

    Example::

        history: list[Message] = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    """

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Document:
    """A retrieved document given to the model as context (RAG).

    Example::

        Document(title="Refunds", text="Refunds take 5 days.", url="/docs/refunds")
    """

    title: str
    text: str
    url: str | None = None
    id: str | None = None


@runtime_checkable
class LLMClient(Protocol):
    """An LLM client: ``stream()`` yields text deltas; ``aclose()`` releases its connections.

    ``stream()`` must not start network I/O until iterated, and closing the returned iterator
    (``aclose()``) must close the upstream HTTP response.

    Example::

        async def get_llm(request: Request) -> LLMClient:
            return request.app.state.llm

        @app.post("/chat")
        async def chat(q: str, llm: Annotated[LLMClient, Depends(get_llm)]):
            return FragmentStreamResponse(llm.stream(q), "chat.html", "answer")
    """

    def stream(
        self,
        prompt: str,
        /,
        *,
        history: Sequence[Message] = (),
        system: str | None = None,
        documents: Sequence[Document] = (),
    ) -> AsyncIterator[str]:
        """Stream the answer to ``prompt`` as text deltas."""
        ...

    async def aclose(self) -> None:
        """Release the client's connection pool."""
        ...
