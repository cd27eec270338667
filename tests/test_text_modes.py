"""Append and markdown modes over a real server: applied as htmx applies them, they end as replace mode ends.

How htmx applies each mode's frames to the page (htmx 2 dialect, ``sse-swap`` elements):
replace: the last ``fragment`` wins; append: every ``append`` is added at the end of the
body element (``hx-swap="beforeend"``); markdown: the first ``fragment`` is the block around an
empty body, then ``append`` adds elements to the body, ``tail`` replaces its last one and
an unnamed message grows that (``tests.helpers.MarkdownPage``). Both end with a ``fragment`` of the
whole answer, which replaces the answer element holding it all.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import jinja2
import pytest
from fastapi import FastAPI, Request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from starlette.responses import Response

from fastapi_fragments import ConfigurationError, FragmentStreamResponse
from fastapi_fragments._dialects import HTMX2, HTMX4, Datastar, Dialect, encode
from fastapi_fragments._produce import DEFAULT_ERROR_HTML
from fastapi_fragments._text import AppendText, TextModeName
from fastapi_fragments._updates import GROW_MARKER
from fastapi_fragments.markdown._modes import MarkdownText
from fastapi_fragments.markdown._streaming import StreamingMarkdown, render_markdown
from fastapi_fragments.testing import LiveServer, SSEParser, SSEResult, read_events
from tests.helpers import MARKDOWNISH, MarkdownPage, ReplaceOnlyDialect, token_splits, top_level_elements, without_tags

TEMPLATES = {
    "modes.html": (
        "{% block plain %}{{ text }}{% endblock %}"
        "{% block markdown %}{{ text | markdown }}{% endblock %}"
        '{% block oops %}<p role="alert">oops</p>{% endblock %}'
    )
}


def _markdown_filter(text: Markup) -> Markup:
    return Markup(render_markdown(text.unescape()))


def make_app() -> FastAPI:
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    env.filters["markdown"] = _markdown_filter
    app = FastAPI()

    @app.post("/stream")
    async def stream(
        request: Request, mode: TextModeName, block: str = "plain", interval: float = 0, error: str = "oops"
    ) -> Response:
        tokens = json.loads(await request.body())

        async def fail_after_tokens() -> AsyncIterator[str]:
            for token in tokens:
                yield token
            if request.query_params.get("fail"):
                raise RuntimeError("upstream broke")

        source = fail_after_tokens()
        return FragmentStreamResponse(
            source, "modes.html", block, templates=env, mode=mode, min_interval=interval, error_block=error or None
        )

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with LiveServer(make_app()) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def _stream(client: httpx.Client, tokens: list[str], mode: str, **params: object) -> SSEResult:
    result = read_events(client, "/stream", method="POST", params={"mode": mode, **params}, content=json.dumps(tokens))
    assert result.status_code == 200 and result.ended and result.names[-1] == "done"
    return result


def _applied(result: SSEResult, mode: str) -> str:
    """The answer element after every frame: the last ``fragment`` replaced it in every mode."""
    fragments = result.data_of("fragment")
    if mode not in ("replace", "markdown-replace"):
        assert result.names[-2:] == ["fragment", "done"], "the final frame must replace the answer"
    return fragments[-1]


def _streamed(result: SSEResult) -> str:
    """What the append frames built before the final replace."""
    return "".join(result.data_of("append"))


def _markdown_page(result: SSEResult) -> MarkdownPage:
    """Markdown's body as the frames before the final replace built it."""
    page = MarkdownPage()
    for event in result.events[:-2]:
        page.apply(event.event, event.data)
    return page


_texts_and_splits = (MARKDOWNISH | st.text(max_size=40)).flatmap(
    lambda text: st.tuples(st.just(text), token_splits(text))
)


