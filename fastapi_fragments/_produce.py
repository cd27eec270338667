"""What a stream renders from: a token source (re-render one block) or a stream of Fragments.

A feed has a producer side (``run``: pull from the source, update the latest state, tell the
coalescer) and a sender side (``render``: turn the latest state into frames). The response (or
a registry generation) drives both; a feed never touches the network.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Protocol

from markupsafe import Markup

from ._blocks import BlockRenderer
from ._dialects import Dialect
from ._exceptions import ConfigurationError
from ._fragment import Fragment
from ._middleware import request_defaults
from ._pace import Coalescer
from ._text import TextMode, text_mode
from ._tokens import close_quietly, discard_now, iter_text
from ._types import Context, Templates

__all__ = ("DEFAULT_ERROR_HTML", "Feed", "FragmentFeed", "TokenFeed", "TokenStreamPlan", "plan_token_stream")

logger = logging.getLogger("fastapi_fragments")

#: Shown when the model fails and no ``error_block`` is given. Never contains the exception.
DEFAULT_ERROR_HTML = (
    '<p class="fragments-error" role="alert">Sorry, the answer could not be completed. Please try again.</p>'
)


class Feed(Protocol):
    """The source-specific half of a stream (see the module docstring)."""

    interrupted: bool

    async def run(self, coalescer: Coalescer) -> None: ...

    def render_now(self, dialect: Dialect, *, final: bool) -> list[bytes] | None:
        """``render`` without a coroutine (it runs for nearly every token), or None if it must await."""
        ...

    async def render(self, dialect: Dialect, *, final: bool) -> list[bytes]: ...

    async def render_error(self, dialect: Dialect, *, builtin: bool = False) -> list[bytes]: ...

    def final_text(self) -> str: ...

    async def aclose(self) -> None: ...


class _EventIds:
    """Increasing ``id:`` values for response frames, so a reconnect can say where it was."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last += 1
        return self.last


class TokenFeed:
    """Tokens in; the response block re-rendered with the escaped text so far."""

    def __init__(
        self,
        tokens: AsyncIterator[str],
        renderer: BlockRenderer,
        *,
        context_key: str,
        error_renderer: BlockRenderer | None,
        text: TextMode,
    ) -> None:
        self._tokens = tokens
        self._renderer = renderer
        self._error_renderer = error_renderer
        self._context_key = context_key
        self._text = text
        self._ids = _EventIds()
        self._shown = Markup("")
        self.interrupted = False

    @classmethod
    def for_block(
        cls,
        tokens: Any,
        templates: Templates,
        template_name: str,
        block_name: str,
        *,
        context_key: str,
        base_context: Mapping[str, Any],
        error_block: str | None,
        mode: str = "replace",
    ) -> TokenFeed:
        """Check and prime the response (and error) block, and wrap ``tokens`` with ``iter_text``.

        ``mode`` is the text mode (``_text``): ``"replace"``, ``"append"`` or ``"markdown"``.

        :raises TemplateNotFoundError, BlockNotFoundError, ConfigurationError: before anything runs.
        """
        text = text_mode(mode)
        if not isinstance(context_key, str) or not context_key:
            raise ConfigurationError(f"context_key must be a non-empty string, got {context_key!r}")
        priming = {**base_context, context_key: "", "streaming": True, "interrupted": False}
        renderer = BlockRenderer(templates, template_name, block_name, priming)
        error_renderer = renderer.sibling(error_block) if error_block else None
        return cls(iter_text(tokens), renderer, context_key=context_key, error_renderer=error_renderer, text=text)

    async def run(self, coalescer: Coalescer) -> None:
        text, changed = self._text, coalescer.changed
        async for delta in self._tokens:
            text.feed(delta)
            if changed():
                await coalescer.render()

    def _values(self, final: bool) -> dict[str, Any]:
        # The base context is already in the renderer's primed context: only these change.
        self._shown = self._text.markup(final=final)
        return {self._context_key: self._shown, "streaming": not final, "interrupted": self.interrupted}

    async def render_ended(self) -> str:
        """The last ``render()``'s text, unadvanced, as an end (``streaming`` False, ``interrupted`` True)."""
        values = {self._context_key: self._shown, "streaming": False, "interrupted": True}
        return await self._renderer.render_async(values) if self._text.renders_block else ""

    def render_now(self, dialect: Dialect, *, final: bool) -> list[bytes] | None:
        if self._renderer.is_async:
            return None
        text = self._text
        html = ""
        if text.renders_block or final:
            renderer = self._renderer
            # Before the final render only the text changes: no mapping per frame.
            html = (
                renderer.render(self._values(final))
                if final
                else renderer.render_value(self._context_key, text.markup())
            )
        return text.frames(dialect, html, self._ids.next(), final=final)

    async def render(self, dialect: Dialect, *, final: bool) -> list[bytes]:
        text = self._text
        html = await self._renderer.render_async(self._values(final)) if text.renders_block or final else ""
        return text.frames(dialect, html, self._ids.next(), final=final)

    async def render_error(self, dialect: Dialect, *, builtin: bool = False) -> list[bytes]:
        if builtin:
            html = DEFAULT_ERROR_HTML
        elif self._error_renderer is not None:
            html = await self._error_renderer.render_async({**self._values(True), "error": True})
        else:
            partial = await self._renderer.render_async({**self._values(True), "error": True})
            html = partial + DEFAULT_ERROR_HTML
        return [self._text.error_frame(dialect, html, self._ids.next())]

    def final_text(self) -> str:
        return self._text.raw

    async def aclose(self) -> None:
        await close_quietly(self._tokens)


