"""PartsState: folding events into what a page shows, and refusing events out of protocol."""

from __future__ import annotations

import pytest

from fastapi_fragments.parts import (
    Citation,
    Finish,
    FinishReason,
    PartDelta,
    PartEnd,
    PartEvent,
    PartKind,
    PartStart,
    ToolResult,
    ToolStatus,
    fold,
)


def test_a_tool_call_goes_pending_running_done() -> None:
    events: list[PartEvent] = [PartStart(PartKind.TOOL_CALL, "c", "search"), PartDelta("c", '{"q": "ht')]
    state = fold(events)
    (call,) = state.tool_calls
    assert (call.status, call.arguments, call.done) == (ToolStatus.PENDING, {"q": "ht"}, False)
    state.apply(PartEnd("c"))
    assert call.status is ToolStatus.RUNNING
    state.apply(ToolResult("c", ToolStatus.DONE, ["doc"]))
    state.apply(ToolResult("unknown", ToolStatus.DONE))  # a result for no known call changes nothing
    assert (call.status, call.result) == (ToolStatus.DONE, ["doc"])


def test_text_reasoning_and_citations_read_back() -> None:
    state = fold([
        PartStart(PartKind.REASONING, "r"), PartDelta("r", "Hm"), PartEnd("r"),
        PartStart(PartKind.TEXT, "t1"), PartDelta("t1", "Hel"), PartEnd("t1"),
        PartStart(PartKind.TEXT, "t2"), PartDelta("t2", "lo"), PartEnd("t2"),
        Citation(url="https://htmx.org", part_id="t2"),
        Finish(FinishReason.STOP),
    ])  # fmt: skip
    assert (state.text, [r.text for r in state.reasoning], len(state.citations)) == ("Hello", ["Hm"], 1)
    assert state.open_id is None


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([PartStart(PartKind.TEXT, "a"), PartStart(PartKind.TEXT, "b")], "while 'a' is open"),
        ([PartStart(PartKind.TEXT, "a"), PartEnd("a"), PartDelta("a", "x")], "not open"),
        ([PartStart(PartKind.TEXT, "a"), Finish(FinishReason.STOP)], "while 'a' was open"),
        ([Finish(FinishReason.STOP), Citation(url="u")], "after the finish"),
    ],
)
def test_events_out_of_protocol_are_refused(events: list[PartEvent], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fold(events)


def test_a_reopened_tool_call_is_pending_again() -> None:
    state = fold([PartStart(PartKind.TOOL_CALL, "c"), PartDelta("c", "{"), PartEnd("c")])
    state.apply(PartStart(PartKind.TOOL_CALL, "c"))
    assert [(p.status, p.done) for p in state.parts] == [(ToolStatus.PENDING, False)]
