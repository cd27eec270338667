"""Every code example in the documentation runs as written (see ``runner.py`` for what that means)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_fragments.testing import FakeProvider
from tests.docs.blocks import ROOT, all_blocks, blocks, pages
from tests.docs.runner import PageRun

#: Fragments shown for reading only; keep them few, each with its reason.
MAX_NOT_RUN = 3


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", pages(), ids=page_id)
def test_the_page_examples_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: FakeProvider
) -> None:
    PageRun(tmp_path, monkeypatch).run(blocks(page))


def test_every_fence_names_its_language() -> None:
    unnamed = [block.where for block in all_blocks() if not block.lang]
    assert not unnamed, f"fences without a language (the tests can't tell what to run): {unnamed}"


def test_fragments_that_are_not_run_are_few_and_say_why() -> None:
    skipped = [block for block in all_blocks() if block.marker == "not-run"]
    assert all(block.marker_value for block in skipped), "a not-run marker without a reason"
    assert len(skipped) <= MAX_NOT_RUN, [f"{block.where}: {block.marker_value}" for block in skipped]


def test_the_docs_have_examples_to_run() -> None:
    # The parser must find the examples: a page with python that runs nothing means a broken fence.
    python = [block for block in all_blocks() if block.lang == "python" and block.marker is None]
    assert len(python) >= 10
    assert {"app.py", "templates/page.html", "templates/chat.html"} <= {
        block.file for block in blocks(ROOT / "docs" / "tutorial.md")
    }
