"""A block renders what Jinja's own full-page render shows at that point, in sync and async environments.

Each template marks a block with ``<!--name-->...<!--/name-->`` around it; the reference is the
text between the marks in ``Template.render`` (or ``render_async``) of the whole page, given
everything the page needs. The block is then rendered with only what the route passes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import jinja2
import pytest
from markupsafe import Markup
from starlette.requests import Request
from starlette.routing import Mount, Router
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from fastapi_fragments import BlockNotFoundError, Fragment

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sync", "async"])
def is_async(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "async")


def environment(is_async: bool, templates: dict[str, str], **options: Any) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader(templates), autoescape=True, enable_async=is_async, **options)


async def page_block(env: jinja2.Environment, template: str, block: str, **context: Any) -> str:
    """Jinja's own render of the whole page, with the block cut out between its marks."""
    page = env.get_template(template)
    html = await page.render_async(**context) if env.is_async else page.render(**context)
    found = re.search(f"<!--{block}-->(.*?)<!--/{block}-->", html, re.DOTALL)
    assert found is not None, f"block {block!r} is not in the page: {html!r}"
    return found.group(1).strip()


async def ours(env: jinja2.Environment | Jinja2Templates, template: str, block: str, **context: Any) -> str:
    fragment = Fragment(template, block, **context)
    if isinstance(env, jinja2.Environment) and env.is_async:
        return await fragment.render_async(env)
    return fragment.render(env)


LAYOUT_NEEDS_USER = {
    "layout.html": "<header>{{ user.name }}</header><!--content-->{% block content %}<p>{{ x }}</p>{% endblock %}"
    "<!--/content-->",
    "child.html": '{% extends "layout.html" %}{% block content %}<p>{{ x }}!</p>{% endblock %}',
}


@pytest.mark.parametrize("template", ["layout.html", "child.html"])
async def test_layout_variable_the_route_does_not_pass(
    is_async: bool, template: str, caplog: pytest.LogCaptureFixture
) -> None:
    env = environment(is_async, LAYOUT_NEEDS_USER)
    expected = await page_block(env, template, "content", user={"name": "Ann"}, x=1)
    with caplog.at_level(logging.DEBUG, logger="fastapi_fragments"):
        assert await ours(env, template, "content", x=1) == expected
    [record] = [r for r in caplog.records if r.name == "fastapi_fragments"]
    assert record.levelno == logging.DEBUG
    assert "'layout.html' line 1" in record.getMessage() and "'user' is undefined" in record.getMessage()


async def test_strict_undefined_outside_the_block(is_async: bool) -> None:
    templates = {"page.html": "<title>{{ title }}</title><!--a-->{% block a %}<p>{{ x }}</p>{% endblock %}<!--/a-->"}
    env = environment(is_async, templates, undefined=jinja2.StrictUndefined)
    expected = await page_block(env, "page.html", "a", title="T", x=1)
    assert await ours(env, "page.html", "a", x=1) == expected


async def test_url_for_without_a_request(is_async: bool) -> None:
    source = "<link href=\"{{ url_for('static', path='app.css') }}\">"
    source += "<!--a-->{% block a %}<p>{{ x }}</p>{% endblock %}<!--/a-->"
    templates = Jinja2Templates(env=environment(is_async, {"page.html": source}))
    router = Router([Mount("/static", app=StaticFiles(directory=".", check_dir=False), name="static")])
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b"", "router": router}
    scope |= {"server": ("testserver", 80), "scheme": "http", "root_path": ""}
    expected = await page_block(templates.env, "page.html", "a", request=Request(scope), x=1)
    assert await ours(templates.env, "page.html", "a", x=1) == expected


async def test_top_level_code_after_the_failure_is_skipped_but_before_it_is_kept(is_async: bool) -> None:
    source = (
        '{% set a = "A" %}{{ user.name }}{% set b = "B" %}<!--x-->{% block x %}[{{ a }}|{{ b }}]{% endblock %}<!--/x-->'
    )
    env = environment(is_async, {"page.html": source})
    # Jinja's own block function sees neither; the full page, given a user, sees both.
    assert await page_block(env, "page.html", "x", user={"name": "Ann"}) == "[A|B]"
    assert await ours(env, "page.html", "x") == "[A|]"


