"""The complete apps in the docs, copied out of their pages into a folder and imported as ``uvicorn app:app`` would."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.docs.blocks import DOCS, Block, blocks

TUTORIAL = DOCS / "tutorial.md"
HTMX4 = DOCS / "guides" / "htmx4.md"
DATASTAR = DOCS / "guides" / "datastar.md"
FILES = {"app.py", "templates/chat.html", "templates/page.html"}


def files(page: Path) -> dict[str, str]:
    """The files a page's example names, by path (without a first line that only names the file)."""
    named: list[Block] = [block for block in blocks(page) if block.file is not None]
    return {block.file: block.content for block in named if block.file is not None}


@contextmanager
def example_app(page: Path, folder: Path) -> Iterator[FastAPI]:
    """Write the page's three files into ``folder`` and import its ``app.py`` from there."""
    example = files(page)
    assert set(example) == FILES, f"{page.name}: the example's files changed"
    for name, body in example.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(body)
    spec = importlib.util.spec_from_file_location(f"docs_app_{page.stem}", folder / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # Jinja2Templates(directory="templates") finds its files as after `cd` there
        spec.loader.exec_module(module)
        app: FastAPI = module.app
        yield app
