"""Generator helpers: token streams in, ``Fragment`` values out (the primitives, without HTTP)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from ._fragment import Fragment
from ._sources import iter_text
from ._text import EscapedText
from ._types import Tokens

__all__ = ("stream_to_fragments", "stream_with_sources")


async def stream_to_fragments(
    tokens: Tokens,
    template_name: str,
    block_name: str,
    /,
    *,
    context_key: str = "text",
    extra_context: Mapping[str, Any] | None = None,
) -> AsyncGenerator[Fragment, None]:
    """Yield one Fragment per token with the escaped text so far under ``context_key``.

    Each fragment's context also holds ``streaming=True`` and ``extra_context``; after the
    last token one more fragment carries the complete text with ``streaming=False``. The token
    source is closed when this generator is closed.

    Example::

        async for fragment in stream_to_fragments(llm.stream(q), "chat.html", "answer"):
            html = fragment.render(templates)
    """
    text = EscapedText()
    extra = dict(extra_context or {})
    async with aclosing(iter_text(tokens)) as deltas:
        async for delta in deltas:
            text.feed(delta)
            yield Fragment(template_name, block_name, **{**extra, context_key: text.markup(), "streaming": True})
    yield Fragment(template_name, block_name, **{**extra, context_key: text.markup(), "streaming": False})


async def stream_with_sources(
    tokens: Tokens,
    template_name: str,
    *,
    response_block: str = "response",
    sources_block: str | None = None,
    sources: Sequence[Any] | None = None,
    context_key: str = "text",
    extra_context: Mapping[str, Any] | None = None,
) -> AsyncGenerator[Fragment, None]:
    """The RAG pattern: the sources block first (with ``sources=``), then the streamed response.

    The sources fragment is yielded before the first token is awaited, so retrieved documents
    show while the model is still thinking. ``sources`` is also in every response fragment's
    context (for citations).

    Example::

        docs = retriever.search(q)
        fragments = stream_with_sources(llm.stream(q), "chat.html", sources_block="sources", sources=docs)
        return FragmentStreamResponse.from_fragments(fragments, sources_block="sources")
    """
    extra = {**(extra_context or {}), "sources": list(sources or ())}
    if sources_block is not None:
        yield Fragment(template_name, sources_block, **extra)
    response = stream_to_fragments(tokens, template_name, response_block, context_key=context_key, extra_context=extra)
    async with aclosing(response) as fragments:
        async for fragment in fragments:
            yield fragment