async def test_failure_inside_the_block_still_raises(is_async: bool) -> None:
    env = environment(
        is_async,
        {"page.html": "{{ user.name }}{% set label = 'L' %}{% block a %}{{ label }}{{ 1 // x }}{% endblock %}"},
    )
    with pytest.raises(ZeroDivisionError) as info:
        await ours(env, "page.html", "a", x=0)
    assert any("'page.html' line 1" in note and "'user' is undefined" in note for note in info.value.__notes__)


async def test_missing_parent_template_is_still_raised(is_async: bool) -> None:
    env = environment(is_async, {"child.html": "{% extends 'gone.html' %}{% block x %}{% endblock %}"})
    with pytest.raises(jinja2.TemplateNotFound, match="gone.html"):
        await ours(env, "child.html", "x")


DYNAMIC_PARENT = {
    "layout.html": "<!--content-->{% block content %}<p>{{ x }}</p>{% endblock %}<!--/content-->",
    "page.html": "{% extends layout %}{% block title %}t{% endblock %}",
}


async def test_block_only_a_parent_chosen_at_run_time_defines(is_async: bool) -> None:
    env = environment(is_async, DYNAMIC_PARENT)
    expected = await page_block(env, "page.html", "content", layout="layout.html", x=1)
    assert await ours(env, "page.html", "content", layout="layout.html", x=1) == expected


async def test_unknown_block_with_a_parent_chosen_at_run_time(is_async: bool) -> None:
    env = environment(is_async, DYNAMIC_PARENT)
    with pytest.raises(BlockNotFoundError, match="'missing'"):
        await ours(env, "page.html", "missing", layout="layout.html")


BLOCK_A = "<!--a-->{% block a %}[{{ x }}]{% endblock %}<!--/a-->"
SET_AROUND = {
    "set_before_and_after.html": '{% set x="before" %}' + BLOCK_A + '{% set x="after" %}',
    "set_only_after.html": BLOCK_A + '{% set x="later" %}',
    "nested.html": '{% set x="before" %}{% block outer %}' + BLOCK_A + '{% endblock %}{% set x="after" %}',
    "layout.html": '{% set x="before" %}{% block outer %}<!--a-->{% block a %}{% endblock %}<!--/a-->{% endblock %}'
    '{% set x="after" %}',
    "child.html": '{% extends "layout.html" %}{% block a %}[{{ x }}]{% endblock %}',
}


@pytest.mark.parametrize("template", ["set_before_and_after.html", "set_only_after.html", "nested.html", "child.html"])
async def test_set_after_the_block_does_not_leak_backwards(is_async: bool, template: str) -> None:
    env = environment(is_async, SET_AROUND)
    expected = await page_block(env, template, "a")
    assert await ours(env, template, "a") == expected


WITH_AROUND = {
    "top.html": '{% with g="hi" %}<!--a-->{% block a scoped %}[{{ g }}]{% endblock %}<!--/a-->{% endwith %}',
    "layout.html": '{% with g="hi" %}<!--a-->{% block a scoped %}{% endblock %}<!--/a-->{% endwith %}',
    "child.html": '{% extends "layout.html" %}{% block a %}[{{ g }}]{% endblock %}',
}


@pytest.mark.parametrize("template", ["top.html", "child.html"])
async def test_scoped_block_inside_with(is_async: bool, template: str) -> None:
    env = environment(is_async, WITH_AROUND)
    expected = await page_block(env, template, "a")
    assert await ours(env, template, "a") == expected


async def test_autoescape_off_renders_the_block_as_autoescape_on(is_async: bool) -> None:
    source = "{% block a %}{{ v }}{{ v|safe }}{{ m }}{% autoescape false %}{{ v }}{% endautoescape %}{% endblock %}"
    source = "<!--a-->" + source + "<!--/a-->"
    context = {"v": "<i>", "m": Markup("<b>")}
    escaping = environment(is_async, {"page.html": source})
    expected = await page_block(escaping, "page.html", "a", **context)
    off = environment(is_async, {"page.html": source})
    off.autoescape = False  # by design: the block's context carries untrusted model text
    assert await ours(off, "page.html", "a", **context) == expected == "&lt;i&gt;<i><b><i>"


async def test_block_in_a_top_level_loop_renders_as_on_the_first_pass(is_async: bool) -> None:
    source = "{% for i in [1, 2] %}<!--a-->{% block a scoped %}[{{ i }}]{% endblock %}<!--/a-->{% endfor %}"
    env = environment(is_async, {"page.html": source})
    expected = await page_block(env, "page.html", "a")  # the first of the page's two
    assert await ours(env, "page.html", "a") == expected == "[1]"
