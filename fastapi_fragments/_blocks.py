"""Render one block of a template with the template's full top-level context.

jinja2-fragments renders ``template.blocks[name]`` on a fresh context, which skips the
template's top-level code: ``{% set %}`` variables come out empty, imported macros are
undefined, ``super()`` fails and blocks inherited from a layout are not found. Here the
template's top-level code runs once per stream with every block stubbed out (``_priming``),
so nothing of the page is rendered; each block then renders in a context holding the
variables in force where the page reaches it. Per step only the changed variables are
written into that context.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import jinja2
from jinja2.runtime import Context

from ._exceptions import BlockNotFoundError, TemplateNotFoundError
from ._outline import static_blocks
from ._priming import BlockFunction, Primed, prime, prime_async
from ._types import Templates

_ASYNC_ENVIRONMENT = "this environment is async (enable_async=True): use render_async()"

__all__ = ("BlockRenderer", "environment_of")


def environment_of(templates: Templates) -> jinja2.Environment:
    """Return the Jinja2 environment behind ``templates`` (a ``Jinja2Templates`` or an ``Environment``)."""
    if isinstance(templates, jinja2.Environment):
        return templates
    env = getattr(templates, "env", None)
    if not isinstance(env, jinja2.Environment):
        raise TypeError(f"templates must be a Jinja2Templates or a jinja2.Environment, got {type(templates).__name__}")
    return env


class BlockRenderer:
    """Renders one block of one template, priming the template's top-level code once.

    ``BlockRenderer`` is private machinery; the public entry points are ``Fragment.render``
    and ``FragmentStreamResponse``. A sync environment is primed in the constructor, so an
    unknown block raises there; an async environment (``enable_async=True``) is primed on
    the first ``render_async``, and its blocks are checked statically in the constructor (or,
    if a parent is chosen at run time, by that first render).
    """

    __slots__ = (
        "_block",
        "_context",
        "_primed",
        "_priming",
        "block_name",
        "env",
        "is_async",
        "template",
        "template_name",
    )

    def __init__(self, templates: Templates, template_name: str, block_name: str, context: Mapping[str, Any]) -> None:
        self.env = _escaping(environment_of(templates), template_name)
        self.is_async = self.env.is_async  # then only render_async() works
        self.template_name = template_name
        self.block_name = block_name
        try:
            self.template = self.env.get_template(template_name)
        except jinja2.TemplateNotFound as exc:
            if exc.name != template_name:  # a parent or import is missing: report that, not the template itself
                raise
            raise TemplateNotFoundError(template_name) from None
        self._primed: Primed | None = None
        self._context: Context | None = None
        self._block: BlockFunction | None = None
        # Kept only where priming waits for the first render: a dict per open stream otherwise.
        self._priming: dict[str, Any] | None = None
        if self.env.is_async:
            self._priming = dict(context)
            self._check_block_statically()
        else:
            self._use(prime(self.template, template_name, context))

    def sibling(self, block_name: str) -> BlockRenderer:
        """A renderer of another block of the same template, sharing this one's priming run.

        One priming per stream instead of one per block (the sources, the answer, the error).
        An async environment primes lazily, so there each block gets its own renderer.

        :raises BlockNotFoundError: if the template has no such block.
        """
        primed = self._primed
        if primed is None:
            return BlockRenderer(self.env, self.template_name, block_name, self._priming or {})
        other = object.__new__(BlockRenderer)  # copy.copy() of a slotted object costs ~2 us per stream
        for name in BlockRenderer.__slots__:
            setattr(other, name, getattr(self, name))
        other.block_name = block_name
        other._use(primed)
        return other

    def _use(self, primed: Primed) -> None:
        self._context, self._block = primed.context_for(self.block_name)
        self._primed = primed

    def _check_block_statically(self) -> None:
        """Find the block in the template or its constant ``extends`` parents, without running anything.

        A parent chosen at run time (``{% extends layout %}``) is known only after priming, which
        then raises if the block is still missing.
        """
        names, complete = static_blocks(self.env, self.template)
        if complete and self.block_name not in names:
            raise BlockNotFoundError(self.template_name, self.block_name, available=tuple(sorted(names)))

    # -- rendering -----------------------------------------------------------------------------

    def render(self, values: Mapping[str, Any]) -> str:
        """Render the block with ``values`` layered over the primed context (sync environments)."""
        ctx = self._context
        if ctx is None:
            raise RuntimeError(_ASYNC_ENVIRONMENT)
        ctx.vars.update(values)
        return self._run(ctx)

    def set(self, values: Mapping[str, Any]) -> None:
        """Write ``values`` into the primed context without rendering (sync environments): the next
        :meth:`render_value` sees them."""
        ctx = self._context
        if ctx is None:
            raise RuntimeError(_ASYNC_ENVIRONMENT)
        ctx.vars.update(values)

    def render_value(self, name: str, value: Any) -> str:
        """:meth:`render` with one variable changed and no mapping built: the per-token path."""
        ctx = self._context
        if ctx is None:
            raise RuntimeError(_ASYNC_ENVIRONMENT)
        ctx.vars[name] = value
        return self._run(ctx)

    def _run(self, ctx: Context) -> str:
        block = self._block
        assert block is not None  # set together with the context
        try:
            return self.env.concat(block(ctx)).strip()
        except Exception:
            self._raise_from_block()

    async def render_async(self, values: Mapping[str, Any]) -> str:
        """Render the block with ``values``; works for sync and async environments."""
        if not self.env.is_async:
            return self.render(values)
        if self._context is None:
            self._use(await prime_async(self.template, self.template_name, {**(self._priming or {}), **values}))
        ctx, block = self._context, self._block
        if ctx is None or block is None:  # pragma: no cover - _use sets both or raises
            raise RuntimeError("block renderer was not primed")
        ctx.vars.update(values)
        try:
            return self.env.concat([part async for part in block(ctx)]).strip()
        except Exception:
            self._raise_from_block()

    def _raise_from_block(self) -> NoReturn:
        """Re-raise a failure inside the block, with template lines in the traceback."""
        stopped = self._primed.stopped if self._primed is not None else None
        try:
            self.env.handle_exception()
        except Exception as exc:
            if stopped:  # the cause may be a variable that code after that point would have set
                exc.add_note(f"the template's top-level code stopped early, at {stopped}")
            raise


def _escaping(env: jinja2.Environment, template_name: str) -> jinja2.Environment:
    """``env``, or an overlay of it with autoescape on if this template would render unescaped.

    Model text arrives as ``Markup``, but filters such as ``striptags`` unescape it; only
    autoescape keeps every expression safe. The overlay gets its own caches, since templates
    compiled without autoescape must not be reused, and is kept per environment (not on it: the
    user's environment is theirs) so each template is compiled once, not once per stream.
    """
    autoescape = env.autoescape(template_name) if callable(env.autoescape) else env.autoescape
    if autoescape:
        return env
    overlay = _OVERLAYS.get(env)
    if overlay is None:
        overlay = _OVERLAYS[env] = env.overlay(autoescape=True, cache_size=400, bytecode_cache=None)
    return overlay


#: Each environment's autoescaping overlay. An overlay refers to its environment, so both live as long
#: as the process does: an app has one environment, or a few.
_OVERLAYS: dict[jinja2.Environment, jinja2.Environment] = {}