@pytest.mark.parametrize(
    ("mode", "replace_block"), [("append", "plain"), ("markdown", "markdown"), ("markdown-replace", "markdown")]
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_texts_and_splits, st.sampled_from([0, 0.002]))
def test_mode_ends_with_replace_modes_html(
    client: httpx.Client, mode: str, replace_block: str, text_and_tokens: tuple[str, list[str]], interval: float
) -> None:
    _, tokens = text_and_tokens
    replaced = _applied(_stream(client, tokens, "replace", block=replace_block), "replace")
    streamed = _stream(client, tokens, mode, interval=interval)
    assert _applied(streamed, mode) == replaced  # the final frame: exactly replace mode's last render
    if mode == "append":
        assert _streamed(streamed) == replaced
        # htmx 4 drops whitespace-only messages: no append frame may be one.
        assert all(piece.strip() for piece in streamed.data_of("append"))
    elif mode == "markdown":
        # Every frame found its target; what the body showed is what the answer ends with, so far.
        shown = without_tags(_markdown_page(streamed).shown())
        assert without_tags(replaced).startswith(shown) or "|" in "".join(tokens)  # a table shows its rows later


def test_append_mode_sends_only_what_is_new(client: httpx.Client) -> None:
    tokens = [" Hello", " ", "<b>", "\n", "world", "  "]
    result = _stream(client, tokens, "append")
    assert result.data_of("append") == ["Hello", " &lt;b&gt;", "\nworld"]
    assert sum(len(piece) for piece in result.data_of("append")) == len("Hello &lt;b&gt;\nworld")
    assert result.data_of("fragment") == ["Hello &lt;b&gt;\nworld"]  # then once whole, as the final frame


def test_markdown_mode_sends_each_element_once_into_the_body(client: httpx.Client) -> None:
    tokens = ["# Title\n", "\n", "Some *text*", " here.\n", "\n", "- a\n", "- b\n", "\nEnd <script>x</script>"]
    result = _stream(client, tokens, "markdown")
    assert result.names[0] == "fragment" and result.data_of("fragment")[0].startswith("<div data-fragments-body>")
    streamed = "".join(event.data for event in result.events[:-2])
    for element in ("<h1>Title", "<em>text</em>", "<li>b", "<p>End"):
        assert streamed.count(element) == 1, element  # the list's replace sends its first item again
    page = _markdown_page(result)
    assert page.shown() == "".join(top_level_elements(render_markdown("".join(tokens))))  # each element, whole
    assert "<script>" not in result.raw.decode()


@pytest.mark.parametrize("mode", ["append", "markdown"])
def test_an_error_ends_the_answer_as_in_replace_mode(client: httpx.Client, mode: str) -> None:
    # The error block replaces the answer, as in replace mode (it gets the partial text to show).
    assert _applied(_stream(client, ["partial ", "answer"], mode, fail="1"), mode) == '<p role="alert">oops</p>'
    # Without an error block: the block with the partial text, then the built-in message.
    result = _stream(client, ["partial ", "answer"], mode, fail="1", block="plain", error="")
    partial = "partial answer" if mode == "append" else "<p>partial answer</p>"
    assert _applied(result, mode) == partial + DEFAULT_ERROR_HTML
    assert "upstream broke" not in result.raw.decode()


def test_unknown_mode_fails_before_any_byte(client: httpx.Client) -> None:
    with pytest.raises(ConfigurationError, match="mode must be 'replace', 'append', 'markdown' or 'markdown-replace'"):
        FragmentStreamResponse(["x"], "modes.html", "plain", templates=jinja2.Environment(), mode="typo")  # type: ignore[arg-type]


def test_a_dialect_that_cannot_append_fails_before_any_byte() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"modes.html": "{% block plain %}{{ text }}{% endblock %}"}))
    with pytest.raises(ConfigurationError, match="mode='append' needs a dialect with append"):
        FragmentStreamResponse(["x"], "modes.html", "plain", templates=env, mode="append", dialect=ReplaceOnlyDialect())
    FragmentStreamResponse(["x"], "modes.html", "plain", templates=env, dialect=ReplaceOnlyDialect())  # replace: fine


# -- frames per dialect (byte-exact) --------------------------------------------------------------


def test_htmx2_append_and_tail_frames() -> None:
    dialect = HTMX2()
    assert dialect.append("Hi &lt;", 3) == b"event: append\nid: 3\ndata: Hi &lt;\n\n"
    assert dialect.body_append("<p>x</p>") == b"event: append\ndata: <p>x</p>\n\n"  # the page's selectors
    assert dialect.tail("<p>a\nb</p>") == b"event: tail\ndata: <p>a\ndata: b</p>\n\n"
    assert HTMX2(append_event="more").append("x", 1) == b"event: more\nid: 1\ndata: x\n\n"


