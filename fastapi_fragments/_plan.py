"""Checking a token stream before anything runs, and building its producer: for a response or a registry start.

Everything a stream needs is checked before a byte is sent or a generation starts, in two steps:
:class:`TokenStream` checks what needs no templates (the tokens: a ``str`` or a number is
refused; the text mode, the context key), and :meth:`TokenStream.plan` the template and every
block (primed once: the page's top-level code runs there) before it builds the producer. A
response whose templates are the app's takes the second step in ``__call__``, once the request's
scope says which app it is in (``_response``); a registry start takes both at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.requests import Request

from ._blocks import BlockRenderer
from ._closing import discard_now
from ._config import StreamConfig
from ._exceptions import ConfigurationError
from ._hooks import Hooks
from ._items import iter_items
from ._parts_produce import PartBlocks, PartsProducer
from ._text import text_mode
from ._tokens import iter_text
from ._tokens_produce import TokenProducer
from ._types import Context, Templates

__all__ = ("TokenPlan", "TokenStream", "require_templates")


def require_templates(templates: Templates | None) -> Templates:
    """``templates``, which a stream cannot do without.

    :raises ConfigurationError: when there are none, neither given nor from the middleware.
    """
    if templates is None:
        raise ConfigurationError(
            "no templates: pass templates= (a Jinja2Templates or jinja2.Environment) or add FragmentsMiddleware"
        )
    return templates


@dataclass(frozen=True, slots=True)
class TokenPlan:
    """A token stream checked before anything runs: its templates, base context and producer."""

    templates: Templates
    template_name: str
    base: dict[str, Any]
    producer: TokenProducer
    sources: BlockRenderer | None


class TokenStream:
    """A token stream's arguments, checked as far as they can be without templates.

    ``keep_ended``: a registry stream's updates also carry the render as an end (``Replace.ended``).
    ``parts``: the part blocks asked for; a multi-part stream (``_parts_produce``) reads the SDK's items.

    :raises ConfigurationError: after closing ``tokens``, which the caller may have opened already
        (an SDK stream is an HTTP response).
    """

    __slots__ = (
        "block_name",
        "context_key",
        "error_block",
        "extra_context",
        "keep_ended",
        "parts",
        "sources",
        "sources_block",
        "template_name",
        "text",
        "text_mode",
        "tokens",
    )

    def __init__(
        self,
        tokens: Any,
        template_name: str,
        block_name: str,
        *,
        context_key: str,
        extra_context: Context | None,
        sources_block: str | None,
        sources: Sequence[Any] | None,
        error_block: str | None,
        mode: str,
        keep_ended: bool = False,
        parts: PartBlocks | None = None,
    ) -> None:
        try:
            self.text = iter_text(tokens) if parts is None else iter_items(tokens)  # refuse a str, a number...
            if parts is not None:
                parts.check()
            self.text_mode = text_mode(mode)
            if not isinstance(context_key, str) or not context_key:
                raise ConfigurationError(f"context_key must be a non-empty string, got {context_key!r}")
        except BaseException:
            discard_now(tokens)
            raise
        self.tokens = tokens
        self.template_name = template_name
        self.block_name = block_name
        self.context_key = context_key
        self.extra_context = extra_context
        self.sources_block = sources_block
        self.sources = sources
        self.error_block = error_block
        self.keep_ended = keep_ended
        self.parts = parts

    def plan(self, templates: Templates | None, hooks: Hooks, request: Request | None = None) -> TokenPlan:
        """Check the template and every block, and build a producer (one of those built may run: they share tokens).

        ``request``: the request the middleware serves, put in every render's context (``url_for``).

        :raises TemplateNotFoundError, BlockNotFoundError, ConfigurationError: the tokens left open,
            for the caller to close as it can (from sync or async code).
        """
        templates = require_templates(templates)
        base = dict(self.extra_context or {})
        if request is not None:
            base.setdefault("request", request)
        base["sources"] = list(self.sources or ())
        priming = {**base, self.context_key: "", "streaming": True, "interrupted": False}
        renderer = BlockRenderer(templates, self.template_name, self.block_name, priming)
        error_renderer = renderer.sibling(self.error_block) if self.error_block else None
        sources_renderer = renderer.sibling(self.sources_block) if self.sources_block else None  # one priming
        render_sources = None if sources_renderer is None else partial(sources_renderer.render_async, base)
        common: dict[str, Any] = {"context_key": self.context_key, "error_renderer": error_renderer,
                                  "sources": render_sources, "keep_ended": self.keep_ended}  # fmt: skip
        if self.parts is None:
            producer = TokenProducer(self.text, renderer, self.text_mode, hooks, **common)
        else:  # its part blocks are checked here, with the others
            producer = PartsProducer(self.text, renderer, self.text_mode, hooks, blocks=self.parts, **common)
        return TokenPlan(templates, self.template_name, base, producer, sources_renderer)

    def plan_now(self, templates: Templates | None, hooks: Hooks, request: Request | None = None) -> TokenPlan:
        """:meth:`plan`, both steps at once (a registry start): the tokens closed if a check fails.

        :raises TemplateNotFoundError, BlockNotFoundError, ConfigurationError: after closing the tokens.
        """
        try:
            return self.plan(templates, hooks, request)
        except BaseException:
            discard_now(self.tokens)
            raise

    def producer(self, config: StreamConfig, request: Request | None) -> TokenProducer:
        """:meth:`plan`'s producer, with ``config``'s templates and hooks (a response's)."""
        return self.plan(config.templates, config.hooks(), request).producer
