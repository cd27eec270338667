"""The priming run: a template's top-level code, run once per stream with every block stubbed out.

``root_render_func`` runs with ``context.blocks`` replaced by stubs, so ``extends`` chains,
``{% set %}``, ``{% import %}`` and ``{% with %}`` run but no block renders. Each stub records
the variables its block is called with, so the block later renders with what is in force
where the page reaches it: a ``{% set %}`` after the block does not leak backwards, and a
``scoped`` block sees the ``{% with %}`` variables around it.

Where this differs from cutting the block out of Jinja's full render, on purpose:

- Top-level code outside the block that fails (a layout variable the route does not pass,
  ``url_for`` without a request) stops the priming run, not the block: what ran before the
  failure is kept, and one debug line on the ``fastapi_fragments`` logger names what was
  skipped. A missing or broken template is still raised: that is a set-up error.
- A block the page reaches more than once (inside a top-level loop) gets the variables of its
  first call. A block the page never reaches gets the variables at the end of the top-level code,
  and a block reached only inside another block gets that block's.
- Variables local to an enclosing block (its ``{% set %}``, loops, ``with``) are not seen, as with
  Jinja's own ``template.blocks[name]`` function.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from typing import Any, cast

import jinja2
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, new_context
from jinja2.utils import missing

from ._exceptions import BlockNotFoundError
from ._outline import blocks_within

__all__ = ("BlockFunction", "Primed", "prime", "prime_async")

logger = logging.getLogger("fastapi_fragments")

BlockFunction = Callable[[Context], Any]
# What a block is called with: the context's parent (route values and globals, or a ``with``'s
# locals), a copy of its top-level variables, and the evaluation context (autoescape state).
_Scope = tuple[dict[str, Any], dict[str, Any], EvalContext]
# Failures that mean the templates themselves are wrong: never contained.
_SETUP_ERRORS = (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError)


class _Stubs(dict[str, list[BlockFunction]]):
    """``context.blocks`` while priming: a lookup returns a stub that records its caller's variables."""

    def __init__(self, blocks: Mapping[str, list[BlockFunction]], is_async: bool) -> None:
        super().__init__(blocks)
        self.is_async = is_async
        self.reached: dict[str, _Scope] = {}

    def __getitem__(self, name: str) -> list[BlockFunction]:
        def stub(context: Context) -> Any:
            if name not in self.reached:  # the first call wins (a block in a top-level loop)
                self.reached[name] = (context.parent, dict(context.vars), context.eval_ctx)
            return _nothing_async() if self.is_async else iter(())

        return [stub]


async def _nothing_async() -> AsyncIterator[str]:
    return
    yield  # pragma: no cover - makes this an async generator


class Primed:
    """What one priming run set up: the block chains and the variables each block is reached with."""

    __slots__ = ("_context", "_distinct", "_reached", "blocks", "env", "stopped", "template_name")

    def __init__(self, env: jinja2.Environment, template_name: str, context: Context, stopped: str | None) -> None:
        stubs = cast(_Stubs, context.blocks)
        self.env = env
        self.template_name = template_name
        self.blocks: dict[str, list[BlockFunction]] = dict(stubs.items())
        # The priming context itself, with the variables at the end of the top-level code. Blocks
        # that see those share it, as before: no context to build per stream in the usual case.
        context.blocks = self.blocks
        self._context = context
        final = (context.parent, context.vars, context.eval_ctx)
        # Usually nothing is assigned after the first block: then no block needs the nesting walk,
        # nor the blocks reached (a dict and a tuple per block, kept as long as the stream).
        self._distinct = {name: scope for name, scope in stubs.reached.items() if not _same(scope, final)}
        self._reached: Collection[str] = stubs.reached.keys() if self._distinct else ()
        #: Where the top-level code stopped and why, if it failed; None if it ran to the end.
        self.stopped = stopped

    def context_for(self, block_name: str) -> tuple[Context, BlockFunction]:
        """The context to render ``block_name`` in, and the block's function.

        Values written into the context's ``vars`` shadow the primed variables. Blocks that see
        the same variables may share one context.

        :raises BlockNotFoundError: if neither the template nor its parents define the block.
        """
        chain = self.blocks.get(block_name)
        if not chain:
            error = BlockNotFoundError(self.template_name, block_name, available=tuple(sorted(self.blocks)))
            if self.stopped:
                error.add_note(f"the template's top-level code stopped early, at {self.stopped}")
            raise error
        scope = self._scope(block_name)
        if scope is None:
            return self._context, chain[0]
        parent, variables, eval_ctx = scope
        ctx = new_context(self.env, self.template_name, {}, parent, shared=True)
        ctx.vars.update(variables)
        ctx.eval_ctx = eval_ctx
        ctx.blocks = self.blocks
        return ctx, chain[0]

    def _scope(self, block_name: str) -> _Scope | None:
        """The scope the page renders ``block_name`` in, or None for the end of the top-level code."""
        if not self._distinct or block_name in self._reached:
            return self._distinct.get(block_name)
        for outer, outer_scope in self._distinct.items():  # in the order the page reached them
            if block_name in blocks_within(outer, self.blocks):
                return outer_scope
        return None


def _same(scope: _Scope, other: _Scope) -> bool:
    """Whether two scopes hold the very same objects (``==`` could call arbitrary user code)."""
    (parent, variables, eval_ctx), (other_parent, other_variables, other_eval_ctx) = scope, other
    if parent is not other_parent or eval_ctx is not other_eval_ctx or len(variables) != len(other_variables):
        return False
    return all(other_variables.get(name, missing) is value for name, value in variables.items())


def _new_context(template: jinja2.Template, context: Mapping[str, Any]) -> Context:
    ctx = template.new_context(dict(context))
    ctx.blocks = _Stubs(ctx.blocks, template.environment.is_async)
    return ctx


def prime(template: jinja2.Template, template_name: str, context: Mapping[str, Any]) -> Primed:
    """Run the template's top-level code once (sync environments), containing failures outside blocks."""
    ctx = _new_context(template, context)
    try:
        for _ in template.root_render_func(ctx):
            pass
    except Exception as exc:
        return _stopped(template, template_name, ctx, exc)
    return Primed(template.environment, template_name, ctx, None)


async def prime_async(template: jinja2.Template, template_name: str, context: Mapping[str, Any]) -> Primed:
    """:func:`prime` for async environments (``enable_async=True``)."""
    ctx = _new_context(template, context)
    try:
        async for _ in cast(AsyncIterator[str], template.root_render_func(ctx)):
            pass
    except Exception as exc:
        return _stopped(template, template_name, ctx, exc)
    return Primed(template.environment, template_name, ctx, None)


def _stopped(template: jinja2.Template, template_name: str, ctx: Context, exc: Exception) -> Primed:
    if isinstance(exc, _SETUP_ERRORS):
        template.environment.handle_exception()  # re-raises, with template lines in the traceback
    where = f"{_template_line(exc) or repr(template_name)} ({type(exc).__name__}: {exc})"
    logger.debug(
        "rendering blocks of %r: top-level code stopped at %s; the rest of it was skipped", template_name, where
    )
    return Primed(template.environment, template_name, ctx, where)


def _template_line(exc: BaseException) -> str | None:
    """``'base.html' line 3``: the innermost template line in the traceback, as Jinja's own rewriting finds it."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if isinstance(template, jinja2.Template):
            found = f"{template.name!r} line {template.get_corresponding_lineno(tb.tb_lineno)}"
        tb = tb.tb_next
    return found
