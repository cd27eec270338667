"""Block rendering honours the whole template: extends, super(), top-level set, imported macros."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from fastapi_fragments import BlockNotFoundError, Fragment, TemplateNotFoundError


def test_block_uses_top_level_set_and_imported_macro(templates: Jinja2Templates) -> None:
    html = Fragment("chat.html", "response", text=Markup("Hi &amp; bye"), streaming=True).render(templates)
    assert html == '<h2>Answer</h2><div class="bubble streaming">Hi &amp; bye</div>'


def test_super_and_parent_set_variables(templates: Jinja2Templates) -> None:
    assert Fragment("chat.html", "title").render(templates) == "Acme chat"


def test_block_inherited_from_layout_is_found(templates: Jinja2Templates) -> None:
    assert Fragment("chat.html", "footer").render(templates) == "<footer>Acme &middot; no request</footer>"


def test_two_levels_of_extends_with_super(templates: Jinja2Templates) -> None:
    html = Fragment("page.html", "response", text="x", streaming=False).render(templates)
    assert html == '<section><h2>Answer</h2><div class="bubble">x</div></section>'


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
async def test_async_environment_renders_and_checks_blocks_statically(raw_env: jinja2.Environment) -> None:
    env = jinja2.Environment(loader=raw_env.loader, autoescape=True, enable_async=True)
    html = await Fragment("page.html", "response", text="y", streaming=False).render_async(env)
    assert html == '<section><h2>Answer</h2><div class="bubble">y</div></section>'
    assert await Fragment("chat.html", "footer").render_async(env) == "<footer>Acme &middot; no request</footer>"
    with pytest.raises(BlockNotFoundError):
        await Fragment("page.html", "missing").render_async(env)


def test_fragment_value_semantics() -> None:
    a = Fragment("chat.html", "response", text="x")
    assert a == Fragment("chat.html", "response", text="x")
    assert a != Fragment("chat.html", "response", text="y")
    assert "text" in repr(a)
