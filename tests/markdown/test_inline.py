"""Open inline constructs at the end of a streamed line: what the markdown tail waits for."""

from __future__ import annotations

import pytest

from fastapi_fragments.markdown._inline import open_inline_start
from fastapi_fragments.markdown._streaming import StreamingMarkdown


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


def snapshot_of(text: str) -> tuple[str, str]:
    md = StreamingMarkdown()
    md.feed(text)
    step = md.snapshot()
    return step.tail, step.held


def test_holding_back_never_changes_the_structure_above() -> None:
    # An intro line and then a list of bold lead-ins, the way models write them: with only
    # "- " left on the last line, "-" would be a setext underline making the intro a heading.
    md, blocks = StreamingMarkdown(), []
    for token in ["Here", " are", " the", " options", ":\n", "-", " **", "Speed", " and", " latency", "**", ": fast\n"]:
        md.feed(token)
        step = md.snapshot()
        assert "<h2>" not in step.tail and "-</p>" not in step.tail, step.tail
        blocks.append(step.blocks)
    blocks.append(md.finish().blocks)
    whole = "<p>Here are the options:</p>\n<ul>\n<li><strong>Speed and latency</strong>: fast</li>\n</ul>\n"
    assert "".join(blocks) == whole


@pytest.mark.parametrize(
    ("text", "tail", "held"),
    [
        ("Steps:\n1. **Install", "<p>Steps:</p>\n", "1. **Install"),  # not "<p>Steps:\n1.</p>"
        ("Options:\n* **Speed", "<p>Options:</p>\n", "* **Speed"),
        ("- a\n  - **b", "<ul>\n<li>a</li>\n</ul>\n", "  - **b"),  # not "<li><h2>a</h2></li>"
        ("Quote\n-- *Oscar Wilde", "<p>Quote</p>\n", "-- *Oscar Wilde"),
        ("Intro\n-", "<p>Intro</p>\n", "-"),  # a list item or an underline: the next character decides
        ("Intro\n- **Speed*", "<p>Intro</p>\n", "- **Speed*"),  # a shorter closer closes nothing yet
    ],
)
def test_a_last_line_of_block_markers_is_held_with_what_follows_them(text: str, tail: str, held: str) -> None:
    assert snapshot_of(text) == (tail, held)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Run `pip\ninstall x` to set it up", "<code>pip install x</code> to set it up"),  # opened a line above
        ("This is *very\nimportant*, really", "<em>very\nimportant</em>, really"),
        ("x = 2*(a+b) and then more", "2*(a+b) and then more"),  # `*` before `(` cannot open
    ],
)
def test_what_cannot_be_open_is_shown_at_once(text: str, shown: str) -> None:
    tail, held = snapshot_of(text)
    assert held == ""
    assert shown in tail


def test_an_escaped_exclamation_mark_starts_no_image() -> None:
    # Found by the never-unshow property: "\!" showed "!", then "[" hid it as an image's start.
    assert open_inline_start("\\![", 80) == 2  # only the bracket waits: the "!" is literal and stays
    assert open_inline_start("a ![", 80) == 2  # an unescaped "!" waits with its bracket
