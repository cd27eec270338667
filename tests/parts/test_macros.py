"""``fragments/parts.html``: the reasoning panel, the tool cards, the usage line and the targets, as HTML."""

from __future__ import annotations

import jinja2
import pytest

from fastapi_fragments import FragmentsMiddleware
from fastapi_fragments.parts import ToolStatus, Usage
from fastapi_fragments.parts._result import ToolCall


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.DictLoader({}), autoescape=True)
    FragmentsMiddleware(app=None, templates=environment)  # type: ignore[arg-type]  # only adds the macro loader
    return environment


def render(env: jinja2.Environment, source: str, **values: object) -> str:
    return env.from_string('{% import "fragments/parts.html" as parts %}' + source).render(**values)


def test_the_reasoning_panel_is_open_while_thinking_and_says_how_long_after(env: jinja2.Environment) -> None:
    source = "{{ parts.reasoning(text, thinking, duration) }}"
    assert render(env, source, text="a <b>", thinking=True, duration=1.2) == (
        '<details class="fragments-reasoning" data-thinking="true" open>\n<summary>Thinking…</summary>\n'
        '<div class="fragments-reasoning-text">a &lt;b&gt;</div>\n</details>'
    )
    closed = render(env, source, text="a", thinking=False, duration=12.0)
    assert '<details class="fragments-reasoning" data-thinking="false">' in closed
    assert "<summary>Thought for 12 s</summary>" in closed
    assert "<summary>Thought</summary>" in render(env, source, text="a", thinking=False, duration=None)
    assert render(env, source, text="", thinking=False, duration=None) == ""


def test_the_reasoning_panel_takes_its_labels_by_keyword_or_position(env: jinja2.Environment) -> None:
    """The labels are not parameters with defaults (a missing one costs Jinja a KeyError per call), but
    still come after the three arguments, by keyword or by position, and are escaped."""
    thinking = {"text": "a", "thinking": True, "duration": 1.0}
    done = {"text": "a", "thinking": False, "duration": 2.5}
    assert "<summary>Denke &lt;…&gt;</summary>" in render(
        env, '{{ parts.reasoning(text, thinking, duration, "Denke <…>") }}', **thinking
    )
    keyword = '{{ parts.reasoning(text, thinking, duration, label_thinking="Denke", label_done="Dachte %g s") }}'
    assert "<summary>Denke</summary>" in render(env, keyword, **thinking)
    assert "<summary>Dachte 2.5 s</summary>" in render(env, keyword, **done)
    assert "<summary>Dachte 2.5 s</summary>" in render(
        env, '{{ parts.reasoning(text, thinking, duration, "T", "Dachte %g s") }}', **done
    )
    assert "<summary>Thought for 2.5 s</summary>" in render(
        env, '{{ parts.reasoning(text, thinking, duration, "T") }}', **done
    )
    assert "<summary>Thought</summary>" in render(env, keyword, **{**done, "duration": None})


def test_tool_cards_show_name_status_arguments_and_result(env: jinja2.Environment) -> None:
    calls = [
        ToolCall("c1", "search_docs", '{"q": "h<', {"q": "h<"}, ToolStatus.PENDING),
        ToolCall("c2", "get", "{}", {}, ToolStatus.DONE, result={"hits": 3}),
    ]
    html = render(env, "{{ parts.tool_cards(calls) }}", calls=calls)
    assert html.count('<li class="fragments-tool"') == 2
    assert 'id="tool-c1" data-status="pending"' in html and "Preparing…" in html
    assert '<code class="fragments-tool-arguments">{"q": "h\\u003c"}</code>' in html
    assert 'data-status="done"' in html and '<pre class="fragments-tool-result">{\n "hits": 3\n}</pre>' in html
    assert render(env, "{{ parts.tool_cards([]) }}") == ""


def test_the_usage_line_and_a_cut_off_answer(env: jinja2.Environment) -> None:
    html = render(env, "{{ parts.usage(usage, 'length') }}", usage=Usage(12, 40, 16, 8))
    assert html == (
        '<p class="fragments-cut-off" role="status">The answer was cut off at the length limit.</p>'
        '<p class="fragments-usage">12 tokens in · 40 out (16 thinking) · 8 cached</p>'
    )
    assert render(env, "{{ parts.usage(none, 'stop') }}") == ""


def test_targets_per_frontend(env: jinja2.Environment) -> None:
    assert render(env, '{{ parts.htmx2("reasoning") }}') == (
        '<div id="reasoning" sse-swap="reasoning" hx-target="this" hx-swap="innerHTML"></div>'
    )
    assert render(env, '{{ parts.htmx4("tools", "cards") }}') == '<div id="tools" class="cards"></div>'
    assert render(env, '{{ parts.datastar("usage") }}') == '<div id="usage"></div>'
