"""Real SDK clients streaming from the fake provider, each collected into the list of items it yields.

One entry per way a user reads a stream: ``create(stream=True)`` and the SDK's helper, sync and async.
Every client and stream is closed, also when the SDK raises mid-stream: a socket left to the garbage
collector would fail a later test with a ResourceWarning.
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
USAGE: Any = {"include_usage": True}

Collect = Callable[[str], list[object]]
Stream = Callable[[str], Iterator[object]]
ACollect = Callable[[str], Awaitable[list[object]]]


def _chat(base: str) -> Iterator[object]:
    with openai.OpenAI(**openai_kwargs(base)) as client:
        kwargs: Any = {"model": "m", "messages": MESSAGES, "stream": True, "stream_options": USAGE}
        with client.chat.completions.create(**kwargs) as stream:
            yield from stream


def _chat_helper(base: str) -> Iterator[object]:
    with (
        openai.OpenAI(**openai_kwargs(base)) as client,
        client.chat.completions.stream(model="m", messages=MESSAGES, stream_options=USAGE) as stream,
    ):
        yield from stream


def _responses(base: str) -> Iterator[object]:
    with (
        openai.OpenAI(**openai_kwargs(base)) as client,
        client.responses.create(model="m", input="Hi", stream=True) as stream,
    ):
        yield from stream


def _responses_helper(base: str) -> Iterator[object]:
    with openai.OpenAI(**openai_kwargs(base)) as client, client.responses.stream(model="m", input="Hi") as stream:
        yield from stream


def _anthropic(base: str) -> Iterator[object]:
    with (
        anthropic.Anthropic(**anthropic_kwargs(base)) as client,
        client.messages.create(model="m", max_tokens=64, messages=MESSAGES, stream=True) as stream,
    ):
        yield from stream


def _anthropic_helper(base: str) -> Iterator[object]:
    with (
        anthropic.Anthropic(**anthropic_kwargs(base)) as client,
        client.messages.stream(model="m", max_tokens=64, messages=MESSAGES) as stream,
    ):
        yield from stream


def _ollama(base: str) -> Iterator[object]:
    with ollama.Client(host=base) as client:
        yield from client.chat(model="m", messages=MESSAGES, stream=True, think=True)


def _langchain(base: str) -> Iterator[object]:
    yield from ChatOpenAI(model="m", stream_usage=True, **openai_kwargs(base)).stream("Hi")


def _langchain_responses(base: str) -> Iterator[object]:
    yield from ChatOpenAI(model="m", use_responses_api=True, output_version="v1", **openai_kwargs(base)).stream("Hi")


async def _achat(base: str) -> list[object]:
    async with openai.AsyncOpenAI(**openai_kwargs(base)) as client:
        kwargs: Any = {"model": "m", "messages": MESSAGES, "stream": True, "stream_options": USAGE}
        async with await client.chat.completions.create(**kwargs) as stream:
            return [item async for item in stream]


async def _aresponses(base: str) -> list[object]:
    async with (
        openai.AsyncOpenAI(**openai_kwargs(base)) as client,
        await client.responses.create(model="m", input="Hi", stream=True) as stream,
    ):
        return [item async for item in stream]


async def _aresponses_helper(base: str) -> list[object]:
    async with (
        openai.AsyncOpenAI(**openai_kwargs(base)) as client,
        client.responses.stream(model="m", input="Hi") as stream,
    ):
        return [item async for item in stream]


async def _aanthropic_helper(base: str) -> list[object]:
    async with (
        anthropic.AsyncAnthropic(**anthropic_kwargs(base)) as client,
        client.messages.stream(model="m", max_tokens=64, messages=MESSAGES) as stream,
    ):
        return [item async for item in stream]


async def _aollama(base: str) -> list[object]:
    async with ollama.AsyncClient(host=base) as client:
        return [item async for item in await client.chat(model="m", messages=MESSAGES, stream=True, think=True)]


async def _alangchain(base: str) -> list[object]:
    return [chunk async for chunk in ChatOpenAI(model="m", stream_usage=True, **openai_kwargs(base)).astream("Hi")]


#: Sync streams, each closed with its client when the generator ends or is closed; a test that expects an
#: error iterates one to see the items that came before it.
SYNC_STREAMS: dict[str, Stream] = {
    "chat-create": _chat,
    "responses-create": _responses,
    "anthropic-create": _anthropic,
    "ollama-chat": _ollama,
}


def _collected(stream: Stream) -> Collect:
    return lambda base: list(stream(base))


#: Sync sources by name, collected; the name's first word is the family (what the wire can say).
SYNC: dict[str, Collect] = {
    name: _collected(stream)
    for name, stream in {
        **SYNC_STREAMS,
        "chat-helper": _chat_helper,
        "responses-helper": _responses_helper,
        "anthropic-helper": _anthropic_helper,
        "langchain-stream": _langchain,
        "langchain_responses-stream": _langchain_responses,
    }.items()
}
ASYNC: dict[str, ACollect] = {
    "chat-create-async": _achat,
    "responses-create-async": _aresponses,
    "responses-helper-async": _aresponses_helper,
    "anthropic-helper-async": _aanthropic_helper,
    "ollama-chat-async": _aollama,
    "langchain-astream": _alangchain,
}
