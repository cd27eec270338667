from __future__ import annotations

import pytest

from fastapi_fragments.stores import Frame


@pytest.mark.parametrize("frame", [Frame(1, "<p>a\nb</p>"), Frame(7, "", "interrupted"), Frame(2, "é", "done")])
def test_json_round_trip(frame: Frame) -> None:
    assert Frame.from_json(frame.to_json()) == frame
    assert Frame.from_json(frame.to_json().encode()) == frame


def test_final_means_not_running() -> None:
    assert not Frame(1, "").final
    assert Frame(1, "", "stopped").final


@pytest.mark.parametrize("raw", ['{"seq": 1, "data": "x", "status": "paused"}', '{"seq": "1", "data": "x"}', "{}"])
def test_from_json_rejects_what_is_not_a_frame(raw: str) -> None:
    with pytest.raises(ValueError, match="not a stream frame"):
        Frame.from_json(raw)
