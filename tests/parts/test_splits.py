"""Property: however a source's stream is cut into deltas, the parts it folds into are the same.

Hypothesis draws a script (reasoning, text with reasoning tags and citations, tool calls with JSON
arguments), then cuts every part's text at arbitrary points, empty deltas included. Each source's items
for the cut script must fold into exactly the state (ids, texts, statuses, citations, finish) of the
script sent whole, one delta per part.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_fragments.parts import PartDelta, PartKind, PartsState, PartStart, fold, normaliser_for
from fastapi_fragments.parts._view import PartsView
from fastapi_fragments.testing import (
    FakeCitation,
    FakePart,
    FakeReasoning,
    FakeReply,
    FakeText,
    FakeToolCall,
    FakeUsage,
)
from tests.parts.test_json import JSON
from tests.parts.wire_items import SOURCES

TAGGED_TEXT = st.lists(
    st.sampled_from(["<think>", "</think>", "<thinking>", "</thinking>", "<", "\n\n", " "]) | st.text(max_size=6),
    max_size=6,
).map("".join)
CITATION = st.builds(FakeCitation, st.just("https://htmx.org/"), st.text(max_size=5))


@st.composite
def cut(draw: st.DrawFn, text: str) -> list[str]:
    """``text`` cut at arbitrary points (some empty pieces): what a provider's tokens could be."""
    points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=6)))
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


@st.composite
def scripts(draw: st.DrawFn) -> tuple[FakeReply, FakeReply]:
    """A reply sent whole (one delta per part) and the same reply cut anywhere."""
    whole: list[FakePart] = []
    pieces: list[FakePart] = []
    for index in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["reasoning", "text", "tool"]))
        if kind == "reasoning":
            value = draw(st.text(max_size=12))
            whole.append(FakeReasoning([value]))
            pieces.append(FakeReasoning(draw(cut(value))))
        elif kind == "text":
            value, citations = draw(TAGGED_TEXT), draw(st.lists(CITATION, max_size=2))
            whole.append(FakeText([value], citations))
            pieces.append(FakeText(draw(cut(value)), citations))
        else:
            value = json.dumps(draw(st.dictionaries(st.text(max_size=4), JSON, max_size=3)))
            whole.append(FakeToolCall(f"tool{index}", [value], id=f"call_{index}"))
            pieces.append(FakeToolCall(f"tool{index}", draw(cut(value)), id=f"call_{index}"))
    usage = FakeUsage(3, 5, 1, 2)
    return FakeReply(parts=whole, usage=usage), FakeReply(parts=pieces, usage=usage)


def fold_source(source: str, reply: FakeReply) -> PartsState:
    items = SOURCES[source](reply)
    if not items:
        return PartsState()
    normaliser = normaliser_for(items[0])
    return fold([event for item in items for event in normaliser.feed(item)] + normaliser.finish())


@pytest.mark.parametrize("source", list(SOURCES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts())
def test_any_cut_folds_into_the_whole(source: str, replies: tuple[FakeReply, FakeReply]) -> None:
    whole, cut_up = replies
    assert fold_source(source, cut_up) == fold_source(source, whole)


@pytest.mark.parametrize("source", list(SOURCES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts())
def test_the_text_lane_takes_exactly_the_answers_deltas(source: str, replies: tuple[FakeReply, FakeReply]) -> None:
    """With a text lane, ``feed`` returns every event but the text parts' deltas, whose text the lane gets in order."""
    items = SOURCES[source](replies[1])
    if not items:
        return
    plain, laned = normaliser_for(items[0]), normaliser_for(items[0])
    lane: list[str] = []
    laned.text_lane = lane.append
    events = [event for item in items for event in plain.feed(item)] + plain.finish()
    texts = {event.id for event in events if isinstance(event, PartStart) and event.kind is PartKind.TEXT}
    answer = [event for event in events if isinstance(event, PartDelta) and event.id in texts]
    assert [event for item in items for event in laned.feed(item)] + laned.finish() == [
        event for event in events if event not in answer
    ]
    assert lane == [event.text for event in answer]


@pytest.mark.parametrize("source", list(SOURCES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts())
def test_the_lanes_fold_as_the_events_do(source: str, replies: tuple[FakeReply, FakeReply]) -> None:
    """A view fed through both lanes ends as one fed every event: the reasoning lane takes a delta only
    after the view has its part's start, and the deltas stay in order with the other events."""
    items = SOURCES[source](replies[1])
    if not items:
        return
    plain_text: list[str] = []
    laned_text: list[str] = []
    plain, laned = PartsView(plain_text.append, clock=float), PartsView(laned_text.append, clock=float)
    events, lanes = normaliser_for(items[0]), normaliser_for(items[0])
    lanes.text_lane, lanes.reasoning_lane = laned.answer, laned.reasoning
    for item in items:
        plain.apply(events.feed(item))
        laned.apply(lanes.feed(item))
    plain.settle(events.finish())
    laned.settle(lanes.finish())
    assert (laned.state, laned.context(), laned_text) == (plain.state, plain.context(), plain_text)
