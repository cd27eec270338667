"""Which normaliser reads a stream, decided by its first item, duck-typed as ``adapters._chunks`` does."""

from __future__ import annotations

from fastapi_fragments.parts._anthropic import AnthropicNormaliser
from fastapi_fragments.parts._langchain import LangChainNormaliser
from fastapi_fragments.parts._normaliser import Normaliser
from fastapi_fragments.parts._ollama import OllamaNormaliser
from fastapi_fragments.parts._openai_chat import OpenAIChatNormaliser
from fastapi_fragments.parts._openai_responses import OpenAIResponsesNormaliser
from fastapi_fragments.parts._pydantic_ai import PydanticAINormaliser

__all__ = ("TextNormaliser", "normaliser_for")

_ANTHROPIC_TYPES = frozenset(
    {"message_start", "message_delta", "message_stop", "content_block_start", "content_block_delta",
     "content_block_stop", "ping", "text", "thinking", "citation", "signature", "input_json"}
)  # fmt: skip


class TextNormaliser(Normaliser):
    """Plain ``str`` tokens: the answer, with ``<think>…</think>`` (and the other tags) as reasoning.

    Example::

        normaliser = TextNormaliser()
        normaliser.feed("<think>hm</think>Hi") + normaliser.finish()
    """

    def __init__(self, *, reasoning_tags: bool = True) -> None:
        super().__init__(reasoning_tags=reasoning_tags)

    def _handle(self, item: object) -> None:
        if not isinstance(item, str):
            raise TypeError(f"expected str tokens, got {type(item).__qualname__}")
        self._text(item)


def normaliser_for(item: object) -> Normaliser:
    """A new normaliser for the stream whose first item is ``item``; ``TypeError`` for an unknown shape.

    Example::

        normaliser = None
        for chunk in stream:
            normaliser = normaliser or normaliser_for(chunk)
            events = normaliser.feed(chunk)
    """
    if isinstance(item, str):
        return TextNormaliser()
    if isinstance(getattr(item, "event_kind", None), str):
        return PydanticAINormaliser()
    kind = getattr(item, "type", None)
    if isinstance(kind, str):
        if kind.startswith("response.") or (kind == "error" and hasattr(item, "message")):
            return OpenAIResponsesNormaliser()
        if kind in _ANTHROPIC_TYPES or kind == "error":
            return AnthropicNormaliser()
        if kind == "chunk" or kind.startswith(("content.", "refusal.", "tool_calls.", "logprobs.")):
            return OpenAIChatNormaliser()  # the chat.completions.stream() helper's events
    if hasattr(item, "choices"):
        return OpenAIChatNormaliser()
    if hasattr(item, "done") and (hasattr(item, "message") or hasattr(item, "response")):
        return OllamaNormaliser()
    if hasattr(item, "content_blocks") or hasattr(item, "tool_call_chunks"):
        return LangChainNormaliser()
    raise TypeError(
        f"cannot read parts from a {type(item).__module__}.{type(item).__qualname__} item: expected str or a "
        "chunk/event of a supported LLM SDK (OpenAI, Anthropic, Ollama, LiteLLM, LangChain, pydantic-ai)"
    )
