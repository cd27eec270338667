"""``Fragment``: a value naming one block of one template and the context to render it with; and
the generators that turn a token stream into Fragments (the primitives, without HTTP)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Mapping, Sequence
from contextlib import aclosing
from typing import Any

from markupsafe import Markup

from ._blocks import BlockRenderer
from ._closing import close_quietly
from ._hooks import Hooks
from ._pace import Coalescer
from ._produce import Producer
from ._text import EscapedText
from ._tokens import iter_text
from ._types import Templates, Tokens
from ._updates import SOURCES, Replace, Update

__all__ = ("Fragment", "FragmentProducer", "stream_to_fragments", "stream_with_sources")


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


class FragmentProducer(Producer):
    """Fragments in (``FragmentStreamResponse.from_fragments``); each rendered as it comes.

    Fragments of ``sources_block`` fill the sources part; any other block is the answer. Renders
    waiting for the pace are kept one per block, the newest winning, so a render of another
    block is never merged away; they go out in the order their blocks first came up.
    """

    def __init__(
        self,
        fragments: AsyncIterable[Fragment],
        templates: Templates,
        hooks: Hooks,
        *,
        sources_block: str | None,
        error_block: str | None,
        context_key: str,
    ) -> None:
        super().__init__(hooks)
        self._fragments = fragments
        self._templates = templates
        self._sources_block = sources_block
        self._error_block = error_block
        self._context_key = context_key
        self._renderers: dict[tuple[str, str], BlockRenderer] = {}
        self._pending: dict[tuple[str, str], Fragment] = {}
        self._last: Fragment | None = None

    async def _run(self, coalescer: Coalescer) -> None:
        async with aclosing(_checked(self._fragments)) as fragments:
            async for fragment in fragments:
                self._pending[_key(fragment)] = fragment
                if coalescer.changed():
                    await coalescer.render()

    def _renderer(self, fragment: Fragment) -> BlockRenderer:
        key = _key(fragment)
        renderer = self._renderers.get(key)
        if renderer is None:
            renderer = BlockRenderer(self._templates, fragment.template_name, fragment.block_name, fragment.context)
            self._renderers[key] = renderer
        return renderer

    async def _render(self, *, final: bool) -> list[Update]:
        pending, self._pending = self._pending, {}
        updates: list[Update] = []
        for fragment in pending.values():
            html = await self._renderer(fragment).render_async(fragment.context)
            if fragment.block_name == self._sources_block:
                updates.append(Replace(html, SOURCES))
            else:
                self._last = fragment
                updates.append(Replace(html))
        return updates

    async def _render_error(self, *, builtin: bool) -> list[Update]:
        last = self._last
        if last is None or self._error_block is None or builtin:
            return await super()._render_error(builtin=builtin)
        error = Fragment(last.template_name, self._error_block, **{**last.context, "error": True})
        return [Replace(await self._renderer(error).render_async(error.context))]

    def text(self) -> str:
        value = self._last.context.get(self._context_key, "") if self._last is not None else ""
        return value.unescape() if isinstance(value, Markup) else str(value)

    async def aclose(self) -> None:
        await close_quietly(self._fragments)


def _key(fragment: Fragment) -> tuple[str, str]:
    return (fragment.template_name, fragment.block_name)


async def _checked(fragments: AsyncIterable[Fragment]) -> AsyncGenerator[Fragment, None]:
    """Check each item is a Fragment, naming the culprit otherwise."""
    async for item in fragments:
        if not isinstance(item, Fragment):
            raise TypeError(f"from_fragments() needs Fragment items, got {type(item).__name__}")
        yield item
