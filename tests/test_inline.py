"""Open inline constructs at the end of a streamed line: what the markdown tail waits for."""

from __future__ import annotations

import pytest

from fastapi_fragments._inline import open_inline_start
from fastapi_fragments._markdown import StreamingMarkdown


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("costs are **not", 10),
        ("costs are **not** refunded", None),
        ("a *b", 2),
        ("~~gone", 0),
        ("a `code", 2),
        ("a ``co`de", 2),  # a single backtick does not close a double one
        ("a `code` b", None),
        ("see [docs](https://exa", 4),
        ("see [docs](https://example.com) now", None),
        ("see [docs](https://example.com/*) now", None),  # nothing in a URL opens emphasis
        ("see [docs]", 4),  # "(" may still follow
        ("see [1] and", None),  # no link after all: literal brackets
        ("an ![image", 3),
        ("wow!", 3),  # "![" may follow
        ("end\\", 3),  # the next character may be escaped
        ("**", 0),
    ],
)
def test_open_constructs_are_found(line: str, start: int | None) -> None:
    assert open_inline_start(line, 80) == start


@pytest.mark.parametrize(
    "line",
    ["2 * 3 = 6", "snake_case_name", "__init__ done", "a ~ b", "- item", "* item", "escaped \\*not\\* emphasis"],
)
def test_text_that_cannot_open_anything_is_not_held(line: str) -> None:
    assert open_inline_start(line, 80) is None


def test_an_opener_too_far_back_is_given_up_on() -> None:
    line = "a*b " + "x" * 100
    assert open_inline_start(line, 80) is None
    assert open_inline_start(line + " **y", 80) == len(line) + 1


def test_the_tail_waits_for_emphasis_to_close_and_code_is_never_held() -> None:
    md = StreamingMarkdown()
    md.feed("Costs are **not")
    step = md.snapshot()
    assert (step.tail, step.held) == ("<p>Costs are</p>\n", "**not")
    md.feed("** refunded")
    assert md.snapshot().tail == "<p>Costs are <strong>not</strong> refunded</p>\n"
    md.feed("\n\n```\nx = a **b")
    step = md.snapshot()
    assert step.held == ""  # in a code block every character is literal
    assert step.tail == "<pre><code>x = a **b</code></pre>\n"
    assert md.finish().tail == ""


def test_held_text_is_rendered_when_the_answer_ends() -> None:
    md = StreamingMarkdown()
    md.feed("an unclosed **bold")
    assert md.snapshot().held == "**bold"
    assert md.finish().blocks == "<p>an unclosed **bold</p>\n"
