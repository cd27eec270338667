"""Render one block of a template with the template's full top-level context.

jinja2-fragments renders ``template.blocks[name]`` on a fresh context, which skips the
template's top-level code: ``{% set %}`` variables come out empty, imported macros are
undefined, ``super()`` fails and blocks inherited from a layout are not found. Here the
template's root function runs once per stream with every block body stubbed out, so the
top-level code (``extends`` chains, ``set``, ``import``) runs but nothing of the page is
rendered. The resulting context is then reused for every render of the block: per step only
the changed variables are written into it.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, cast

import jinja2
from jinja2.runtime import Context

from ._exceptions import BlockNotFoundError, TemplateNotFoundError
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


def _skip_block(context: Context) -> Iterator[str]:
    return iter(())


async def _skip_block_async(context: Context) -> AsyncIterator[str]:
    return
    yield  # pragma: no cover - makes this an async generator


class _SkippingBlocks(dict[str, list[Callable[[Context], Any]]]):
    """``context.blocks`` while priming: lookups render nothing, while ``extends`` still records its chain."""

    def __init__(self, blocks: Mapping[str, list[Callable[[Context], Any]]], skip: Callable[[Context], Any]) -> None:
        super().__init__(blocks)
        self._skip = [skip]

    def __getitem__(self, name: str) -> list[Callable[[Context], Any]]:
        return self._skip


class BlockRenderer:
    """Renders one block of one template, priming the template's top-level code once.

    ``BlockRenderer`` is private machinery; the public entry points are ``Fragment.render``
    and ``FragmentStreamResponse``. A sync environment is primed in the constructor, so an
    unknown block raises there; an async environment (``enable_async=True``) is primed on
    the first ``render_async``, and its blocks are checked statically in the constructor.
    """

    __slots__ = ("_block", "_context", "_priming", "block_name", "env", "is_async", "template", "template_name")

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
        self._context: Context | None = None
        self._block: Callable[[Context], Any] | None = None
        self._priming = dict(context)
        if self.env.is_async:
            self._check_block_statically()
        else:
            self._prime_sync(context)

    def sibling(self, block_name: str) -> BlockRenderer:
        """A renderer of another block of the same template, sharing this one's primed context.

        One priming per stream instead of one per block (the sources, the answer, the error).
        An async environment primes lazily, so there each block gets its own renderer.

        :raises BlockNotFoundError: if the template has no such block.
        """
        ctx = self._context
        if ctx is None:
            return BlockRenderer(self.env, self.template_name, block_name, self._priming)
        chain = ctx.blocks.get(block_name)
        if not chain:
            raise BlockNotFoundError(self.template_name, block_name, available=tuple(sorted(ctx.blocks)))
        other = copy.copy(self)
        other.block_name, other._block = block_name, chain[0]
        return other

    # -- priming -------------------------------------------------------------------------------

    def _new_priming_context(self, context: Mapping[str, Any]) -> Context:
        ctx = self.template.new_context(dict(context))
        skip = _skip_block_async if self.env.is_async else _skip_block
        ctx.blocks = _SkippingBlocks(ctx.blocks, skip)
        return ctx

    def _finish_priming(self, ctx: Context) -> None:
        ctx.blocks = dict(ctx.blocks.items())
        chain = ctx.blocks.get(self.block_name)
        if not chain:
            raise BlockNotFoundError(self.template_name, self.block_name, available=tuple(sorted(ctx.blocks)))
        self._context = ctx
        self._block = chain[0]

    def _prime_sync(self, context: Mapping[str, Any]) -> None:
        ctx = self._new_priming_context(context)
        try:
            for _ in self.template.root_render_func(ctx):
                pass
        except Exception:
            self.env.handle_exception()
        self._finish_priming(ctx)

    async def _prime_async(self, context: Mapping[str, Any]) -> None:
        ctx = self._new_priming_context(context)
        try:
            async for _ in cast(AsyncIterator[str], self.template.root_render_func(ctx)):
                pass
        except Exception:
            self.env.handle_exception()
        self._finish_priming(ctx)

    def _check_block_statically(self) -> None:
        """Find the block in the template or its constant ``extends`` parents, without running anything."""
        names: set[str] = set()
        template: jinja2.Template | None = self.template
        seen: set[str] = set()
        while template is not None and template.name not in seen:
            seen.add(template.name or "")
            names.update(template.blocks)
            parent = _constant_parent(self.env, template)
            template = self.env.get_template(parent) if parent else None
        if self.block_name not in names:
            raise BlockNotFoundError(self.template_name, self.block_name, available=tuple(sorted(names)))

    # -- rendering -----------------------------------------------------------------------------

    def render(self, values: Mapping[str, Any]) -> str:
        """Render the block with ``values`` layered over the primed context (sync environments)."""
        ctx = self._context
        if ctx is None:
            raise RuntimeError(_ASYNC_ENVIRONMENT)
        ctx.vars.update(values)
        return self._run(ctx)

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
            self.env.handle_exception()

    async def render_async(self, values: Mapping[str, Any]) -> str:
        """Render the block with ``values``; works for sync and async environments."""
        if not self.env.is_async:
            return self.render(values)
        if self._context is None or self._block is None:
            await self._prime_async({**self._priming, **values})
        ctx, block = self._context, self._block
        if ctx is None or block is None:  # pragma: no cover - _prime_async sets both or raises
            raise RuntimeError("block renderer was not primed")
        ctx.vars.update(values)
        try:
            return self.env.concat([part async for part in block(ctx)]).strip()
        except Exception:
            self.env.handle_exception()


def _escaping(env: jinja2.Environment, template_name: str) -> jinja2.Environment:
    """``env``, or an overlay of it with autoescape on if this template would render unescaped.

    Model text arrives as ``Markup``, but filters such as ``striptags`` unescape it; only
    autoescape keeps every expression safe. The overlay gets its own caches, since templates
    compiled without autoescape must not be reused, and is kept on ``env`` so each template is
    compiled once, not once per stream.
    """
    autoescape = env.autoescape(template_name) if callable(env.autoescape) else env.autoescape
    if autoescape:
        return env
    overlay = getattr(env, _OVERLAY, None)
    if not isinstance(overlay, jinja2.Environment):
        overlay = env.overlay(autoescape=True, cache_size=400, bytecode_cache=None)
        setattr(env, _OVERLAY, overlay)
    return overlay


_OVERLAY = "_fastapi_fragments_autoescape_overlay"


def _constant_parent(env: jinja2.Environment, template: jinja2.Template) -> str | None:
    """The parent named by a constant ``{% extends "..." %}``, or None (no extends, or a dynamic one)."""
    if env.loader is None or template.name is None:
        return None
    source_text, _, _ = env.loader.get_source(env, template.name)
    for node in env.parse(source_text).find_all(jinja2.nodes.Extends):
        if isinstance(node.template, jinja2.nodes.Const) and isinstance(node.template.value, str):
            return node.template.value
    return None
