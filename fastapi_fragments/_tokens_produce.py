"""``TokenProducer``: tokens in, the route's block re-rendered with the text so far (how, the text mode says).

The producer of a text-only stream (``_produce`` has the pulling and the ending it shares with
every producer). In markdown mode the first render is the block itself, rendered with
``streaming`` True around a body element (``<div data-fragments-body>``) that the text mode's
elements then stream into, so the block's own cursor (``{% if streaming %}``) shows while
the answer streams, as in replace mode; the final update replaces it all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from markupsafe import Markup

from ._blocks import BlockRenderer
from ._closing import close_quietly
from ._hooks import Hooks
from ._pace import Coalescer
from ._produce import DEFAULT_ERROR_HTML, Producer
from ._text import ReplaceText, TextMode
from ._tokens import TextStream
from ._updates import BODY_ATTRIBUTE, Replace, Update, Whole
from .markdown._modes import MarkdownText

__all__ = ("TokenProducer",)

#: What the block showed before its first render (shared: a Markup per stream is one more object).
_NOTHING = Markup("")


class TokenProducer(Producer):
    """Tokens in; the block re-rendered with the text so far (how, the text mode says)."""

    def __init__(
        self,
        tokens: TextStream,
        renderer: BlockRenderer,
        text: TextMode,
        hooks: Hooks,
        *,
        context_key: str,
        error_renderer: BlockRenderer | None,
        sources: Callable[[], Awaitable[str]] | None = None,
        keep_ended: bool = False,
    ) -> None:
        super().__init__(hooks, sources)
        self._tokens = tokens
        self._renderer = renderer
        self._error_renderer = error_renderer
        self._context_key = context_key
        self._text = text
        self._keep_ended = keep_ended  # a registry snapshot also keeps the render as an end
        self._shown = _NOTHING
        # Replace mode rendered in sync: every frame is one Replace, made without asking the text mode.
        self._replaces = type(text) is ReplaceText and not renderer.is_async and not keep_ended
        # Markdown mode: the block around the body its elements stream into, rendered at the first
        # render and again (with the body so far) when its other variables change.
        self._markdown: MarkdownText | None = None
        self.block_due = False
        if isinstance(text, MarkdownText):
            self._markdown, self.block_due = text, True

    def _run(self, coalescer: Coalescer) -> Awaitable[None]:
        # The pump's coroutine itself, not awaited in one of this method's: a level less to
        # resume at every token.
        return self._tokens.pump(self._text.feed, coalescer.changed, coalescer.render)

    def _values(self, final: bool) -> dict[str, Any]:
        # The base context is already in the renderer's primed context: only these change.
        self._shown = self._text.markup(final=final)
        return {self._context_key: self._shown, "streaming": not final, "interrupted": self.interrupted}

    def _render_now(self) -> list[Update] | None:
        renderer, text = self._renderer, self._text
        # Before the final render only the text changes: no mapping per update.
        if self._replaces:  # replace mode's every frame: its one update, without the call to updates()
            return [Replace(renderer.render_value(self._context_key, text.markup()))]
        if renderer.is_async or self._keep_ended:
            return None
        html = renderer.render_value(self._context_key, text.markup()) if text.renders_block else ""
        updates = text.updates(html, final=False)
        if self.block_due and self._markdown is not None:  # the block, around all the updates would add
            self.block_due = False
            return [Whole(renderer.render_value(self._context_key, self._body_markup(self._markdown)))]
        return updates

    async def _render(self, *, final: bool) -> list[Update]:
        text, renderer = self._text, self._renderer
        html = await renderer.render_async(self._values(final)) if text.renders_block or final else ""
        updates = text.updates(html, final=final)
        if self.block_due and self._markdown is not None and not final:
            self.block_due = False
            values = {**self._values(final), self._context_key: self._body_markup(self._markdown)}
            updates = [Whole(await renderer.render_async(values))]
        if self._keep_ended and not final and text.renders_block:
            ended = {self._context_key: self._shown, "streaming": False, "interrupted": True}
            updates = [Replace(html, ended=await renderer.render_async(ended))]
        return updates

    def redraw_block(self) -> None:
        """The block's other variables changed (a multi-part stream's): in markdown mode, render the block again."""
        self.block_due = self._markdown is not None

    def _body_markup(self, markdown: MarkdownText) -> Markup:
        """Markdown mode's body element, with what the page shows in it (see ``MarkdownText.body``)."""
        return Markup(f"<div {BODY_ATTRIBUTE}>{markdown.body()}</div>")

    async def _render_error(self, *, builtin: bool) -> list[Update]:
        if builtin:
            html = DEFAULT_ERROR_HTML
        elif self._error_renderer is not None:
            html = await self._error_renderer.render_async({**self._values(True), "error": True})
        else:
            partial_answer = await self._renderer.render_async({**self._values(True), "error": True})
            html = partial_answer + DEFAULT_ERROR_HTML
        return self._text.error_updates(html)

    def text(self) -> str:
        return self._text.raw

    async def aclose(self) -> None:
        await close_quietly(self._tokens)
