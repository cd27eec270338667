"""The partial-JSON preview of tool arguments: every prefix parses or gives None, the whole gives the value."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_fragments.parts import parse_partial_json

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(JSON, st.booleans())
def test_every_prefix_previews_and_the_whole_is_exact(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    for end in range(len(text)):
        preview = parse_partial_json(text[:end])
        if isinstance(value, dict) and end > 0:
            assert isinstance(preview, dict), text[:end]  # an object's preview stays an object
    assert parse_partial_json(text) == value


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=10), min_size=1, max_size=4))
def test_string_values_grow_as_they_arrive(value: dict[str, str]) -> None:
    text = json.dumps(value)
    last_key = list(value)[-1]
    for end in range(1, len(text)):
        preview = parse_partial_json(text[:end])
        assert isinstance(preview, dict)
        if last_key in preview:
            assert value[last_key].startswith(str(preview[last_key]))  # never shows what was not sent


@pytest.mark.parametrize(
    ("prefix", "preview"),
    [
        ('{"query": "htm', {"query": "htm"}),
        ('{"a": 1, "b', {"a": 1}),
        ('{"a": 1, "b": tr', {"a": 1}),
        ('{"a": [1, 2', {"a": [1, 2]}),
        ('{"a": "x\\', {"a": "x"}),
        ('{"a": "\\u00', {"a": ""}),
        ("", None),
        ("nul", None),
        ("[", []),
    ],
)
def test_examples(prefix: str, preview: object) -> None:
    assert parse_partial_json(prefix) == preview
