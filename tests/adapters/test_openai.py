"""OpenAIChat and OpenAIResponses, with the real openai SDK (async and sync clients) against the fake provider.

Runs in both virtualenvs: openai 3.x in the main one, openai 2.x in .venv-litellm (`make litellm`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import anyio
import openai
import pytest

from fastapi_fragments import Document, LLMClient, iter_text
from fastapi_fragments.adapters.openai import OpenAIChat, OpenAIResponses
from fastapi_fragments.testing import FakeProvider, FakeReply
from tests.adapters.adapter_contract import AdapterContract, MakeLLM
from tests.helpers import openai_kwargs

pytestmark = pytest.mark.anyio

HISTORY: Any = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
DOCS = [Document(title="htmx", text="htmx swaps HTML over the wire.", url="https://htmx.org")]


class TestOpenAIAdapters(AdapterContract):
    FLAVOURS: ClassVar[dict[str, MakeLLM]] = {
        "chat-async": lambda base: OpenAIChat(openai.AsyncOpenAI(**openai_kwargs(base)), model="fake-model"),
        "chat-sync": lambda base: OpenAIChat(openai.OpenAI(**openai_kwargs(base)), model="fake-model"),
        "responses-async": lambda base: OpenAIResponses(openai.AsyncOpenAI(**openai_kwargs(base)), model="fake-model"),
        "responses-sync": lambda base: OpenAIResponses(openai.OpenAI(**openai_kwargs(base)), model="fake-model"),
    }
    # Sync streams block in recv() in a worker thread; closing the socket doesn't wake it (see the
    # _sources change proposed with _items.interrupt_blocking_read).


async def collect(llm: LLMClient, prompt: str, **options: Any) -> str:
    return "".join([delta async for delta in llm.stream(prompt, **options)])


async def test_chat_sends_system_documents_history_then_prompt(provider: FakeProvider) -> None:
    client = openai.AsyncOpenAI(**openai_kwargs(provider.base_url))
    llm = OpenAIChat(client, model="gpt-test", temperature=0.5)
    assert await collect(llm, "What is htmx?", history=HISTORY, system="Be brief.", documents=DOCS) == "Hello, world!"
    body = provider.requests[-1].json
    assert body["model"] == "gpt-test"
    assert body["temperature"] == 0.5
    assert body["stream"] is True
    system, *turns = body["messages"]
    assert system["role"] == "system"
    assert system["content"].startswith("Be brief.")
    assert "[1] htmx (https://htmx.org)\nhtmx swaps HTML over the wire." in system["content"]
    assert turns == [*HISTORY, {"role": "user", "content": "What is htmx?"}]
    await llm.aclose()
    assert client.is_closed()


async def test_responses_sends_instructions_and_input(provider: FakeProvider) -> None:
    llm = OpenAIResponses(openai.AsyncOpenAI(**openai_kwargs(provider.base_url)), model="gpt-test")
    assert await collect(llm, "What is htmx?", history=HISTORY, documents=DOCS) == "Hello, world!"
    body = provider.requests[-1].json
    assert body["input"] == [*HISTORY, {"role": "user", "content": "What is htmx?"}]
    assert "[1] htmx" in body["instructions"]
    await llm.aclose()


async def test_responses_without_system_text_sends_no_instructions(provider: FakeProvider) -> None:
    llm = OpenAIResponses(openai.AsyncOpenAI(**openai_kwargs(provider.base_url)), model="gpt-test")
    await collect(llm, "Hi")
    assert "instructions" not in provider.requests[-1].json
    await llm.aclose()


async def test_raw_chat_stream_closes_the_upstream_when_closed(provider: FakeProvider) -> None:
    """A raw SDK stream handed to iter_text (FragmentStreamResponse's tokens) is closed with it."""
    provider.reply = FakeReply([f"t{i}" for i in range(40)], delay=0.05)
    client = openai.AsyncOpenAI(**openai_kwargs(provider.base_url))
    stream = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}], stream=True)
    texts = iter_text(stream)
    assert await texts.__anext__() == "t0"
    await texts.aclose()
    with anyio.fail_after(1):
        await provider.requests[-1].wait_disconnected()
    await client.close()
