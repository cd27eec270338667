"""pydantic-ai adapter: :class:`PydanticAIAgent` streams an agent's ``run_stream()`` text.

The system prompt and documents go in the run's ``instructions`` (added to the agent's own), the
history in ``message_history``. Text arrives through ``stream_text(delta=True, debounce_by=None)``:
pydantic-ai's default 0.1 s debounce would group tokens, and the response coalesces on its own.
Install it with ``pip install 'fastapi-fragments[pydantic-ai]'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi_fragments.adapters._base import Adapter, import_sdk
from fastapi_fragments.adapters._client import Document, Message
from fastapi_fragments.adapters._prompt import instructions

if TYPE_CHECKING:
    from pydantic_ai.agent import AbstractAgent
    from pydantic_ai.messages import ModelMessage

__all__ = ("PydanticAIAgent",)


class PydanticAIAgent(Adapter):
    """Stream a pydantic-ai agent's text output as deltas.

    ``run_options`` (``deps``, ``model_settings``, ``usage_limits``...) are passed to every ``run_stream``.
    The agent keeps its own clients: ``aclose()`` releases nothing.

    Example::

        llm = PydanticAIAgent(Agent("openai:gpt-4o-mini", instructions="Be brief."))
        async for delta in llm.stream("What is htmx?", documents=docs):
            print(delta, end="")
    """

    def __init__(self, agent: AbstractAgent[Any, Any], /, **run_options: Any) -> None:
        self._messages = import_sdk("pydantic_ai.messages", "pydantic-ai")
        self.agent = agent
        self.run_options = run_options

    def __repr__(self) -> str:
        return f"PydanticAIAgent({self.agent!r})"

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> Any:
        options = dict(self.run_options)
        text = instructions(system, documents, history)
        if text:
            options["instructions"] = text
        # run_stream() returns an async context manager: the run starts when iter_text enters it.
        return self.agent.run_stream(prompt, message_history=self._history(history) or None, **options)

    def _history(self, history: Sequence[Message]) -> list[ModelMessage]:
        messages = self._messages
        turns: list[ModelMessage] = []
        for message in history:
            if message["role"] == "user":
                turns.append(messages.ModelRequest(parts=[messages.UserPromptPart(content=message["content"])]))
            elif message["role"] == "assistant":
                turns.append(messages.ModelResponse(parts=[messages.TextPart(content=message["content"])]))
        return turns
