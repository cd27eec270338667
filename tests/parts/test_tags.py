"""Reasoning tags inside answer text: split anywhere, the pieces join to the same reasoning and answer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_fragments.parts import REASONING_TAGS, TagSplitter
from fastapi_fragments.parts._tags import Piece


def run(chunks: list[str]) -> list[Piece]:
    splitter = TagSplitter()
    pieces = [piece for chunk in chunks for piece in splitter.feed(chunk)] + splitter.flush()
    return merged(pieces)


def merged(pieces: list[Piece]) -> list[Piece]:
    """Adjacent pieces of one kind joined: how many tokens a piece took is not part of the result."""
    out: list[Piece] = []
    for kind, text in pieces:
        if out and kind != "open" and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))
    return out


def splits(text: str) -> st.SearchStrategy[list[str]]:
    cuts = st.lists(st.integers(0, len(text)), max_size=len(text)).map(sorted)
    return cuts.map(lambda points: [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)])


WORDS = ["<think>", "</think>", "<thinking>", "</thinking>", "◁think▷", "◁/think▷", "<", "<th", "Hi", " ", "\n\n", "x"]
TEXTS = st.lists(st.sampled_from(WORDS), max_size=12).map("".join)


@given(TEXTS.flatmap(lambda text: st.tuples(st.just(text), splits(text))))
def test_any_split_gives_the_pieces_of_the_whole(case: tuple[str, list[str]]) -> None:
    text, chunks = case
    assert run(chunks) == run([text])
    assert "".join(chunks) == text


@pytest.mark.parametrize(("opener", "closer"), REASONING_TAGS)
def test_every_tag_pair_is_reasoning(opener: str, closer: str) -> None:
    chunks = [*f"{opener}plan{closer}\n\nAnswer"]  # one character per token
    assert run(chunks) == [("open", opener), ("reasoning", "plan"), ("text", "Answer")]


def test_unclosed_tag_is_reasoning_to_the_end_and_a_partial_tag_is_text() -> None:
    assert run(["<think>still thinking"]) == [("open", "<think>"), ("reasoning", "still thinking")]
    assert run(["a <thi"]) == [("text", "a <thi")]
    assert run(["1 < 2 <b>x</b>"]) == [("text", "1 < 2 <b>x</b>")]
