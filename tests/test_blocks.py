"""Block rendering honours the whole template: extends, super(), top-level set, imported macros.

Where the page renders the block, the expected HTML is cut out of Jinja's own render of the page.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
import pytest
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from fastapi_fragments import BlockNotFoundError, Fragment, TemplateNotFoundError


def in_page(templates: Jinja2Templates, template: str, around: str, **context: Any) -> str:
    """What Jinja's own render of the whole page shows at ``around``: ``(...)`` marks the block's output."""
    html = templates.env.get_template(template).render(**context)
    found = re.search(around, html, re.DOTALL)
    assert found is not None, html
    return found.group(1).strip()


def test_block_uses_top_level_set_and_imported_macro(templates: Jinja2Templates) -> None:
    context: dict[str, Any] = {"text": Markup("Hi &amp; bye"), "streaming": True}
    expected = in_page(templates, "chat.html", '<main id="answer">(.*?)</main>', **context)
    assert Fragment("chat.html", "response", **context).render(templates) == expected


def test_super_and_parent_set_variables(templates: Jinja2Templates) -> None:
    expected = in_page(templates, "chat.html", "<title>(.*?)</title>")
    assert Fragment("chat.html", "title").render(templates) == expected == "Acme chat"


def test_block_inherited_from_layout_is_found(templates: Jinja2Templates) -> None:
    expected = in_page(templates, "chat.html", "(<footer>.*?</footer>)")
    assert Fragment("chat.html", "footer").render(templates) == expected


def test_two_levels_of_extends_with_super(templates: Jinja2Templates) -> None:
    context: dict[str, Any] = {"text": "x", "streaming": False}
    expected = in_page(templates, "page.html", '<main id="answer">(.*?)</main>', **context)
    assert Fragment("page.html", "response", **context).render(templates) == expected


def test_rendering_a_block_does_not_render_the_rest_of_the_page(templates: Jinja2Templates) -> None:
    # The footer calls url_for, which needs a request; rendering another block must not touch it.
    env = jinja2.Environment(loader=templates.env.loader, autoescape=True)
    env.globals["url_for"] = lambda *a: (_ for _ in ()).throw(AssertionError("page rendered"))
    assert Fragment("chat.html", "plain", text="ok").render(env) == "ok"


def test_plain_string_context_is_escaped_by_autoescape(templates: Jinja2Templates) -> None:
    assert Fragment("chat.html", "plain", text="<b>").render(templates) == "&lt;b&gt;"


def test_unknown_template_names_it(raw_env: jinja2.Environment) -> None:
    env = raw_env
    with pytest.raises(TemplateNotFoundError, match="'nope.html'") as info:
        Fragment("nope.html", "response").render(env)
    assert info.value.template_name == "nope.html"


def test_unknown_block_names_it_and_lists_the_blocks(templates: Jinja2Templates) -> None:
    with pytest.raises(BlockNotFoundError, match="'answer'.*'chat.html'") as info:
        Fragment("chat.html", "answer").render(templates)
    assert info.value.block_name == "answer"
    assert "response" in info.value.available and "footer" in info.value.available


def test_missing_parent_template_is_reported_as_jinja_error() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"child.html": "{% extends 'gone.html' %}"}))
    with pytest.raises(jinja2.TemplateNotFound, match="gone.html"):
        Fragment("child.html", "x").render(env)


@pytest.mark.anyio
async def test_async_environment_renders_and_checks_blocks_statically(templates: Jinja2Templates) -> None:
    env = jinja2.Environment(loader=templates.env.loader, autoescape=True, enable_async=True)
    context: dict[str, Any] = {"text": "y", "streaming": False}
    expected = in_page(templates, "page.html", '<main id="answer">(.*?)</main>', **context)
    assert await Fragment("page.html", "response", **context).render_async(env) == expected
    expected = in_page(templates, "chat.html", "(<footer>.*?</footer>)")
    assert await Fragment("chat.html", "footer").render_async(env) == expected
    with pytest.raises(BlockNotFoundError):
        await Fragment("page.html", "missing").render_async(env)


def test_fragment_value_semantics() -> None:
    a = Fragment("chat.html", "response", text="x")
    assert a == Fragment("chat.html", "response", text="x")
    assert a != Fragment("chat.html", "response", text="y")
    assert "text" in repr(a)
