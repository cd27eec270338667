"""The docs' examples: the fake provider every SDK client in them talks to. The litellm examples
run in litellm's own virtualenv (it pins openai<3): `make litellm` runs them there."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from fastapi_fragments.testing import FakeProvider

collect_ignore = [] if importlib.util.find_spec("litellm") else ["test_litellm_examples.py"]


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    """A fake provider that every SDK's default client talks to, through the SDKs' own variables."""
    with FakeProvider() as fake:
        for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
            monkeypatch.setenv(key, "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url + "/v1")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        monkeypatch.setenv("OLLAMA_HOST", fake.base_url)
        yield fake
