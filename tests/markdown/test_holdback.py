"""Hold-back: the tail never shows markup that is not decided yet, and never hides or changes what it showed."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fastapi_fragments.markdown._holdback import HOLD_LIMIT, undecided
from fastapi_fragments.markdown._streaming import StreamingMarkdown, render_markdown
from tests.helpers import token_splits


def shown_after_each_delta(deltas: list[str]) -> list[str]:
    """What the page shows (finished blocks + tail) after each delta, as the markdown modes send it."""
    md, blocks, pages = StreamingMarkdown(), "", []
    for delta in deltas:
        md.feed(delta)
        step = md.snapshot()
        blocks += step.blocks
        pages.append(blocks + step.tail)
    return pages


def shown(text: str) -> str:
    """What the page shows while the model pauses after ``text``."""
    return shown_after_each_delta([text])[-1]


def visible(page: str) -> str:
    """The text a reader sees, without tags and whitespace."""
    return "".join(html.unescape(re.sub(r"<[^>]*>", "", page)).split())


def assert_never_flashes(text: str) -> None:
    """Streamed a character at a time, the visible text only grows towards the final render's."""
    final = visible(render_markdown(text))
    for page in shown_after_each_delta(list(text)):
        assert final.startswith(visible(page)), (page, final)


# -- the cases of issue 12, paused mid-stream ----------------------------------------------------


def test_bold_across_a_line_break_is_held_not_shown_as_asterisks() -> None:
    assert shown("Here is **bold\ntext that con") == "<p>Here is</p>\n"
    assert shown("Here is **bold\n") == "<p>Here is</p>\n"  # the paragraph may go on
    assert shown("Here is **bold\ntext** done") == "<p>Here is <strong>bold\ntext</strong> done</p>\n"
    assert_never_flashes("Here is **bold\ntext that continues** and ends.\n")


@pytest.mark.parametrize("rule", ["---", "***", "___", "- - -", "* * *"])
def test_a_rule_after_a_blank_line_never_flashes_a_bullet(rule: str) -> None:
    for end in range(1, len(rule) + 1):
        page = shown("Intro\n\n" + rule[:end])
        assert "<li>" not in page and "<ul>" not in page, page
        assert page == "<p>Intro</p>\n"
    assert shown(f"Intro\n\n{rule}\n") == "<p>Intro</p>\n<hr>\n"


@pytest.mark.parametrize(
    "partial", ["| a | b |", "| a | b |\n", "| a | b |\n|", "| a | b |\n|---|", "| a | b |\n|---|---|", "x\n| a |"]
)
def test_a_table_header_waits_for_its_delimiter_row(partial: str) -> None:
    assert "|" not in shown(partial)


def test_a_table_shows_once_its_delimiter_row_ends_and_rows_stream_without_pipes() -> None:
    assert shown("| a | b |\n|---|---|\n").startswith("<table>")
    assert "|" not in shown("| a | b |\n|---|---|\n| 1 | **x")
    assert_never_flashes("Intro\n\n| a | b |\n|:--|--:|\n| 1 | **x** |\n| 2 | y |\n")


def test_a_delimiter_row_that_grows_a_cell_too_many_was_never_a_table() -> None:
    # "|---|--" is a valid row for two columns; a third cell makes it none: held until it ends.
    assert shown("| a | b |\n|---|--") == ""
    assert shown("| a | b |\n|---|---|---\nx") == render_markdown("| a | b |\n|---|---|---\nx")


@pytest.mark.parametrize(
    ("text", "page"), [("Tom &amp", "<p>Tom</p>\n"), ("Tom &", "<p>Tom</p>\n"), ("a &#x2", "<p>a</p>\n")]
)
def test_an_unfinished_entity_is_held(text: str, page: str) -> None:
    assert shown(text) == page
    assert shown("Tom &amp;") == "<p>Tom &amp;</p>\n"
    assert_never_flashes("Tom &amp; Jerry &copy; 2024 &#x26; AT&T\n")


def test_a_single_tilde_at_the_end_is_held() -> None:
    assert shown("Price ~") == "<p>Price</p>\n"
    assert shown("Price ~ 5") == "<p>Price ~ 5</p>\n"
    assert_never_flashes("Price ~ 5 and ~~gone~~ and 20~25°C\n")


