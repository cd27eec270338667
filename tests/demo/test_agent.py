"""The demo's agent shows what the search and the embedded model did, and nothing they did not."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from pydantic_ai import messages as pai

from demo_app.agent import TOOL, DocsAgent, answer_items
from demo_app.app import EXAMPLES
from demo_app.retriever import Retriever, Search, load_corpus
from fastapi_fragments import Message
from fastapi_fragments.adapters.embedded import EmbeddedLLM
from fastapi_fragments.parts import FinishReason, PartKind, ToolStatus, Usage, fold
from fastapi_fragments.testing import FakeLLM
from tests.demo.agent_runs import events_of, instant, items_of

pytestmark = pytest.mark.anyio

RETRIEVER = Retriever(load_corpus())
#: The demo's examples; a question of stop words only (nothing to search on); one no page matches.
QUESTIONS = [*EXAMPLES, "Is it or is it not?", "Xylophone zeppelin?"]


async def embedded_answer(question: str, search: Search, history: list[Message] | None = None) -> str:
    tokens = instant().stream(question, history=history or [], documents=search.documents)
    return "".join([token async for token in tokens])


@pytest.mark.parametrize("question", QUESTIONS)
async def test_the_parts_are_the_real_search_and_the_model_s_own_answer(question: str) -> None:
    search = RETRIEVER.run(question)
    state = fold(events_of(await items_of(question, search)))
    kept = [hit for hit in search.hits if hit.kept]

    thinking = [part.text for part in state.reasoning]
    assert len(thinking) == 2, "it thinks before the tool call and after its result"
    assert f'"{question}"' in thinking[0]
    assert all(term in thinking[0] for term in search.terms)
    for number, hit in enumerate(kept, start=1):
        assert f"[{number}] {hit.document.title}: {hit.score:.2f}" in thinking[1]
    for hit in search.hits:
        if not hit.kept:
            assert f"{hit.document.title}: {hit.score:.2f}" in thinking[1].split("Left out")[1]
    if not kept:
        assert f"{TOOL} found no page" in thinking[1]

    (call,) = state.tool_calls
    assert (call.name, call.arguments, call.status) == (TOOL, {"query": question}, ToolStatus.DONE)
    assert str(call.result).startswith(f"{len(kept)} page")
    assert [doc.id for doc in search.documents] == (str(call.result).split(": ")[1].split(", ") if kept else [])

    answer = await embedded_answer(question, search)
    assert state.text == answer, "the answer is the embedded model's, unchanged"
    cited = [doc.id for number, doc in enumerate(search.documents, start=1) if f"[{number}]" in answer]
    assert [citation.document for citation in state.citations] == cited
    assert bool(cited) == bool(kept)

    tokens = EmbeddedLLM.tokenize
    read = len(tokens(question)) + sum(len(tokens(doc.text)) for doc in search.documents)
    thought = sum(len(tokens(text)) for text in thinking)
    written = thought + len(tokens(call.text)) + len(tokens(answer))
    assert state.finish is not None and state.finish.reason is FinishReason.STOP
    assert state.finish.usage == Usage(input_tokens=read, output_tokens=written, reasoning_tokens=thought)


async def test_a_follow_up_says_so_and_counts_the_history_it_read() -> None:
    question, history = EXAMPLES[2], [Message(role="user", content="Hi"), Message(role="assistant", content="Hello!")]
    search = RETRIEVER.run(question)
    state = fold(events_of(await items_of(question, search, history)))
    assert "It follows an earlier answer" in state.reasoning[0].text
    assert state.text == await embedded_answer(question, search, history)
    alone = fold(events_of(await items_of(question, search))).finish
    assert state.finish is not None and state.finish.usage is not None
    assert alone is not None and alone.usage is not None and alone.usage.input_tokens is not None
    assert state.finish.usage.input_tokens == alone.usage.input_tokens + 1 + 1


def as_pydantic_ai(item: Any) -> Any:
    """The same event made of pydantic-ai's own classes (the final run result stays as it is)."""
    kind = item.event_kind

    def part(value: Any) -> Any:
        if value.part_kind == "thinking":
            return pai.ThinkingPart(value.content)
        if value.part_kind == "text":
            return pai.TextPart(value.content)
        if value.part_kind == "tool-call":
            return pai.ToolCallPart(value.tool_name, value.args, tool_call_id=value.tool_call_id)
        return pai.ToolReturnPart(value.tool_name, value.content, value.tool_call_id)

    if kind == "part_start":
        return pai.PartStartEvent(index=item.index, part=part(item.part))
    if kind == "part_end":
        return pai.PartEndEvent(index=item.index, part=part(item.part))
    if kind == "function_tool_call":
        return pai.FunctionToolCallEvent(part(item.part))
    if kind == "function_tool_result":
        return pai.FunctionToolResultEvent(part(item.part))
    if kind == "part_delta":
        delta = item.delta
        if delta.part_delta_kind == "thinking":
            return pai.PartDeltaEvent(index=item.index, delta=pai.ThinkingPartDelta(content_delta=delta.content_delta))
        if delta.part_delta_kind == "tool_call":
            return pai.PartDeltaEvent(index=item.index, delta=pai.ToolCallPartDelta(args_delta=delta.args_delta))
        citations = [
            pai.Citation([pai.DocumentCitationSource(document_id=s.document_id, title=s.title) for s in c.sources])
            for c in getattr(delta, "citations_delta", [])
        ]
        text = pai.TextPartDelta(delta.content_delta, citations_delta=citations or None)
        return pai.PartDeltaEvent(index=item.index, delta=text)
    assert kind == "agent_run_result"
    return item


