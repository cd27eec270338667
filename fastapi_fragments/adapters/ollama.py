"""Ollama adapter: :class:`OllamaChat` streams ``client.chat(..., stream=True)``.

Takes an ``ollama`` client you built. Prefer ``ollama.AsyncClient``: the sync client's generator can
only stop after its current blocking read returns, so a closed tab releases the upstream a little
later. The SDK is never imported here: install it with ``pip install 'fastapi-fragments[ollama]'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from fastapi_fragments.adapters._base import ClientAdapter, DeferredCall
from fastapi_fragments.adapters._client import Document, Message
from fastapi_fragments.adapters._prompt import chat_messages

if TYPE_CHECKING:
    from ollama import AsyncClient, Client

    OllamaClient: TypeAlias = AsyncClient | Client

__all__ = ("OllamaChat",)


class OllamaChat(ClientAdapter["OllamaClient"]):
    """Stream an Ollama chat as text deltas.

    ``request_options`` (``options={"temperature": 0}``, ``keep_alive``, ``think``...) are passed to every
    call. ``aclose()`` closes ``client``.

    Example::

        llm = OllamaChat(ollama.AsyncClient(), model="llama3.2")  # OLLAMA_HOST, or localhost:11434
        async for delta in llm.stream("What is htmx?"):
            print(delta, end="")
    """

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> Any:
        messages = chat_messages(prompt, history, system, documents)
        return DeferredCall(self._client.chat, model=self.model, messages=messages, stream=True, **self.request_options)
