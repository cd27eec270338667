"""``Fragment``: a value naming one block of one template, and the context to render it with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._blocks import BlockRenderer
from ._types import Templates

__all__ = ("Fragment",)


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
