"""The test parser behaves like a browser's EventSource (WHATWG rules)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fastapi_fragments.testing import SSEMessage, SSEParser, parse_sse


def test_lf_cr_and_crlf_line_ends() -> None:
    body = b"event: a\ndata: 1\n\nevent: b\rdata: 2\r\revent: c\r\ndata: 3\r\n\r\n"
    assert parse_sse(body) == [SSEMessage("a", "1"), SSEMessage("b", "2"), SSEMessage("c", "3")]


def test_event_without_data_is_not_dispatched() -> None:
    assert parse_sse(b"event: done\n\nevent: done\ndata:\n\n") == [SSEMessage("done", "")]


def test_comments_are_counted_not_dispatched() -> None:
    parser = SSEParser()
    assert parser.feed(b": ping\n\n: again\ndata: x\n\n") == [SSEMessage("message", "x")]
    assert parser.comments == 2


def test_multiple_data_lines_join_with_newline_and_one_space_is_stripped() -> None:
    assert parse_sse(b"data:  a\ndata:b\n\n") == [SSEMessage("message", " a\nb")]


def test_id_persists_and_retry_needs_digits() -> None:
    events = parse_sse(b"id: 7\nretry: 10\ndata: a\n\nretry: x\ndata: b\n\n")
    assert events == [SSEMessage("message", "a", "7", 10), SSEMessage("message", "b", "7", None)]


def test_bom_is_stripped_and_unfinished_event_is_dropped() -> None:
    assert parse_sse("\ufeffdata: a\n\ndata: b".encode()) == [SSEMessage("message", "a")]


@given(st.data())
def test_any_chunking_gives_the_same_events(data: st.DataObject) -> None:
    body = "event: x\r\ndata: é1\r\n\r\n: c\rdata: ü2\r\rdata: 3\n\n".encode()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=8)))
    parser = SSEParser()
    events = []
    for start, end in zip([0, *cuts], [*cuts, len(body)], strict=True):
        events += parser.feed(body[start:end])
    assert events == parse_sse(body)
    assert [e.data for e in events] == ["é1", "ü2", "3"]
