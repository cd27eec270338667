"""PageTail: which new markdown tails go out as growth at the page's marker, and where the marker sits."""

from __future__ import annotations

import pytest

from fastapi_fragments.markdown._growth import PageTail

MARKER = "<i></i>"


@pytest.mark.parametrize(
    ("tail", "with_marker"),
    [
        ("<p>Hello</p>\n", "<p>Hello<i></i></p>\n"),
        ("<ul>\n<li>one</li>\n</ul>\n", "<ul>\n<li>one<i></i></li>\n</ul>\n"),
        ("<pre><code>x = 1\n</code></pre>\n", "<pre><code>x = 1<i></i>\n</code></pre>\n"),
        # An inline element that ends the block is closed for good: the marker goes after it.
        ("<p>costs are <strong>not</strong></p>\n", "<p>costs are <strong>not</strong><i></i></p>\n"),
        ("<p>run <code>ls</code></p>\n", "<p>run <code>ls</code><i></i></p>\n"),
        ("", ""),
    ],
)
def test_the_marker_sits_at_the_end_of_the_innermost_block(tail: str, with_marker: str) -> None:
    assert PageTail().replace(tail, MARKER) == with_marker


def test_text_and_whole_inline_elements_are_growth() -> None:
    page = PageTail()
    page.replace("<p>costs are</p>\n", MARKER)
    assert page.growth("<p>costs are <strong>not</strong> refunded</p>\n") == " <strong>not</strong> refunded"
    assert page.growth('<p>costs are <a href="https://x.example">x</a></p>\n') == ' <a href="https://x.example">x</a>'
    page.grow("<p>costs are <strong>not</strong> refunded</p>\n")
    assert page.growth("<p>costs are <strong>not</strong> refunded at all</p>\n") == " at all"


@pytest.mark.parametrize(
    ("shown", "new"),
    [
        ("<p>Hello</p>\n", "<h1>Hello</h1>\n"),  # the block changed kind
        ("<p>costs **not</p>\n", "<p>costs <strong>not</strong></p>\n"),  # text already shown changed
        ("<ul>\n<li>one</li>\n</ul>\n", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),  # a new item: not inline
        ("<p>a</p>\n", "<p>a <strong>b</p>\n"),  # an element left open
        ("<p>Hello world</p>\n", "<p>Hello</p>\n"),  # shrank
    ],
)
def test_anything_else_replaces_the_tail(shown: str, new: str) -> None:
    page = PageTail()
    page.replace(shown, MARKER)
    assert page.growth(new) is None
