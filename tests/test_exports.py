"""The public surface: one sorted __all__ matching what __init__ exports, and no private imports."""

from __future__ import annotations

import ast
from pathlib import Path

import fastapi_fragments
import fastapi_fragments.testing

PACKAGE = Path(fastapi_fragments.__file__).parent


def test_all_is_sorted_and_complete() -> None:
    for module in (fastapi_fragments, fastapi_fragments.testing):
        exported = set(module.__all__)
        public = {name for name in vars(module) if not name.startswith("_") and name != "annotations"}
        public -= {name for name, value in vars(module).items() if type(value).__name__ == "module"}
        assert exported - {"__version__"} == public, f"{module.__name__}: __all__ and the public names differ"
        assert list(module.__all__) == sorted(module.__all__), f"{module.__name__}.__all__ is not sorted"


def test_every_public_name_has_a_docstring_with_an_example() -> None:
    for name in fastapi_fragments.__all__:
        value = getattr(fastapi_fragments, name)
        if isinstance(value, str):
            continue
        assert "Example" in (value.__doc__ or ""), f"{name} has no docstring example"


def test_no_private_imports_from_starlette_or_sse_starlette() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                root = node.module.split(".")
                assert not (
                    root[0] in {"starlette", "sse_starlette"} and any(part.startswith("_") for part in root[1:])
                ), f"{path.name} imports the private module {node.module}"
                if root[0] in {"starlette", "sse_starlette"}:
                    assert not any(alias.name.startswith("_") for alias in node.names), f"{path.name}: private name"


def test_importing_the_package_imports_no_llm_sdk() -> None:
    import subprocess
    import sys

    sdks = "{'openai', 'anthropic', 'ollama', 'litellm', 'langchain_core', 'pydantic_ai', 'redis'}"
    code = (
        "import sys, fastapi_fragments, fastapi_fragments.parts, fastapi_fragments.testing\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sdks}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
