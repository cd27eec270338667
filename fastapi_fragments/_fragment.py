"""``Fragment``: a value naming one block of one template, and the context to render it with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._blocks import BlockRenderer
from ._types import Templates

__all__ = ("Fragment",)


class Fragment:
    """One block of one template, with its context; render it with ``render(templates)``.

    Rendering runs the template's top-level code first, so blocks that use ``{% extends %}``,
    ``{{ super() }}``, top-level ``{% set %}`` and imported macros render as they do in the
    full page.

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