@pytest.mark.parametrize(
    "line",
    [
        "2 * 3 = 6",
        "a ~ b",
        "x = 2*(a+b)",
        "#5 is open",
        "2024 was",
        "AT&T rocks",
        "20~25°C",
        "use a | b here",
        "1.5 kg",
    ],
)
def test_plain_text_that_can_no_longer_become_markup_shows_while_the_model_pauses(line: str) -> None:
    assert visible(shown(line)) == visible(render_markdown(line))


@pytest.mark.parametrize(
    ("line", "held"),
    [
        *[(line, True) for line in ["-", "- ", "- - ", "**", "1.", "12", "> ", "##", "==", "- **", "> - "]],
        *[(line, False) for line in ["2 *", "# ", "- a", "1.5", "#tag", "+1", "-x"]],
    ],
)
def test_a_line_is_undecided_while_it_is_only_block_markers(line: str, held: bool) -> None:
    assert undecided(line) is held


def test_a_fence_hides_its_opening_line_until_it_ends_and_a_line_that_may_close_it() -> None:
    assert shown("a\n```py") == "<p>a</p>\n"  # not "```py" as text, nor a language still being written
    assert shown("a\n```py\ncode\n``") == '<p>a</p>\n<pre><code class="language-py">code\n</code></pre>\n'
    assert "``" in shown("```\n``x")  # not a closing fence after all
    assert_never_flashes("Run:\n```sh\nls -la\n```\nDone.\n")


def test_a_cut_never_makes_a_fence_of_paragraph_text() -> None:
    # "```word`" is paragraph text (no backtick in a backtick fence's info) whose "```" closes the
    # code span opened above; held without its open "`", it would read as a fence, and the
    # paragraph above would show its "```" until the final render made them a code span.
    assert visible(shown("word```\n```word`")) == "word"
    assert_never_flashes("word```\n```word` and more`.\n")


# -- remend's repair cases (../shared/research/parts.md §3) as a checklist -------------------------

REMEND_CASES = [
    "20~25°C and ~~struck~~ text",  # single tilde
    "- > 25: rich\n- >= 10\n",  # list comparison (a quote in an item, as CommonMark says)
    'Hello <div class="foo">x</div> 3 < 5 value <1',  # partial HTML: raw HTML is text here
    "list\n-\nmore\n",  # setext guard
    "A [link](https://example.com/a?b=1) and [nested [a] c](x) end\n",  # links
    "See ![the diagram](https://example.com/d.png) now\n",  # images (rendered as links)
    "***x*** **x** *x* _x_ **bold _und_** **bold with *ital***\n",  # emphasis
    "foo*bar and - ** and rules:\n\n***\n\n___\n\n- - -\n",  # ambiguous
    "Call `getData(` then **bold `code`** done\n",  # inline code
    "~~gone~~ for good\n",  # strikethrough
    "```js\nconst x = 1\n```\n",  # code fences
    "# Heading **bold**\n\n> quote *it*\n> > nested\n\n| a | b |\n|---|---|\n| **dat** | x |\n",  # containers
    "\\*not emphasis\\* and \\\\*this*\n",  # escapes
]


@pytest.mark.parametrize("text", REMEND_CASES)
def test_remend_cases_never_flash_markup(text: str) -> None:
    assert_never_flashes(text)


# -- properties over arbitrary splits ------------------------------------------------------------

_PIECES = [
    "word", " ", " ", "\n", "\n", "\n\n", "**", "*", "_", "__", "~", "~~", "`", "```", "|", "| a ", "|---",
    ":", "-", "- ", "---", "1. ", "2", "#", "# ", ">", "=", "&", "&amp", ";", "[", "](", "http://x", ")",
    "!", "\\", "+", ".",
]  # fmt: skip

_PIECED = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


def _within_the_promise(text: str) -> bool:
    # An opener more than HOLD_LIMIT back is given up on (shown literally), and a table header
    # that does not start with "|" showed as text before its first pipe: outside the promise.
    lines = text.split("\n")
    headers_start_with_a_pipe = all(line.lstrip(" \t>").startswith("|") for line in lines if "|" in line)
    return headers_start_with_a_pipe and all(len(block) <= HOLD_LIMIT for block in re.split(r"\n[ \t>]*\n", text))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_PIECED.flatmap(lambda text: st.tuples(st.just(text), token_splits(text))))
def test_what_shows_only_ever_grows_into_the_final_render(text_and_deltas: tuple[str, list[str]]) -> None:
    text, deltas = text_and_deltas
    assume(_within_the_promise(text))
    before = ""
    for page in shown_after_each_delta(deltas):
        now = visible(page)
        assert now.startswith(before), (before, now)
        before = now
    assert visible(render_markdown(text)).startswith(before)
