"""Real SDK clients streaming from the fake provider, each collected into the list of items it yields.

One entry per way a user reads a stream: ``create(stream=True)`` and the SDK's helper, sync and async.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anthropic
import ollama
import openai
from langchain_openai import ChatOpenAI

from tests.helpers import anthropic_kwargs, openai_kwargs

MESSAGES: Any = [{"role": "user", "content": "What is htmx?"}]
TOOLS: Any = [{"type": "function", "function": {"name": "search_docs", "parameters": {"type": "object"}}}]
USAGE: Any = {"include_usage": True}

Collect = Callable[[str], list[object]]
Stream = Callable[[str], Iterator[object]]
ACollect = Callable[[str], Awaitable[list[object]]]


def _chat(base: str) -> list[object]:
    client = openai.OpenAI(**openai_kwargs(base))
    return list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True, stream_options=USAGE))


def _chat_helper(base: str) -> list[object]:
    client = openai.OpenAI(**openai_kwargs(base))
    with client.chat.completions.stream(model="m", messages=MESSAGES, stream_options=USAGE) as stream:
        return list(stream)


def _responses(base: str) -> list[object]:
    return list(openai.OpenAI(**openai_kwargs(base)).responses.create(model="m", input="Hi", stream=True))


def _responses_helper(base: str) -> list[object]:
    with openai.OpenAI(**openai_kwargs(base)).responses.stream(model="m", input="Hi") as stream:
        return list(stream)


def _anthropic(base: str) -> list[object]:
    client = anthropic.Anthropic(**anthropic_kwargs(base))
    return list(client.messages.create(model="m", max_tokens=64, messages=MESSAGES, stream=True))


def _anthropic_helper(base: str) -> list[object]:
    client = anthropic.Anthropic(**anthropic_kwargs(base))
    with client.messages.stream(model="m", max_tokens=64, messages=MESSAGES) as stream:
        return list(stream)


def _ollama(base: str) -> list[object]:
    return list(ollama.Client(host=base).chat(model="m", messages=MESSAGES, stream=True, think=True))


def _langchain(base: str) -> list[object]:
    return list(ChatOpenAI(model="m", stream_usage=True, **openai_kwargs(base)).stream("Hi"))


def _langchain_responses(base: str) -> list[object]:
    model = ChatOpenAI(model="m", use_responses_api=True, output_version="v1", **openai_kwargs(base))
    return list(model.stream("Hi"))


async def _achat(base: str) -> list[object]:
    client = openai.AsyncOpenAI(**openai_kwargs(base))
    stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True, stream_options=USAGE)
    return [item async for item in stream]


async def _aresponses(base: str) -> list[object]:
    stream = await openai.AsyncOpenAI(**openai_kwargs(base)).responses.create(model="m", input="Hi", stream=True)
    return [item async for item in stream]


async def _aresponses_helper(base: str) -> list[object]:
    async with openai.AsyncOpenAI(**openai_kwargs(base)).responses.stream(model="m", input="Hi") as stream:
        return [item async for item in stream]


async def _aanthropic_helper(base: str) -> list[object]:
    client = anthropic.AsyncAnthropic(**anthropic_kwargs(base))
    async with client.messages.stream(model="m", max_tokens=64, messages=MESSAGES) as stream:
        return [item async for item in stream]


async def _aollama(base: str) -> list[object]:
    stream = await ollama.AsyncClient(host=base).chat(model="m", messages=MESSAGES, stream=True, think=True)
    return [item async for item in stream]


async def _alangchain(base: str) -> list[object]:
    return [chunk async for chunk in ChatOpenAI(model="m", stream_usage=True, **openai_kwargs(base)).astream("Hi")]


#: Sync sources by name; the name's first word is the family (what the wire can say).
SYNC: dict[str, Collect] = {
    "chat-create": _chat,
    "chat-helper": _chat_helper,
    "responses-create": _responses,
    "responses-helper": _responses_helper,
    "anthropic-create": _anthropic,
    "anthropic-helper": _anthropic_helper,
    "ollama-chat": _ollama,
    "langchain-stream": _langchain,
    "langchain_responses-stream": _langchain_responses,
}
ASYNC: dict[str, ACollect] = {
    "chat-create-async": _achat,
    "responses-create-async": _aresponses,
    "responses-helper-async": _aresponses_helper,
    "anthropic-helper-async": _aanthropic_helper,
    "ollama-chat-async": _aollama,
    "langchain-astream": _alangchain,
}


def _stream_of(open_stream: Callable[[str], Any]) -> Stream:
    def stream(base: str) -> Iterator[object]:
        yield from open_stream(base)

    return stream


#: Sync streams not collected: a test sees the items that came before an error.
SYNC_STREAMS: dict[str, Stream] = {
    "chat-create": _stream_of(
        lambda base: openai.OpenAI(**openai_kwargs(base)).chat.completions.create(
            model="m", messages=MESSAGES, stream=True
        )
    ),
    "responses-create": _stream_of(
        lambda base: openai.OpenAI(**openai_kwargs(base)).responses.create(model="m", input="Hi", stream=True)
    ),
    "anthropic-create": _stream_of(
        lambda base: anthropic.Anthropic(**anthropic_kwargs(base)).messages.create(
            model="m", max_tokens=64, messages=MESSAGES, stream=True
        )
    ),
    "ollama-chat": _stream_of(
        lambda base: ollama.Client(host=base).chat(model="m", messages=MESSAGES, stream=True, think=True)
    ),
}