def test_the_final_replace_frame_of_each_dialect() -> None:
    assert HTMX2().replace("<p>all</p>", 9) == b"event: fragment\nid: 9\ndata: <p>all</p>\n\n"
    # htmx 4: the form's hx-swap is beforeend in these modes, so the replace names its target.
    assert HTMX4(replace_target="#answer").replace("all", 9) == (
        b'id: 9\ndata: <hx-partial hx-target="#answer" hx-swap="innerHTML">all</hx-partial>\n\n'
    )
    assert HTMX4(target="#a", swap="innerMorph", replace_target="#b").replace("all", 9) == (
        b'id: 9\ndata: <hx-partial hx-target="#a" hx-swap="innerMorph">all</hx-partial>\n\n'
    )
    assert HTMX4().replace("all", 9) == b"id: 9\ndata: all\n\n"  # no target known: the form's
    assert Datastar(target="#answer").replace("all", 9) == Datastar(target="#answer").response("all", 9)


def test_htmx4_append_and_tail_frames() -> None:
    assert HTMX4().append("Hi", 1) == b"id: 1\ndata: Hi\n\n"  # the form's hx-swap="beforeend" applies
    assert HTMX4(target="#a").append("Hi", 1) == (
        b'id: 1\ndata: <hx-partial hx-target="#a" hx-swap="beforeend">Hi</hx-partial>\n\n'
    )
    dialect = HTMX4().for_block("answer")  # the body is in the answer's element
    assert dialect.body_append("<p>x</p>") == (
        b'data: <hx-partial hx-target="#answer [data-fragments-body]" hx-swap="beforeend"><p>x</p></hx-partial>\n\n'
    )
    assert HTMX4(target="#a-7").tail("<p>t</p>") == (
        b'data: <hx-partial hx-target="#a-7 [data-fragments-body] &gt; :last-child" hx-swap="outerHTML">'
        b"<p>t</p></hx-partial>\n\n"
    )


def test_datastar_append_and_tail_frames() -> None:
    dialect = Datastar(target="#answer")
    assert dialect.append("Hi", 2) == (
        b"event: datastar-patch-elements\nid: 2\ndata: selector #answer\ndata: mode append\n"
        b"data: elements <span>Hi</span>\n\n"
    )
    assert dialect.append("<p>x</p>", 3).endswith(b"data: elements <p>x</p>\n\n")
    assert dialect.body_append("<p>x</p>") == (
        b"event: datastar-patch-elements\ndata: selector #answer [data-fragments-body]\ndata: mode append\n"
        b"data: elements <p>x</p>\n\n"
    )
    assert dialect.tail("<p>t</p>") == (
        b"event: datastar-patch-elements\ndata: selector #answer [data-fragments-body] > :last-child\n"
        b"data: mode replace\ndata: elements <p>t</p>\n\n"
    )


@pytest.mark.parametrize("dialect", [HTMX4, Datastar])
def test_tail_target_is_deprecated_and_unused(dialect: type[HTMX4] | type[Datastar]) -> None:
    with pytest.warns(DeprecationWarning, match="tail_target is deprecated and unused"):
        old = dialect(tail_target="#answer-tail")
    assert old.for_block("answer").tail("<p>t</p>") == dialect().for_block("answer").tail("<p>t</p>")


def test_tail_growth_frames_append_into_the_marker() -> None:
    # Nothing in the marker listens (see test_markdown_streaming in tests/browser): each dialect finds it.
    assert GROW_MARKER == "<span data-fragments-grow></span>"
    assert HTMX2(tail_event="md").tail_grow("more") == b"data: more\n\n"  # unnamed: the most frequent frame
    assert HTMX4(replace_target="#t").tail_grow(" more") == (
        b'data: <hx-partial hx-target="#t [data-fragments-body] &gt; :last-child [data-fragments-grow]"'
        b' hx-swap="beforeend"> more</hx-partial>\n\n'
    )
    assert Datastar(target="#t").tail_grow("x") == (
        b"event: datastar-patch-elements\ndata: selector #t [data-fragments-body] > :last-child [data-fragments-grow]\n"
        b"data: mode append\ndata: elements <span>x</span>\n\n"
    )


