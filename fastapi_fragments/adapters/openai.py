"""OpenAI adapters: Chat Completions (:class:`OpenAIChat`) and the Responses API (:class:`OpenAIResponses`).

Both take an ``openai`` client you built (async or sync, openai 2.x or 3.x, or any client speaking the
same API, such as Azure OpenAI or a local OpenAI-compatible server via ``base_url``). The SDK is never
imported here: install it with ``pip install 'fastapi-fragments[openai]'``.

The Responses API reports failures as stream events (``error``, ``response.failed``) instead of
raising; ``iter_text`` turns them into ``TokenSourceError`` like every other upstream failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from fastapi_fragments.adapters._base import ClientAdapter, DeferredCall
from fastapi_fragments.adapters._client import Document, Message
from fastapi_fragments.adapters._prompt import chat_messages, conversation, instructions

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

    OpenAIClient: TypeAlias = AsyncOpenAI | OpenAI

__all__ = ("OpenAIChat", "OpenAIResponses")


class OpenAIChat(ClientAdapter["OpenAIClient"]):
    """Stream Chat Completions (``client.chat.completions.create(..., stream=True)``) as text deltas.

    ``request_options`` (``temperature``, ``max_completion_tokens``, ``stream_options``...) are passed to
    every ``create`` call. ``aclose()`` closes ``client``.

    Example::

        llm = OpenAIChat(AsyncOpenAI(), model="gpt-4o-mini", temperature=0.2)
        async for delta in llm.stream("What is htmx?", system="Be brief."):
            print(delta, end="")
    """

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> Any:
        messages = chat_messages(prompt, history, system, documents)
        return DeferredCall(
            self._client.chat.completions.create,
            model=self.model,
            messages=messages,
            stream=True,
            **self.request_options,
        )


class OpenAIResponses(ClientAdapter["OpenAIClient"]):
    """Stream the Responses API (``client.responses.create(..., stream=True)``) as text deltas.

    The system prompt and documents go in ``instructions``; history and the prompt in ``input``.

    Example::

        llm = OpenAIResponses(AsyncOpenAI(), model="gpt-4.1-mini")
        async for delta in llm.stream("What is htmx?", documents=docs):
            print(delta, end="")
    """

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> Any:
        request: dict[str, Any] = {"model": self.model, "input": conversation(prompt, history), "stream": True}
        text = instructions(system, documents, history)
        if text:
            request["instructions"] = text
        return DeferredCall(self._client.responses.create, **request, **self.request_options)