@dataclass(frozen=True, slots=True)
class TokenStreamPlan:
    """A token stream checked before anything runs: templates, base context, feed, sources renderer."""

    templates: Templates
    template_name: str
    base: dict[str, Any]
    feed: TokenFeed
    sources: BlockRenderer | None


def plan_token_stream(
    tokens: Any,
    template_name: str,
    block_name: str,
    *,
    templates: Templates | None,
    context_key: str,
    extra_context: Context | None,
    sources_block: str | None,
    sources: Sequence[Any] | None,
    error_block: str | None,
    mode: str = "replace",
) -> TokenStreamPlan:
    """Check every template and block a token stream needs, for a response or a registry start.

    :raises TemplateNotFoundError, BlockNotFoundError, ConfigurationError: after closing ``tokens``,
        which the caller may have opened already (an SDK stream is an HTTP response).
    """
    try:
        templates, base = request_defaults(templates, extra_context)
        base["sources"] = list(sources or ())
        feed = TokenFeed.for_block(
            tokens, templates, template_name, block_name, context_key=context_key, base_context=base,
            error_block=error_block, mode=mode,
        )  # fmt: skip
        sources_renderer = feed._renderer.sibling(sources_block) if sources_block else None  # one priming
    except BaseException:
        discard_now(tokens)
        raise
    return TokenStreamPlan(templates, template_name, base, feed, sources_renderer)


class FragmentFeed:
    """Fragments in; each rendered as it comes, the newest winning among renders of the same block.

    Renders waiting for the pace are kept one per block, so a render of another block is never
    merged away; they go out in the order their blocks first came up.
    """

    def __init__(
        self,
        fragments: AsyncIterable[Fragment],
        templates: Templates,
        *,
        sources_block: str | None,
        error_block: str | None,
        context_key: str,
    ) -> None:
        self._fragments = fragments
        self._templates = templates
        self._sources_block = sources_block
        self._error_block = error_block
        self._context_key = context_key
        self._renderers: dict[tuple[str, str], BlockRenderer] = {}
        self._pending: dict[tuple[str, str], Fragment] = {}
        self._last: Fragment | None = None
        self._ids = _EventIds()
        self.interrupted = False

    async def run(self, coalescer: Coalescer) -> None:
        async with aclosing(aiter_fragments(self._fragments)) as fragments:
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

    def render_now(self, dialect: Dialect, *, final: bool) -> None:
        return None  # each fragment may come from another template (and environment): always render()

    async def render(self, dialect: Dialect, *, final: bool) -> list[bytes]:
        pending, self._pending = self._pending, {}
        frames = []
        for fragment in pending.values():
            html = await self._renderer(fragment).render_async(fragment.context)
            if fragment.block_name == self._sources_block:
                frames.append(dialect.sources(html))
            else:
                self._last = fragment
                frames.append(dialect.response(html, self._ids.next()))
        return frames

    async def render_error(self, dialect: Dialect, *, builtin: bool = False) -> list[bytes]:
        last = self._last
        if last is not None and self._error_block is not None and not builtin:
            error = Fragment(last.template_name, self._error_block, **{**last.context, "error": True})
            html = await self._renderer(error).render_async(error.context)
        else:
            html = DEFAULT_ERROR_HTML
        return [dialect.response(html, self._ids.next())]

    def final_text(self) -> str:
        value = self._last.context.get(self._context_key, "") if self._last is not None else ""
        return value.unescape() if isinstance(value, Markup) else str(value)

    async def aclose(self) -> None:
        await close_quietly(self._fragments)


def _key(fragment: Fragment) -> tuple[str, str]:
    return (fragment.template_name, fragment.block_name)


async def aiter_fragments(fragments: AsyncIterable[Fragment]) -> AsyncGenerator[Fragment, None]:
    """Check each item is a Fragment, naming the culprit otherwise."""
    async for item in fragments:
        if not isinstance(item, Fragment):
            raise TypeError(f"from_fragments() needs Fragment items, got {type(item).__name__}")
        yield item
