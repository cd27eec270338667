"""Checking a token stream before anything runs, and building its producer: for a response or a registry start.

Everything a stream needs is checked here, in the call that asked for it, before a byte is
sent or a generation starts: the tokens (a ``str`` or a number is refused), the text mode, the
context key, the template and every block (primed once: the page's top-level code runs here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ._blocks import BlockRenderer
from ._exceptions import ConfigurationError
from ._hooks import Hooks
from ._middleware import request_defaults
from ._parts_produce import PartBlocks, PartsProducer, iter_items
from ._text import text_mode
from ._tokens import discard_now, iter_text
from ._tokens_produce import TokenProducer
from ._types import Context, Templates

__all__ = ("TokenPlan", "plan_tokens")


@dataclass(frozen=True, slots=True)
class TokenPlan:
    """A token stream checked before anything runs: its templates, base context and producer."""

    templates: Templates
    template_name: str
    base: dict[str, Any]
    producer: TokenProducer
    sources: BlockRenderer | None


def plan_tokens(
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
    mode: str,
    hooks: Hooks,
    keep_ended: bool = False,
    parts: PartBlocks | None = None,
) -> TokenPlan:
    """Check every template and block a token stream needs, and build its producer.

    ``keep_ended``: a registry stream's updates also carry the render as an end (``Replace.ended``).
    ``parts``: the part blocks asked for; a multi-part stream (``_parts_produce``) reads the SDK's items.

    :raises TemplateNotFoundError, BlockNotFoundError, ConfigurationError: after closing ``tokens``,
        which the caller may have opened already (an SDK stream is an HTTP response).
    """
    try:
        text = iter_text(tokens) if parts is None else iter_items(tokens)  # refuse a str, a number...
        if parts is not None:
            parts.check()
        mode_text = text_mode(mode)
        if not isinstance(context_key, str) or not context_key:
            raise ConfigurationError(f"context_key must be a non-empty string, got {context_key!r}")
        templates, base = request_defaults(templates, extra_context)
        base["sources"] = list(sources or ())
        priming = {**base, context_key: "", "streaming": True, "interrupted": False}
        renderer = BlockRenderer(templates, template_name, block_name, priming)
        error_renderer = renderer.sibling(error_block) if error_block else None
        sources_renderer = renderer.sibling(sources_block) if sources_block else None  # one priming
        render_sources = None if sources_renderer is None else partial(sources_renderer.render_async, base)
        common: dict[str, Any] = {"context_key": context_key, "error_renderer": error_renderer,
                                  "sources": render_sources, "keep_ended": keep_ended}  # fmt: skip
        if parts is None:
            producer = TokenProducer(text, renderer, mode_text, hooks, **common)
        else:  # its part blocks are checked here, with the others
            producer = PartsProducer(text, renderer, mode_text, hooks, blocks=parts, **common)
    except BaseException:
        discard_now(tokens)
        raise
    return TokenPlan(templates, template_name, base, producer, sources_renderer)
