"""A real pydantic-ai agent (OpenAI chat model, real tool) against the fake provider, read as part events.

The model thinks and calls ``search_docs``; the agent runs the tool, whose result arrives as an event;
the second model request streams the answer. The normaliser must give reasoning, the tool call with its
result, the text, the finish and the run's summed usage, in that order.
"""

from __future__ import annotations

import openai
import pytest
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from fastapi_fragments.parts import (
    Finish,
    FinishReason,
    PartDelta,
    PartEnd,
    PartKind,
    PartStart,
    PydanticAINormaliser,
    ToolResult,
    ToolStatus,
    Usage,
    normaliser_for,
)
from fastapi_fragments.testing import FakeProvider, FakeReasoning, FakeReply, FakeText, FakeToolCall, FakeUsage
from tests.helpers import openai_kwargs

pytestmark = pytest.mark.anyio

THINK_AND_CALL = FakeReply(
    parts=[FakeReasoning(["Let me ", "search."]), FakeToolCall("search_docs", ['{"query": "ht', 'mx"}'], id="call_a")],
    usage=FakeUsage(12, 40, 16, 8),
)
ANSWER = FakeReply(parts=[FakeText(["htmx ", "is small."])], usage=FakeUsage(20, 5, 0, 0))


async def test_agent_run_with_a_tool(provider: FakeProvider) -> None:
    provider.reply = THINK_AND_CALL
    async with openai.AsyncOpenAI(**openai_kwargs(provider.base_url)) as client:
        agent = Agent(OpenAIChatModel("m", provider=OpenAIProvider(openai_client=client)))

        @agent.tool_plain
        def search_docs(query: str) -> str:
            provider.reply = ANSWER  # the model's second request gets the answer
            return f"3 documents about {query}"

        normaliser = None
        events = []
        async with agent.run_stream_events("What is htmx?") as stream:
            async for item in stream:
                normaliser = normaliser or normaliser_for(item)
                events += normaliser.feed(item)
    assert isinstance(normaliser, PydanticAINormaliser)
    events += normaliser.finish()
    reasoning_id = events[0].id  # type: ignore[union-attr]
    assert events == [
        PartStart(PartKind.REASONING, reasoning_id),
        PartDelta(reasoning_id, "Let me "),
        PartDelta(reasoning_id, "search."),
        PartEnd(reasoning_id),
        PartStart(PartKind.TOOL_CALL, "call_a", "search_docs"),
        PartDelta("call_a", '{"query": "ht'),
        PartDelta("call_a", 'mx"}'),
        PartEnd("call_a"),
        ToolResult("call_a", ToolStatus.DONE, "3 documents about htmx"),
        PartStart(PartKind.TEXT, events[10].id),  # type: ignore[union-attr]
        *[PartDelta(events[10].id, text) for text in ("htmx ", "is small.")],  # type: ignore[union-attr]
        PartEnd(events[10].id),  # type: ignore[union-attr]
        Finish(
            FinishReason.STOP, "stop", Usage(input_tokens=32, output_tokens=45, reasoning_tokens=16, cached_tokens=8)
        ),
    ]