def _apply(page: MarkdownPage, frame: bytes) -> None:
    (event,) = SSEParser().feed(frame)
    page.apply(event.event, event.data)


@settings(max_examples=300, deadline=None)
@given(_texts_and_splits)
def test_the_body_always_shows_what_the_markdown_so_far_renders(text_and_tokens: tuple[str, list[str]]) -> None:
    _, tokens = text_and_tokens
    mode, reference, page, dialect = MarkdownText(), StreamingMarkdown(), MarkdownPage(), HTMX2()
    finished = ""
    for token in tokens:
        mode.feed(token)
        reference.feed(token)
        for frame in frames(mode, dialect):
            _apply(page, frame)
        step = reference.snapshot()
        finished += step.blocks
        # Growth that is only whitespace waits for the text after it: the rest matches at once.
        expected = "".join((finished + step.tail).split())
        assert "".join(page.shown().replace("<div>", "").replace("</div>", "").split()) == expected
        # A block re-rendered mid-stream puts back what the page shows (bar the finished ones' markers).
        put_back = MarkdownPage()
        put_back.apply("fragment", f"<div data-fragments-body>{mode.body()}</div>")
        assert "".join(put_back.shown().split()) == "".join(page.shown().split())


def frames(mode: MarkdownText, dialect: Dialect) -> list[bytes]:
    """The frames of ``mode``'s updates for the text so far (not final)."""
    return [encode(dialect, update, 1) for update in mode.updates("", final=False)]


def test_a_growing_paragraph_sends_only_its_new_words() -> None:
    mode, dialect = MarkdownText(), HTMX2()
    mode.feed("Hello")
    assert frames(mode, dialect) == [b"event: append\ndata: <p>Hello<span data-fragments-grow></span></p>\n\n"]
    mode.feed(" big")
    mode.feed(" world")
    assert frames(mode, dialect) == [b"data:  big world\n\n"]
    mode.feed(" **now")  # open emphasis is held back, not shown as literal asterisks
    assert frames(mode, dialect) == []
    mode.feed("**.")  # once closed it is grown like text: what the page shows never changes
    assert frames(mode, dialect) == [b"data:  <strong>now</strong>.\n\n"]
    mode.feed("\n- item")  # a new block changes the structure: the whole tail goes again, as one element
    assert frames(mode, dialect)[0].startswith(b"event: tail\ndata: <div><p>Hello big world <strong>")
    mode.feed("\n\nBye")  # the paragraph and the list are finished: they replace their wrapper
    assert frames(mode, dialect) == [
        b"event: tail\ndata: <p>Hello big world <strong>now</strong>.</p>\ndata: <ul>\ndata: <li>item</li>\n"
        b"data: </ul>\n\n",
        b"event: append\ndata: <p>Bye<span data-fragments-grow></span></p>\n\n",
    ]


def test_a_rule_at_the_end_carries_no_marker_after_it() -> None:
    # A marker after <hr> would be a second element: the next replace of the body's last element
    # would replace it and leave the rule twice (found by the property test above).
    mode, page = MarkdownText(), MarkdownPage()
    for token in ["Text\n", "- - -\n", "P"]:
        mode.feed(token)
        for frame in frames(mode, HTMX2()):
            _apply(page, frame)
    assert page.shown() == "<p>Text</p><div><hr>\n<p>P</p></div>"


def test_append_text_holds_whitespace_until_text_follows() -> None:
    text = AppendText()
    text.feed("  Hello")
    text.feed(" ")
    assert text.take(final=False) == "Hello"
    assert text.take(final=False) == ""
    text.feed("<world>\r")
    assert text.take(final=False) == " &lt;world&gt;"
    text.feed("\n")
    assert text.take(final=True) == ""
    assert text.raw == "  Hello <world>\r\n"


def test_markdown_text_raw_is_the_model_text() -> None:
    text = MarkdownText()
    for delta in ["# T", "itle\n", "<b>"]:
        text.feed(delta)
    assert text.raw == "# Title\n<b>"
    assert text.markup() == ""
