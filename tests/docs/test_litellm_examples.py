"""The examples marked ``<!-- runs-in: litellm -->`` run in .venv-litellm (`make litellm`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fastapi_fragments.testing import FakeProvider
from tests.docs.blocks import all_blocks, blocks
from tests.docs.runner import PageRun

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # importing litellm would otherwise fetch a price list
PAGES = sorted({block.page for block in all_blocks() if block.marker == "runs-in" and block.marker_value == "litellm"})


def test_there_are_litellm_examples() -> None:
    assert PAGES


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_the_litellm_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeProvider() as provider:
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", provider.base_url + "/v1")
        run = PageRun(tmp_path, monkeypatch, runs_in="litellm")
        run.run(blocks(page))
    assert run.ran and provider.requests, "the litellm examples did not reach the fake provider"
