"""``PartsView``: which blocks a part event changes, the measured thinking time, the ending of every part, and
the reasoning's variables alone for a reasoning delta."""

from __future__ import annotations

import asyncio
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from fastapi_fragments import FragmentStreamResponse
from fastapi_fragments._parts_produce import PartsProducer
from fastapi_fragments.markdown._modes import MarkdownReplaceText
from fastapi_fragments.markdown._streaming import render_markdown
from fastapi_fragments.parts import (
    Citation,
    Finish,
    FinishReason,
    PartDelta,
    PartEnd,
    PartKind,
    PartStart,
    ToolResult,
    ToolStatus,
    Usage,
    normaliser_for,
)
from fastapi_fragments.parts._view import (
    ANSWER_CHANGED,
    CITATIONS_CHANGED,
    REASONING_CHANGED,
    TOOLS_CHANGED,
    PartsView,
)
from fastapi_fragments.testing import FakeReply
from tests.parts.test_splits import scripts
from tests.parts.wire_items import SOURCES


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def view() -> tuple[PartsView, list[str], Clock]:
    text: list[str] = []
    clock = Clock()
    return PartsView(text.append, clock), text, clock


def test_reasoning_is_escaped_timed_and_flips_thinking() -> None:
    parts, text, clock = view()
    assert parts.duration is None and not parts.thinking
    parts.apply([PartStart(PartKind.REASONING, "r1"), PartDelta("r1", "a < b")])
    assert parts.thinking and parts.changed == REASONING_CHANGED | ANSWER_CHANGED
    clock.now += 2.25
    assert parts.duration == 2.2  # still thinking: the time so far
    parts.changed = 0
    parts.apply([PartEnd("r1"), PartStart(PartKind.TEXT, "t1"), PartDelta("t1", "Hi")])
    assert not parts.thinking and parts.changed == REASONING_CHANGED | ANSWER_CHANGED
    clock.now += 10
    assert parts.duration == 2.2, "only the time the reasoning part was open counts"
    assert text == ["Hi"]
    context = parts.context()
    assert context["reasoning"] == Markup("a &lt; b") and context["segments"] == [Markup("a &lt; b")]


def test_in_the_markdown_modes_each_segment_is_rendered_an_ended_one_whole() -> None:
    answer: list[str] = []
    parts = PartsView(answer.append, Clock(), reasoning_text=MarkdownReplaceText)
    parts.apply([PartStart(PartKind.REASONING, "r1"), PartDelta("r1", "**Plan**: <b>search"), PartEnd("r1")])
    parts.apply([PartStart(PartKind.REASONING, "r2"), PartDelta("r2", "Then *rea")])
    first, second = parts.segments()
    assert first == render_markdown("**Plan**: <b>search")  # ended: whole, sanitized
    assert second == "<p>Then</p>\n"  # open: the emphasis still open is held back, as in the answer
    parts.apply([PartDelta("r2", "d*.")])
    assert parts.segments() == [first, "<p>Then <em>read</em>.</p>\n"]
    assert parts.result("completed", "").reasoning == "**Plan**: <b>search\n\nThen *read*."  # the raw text
    # A normaliser may open a part again (pydantic-ai addresses deltas by part index): its text goes on.
    parts.apply([PartEnd("r2"), PartStart(PartKind.REASONING, "r1"), PartDelta("r1", " *more* now")])
    assert parts.segments()[0] == "<p><strong>Plan</strong>: &lt;b&gt;search <em>more</em> now</p>\n"


@given(st.lists(st.text(alphabet="ab &<>'\"\u00e9\ud800", max_size=4), max_size=6))
def test_reasoning_is_escaped_as_markupsafe_escapes_it(deltas: list[str]) -> None:
    """Deltas with nothing to escape are kept as they are, the others escaped: joined, the same text."""
    parts, _, _ = view()
    parts.apply([PartStart(PartKind.REASONING, "r1")])
    for delta in deltas:
        parts.reasoning(delta)
    encodable = "".join(deltas).encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    assert parts.context()["reasoning"] == escape(encodable)


def test_two_reasoning_segments_add_up() -> None:
    parts, _, clock = view()
    for segment in ("r1", "r2"):
        parts.apply([PartStart(PartKind.REASONING, segment), PartDelta(segment, segment)])
        clock.now += 1.0
        parts.apply([PartEnd(segment), PartStart(PartKind.TOOL_CALL, f"c{segment}", "t"), PartEnd(f"c{segment}")])
        clock.now += 5.0
    assert parts.duration == 2.0
    assert parts.context()["reasoning"] == Markup("r1\n\nr2")


