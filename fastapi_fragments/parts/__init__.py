"""Multi-part streams: the part vocabulary, and normalisers from every supported SDK's stream items to it.

``FragmentStreamResponse(..., reasoning_block=, tools_block=, citations_block=, usage_block=,
on_finish=)`` renders them (README, "Parts"); ``on_finish`` gets a :class:`StreamResult`. A normaliser is
sans-I/O: ``feed(item)`` returns the :data:`PartEvent` values an item completes and ``finish()`` the
ones that end the stream; :class:`PartsState` folds them into what a page shows.

Example::

    from fastapi_fragments.parts import PartsState, normaliser_for

    state, normaliser = PartsState(), None
    async for chunk in await client.chat.completions.create(..., stream=True):
        normaliser = normaliser or normaliser_for(chunk)
        for event in normaliser.feed(chunk):
            state.apply(event)
    for event in normaliser.finish():
        state.apply(event)
    state.reasoning, state.tool_calls, state.text, state.finish
"""

from __future__ import annotations

from fastapi_fragments.parts._anthropic import AnthropicNormaliser
from fastapi_fragments.parts._detect import TextNormaliser, normaliser_for
from fastapi_fragments.parts._events import (
    Citation,
    Finish,
    FinishReason,
    PartDelta,
    PartEnd,
    PartEvent,
    PartKind,
    PartStart,
    ToolResult,
    ToolStatus,
    Usage,
)
from fastapi_fragments.parts._json import parse_partial_json
from fastapi_fragments.parts._langchain import LangChainNormaliser
from fastapi_fragments.parts._normaliser import Normaliser
from fastapi_fragments.parts._ollama import OllamaNormaliser
from fastapi_fragments.parts._openai_chat import OpenAIChatNormaliser
from fastapi_fragments.parts._openai_responses import OpenAIResponsesNormaliser
from fastapi_fragments.parts._pydantic_ai import PydanticAINormaliser
from fastapi_fragments.parts._result import StreamResult, ToolCall
from fastapi_fragments.parts._state import PartsState, PartState, fold
from fastapi_fragments.parts._tags import REASONING_TAGS, TagSplitter

__all__ = [
    "REASONING_TAGS",
    "AnthropicNormaliser",
    "Citation",
    "Finish",
    "FinishReason",
    "LangChainNormaliser",
    "Normaliser",
    "OllamaNormaliser",
    "OpenAIChatNormaliser",
    "OpenAIResponsesNormaliser",
    "PartDelta",
    "PartEnd",
    "PartEvent",
    "PartKind",
    "PartStart",
    "PartState",
    "PartsState",
    "PydanticAINormaliser",
    "StreamResult",
    "TagSplitter",
    "TextNormaliser",
    "ToolCall",
    "ToolResult",
    "ToolStatus",
    "Usage",
    "fold",
    "normaliser_for",
    "parse_partial_json",
]
