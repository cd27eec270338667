"""SSE frame encoding: byte-exact frames, and no text can escape a data line."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_fragments import ConfigurationError
from fastapi_fragments._sse import check_field, encode_event, encode_frame
from fastapi_fragments.testing import parse_sse


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"data": "<p>hi</p>"}, b"data: <p>hi</p>\n\n"),
        ({"data": "", "event": "done"}, b"event: done\ndata: \n\n"),
        ({"data": "a\nb", "event": "fragment", "id": "3"}, b"event: fragment\nid: 3\ndata: a\ndata: b\n\n"),
        ({"data": "a\r\nb\rc", "retry": 1500}, b"retry: 1500\ndata: a\ndata: b\ndata: c\n\n"),
        ({"data": " lead"}, b"data:  lead\n\n"),
        ({"data": b"a\r\nb", "event": "x", "id": 7}, b"event: x\nid: 7\ndata: a\ndata: b\n\n"),
    ],
)
def test_frames_are_byte_exact(kwargs: dict[str, object], expected: bytes) -> None:
    assert encode_event(**kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "a\nb", "a\rb", "x\0"])
def test_fields_with_line_breaks_are_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="CR, LF or NUL"):
        check_field(bad, "event")


@given(st.text())
def test_any_text_survives_as_exactly_one_event(text: str) -> None:
    events = parse_sse(encode_event(text, event="fragment", id="1"))
    assert len(events) == 1
    assert events[0].event == "fragment"
    assert events[0].data == text.replace("\r\n", "\n").replace("\r", "\n")


@given(st.text())
def test_text_and_its_utf8_make_the_same_frame(text: str) -> None:
    # One-line text is framed as a str, the rest as UTF-8 bytes (a lone surrogate becomes "?" both ways).
    assert encode_event(text, id=1) == encode_event(text.encode("utf-8", "replace"), id=1)


@given(st.text(), st.sampled_from([None, "fragment"]), st.integers(min_value=1))
def test_a_numbered_frame_is_the_event_it_stands_for(text: str, event: str | None, number: int) -> None:
    """``encode_frame``, the per-frame shortcut, writes the bytes ``encode_event`` would."""
    assert encode_frame(event, number, text) == encode_event(text, event=event, id=number)
