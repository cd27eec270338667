"""What a template's source says without running it: its parents and how its blocks nest.

Parsing costs far more than a render, so each template's outline is parsed once and kept on
the ``jinja2.Template`` object itself: the environment's cache owns that object, and a
reloaded template is a new object, so the outline goes with the compiled code it describes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import nodes

__all__ = ("Outline", "blocks_within", "outline_of", "static_blocks")

_ATTRIBUTE = "_fastapi_fragments_outline"


class Outline:
    """The parents a template may extend and the blocks nested inside each of its blocks."""

    __slots__ = ("dynamic_parent", "nested", "parents")

    def __init__(self, ast: nodes.Template) -> None:
        self.parents: tuple[str, ...] = ()
        #: True if some ``{% extends %}`` names its parent with an expression, known only at run time.
        self.dynamic_parent = False
        for node in ast.find_all(nodes.Extends):
            if isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
                self.parents += (node.template.value,)
            else:
                self.dynamic_parent = True
        self.nested: dict[str, frozenset[str]] = {
            block.name: frozenset(inner.name for inner in block.find_all(nodes.Block))
            for block in ast.find_all(nodes.Block)
        }


def outline_of(template: jinja2.Template) -> Outline | None:
    """The template's outline, parsed on first use; None if its source cannot be read (``from_string``)."""
    outline = getattr(template, _ATTRIBUTE, None)
    if isinstance(outline, Outline):
        return outline
    env = template.environment
    if env.loader is None or template.name is None:
        return None
    try:
        source, _, _ = env.loader.get_source(env, template.name)
    except jinja2.TemplateNotFound:
        return None
    outline = Outline(env.parse(source, template.name))
    setattr(template, _ATTRIBUTE, outline)
    return outline


def static_blocks(env: jinja2.Environment, template: jinja2.Template) -> tuple[set[str], bool]:
    """The blocks ``template`` and its constant ``extends`` parents define, and whether that is all of them.

    Nothing runs. The flag is False when some parent is chosen at run time
    (``{% extends layout %}``): then only a priming run can tell whether a block exists.
    """
    names: set[str] = set()
    complete = True
    pending, seen = [template], set()
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        names.update(current.blocks)
        outline = outline_of(current)
        if outline is None:
            continue
        complete = complete and not outline.dynamic_parent
        pending.extend(env.get_template(parent) for parent in outline.parents)
    return names, complete


def blocks_within(name: str, blocks: dict[str, list[Callable[..., Any]]]) -> set[str]:
    """The blocks that the page renders inside block ``name``, at any depth, by the ``blocks`` chains.

    Each implementation of ``name`` in the chain counts (an override may call ``super()``), and
    an inner block's own implementations may nest further blocks.
    """
    found: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        for implementation in blocks.get(current, ()):
            outline = _outline_of_function(implementation)
            for inner in outline.nested.get(current, ()) if outline else ():
                if inner not in found:
                    found.add(inner)
                    pending.append(inner)
    return found


def _outline_of_function(function: Callable[..., Any]) -> Outline | None:
    # Jinja keeps the compiled template in its module globals, as its own traceback rewriting reads it.
    template = getattr(function, "__globals__", {}).get("__jinja_template__")
    return outline_of(template) if isinstance(template, jinja2.Template) else None
