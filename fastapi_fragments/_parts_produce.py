"""The producer of a multi-part stream: SDK items in, the answer and a block per part out.

::

    SDK items ─▶ Normaliser (parts.normaliser_for) ─▶ part events ─▶ PartsView ─▶ [Update per changed block]

A route that asks for a part block (``reasoning_block=``, ``tools_block=``, ``citations_block=``,
``usage_block=``) or for the result (``on_finish=``) gets a :class:`PartsProducer`, which reads the
SDK stream's items whole (``_items.ItemStream``); text-only streams pay nothing for it. Each render
re-renders only the blocks whose part changed (``Replace`` naming the block's ``Part``, aimed at
``<block>``); the answer goes through the route's text mode (in the markdown modes, the reasoning
is markdown too). Every block gets the same part variables (``PartsView.context``).

The ending is the producer's (``_produce``): whatever ended the stream, :meth:`PartsProducer._settle`
ends every part first (an open part ends, a tool call still waiting gets an error), then every
part block gets its last render (usage after the answer), and ``on_finish(result)`` runs last.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from time import monotonic
from typing import Any, TypeAlias

from ._blocks import BlockRenderer
from ._dialect_protocol import event_name
from ._exceptions import ConfigurationError
from ._hooks import Hooks, call_hook
from ._pace import Coalescer
from ._text import TextMode
from ._tokens import TextStream
from ._tokens_produce import TokenProducer
from ._updates import Outcome, Part, Replace, Update
from .markdown._modes import MarkdownReplaceText, MarkdownText
from .parts._detect import normaliser_for
from .parts._events import Finish, FinishReason
from .parts._normaliser import Normaliser
from .parts._result import StreamResult
from .parts._view import ANSWER_CHANGED, BLOCK_CHANGES, REASONING_CHANGED, USAGE_CHANGED, PartsView

__all__ = ("PartBlocks", "PartsProducer", "ResultHook")

#: A hook called with a multi-part stream's :class:`~fastapi_fragments.parts.StreamResult`; sync or async.
ResultHook: TypeAlias = Callable[[StreamResult], Awaitable[None] | None]


#: The answer's htmx 2 events (by default): a part block of that name would be swapped as the answer, or end it.
_TAKEN = frozenset({"fragment", "sources", "done", "append", "tail"})


@dataclass(frozen=True, slots=True)
class PartBlocks:
    """The part blocks a route asked for (``None``: that part is not shown), and the result hook."""

    reasoning: str | None = None
    tools: str | None = None
    citations: str | None = None
    usage: str | None = None
    on_finish: ResultHook | None = None

    @classmethod
    def asked(
        cls,
        reasoning: str | None,
        tools: str | None,
        citations: str | None,
        usage: str | None,
        on_finish: ResultHook | None,
    ) -> PartBlocks | None:
        """The blocks, or ``None`` for a text-only stream (nothing asked for); see :meth:`check`."""
        blocks = cls(reasoning, tools, citations, usage, on_finish)
        return blocks if blocks.named() or on_finish is not None else None

    def check(self) -> None:
        """:raises ConfigurationError: for a block name that cannot be an htmx 2 event name, or is taken."""
        named = self.named()
        for what, block in named:
            if not isinstance(block, str) or not block:
                raise ConfigurationError(f"{what}_block must be a non-empty string, got {block!r}")
            event_name(block, f"{what}_block")  # it names the part's htmx 2 event
            if block in _TAKEN:
                raise ConfigurationError(f"{what}_block {block!r} is the name of the answer's own htmx 2 event")
        if len({block for _, block in named}) < len(named):
            raise ConfigurationError(f"each part needs a block of its own, got {dict(named)!r}")

    def named(self) -> list[tuple[str, str]]:
        """(kind, block) for each part asked for."""
        pairs = (("reasoning", self.reasoning), ("tools", self.tools), ("citations", self.citations))
        return [(kind, block) for kind, block in (*pairs, ("usage", self.usage)) if block is not None]


#: In :meth:`PartsProducer._due`: the answer's block; and nothing to write into a block's context.
_ANSWER = -1
_NOTHING: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class _ResultHooks(Hooks):
    """The route's hooks, then ``on_finish(result)`` however the stream ended."""

    on_finish: ResultHook | None = None
    result: Callable[[Outcome], StreamResult] | None = None

    async def call(self, outcome: Outcome, text: str, error: BaseException | None) -> None:
        await Hooks.call(self, outcome, text, error)
        if self.on_finish is not None and self.result is not None:
            await call_hook(self.on_finish, self.result(outcome))


