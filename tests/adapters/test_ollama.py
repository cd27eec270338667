"""OllamaChat with the real ollama SDK (async and sync clients) against the fake provider."""

from __future__ import annotations

from typing import ClassVar

import ollama
import pytest

from fastapi_fragments import Document
from fastapi_fragments.adapters.ollama import OllamaChat
from fastapi_fragments.testing import FakeProvider
from tests.adapters.adapter_contract import AdapterContract, MakeLLM

pytestmark = pytest.mark.anyio


class TestOllamaChat(AdapterContract):
    FLAVOURS: ClassVar[dict[str, MakeLLM]] = {
        "async": lambda base: OllamaChat(ollama.AsyncClient(host=base), model="fake-model"),
        "sync": lambda base: OllamaChat(ollama.Client(host=base), model="fake-model"),
    }
    # The sync client's generator hides its HTTP response, so nothing can wake its blocked read.
    UNINTERRUPTIBLE = frozenset({"sync"})


async def test_request_carries_messages_and_options(provider: FakeProvider) -> None:
    llm = OllamaChat(ollama.AsyncClient(host=provider.base_url), model="llama-test", options={"temperature": 0})
    docs = [Document(title="htmx", text="htmx swaps HTML.")]
    assert "".join([d async for d in llm.stream("What is htmx?", documents=docs)]) == "Hello, world!"
    body = provider.requests[-1].json
    assert body["model"] == "llama-test"
    assert body["stream"] is True
    assert body["options"]["temperature"] == 0
    assert body["messages"][0]["role"] == "system"
    assert "[1] htmx\nhtmx swaps HTML." in body["messages"][0]["content"]
    assert body["messages"][1:] == [{"role": "user", "content": "What is htmx?"}]
    await llm.aclose()
