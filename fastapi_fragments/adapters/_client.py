"""What a route receives from ``Depends``: an LLM client that streams text deltas.

Every adapter in ``fastapi_fragments.adapters`` implements :class:`LLMClient`; so does the
embedded default and ``fastapi_fragments.testing.FakeLLM``. Routes depend on the protocol,
never on an SDK, so swapping the provider never touches a route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict, runtime_checkable

__all__ = ("Document", "LLMClient", "Message", "check_documents")


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


def check_documents(documents: object) -> tuple[Document, ...]:
    """``documents`` as a tuple, checked where the caller passes them, not deep in a model.

    Only :class:`Document` items are accepted, not mappings: a mistyped key would silently drop a
    field, and the type checker sees a ``Document`` too. Convert rows with ``Document(**row)``.

    :raises TypeError: naming ``Document`` and the offending item, for anything else (a dict, a
        string, a single Document not in a list).
    """
    if isinstance(documents, str | bytes | Document | Mapping) or not isinstance(documents, Sequence):
        raise TypeError(f"documents must be a sequence of fastapi_fragments.Document, got {type(documents).__name__}")
    for index, item in enumerate(documents):
        if not isinstance(item, Document):
            hint = " (convert it with Document(**item))" if isinstance(item, Mapping) else ""
            raise TypeError(
                f"documents[{index}] is a {type(item).__name__}, not a fastapi_fragments.Document{hint}: "
                "build each with Document(title=..., text=..., url=...)"
            )
    return tuple(documents)


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
        """Stream the answer to ``prompt`` as text deltas.

        :raises TypeError: when ``documents`` is not a sequence of :class:`Document` (see
            :func:`check_documents`), at this call rather than when the stream is read.
        """
        ...

    async def aclose(self) -> None:
        """Release the client's connection pool."""
        ...