class PartsProducer(TokenProducer):
    """SDK items in; the answer block and a block per part re-rendered as they change (see the module docstring)."""

    def __init__(
        self,
        items: TextStream,
        renderer: BlockRenderer,
        text: TextMode,
        hooks: Hooks,
        *,
        blocks: PartBlocks,
        context_key: str,
        error_renderer: BlockRenderer | None,
        sources: Callable[[], Awaitable[str]] | None = None,
        keep_ended: bool = False,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        super().__init__(
            items, renderer, text, hooks, context_key=context_key, error_renderer=error_renderer,
            sources=sources, keep_ended=keep_ended,
        )  # fmt: skip
        on_finish = blocks.on_finish
        self.hooks = _ResultHooks(hooks.on_complete, hooks.on_error, hooks.on_disconnect, on_finish, self._result)
        markdown = isinstance(text, (MarkdownText, MarkdownReplaceText))  # then the reasoning is markdown too
        self._view = PartsView(text.feed, clock, reasoning_text=MarkdownReplaceText if markdown else None)
        self._normaliser: Normaliser | None = None
        self._context: dict[str, Any] | None = None  # the part variables of the render under way
        self._parts = [
            (BLOCK_CHANGES[kind], Part(kind, block=block), renderer.sibling(block)) for kind, block in blocks.named()
        ]
        # _render_now: the view's context and the part variables made of it, and the variables each
        # block's context last got (the answer's last), so a block gets them once per change.
        self._now: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
        self._written: list[dict[str, Any] | None] = [None] * (len(self._parts) + 1)
        self._answer_context: dict[str, Any] | None = None  # _render: the view's context the answer last got
        self._plans: dict[int, list[int]] = {}  # _due's answers, by what changed (-1: the final render)
        self._reasoning = next((i for i, (change, _, _) in enumerate(self._parts) if change == REASONING_CHANGED), None)
        self._reasoning_block = None if self._reasoning is None else self._parts[self._reasoning][1:]
        # Whether the answer's and the reasoning block's contexts hold the latest part variables
        # (``_written[i] is _now[1]``), kept where only they change: read by every render.
        self._answer_current = self._reasoning_current = False

    def _run(self, coalescer: Coalescer) -> Awaitable[None]:
        return self._tokens.pump(self._feed, coalescer.changed, coalescer.render)  # an ItemStream's items

    def _feed(self, item: object) -> int:
        """One SDK item through the normaliser into the view; what it changed (``PartsView.changed``)."""
        normaliser = self._normaliser
        if normaliser is None:  # the first item says which
            view = self._view
            normaliser = self._normaliser = normaliser_for(item)
            normaliser.text_lane, normaliser.reasoning_lane = view.answer, view.reasoning  # no event a delta
        events = normaliser.events_of(item)
        if events:
            self._view.apply(events)
        return self._view.changed

    def _settle(self) -> None:
        """End every part (once): the normaliser's finish, as a failure unless the stream completed."""
        if self._view.settled:
            return
        failed = self.outcome is not Outcome.COMPLETED
        normaliser = self._normaliser
        if normaliser is not None:
            self._view.settle(normaliser.finish(failed=failed))
        else:
            self._view.settle([Finish(FinishReason.ERROR if failed else FinishReason.STOP)])

    def _part_values(self, final: bool) -> dict[str, Any]:
        if self._context is None:
            self._context = self._view.context()  # once per render: the answer's _values reads it too
        return {**self._context, "streaming": not final, "interrupted": self.interrupted}

    def _values(self, final: bool) -> dict[str, Any]:
        return {**self._part_values(final), **super()._values(final)}

    def _due(self, final: bool) -> list[int]:
        """The blocks to render now, in order: indexes into ``_parts``, ``_ANSWER`` for the answer (which
        comes before the usage); what changed is cleared. A few sets of changes recur (every reasoning
        delta's, say): each is worked out once."""
        view = self._view
        changed, view.changed = view.changed, 0
        key = -1 if final else changed  # the final render renders every block, whatever changed
        due = self._plans.get(key)
        if due is None:
            due = self._plans[key] = self._order(changed, final)
        return due

    def _order(self, changed: int, final: bool) -> list[int]:
        due: list[int] = []
        answer = final or bool(changed & ANSWER_CHANGED)
        for index, (change, _, _) in enumerate(self._parts):
            if change == USAGE_CHANGED and answer:
                due.append(_ANSWER)
                answer = False
            if final or changed & change:
                due.append(index)
        if answer:
            due.append(_ANSWER)
        return due

    def _render_now(self) -> list[Update] | None:
        # Nearly every render is a text delta's: as a text-only stream's when the answer's context holds
        # the view's variables (not stale). Checked first; only the sync path below writes them (an
        # async environment or a registry renders through _render).
        view = self._view
        changed = view.changed
        if changed == ANSWER_CHANGED and self._answer_current and not view.stale:
            view.changed = 0
            return _render_answer(self)
        if self._renderer.is_async or self._keep_ended:
            return None
        block = self._reasoning_block
        if changed == REASONING_CHANGED and self._reasoning_current and block is not None:
            reasoning = view.reasoning_context()  # a reasoning delta's: the block has every other variable
            if reasoning is not None:
                view.changed = 0
                part, renderer = block
                return [Replace(renderer.render(reasoning), part)]
        updates = self._render_changed()
        written, values, index = self._written, self._now[1], self._reasoning
        self._answer_current = written[_ANSWER] is values
        self._reasoning_current = index is not None and written[index] is values
        return updates

    def _render_changed(self) -> list[Update]:
        """The blocks whose parts changed, each given the part variables once per change (the sync path)."""
        view, written, (context, values) = self._view, self._written, self._now
        fresh_context = view.context()  # the same dict until a part changes
        if fresh_context is not context:
            values = {**fresh_context, "streaming": True, "interrupted": self.interrupted}
            self._now = (fresh_context, values)
        updates: list[Update] = []
        for index in self._due(final=False):
            fresh = written[index] is not values
            written[index] = values
            if index == _ANSWER:
                if fresh:
                    self._renderer.set(values)
                    self.redraw_block()
                updates += _render_answer(self) or ()
            else:
                _, part, renderer = self._parts[index]
                updates.append(Replace(renderer.render(values if fresh else _NOTHING), part))
        return updates

    async def _render(self, *, final: bool) -> list[Update]:
        if final:
            self._settle()
        self._context = None
        updates: list[Update] = []
        values: dict[str, Any] = {}
        for index in self._due(final):
            if index == _ANSWER:
                context = self._view.context()
                if context is not self._answer_context:
                    self._answer_context = context
                    self.redraw_block()
                updates += await super()._render(final=final)
                continue
            _, part, renderer = self._parts[index]
            values = values or self._part_values(final)
            html, ended = await renderer.render_async(values), None
            if self._keep_ended and not final:  # what a registry's followers show if this producer dies
                ended = await renderer.render_async({**values, "streaming": False, "interrupted": True,
                                                     "thinking": False})  # fmt: skip
            updates.append(Replace(html, part, ended=ended))
        return updates

    async def _render_error(self, *, builtin: bool) -> list[Update]:
        self._settle()
        self._context = None
        updates: list[Update] = []
        values = {**self._part_values(True), "error": True}
        for _, part, renderer in self._parts:
            try:
                updates.append(Replace(await renderer.render_async(values), part))
            except Exception:
                if not builtin:
                    raise  # the producer falls back to the built-in message, and this again
        return updates + await super()._render_error(builtin=builtin)

    def _result(self, outcome: Outcome) -> StreamResult:
        self._settle()
        return self._view.result(outcome.value, self.text())


#: The answer's render as a text-only stream's: not super(), whose object costs ~70 ns a delta, nor a
#: class attribute read per delta.
_render_answer = TokenProducer._render_now