def test_tool_calls_citations_and_finish_mark_their_blocks() -> None:
    parts, _, _ = view()
    parts.apply([PartStart(PartKind.TOOL_CALL, "c1", "search"), PartDelta("c1", '{"q": "ht')])
    assert parts.changed == TOOLS_CHANGED
    call = parts.context()["tool_calls"][0]
    assert (call.name, call.arguments, call.status) == ("search", {"q": "ht"}, ToolStatus.PENDING)
    parts.changed = 0
    parts.apply([PartEnd("c1"), ToolResult("c1", ToolStatus.DONE, {"hits": 3})])
    assert parts.changed == TOOLS_CHANGED
    assert parts.context()["tool_calls"][0].status is ToolStatus.DONE
    parts.changed = 0
    parts.apply([Citation(url="https://htmx.org/", title="htmx")])
    assert parts.changed == CITATIONS_CHANGED | ANSWER_CHANGED
    parts.settle([Finish(FinishReason.STOP, usage=Usage(1, 2))])
    context = parts.context()
    assert context["finish_reason"] == "stop" and context["usage"] == Usage(1, 2)


def test_a_tool_calls_arguments_are_parsed_again_only_when_they_grew() -> None:
    parts, _, _ = view()
    parts.apply([PartStart(PartKind.TOOL_CALL, "c1", "search"), PartDelta("c1", '{"q": "ht')])
    first = parts.context()["tool_calls"][0]
    parts.apply([PartEnd("c1")])  # running: a status change
    running = parts.context()["tool_calls"][0]
    assert running.status is ToolStatus.RUNNING and running.arguments is first.arguments  # not parsed again
    parts.apply([ToolResult("c1", ToolStatus.DONE, {"hits": 3})])
    assert parts.context()["tool_calls"][0].arguments is first.arguments
    parts.apply([PartStart(PartKind.TOOL_CALL, "c1", "search"), PartDelta("c1", 'ml"}')])  # reopened, and grown
    assert parts.context()["tool_calls"][0].arguments == {"q": "html"}


def test_settle_ends_every_part_even_out_of_order() -> None:
    parts, _, _ = view()
    parts.apply([PartStart(PartKind.TOOL_CALL, "c1", "search"), PartDelta("c1", "{")])
    parts.settle([Finish(FinishReason.ERROR)])  # a source that never ended its part
    assert parts.state.open_id is None and parts.state.finish == Finish(FinishReason.ERROR)
    assert parts.state.tool_calls[0].status is ToolStatus.ERROR
    parts.settle([Finish(FinishReason.STOP)])  # once only
    assert parts.result("failed", "").finish.reason is FinishReason.ERROR


def test_the_result_says_everything() -> None:
    parts, text, clock = view()
    parts.apply([PartStart(PartKind.REASONING, "r"), PartDelta("r", "hm")])
    clock.now += 1
    parts.apply([PartEnd("r"), PartStart(PartKind.TEXT, "t"), PartDelta("t", "Hi"), PartEnd("t")])
    parts.settle([Finish(FinishReason.LENGTH, "max_tokens", Usage(3, 4))])
    result = parts.result("completed", "".join(text))
    assert (result.text, result.reasoning, result.reasoning_seconds) == ("Hi", "hm", 1.0)
    assert result.usage == Usage(3, 4) and result.finish.reason is FinishReason.LENGTH


#: An answer and a reasoning block that show every part variable but the running duration (the clock's).
EVERY = (
    "{% block response %}{{ text }}|{{ thinking }}|{{ reasoning }}|{{ tool_calls|length }}{% endblock %}"
    "{% block tools %}{{ tool_calls|length }}{% endblock %}"
    "{% block reasoning %}{{ thinking }}|{{ reasoning }}|{{ segments|join('/') }}|{{ tool_calls|length }}|"
    "{{ citations|length }}|{{ streaming }}|{{ interrupted }}|{{ finish_reason }}{% endblock %}"
)


@pytest.mark.parametrize("source", ["chat", "responses", "anthropic"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scripts())
def test_every_frame_renders_as_with_every_variable(source: str, replies: tuple[FakeReply, FakeReply]) -> None:
    """The reasoning block gets only the reasoning's variables per reasoning delta, a text delta renders the
    answer alone, and every frame is as the async render's, which writes every variable into every block it
    renders (a render per item, as the producer's loop renders them when no send holds a change back)."""
    env = jinja2.Environment(loader=jinja2.DictLoader({"every.html": EVERY}), autoescape=True)
    items = SOURCES[source](replies[1])

    def frames(reference: bool = False) -> list[object]:
        options: dict[str, Any] = {"reasoning_block": "reasoning", "tools_block": "tools", "min_interval": 0}
        producer = FragmentStreamResponse(iter(items), "every.html", "response", templates=env, **options)._producer
        assert isinstance(producer, PartsProducer)
        view, normaliser = producer._view, normaliser_for(items[0])
        normaliser.text_lane, normaliser.reasoning_lane = view.answer, view.reasoning
        rendered: list[object] = []
        for item in items:
            view.apply(normaliser.feed(item))
            if view.changed:
                rendered.append(asyncio.run(producer._render(final=False)) if reference else producer._render_now())
        return rendered

    fast = frames()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PartsView, "reasoning_context", lambda self: None)
        assert frames() == fast
    assert frames(reference=True) == fast
