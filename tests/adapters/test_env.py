"""llm_from_env: FRAGMENTS_LLM picks the provider; the clients it builds really stream from the fake provider."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fastapi_fragments import ConfigurationError, LLMClient
from fastapi_fragments.adapters._env import llm_from_env
from fastapi_fragments.adapters.anthropic import AnthropicMessages
from fastapi_fragments.adapters.embedded import EmbeddedLLM
from fastapi_fragments.adapters.ollama import OllamaChat
from fastapi_fragments.adapters.openai import OpenAIChat, OpenAIResponses
from fastapi_fragments.testing import FakeProvider

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("value", [None, "", "  ", "embedded"])
def test_nothing_configured_gives_the_embedded_default(value: str | None) -> None:
    environ = {} if value is None else {"FRAGMENTS_LLM": value}
    assert isinstance(llm_from_env(environ), EmbeddedLLM)


def test_a_provider_key_alone_does_not_switch_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    assert isinstance(llm_from_env(), EmbeddedLLM)


@pytest.mark.parametrize(
    ("value", "adapter", "variables"),
    [
        ("openai:gpt-test", OpenAIChat, {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": "{base}/v1"}),
        ("openai-responses:gpt-test", OpenAIResponses, {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": "{base}/v1"}),
        ("anthropic:claude-test", AnthropicMessages, {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": "{base}"}),
        ("ollama:llama-test:1b", OllamaChat, {"OLLAMA_HOST": "{base}"}),  # a tag keeps its colon
    ],
)
async def test_provider_clients_read_the_sdks_usual_variables(
    value: str,
    adapter: type[LLMClient],
    variables: dict[str, str],
    provider: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRAGMENTS_LLM", value)
    for name, template in variables.items():
        monkeypatch.setenv(name, template.format(base=provider.base_url))
    llm = llm_from_env()
    assert type(llm) is adapter
    assert "".join([delta async for delta in llm.stream("Hi")]) == "Hello, world!"
    assert provider.requests[-1].json["model"] == value.partition(":")[2]
    await llm.aclose()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("gemini:pro", r"unknown provider 'gemini' \(known: 'embedded', 'openai', 'openai-responses', 'anthropic'"),
        ("openai", r"has no model: write it as openai:MODEL"),
        ("openai:", r"has no model"),
    ],
)
def test_malformed_values_raise_configuration_error(value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        llm_from_env({"FRAGMENTS_LLM": value})


def test_a_missing_key_raises_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY") as caught:
        llm_from_env({"FRAGMENTS_LLM": "openai:gpt-test"})
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize(("value", "sdk"), [("ollama:llama", "ollama"), ("litellm:openai/gpt", "litellm")])
def test_a_missing_sdk_names_the_extra_to_install(value: str, sdk: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, sdk, None)  # makes `import <sdk>` raise ModuleNotFoundError
    with pytest.raises(ConfigurationError, match=rf"pip install 'fastapi-fragments\[{sdk}\]'"):
        llm_from_env({"FRAGMENTS_LLM": value})


def test_importing_the_package_and_client_adapters_imports_no_sdk() -> None:
    code = (
        "import sys, fastapi_fragments, fastapi_fragments.adapters._env, fastapi_fragments.adapters.openai, "
        "fastapi_fragments.adapters.anthropic, fastapi_fragments.adapters.ollama, "
        "fastapi_fragments.adapters.langchain, fastapi_fragments.adapters.litellm, "
        "fastapi_fragments.adapters.pydantic_ai\n"
        "sdks = ('openai', 'anthropic', 'ollama', 'litellm', 'langchain_core', 'pydantic_ai')\n"
        "print(sorted(m for m in sdks if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
