"""Runs one documentation page's examples the way a reader would use them.

In a fresh folder (the working directory, and first on ``sys.path``):

1. every block that names a file is written to it (``app.py``, ``templates/page.html``, ...);
2. in document order, each named python module is imported (under its own name, so a later block
   can ``from app import app``), each other python block is executed in one namespace shared by
   the page (top-level ``await`` allowed, all on one event loop), and an ``<!-- output -->`` block
   must equal what the python block before it printed; every template block must compile with the
   library's ``fragments/`` macros available;
3. every LLM client a block or module creates is asked one question and must answer (the SDKs are
   pointed at a :class:`FakeProvider` through their usual environment variables), unless an
   ``<!-- output -->`` block shows what the block did; all are closed when the page ends;
4. named ``test_*.py`` files are run with pytest in that folder.

Shell commands and server configuration (``sh``, ``nginx``, ``text``) are shown, not run.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest

from fastapi_fragments import FragmentsMiddleware, LLMClient
from tests.docs.blocks import Block

TEMPLATE_LANGS = {"jinja", "html"}


class PageRun:
    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, *, runs_in: str | None = None) -> None:
        self.folder = folder
        self.monkeypatch = monkeypatch
        self.runs_in = runs_in
        self.namespace: dict[str, Any] = {"__name__": "__docs__"}
        self.last_output: str | None = None
        self.created: dict[str, Any] = {}
        self.clients: list[LLMClient] = []
        self.ran = 0

    def run(self, page_blocks: list[Block]) -> None:
        self.monkeypatch.chdir(self.folder)
        self.monkeypatch.syspath_prepend(str(self.folder))
        written = self.write_files(page_blocks)
        with asyncio.Runner() as self.loop:
            try:
                for index, block in enumerate(page_blocks):
                    following = page_blocks[index + 1] if index + 1 < len(page_blocks) else None
                    self.step(block)
                    # A block with an output block shows its own result.
                    self.check_clients(block, ask=following is None or following.marker != "output")
            finally:
                for client in self.clients:
                    self.loop.run(client.aclose())
        tests = [name for name in written if Path(name).name.startswith("test_") and name.endswith(".py")]
        if tests:
            self.run_pytest(tests)

    def selected(self, block: Block) -> bool:
        wanted = self.runs_in
        return (block.marker == "runs-in" and block.marker_value == wanted) or (
            wanted is None and block.marker != "runs-in"
        )

    def write_files(self, page_blocks: list[Block]) -> list[str]:
        written: list[str] = []
        for block in page_blocks:
            if block.file is None or block.marker == "not-run" or not self.selected(block):
                continue
            assert block.file not in written, f"{block.where}: {block.file} is shown twice on the page"
            path = self.folder / block.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.body)
            written.append(block.file)
        return written

    def step(self, block: Block) -> None:
        if block.marker == "not-run" or not self.selected(block):
            return
        if block.marker == "output":
            assert self.last_output is not None, f"{block.where}: an output block with no python block before it"
            assert _lines(self.last_output) == _lines(block.body), f"{block.where}: the output differs"
            self.last_output = None
        elif block.lang == "python" and block.file is None:
            self.execute(block)
        elif block.lang == "python" and block.file is not None and not Path(block.file).name.startswith("test_"):
            self.import_module(block)
        elif block.lang in TEMPLATE_LANGS:
            self.compile_template(block)

    def execute(self, block: Block) -> None:
        code = compile(block.body, f"<{block.where}>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            result = eval(code, self.namespace)
            if asyncio.iscoroutine(result):
                self.loop.run(result)
        self.last_output = output.getvalue()
        self.ran += 1
        self.created = self.namespace

    def import_module(self, block: Block) -> None:
        assert block.file is not None
        name = Path(block.file).stem
        spec = importlib.util.spec_from_file_location(name, self.folder / block.file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        self.monkeypatch.setitem(sys.modules, name, module)
        spec.loader.exec_module(module)
        self.ran += 1
        self.created = vars(module)

    def compile_template(self, block: Block) -> None:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(self.folder), autoescape=True)
        FragmentsMiddleware(app=None, templates=env)  # type: ignore[arg-type]  # only adds the fragments/ macros
        try:
            env.parse(block.body)
        except jinja2.TemplateSyntaxError as exc:
            raise AssertionError(f"{block.where}: the template does not compile: {exc}") from exc
        self.ran += 1

    def check_clients(self, block: Block, *, ask: bool) -> None:
        """Every LLM client the block created answers one question through its real SDK (if ``ask``)."""
        names, self.created = self.created, {}
        for value in list(names.values()):
            new = all(value is not seen for seen in self.clients)
            if isinstance(value, LLMClient) and not isinstance(value, type) and new:
                self.clients.append(value)
                if not ask:
                    continue
                first = self.loop.run(_first_words(value))
                assert first, f"{block.where}: {type(value).__name__} answered nothing"

    def run_pytest(self, files: list[str]) -> None:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", *files]
        result = subprocess.run(command, cwd=self.folder, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"the page's tests failed:\n{result.stdout}\n{result.stderr}"


async def _first_words(llm: LLMClient) -> str:
    text = ""
    stream = llm.stream("How long do refunds take?")
    try:
        async with asyncio.timeout(20):
            async for delta in stream:
                text += delta
                if text.strip():
                    break
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()
    return text


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]
