"""``TokenProducer``: tokens in, the route's block re-rendered with the text so far (how, the text mode says).

The producer of a text-only stream (``_produce`` has the pulling and the ending it shares with
every producer). In markdown mode the unfinished tail goes out inside the block, rendered with
``streaming`` True, so the block's own cursor (``{% if streaming %}``) shows while the answer
streams, as in replace mode; the tail is cleared, not rendered, by the final update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from markupsafe import Markup

from ._blocks import BlockRenderer
from ._hooks import Hooks
from ._pace import Coalescer
from ._produce import DEFAULT_ERROR_HTML, Producer
from ._text import MarkdownText, ReplaceText, TextMode
from ._tokens import close_quietly
from ._updates import Replace, Tail, Update

__all__ = ("TokenProducer",)

#: What the block showed before its first render (shared: a Markup per stream is one more object).
_NOTHING = Markup("")


class TokenProducer(Producer):
    """Tokens in; the block re-rendered with the text so far (how, the text mode says)."""

    def __init__(
        self,
        tokens: Any,
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
        # Markdown mode: the unfinished tail goes out inside the block (streaming True), so the
        # block's own cursor shows while the answer streams; its final tail is cleared as it is.
        self._tail_in_block = isinstance(text, MarkdownText)

    async def _run(self, coalescer: Coalescer) -> None:
        text = self._text
        async for delta in self._tokens:
            text.feed(delta)
            if coalescer.changed():  # as fast as a local bound method, which would be one more object
                await coalescer.render()

    def _values(self, final: bool) -> dict[str, Any]:
        # The base context is already in the renderer's primed context: only these change.
        self._shown = self._text.markup(final=final)
        return {self._context_key: self._shown, "streaming": not final, "interrupted": self.interrupted}

    def _render_now(self) -> list[Update] | None:
        renderer, text = self._renderer, self._text
        if renderer.is_async or self._keep_ended:
            return None
        # Before the final render only the text changes: no mapping per update.
        if type(text) is ReplaceText:  # replace mode's every frame: its one update, without the call to updates()
            return [Replace(renderer.render_value(self._context_key, text.markup()))]
        html = renderer.render_value(self._context_key, text.markup()) if text.renders_block else ""
        updates = text.updates(html, final=False)
        if self._tail_in_block:
            key = self._context_key
            updates = [Tail(renderer.render_value(key, Markup(u.html))) if type(u) is Tail else u for u in updates]
        return updates

    async def _render(self, *, final: bool) -> list[Update]:
        text, renderer = self._text, self._renderer
        html = await renderer.render_async(self._values(final)) if text.renders_block or final else ""
        updates = text.updates(html, final=final)
        if self._tail_in_block and not final:
            values = {"streaming": True, "interrupted": self.interrupted}
            updates = [
                Tail(await renderer.render_async({**values, self._context_key: Markup(u.html)}))
                if type(u) is Tail
                else u
                for u in updates
            ]
        if self._keep_ended and not final and text.renders_block:
            ended = {self._context_key: self._shown, "streaming": False, "interrupted": True}
            updates = [Replace(html, ended=await renderer.render_async(ended))]
        return updates

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
