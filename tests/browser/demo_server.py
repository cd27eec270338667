"""The demo as the browser tests run it: a counted, fast model and a handle to swap models."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from typing import cast

from fastapi import FastAPI

from demo_app.app import get_llm
from fastapi_fragments import Document, Message
from fastapi_fragments.adapters.embedded import EmbeddedLLM


class RecordingLLM(EmbeddedLLM):
    """The demo's model, counting how its answer streams end, so a test can see the server-side close.

    It is still an ``EmbeddedLLM``, so the demo runs it as its agent (reasoning, ``search_docs``, usage);
    the counts are of the answer's text stream. ``fail_after`` makes every answer raise after that many
    tokens, like a provider dropping out.
    """

    def __init__(self, *, fail_after: int | None = None, **settings: float) -> None:
        super().__init__(**settings)
        self.fail_after = fail_after
        self.opened = 0
        self.completed = 0
        self.closed_early = 0

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> AsyncIterator[str]:
        return self._recorded(super()._source(prompt, history, system, documents))

    async def _recorded(self, tokens: AsyncIterator[str]) -> AsyncIterator[str]:
        self.opened += 1
        complete = False
        try:
            async with aclosing(cast(AsyncGenerator[str, None], tokens)):
                async for count, token in _numbered(tokens):
                    if self.fail_after is not None and count > self.fail_after:
                        raise RuntimeError("the model crashed")
                    yield token
            complete = True
        finally:
            if complete:
                self.completed += 1
            else:
                self.closed_early += 1


async def _numbered(tokens: AsyncIterator[str]) -> AsyncIterator[tuple[int, str]]:
    count = 0
    async for token in tokens:
        count += 1
        yield count, token


def fast_model(tokens_per_second: float = 80, *, fail_after: int | None = None) -> RecordingLLM:
    """The demo's model at test speed: no first-token delay, and counted."""
    return RecordingLLM(tokens_per_second=tokens_per_second, first_token_delay=0, fail_after=fail_after)


class Demo:
    """The running demo: its URL, its app (for ``dependency_overrides``) and the default model."""

    def __init__(self, app: FastAPI, url: str, llm: RecordingLLM) -> None:
        self.app = app
        self.url = url
        self.llm = llm

    def use(self, llm: RecordingLLM | None) -> None:
        """Answer with ``llm`` from now on (None: back to the default), without touching the routes."""
        if llm is None:
            self.app.dependency_overrides.pop(get_llm, None)
        else:
            self.app.dependency_overrides[get_llm] = lambda: llm
