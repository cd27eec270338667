"""LangChainChat with a real langchain-openai ChatOpenAI against the fake provider."""

from __future__ import annotations

from typing import ClassVar

import pytest
from langchain_openai import ChatOpenAI

from fastapi_fragments import Message
from fastapi_fragments.adapters.langchain import LangChainChat
from fastapi_fragments.testing import FakeProvider
from tests.adapters.adapter_contract import AdapterContract, MakeLLM
from tests.helpers import openai_kwargs

pytestmark = pytest.mark.anyio


def chat_openai(base_url: str) -> LangChainChat:
    return LangChainChat(ChatOpenAI(model="fake-model", **openai_kwargs(base_url)))


class TestLangChainChat(AdapterContract):
    FLAVOURS: ClassVar[dict[str, MakeLLM]] = {"async": chat_openai}


async def test_messages_become_langchain_messages(provider: FakeProvider) -> None:
    history: list[Message] = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    llm = chat_openai(provider.base_url)
    assert "".join([d async for d in llm.stream("And now?", history=history, system="Be brief.")]) == "Hello, world!"
    assert provider.requests[-1].json["messages"] == [
        {"role": "system", "content": "Be brief."},
        *history,
        {"role": "user", "content": "And now?"},
    ]
