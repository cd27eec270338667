"""PydanticAIAgent with a real pydantic-ai Agent on an OpenAI chat model, against the fake provider."""

from __future__ import annotations

from typing import ClassVar

import openai
import pytest
from pydantic_ai import Agent
from pydantic_ai.messages import ModelRequest, ModelResponse
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.models.test import TestModel
from pydantic_ai.providers.openai import OpenAIProvider

from fastapi_fragments import Document, Message
from fastapi_fragments.adapters.pydantic_ai import PydanticAIAgent
from fastapi_fragments.testing import FakeProvider
from tests.adapters.adapter_contract import AdapterContract, MakeLLM
from tests.helpers import openai_kwargs

pytestmark = pytest.mark.anyio


def agent_on(base_url: str) -> PydanticAIAgent:
    client = openai.AsyncOpenAI(**openai_kwargs(base_url))
    model = OpenAIChatModel("fake-model", provider=OpenAIProvider(openai_client=client))
    return PydanticAIAgent(Agent(model, instructions="You are terse."))


class TestPydanticAIAgent(AdapterContract):
    FLAVOURS: ClassVar[dict[str, MakeLLM]] = {"async": agent_on}


async def test_history_instructions_and_documents_reach_the_model(provider: FakeProvider) -> None:
    history: list[Message] = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    docs = [Document(title="htmx", text="htmx swaps HTML.")]
    llm = agent_on(provider.base_url)
    text = "".join([d async for d in llm.stream("And now?", history=history, system="Cite.", documents=docs)])
    assert text == "Hello, world!"
    messages = provider.requests[-1].json["messages"]
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    assert "You are terse." in system
    assert "Cite." in system
    assert "[1] htmx\nhtmx swaps HTML." in system
    assert [m for m in messages if m["role"] != "system"] == [*history, {"role": "user", "content": "And now?"}]


async def test_tokens_are_not_debounced_into_one_string() -> None:
    # pydantic-ai's default stream_text() debounce would deliver these as a single string.
    agent = Agent(TestModel(custom_output_text="one two three four"))
    assert len([d async for d in PydanticAIAgent(agent).stream("Hi")]) > 1


def test_history_becomes_model_messages() -> None:
    llm = agent_on("http://127.0.0.1:9")
    turns = llm._history([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}])
    assert [type(t) for t in turns] == [ModelRequest, ModelResponse]
