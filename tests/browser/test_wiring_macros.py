"""The wiring macros (``fragments/htmx.html``, ``fragments/answer.html``) render the attributes pages rely on."""

from __future__ import annotations

import jinja2
import pytest

from fastapi_fragments import FragmentsMiddleware


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.DictLoader({}), autoescape=True)
    FragmentsMiddleware(app=None, templates=environment)  # type: ignore[arg-type]  # only adds the macro loader
    return environment


def render(env: jinja2.Environment, source: str) -> str:
    return env.from_string('{% import "fragments/htmx.html" as sse %}' + source).render()


def test_htmx2_connect_closes_on_done_and_stops_inheritance(env: jinja2.Environment) -> None:
    html = render(env, '<div {{ sse.connect("/chat/stream/abc") }}>')
    assert html == '<div hx-ext="sse" sse-connect="/chat/stream/abc" sse-close="done" hx-disinherit="*">'


def test_htmx2_swap_sets_its_own_target_and_swap(env: jinja2.Environment) -> None:
    assert render(env, '{{ sse.swap("sources") }}') == 'sse-swap="sources" hx-target="this" hx-swap="innerHTML"'
    assert render(env, '{{ sse.swap("fragment", "beforeend") }}') == (
        'sse-swap="fragment" hx-target="this" hx-swap="beforeend"'
    )


MARKDOWN_BODY = (
    '<div hidden sse-swap="append" hx-target="#answer [data-fragments-body]" hx-swap="beforeend"></div>\n'
    '<div hidden sse-swap="tail" hx-target="#answer [data-fragments-body] > :last-child" hx-swap="outerHTML"></div>\n'
    '<div hidden sse-swap="message" hx-target="#answer [data-fragments-body] > :last-child [data-fragments-grow]"'
    ' hx-swap="beforeend"></div>'
)


def test_htmx2_markdown_body_has_permanent_listeners_aimed_by_selector(env: jinja2.Environment) -> None:
    # The body and its elements are swapped in and listen to nothing (htmx 2 would start them only
    # after settling): hidden elements, there before the stream starts, swap each frame into them.
    assert render(env, '{{ sse.markdown_body("answer") }}') == MARKDOWN_BODY
    assert render(env, '{{ sse.tail("answer-tail") }}') == MARKDOWN_BODY  # the deprecated spelling


def test_htmx4_post_targets_the_answer(env: jinja2.Environment) -> None:
    html = render(env, '<form {{ sse.post("/chat", "#answer") }}>')
    assert html == '<form hx-post="/chat" hx-target="#answer" hx-swap="innerHTML">'


def test_htmx4_follow_reconnects_and_closes_on_done(env: jinja2.Environment) -> None:
    html = render(env, '<div {{ sse.follow("/chat/stream/7", "#answer") }}>')
    assert html == '<div hx-sse:connect="/chat/stream/7" hx-sse:close="done" hx-target="#answer" hx-swap="innerHTML">'


def test_stop_buttons(env: jinja2.Environment) -> None:
    assert render(env, '{{ sse.stop_button("/chat/stop/abc") }}') == (
        '<button type="button" class="fragments-stop" hx-post="/chat/stop/abc" sse-swap="done" hx-swap="delete">'
        "Stop</button>"
    )
    assert render(env, '{{ sse.abort_button("#chat-form") }}') == (
        """<button type="button" class="fragments-stop" hx-on:click='htmx.trigger("#chat-form", "htmx:abort")'>"""
        "Stop</button>"
    )


def test_values_are_escaped(env: jinja2.Environment) -> None:
    html = render(env, """{{ sse.connect('/s?a=1&b="x"') }}""")
    assert 'sse-connect="/s?a=1&amp;b=&#34;x&#34;"' in html
    quoted = render(env, """{{ sse.abort_button("#a'b") }}""")
    assert "#a\\u0027b" in quoted, "a quote in the selector must not end the single-quoted attribute"


def render_answer(env: jinja2.Environment, source: str) -> str:
    return env.from_string('{% import "fragments/answer.html" as answer %}' + source).render()


def test_answer_htmx2_wiring_per_mode(env: jinja2.Environment) -> None:
    assert render_answer(env, '{{ answer.htmx2("answer") }}') == (
        '<div id="answer" sse-swap="fragment" hx-target="this" hx-swap="innerHTML" hx-disinherit="*"></div>'
    )
    assert render_answer(env, '{{ answer.htmx2("answer", "markdown") }}') == (
        '<div id="answer" sse-swap="fragment" hx-target="this" hx-swap="innerHTML" hx-disinherit="*"></div>'
        + MARKDOWN_BODY
    )
    append = render_answer(env, '{{ answer.htmx2("a", "append", append_event="more") }}')
    assert '<div id="a-body" sse-swap="more" hx-swap="beforeend"></div></div>' in append and "tail" not in append


def test_answer_htmx4_and_datastar_wiring_per_mode(env: jinja2.Environment) -> None:
    assert render_answer(env, '{{ answer.htmx4_form("/chat", "answer", "markdown") }}') == (
        'hx-post="/chat" hx-target="#answer" hx-swap="beforeend"'
    )
    assert render_answer(env, '{{ answer.htmx4_form("/chat", "answer", "markdown-replace") }}').endswith(
        'hx-swap="innerHTML"'
    )
    assert render_answer(env, '{{ answer.htmx4("answer", "markdown") }}') == '<div id="answer"></div>'
    assert render_answer(env, '{{ answer.datastar("answer", "append") }}') == '<div id="answer"></div>'
