"""``Fragment``: a value naming one block of one template and the context to render it with; and
the generators that turn a token stream into Fragments (the primitives, without HTTP)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from ._blocks import BlockRenderer
from ._text import EscapedText
from ._tokens import iter_text
from ._types import Templates, Tokens

__all__ = ("Fragment", "stream_to_fragments", "stream_with_sources")


class Fragment:
    """One block of one template, with its context; render it with ``render(templates)``.

    The block renders what the full page shows at that point. The template's top-level code
    runs first, without rendering the page, so ``{% extends %}``, ``{{ super() }}``, imported
    macros, a ``{% set %}`` before the block (not one after it) and a ``{% with %}`` around a
    ``scoped`` block apply as in the page. It differs from the page on purpose in two ways:

    - Autoescape is always on for the block. If the environment has autoescape off for the
      template, every ``{{ ... }}`` in the block is HTML-escaped unless its value is
      ``markupsafe.Markup``, marked ``|safe`` or inside ``{% autoescape false %}``. Streams
      put untrusted model text into the block's context, and a filter such as ``striptags``
      turns ``Markup`` back into a plain string: only autoescape keeps it escaped.
    - The context may hold only the block's data. Top-level code outside the block that fails
      (a layout's ``{{ user.name }}``, ``url_for`` without a request) stops there without
      failing the block, which renders with what was set up before; a debug line on the
      ``fastapi_fragments`` logger names where it stopped. A failure inside the block raises.

    Example::

        fragment = Fragment("chat.html", "answer", text="Hello")
        html = fragment.render(templates)            # or: await fragment.render_async(templates)
    """

    __slots__ = ("block_name", "context", "template_name")

    def __init__(self, template_name: str, block_name: str, /, **context: Any) -> None:
        self.template_name = template_name
        self.block_name = block_name
        self.context: Mapping[str, Any] = context

    def render(self, templates: Templates) -> str:
        """Render the block to an HTML string (stripped of surrounding whitespace).

        :raises TemplateNotFoundError: if the template is unknown.
        :raises BlockNotFoundError: if neither the template nor its parents define the block.
        """
        return BlockRenderer(templates, self.template_name, self.block_name, self.context).render(self.context)

    async def render_async(self, templates: Templates) -> str:
        """Render the block; also works with async environments (``enable_async=True``)."""
        renderer = BlockRenderer(templates, self.template_name, self.block_name, self.context)
        return await renderer.render_async(self.context)

    def __repr__(self) -> str:
        keys = ", ".join(sorted(self.context))
        return f"Fragment({self.template_name!r}, {self.block_name!r}, context keys: [{keys}])"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fragment):
            return NotImplemented
        return (self.template_name, self.block_name, dict(self.context)) == (
            other.template_name,
            other.block_name,
            dict(other.context),
        )

    __hash__ = None  # type: ignore[assignment]  # the context is mutable-valued, so fragments are unhashable


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