async def test_the_items_say_what_pydantic_ai_s_own_events_would() -> None:
    question = EXAMPLES[0]
    items = await items_of(question, RETRIEVER.run(question))
    assert events_of([as_pydantic_ai(item) for item in items]) == events_of(items)


async def test_closing_the_stream_mid_answer_closes_the_model_s_text_stream() -> None:
    closed: list[str] = []

    class Watched(EmbeddedLLM):
        def _source(self, *args: Any) -> AsyncIterator[str]:
            return self._watched(super()._source(*args))

        async def _watched(self, tokens: AsyncIterator[str]) -> AsyncIterator[str]:
            try:
                async for token in tokens:
                    yield token
            finally:
                closed.append("text")

    question = EXAMPLES[0]
    agent = DocsAgent(Watched(tokens_per_second=math.inf, first_token_delay=0))
    stream = agent.run(question, search=RETRIEVER.run(question))
    seen = []
    async for item in stream:
        seen.append(item)
        if item.event_kind == "part_delta" and item.delta.part_delta_kind == "text":
            break
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    assert closed == ["text"]


async def test_the_agent_writes_at_the_model_s_pace() -> None:
    question = EXAMPLES[1]
    agent = DocsAgent(EmbeddedLLM(tokens_per_second=200, first_token_delay=0, jitter=0))
    stream = agent.run(question, search=RETRIEVER.run(question))
    seen: list[object] = []
    with anyio.move_on_after(0.1):
        async for item in stream:
            seen.append(item)
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    assert 10 <= len(seen) <= 30, f"{len(seen)} items in 0.1 s; about 20 at 200 tokens a second"


async def test_another_model_streams_its_answer_only() -> None:
    question = EXAMPLES[0]
    llm = FakeLLM(["Retries ", "back off."])
    items = [item async for item in answer_items(llm, question, search=RETRIEVER.run(question), history=[])]
    assert items == ["Retries ", "back off."]
    assert llm.calls[0].documents == tuple(RETRIEVER.search(question))
    state = fold(events_of(items))
    assert (state.reasoning, state.tool_calls) == ([], [])
    assert [part.kind for part in state.parts] == [PartKind.TEXT]
