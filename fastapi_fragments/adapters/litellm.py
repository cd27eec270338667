"""LiteLLM adapter: :class:`LiteLLM` streams ``litellm.acompletion(..., stream=True)``, for any provider it routes.

LiteLLM is imported when the adapter is built (the import takes seconds), never by
``import fastapi_fragments``. Install it with ``pip install 'fastapi-fragments[litellm]'``; it needs
``openai<3``, so it can't share an environment with pydantic-ai's OpenAI support. Set
``LITELLM_LOCAL_MODEL_COST_MAP=True`` to stop it fetching a price list from the network at import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi_fragments.adapters._base import Adapter, DeferredCall, import_sdk
from fastapi_fragments.adapters._client import Document, Message
from fastapi_fragments.adapters._prompt import chat_messages

__all__ = ("LiteLLM",)


class LiteLLM(Adapter):
    """Stream any LiteLLM model (``"openai/gpt-4o-mini"``, ``"anthropic/claude-..."``...) as text deltas.

    ``completion_options`` (``api_base``, ``api_key``, ``temperature``...) are passed to every
    ``acompletion`` call; keys otherwise come from the usual environment variables.

    :raises ConfigurationError: if litellm is not installed.

    Example::

        llm = LiteLLM("openai/gpt-4o-mini", temperature=0.2)
        async for delta in llm.stream("What is htmx?"):
            print(delta, end="")
    """

    def __init__(self, model: str, /, **completion_options: Any) -> None:
        # Untyped on purpose: litellm lives in its own environment (openai<3), out of the main type check's reach.
        self._litellm: Any = import_sdk("litellm", "litellm")
        self.model = model
        self.completion_options = completion_options

    def __repr__(self) -> str:
        return f"LiteLLM({self.model!r})"

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> Any:
        messages = chat_messages(prompt, history, system, documents)
        return DeferredCall(
            self._litellm.acompletion, model=self.model, messages=messages, stream=True, **self.completion_options
        )
