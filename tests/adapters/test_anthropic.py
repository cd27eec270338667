"""AnthropicMessages with the real anthropic SDK (async and sync clients) against the fake provider."""

from __future__ import annotations

from typing import Any, ClassVar

import anthropic
import pytest

from fastapi_fragments import Document, Message
from fastapi_fragments.adapters.anthropic import AnthropicMessages
from fastapi_fragments.testing import FakeProvider
from tests.adapters.adapter_contract import AdapterContract, MakeLLM
from tests.helpers import anthropic_kwargs

pytestmark = pytest.mark.anyio


class TestAnthropicMessages(AdapterContract):
    FLAVOURS: ClassVar[dict[str, MakeLLM]] = {
        "async": lambda base: AnthropicMessages(anthropic.AsyncAnthropic(**anthropic_kwargs(base)), model="fake-model"),
        "sync": lambda base: AnthropicMessages(anthropic.Anthropic(**anthropic_kwargs(base)), model="fake-model"),
    }
    # The sync stream blocks in recv() in a worker thread; closing the socket doesn't wake it (see the
    # _sources change proposed with _items.interrupt_blocking_read).


async def test_system_text_goes_in_the_system_parameter(provider: FakeProvider) -> None:
    client = anthropic.AsyncAnthropic(**anthropic_kwargs(provider.base_url))
    llm = AnthropicMessages(client, model="claude-test", max_tokens=64, stop_sequences=["END"])
    history: list[Message] = [
        {"role": "system", "content": "Earlier rule."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
    ]
    docs = [Document(title="htmx", text="htmx swaps HTML.")]
    text = "".join([d async for d in llm.stream("What is htmx?", history=history, system="Be brief.", documents=docs)])
    assert text == "Hello, world!"
    body: Any = provider.requests[-1].json
    assert (body["model"], body["max_tokens"], body["stop_sequences"]) == ("claude-test", 64, ["END"])
    assert body["system"].startswith("Be brief.\n\nEarlier rule.\n\n")
    assert body["system"].endswith("[1] htmx\nhtmx swaps HTML.")
    assert body["messages"] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "What is htmx?"},
    ]
    await llm.aclose()
    assert client.is_closed()


async def test_no_system_parameter_without_system_text(provider: FakeProvider) -> None:
    llm = AnthropicMessages(anthropic.AsyncAnthropic(**anthropic_kwargs(provider.base_url)), model="claude-test")
    assert [d async for d in llm.stream("Hi")] == ["Hello", ", ", "world", "!"]
    assert "system" not in provider.requests[-1].json
    assert provider.requests[-1].json["max_tokens"] == 1024
    await llm.aclose()
