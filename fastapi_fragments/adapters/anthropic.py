"""Anthropic adapter: :class:`AnthropicMessages` streams the Messages API through ``client.messages.stream()``.

Takes an ``anthropic`` client you built, async or sync. The SDK is never imported here: install it
with ``pip install 'fastapi-fragments[anthropic]'``. The system prompt and documents go in the
``system`` parameter (the Messages API has no system role in ``messages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from fastapi_fragments.adapters._base import ClientAdapter, DeferredCall
from fastapi_fragments.adapters._client import Document, Message
from fastapi_fragments.adapters._prompt import conversation, instructions

if TYPE_CHECKING:
    from anthropic import Anthropic, AsyncAnthropic

    AnthropicClient: TypeAlias = AsyncAnthropic | Anthropic

__all__ = ("AnthropicMessages",)


class AnthropicMessages(ClientAdapter["AnthropicClient"]):
    """Stream Anthropic Messages as text deltas (the stream's ``text_stream``).

    ``max_tokens`` is required by the API; ``request_options`` (``stop_sequences``, ``thinking``...)
    are passed to every call. ``aclose()`` closes ``client``.

    Example::

        llm = AnthropicMessages(AsyncAnthropic(), model="claude-sonnet-4-6", max_tokens=1024)
        async for delta in llm.stream("What is htmx?", documents=docs):
            print(delta, end="")
    """

    def __init__(
        self, client: AsyncAnthropic | Anthropic, /, *, model: str, max_tokens: int = 1024, **request_options: Any
    ) -> None:
        super().__init__(client, model=model, **request_options)
        self.max_tokens = max_tokens

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> Any:
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": conversation(prompt, history),
            **self.request_options,
        }
        text = instructions(system, documents, history)
        if text:
            request["system"] = text
        # Deferred although messages.stream() only builds a context manager: the async one already holds
        # the request coroutine, which would warn "never awaited" if the stream is closed unstarted.
        # iter_text enters the manager it resolves to, which sends the request.
        return DeferredCall(self._client.messages.stream, **request)
