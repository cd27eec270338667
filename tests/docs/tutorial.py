"""The tutorial's app, copied out of ``docs/tutorial.md`` into a folder and imported as ``uvicorn app:app`` would."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.docs.blocks import DOCS, Block, blocks

TUTORIAL = DOCS / "tutorial.md"
FILES = {"app.py", "templates/chat.html", "templates/page.html"}


def files(page: Path) -> dict[str, str]:
    """The files a page's example names, by path (without a first line that only names the file)."""
    named: list[Block] = [block for block in blocks(page) if block.file is not None]
    return {block.file: block.content for block in named if block.file is not None}


@contextmanager
def tutorial_app(folder: Path) -> Iterator[FastAPI]:
    """Write the tutorial's files into ``folder`` and import its ``app.py`` from there."""
    example = files(TUTORIAL)
    assert set(example) == FILES, "the tutorial's files changed"
    for name, body in example.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(body)
    spec = importlib.util.spec_from_file_location("tutorial_app", folder / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # Jinja2Templates(directory="templates") finds its files as after `cd ask`
        spec.loader.exec_module(module)
        app: FastAPI = module.app
        yield app
