"""Choose the LLM client from the environment: ``FRAGMENTS_LLM=provider:model``.

* unset, empty or ``embedded``: ``EmbeddedLLM()``, local, no key.
* ``openai:MODEL``: ``OpenAIChat(AsyncOpenAI(), model=MODEL)``; the SDK reads ``OPENAI_API_KEY``
  (and ``OPENAI_BASE_URL`` for a compatible server).
* ``openai-responses:MODEL``: ``OpenAIResponses(AsyncOpenAI(), model=MODEL)``; same variables.
* ``anthropic:MODEL``: ``AnthropicMessages(AsyncAnthropic(), model=MODEL)``; ``ANTHROPIC_API_KEY``.
* ``ollama:MODEL``: ``OllamaChat(ollama.AsyncClient(), model=MODEL)``; ``OLLAMA_HOST``.
* ``litellm:MODEL``: ``LiteLLM(MODEL)``, e.g. ``litellm:openai/gpt-4o-mini``; the routed provider's variables.

A provider key alone (``OPENAI_API_KEY``) never switches the provider: a developer's shell often exports
one, and a demo that silently starts billing would be a surprise. ``FRAGMENTS_LLM`` is the one switch.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping

from .._exceptions import ConfigurationError
from ._base import import_sdk
from ._client import LLMClient
from .embedded import EmbeddedLLM

__all__ = ("ENV_VAR", "llm_from_env")

#: The environment variable naming the provider and model.
ENV_VAR = "FRAGMENTS_LLM"


#: provider -> (SDK, adapter, SDK client class or None when the adapter takes the model alone). The SDK's
#: name is also its adapter module's and its pip extra's. Resolved lazily: `import fastapi_fragments` must
#: never import an SDK.
_PROVIDERS: dict[str, tuple[str, str, str | None]] = {
    "openai": ("openai", "OpenAIChat", "AsyncOpenAI"),
    "openai-responses": ("openai", "OpenAIResponses", "AsyncOpenAI"),
    "anthropic": ("anthropic", "AnthropicMessages", "AsyncAnthropic"),
    "ollama": ("ollama", "OllamaChat", "AsyncClient"),
    "litellm": ("litellm", "LiteLLM", None),
}


def _build(provider: str, model: str) -> LLMClient:
    sdk, adapter_name, client_name = _PROVIDERS[provider]
    adapter = getattr(importlib.import_module(f"{__package__}.{sdk}"), adapter_name)
    if client_name is None:
        llm: LLMClient = adapter(model)
    else:
        llm = adapter(getattr(import_sdk(sdk, sdk), client_name)(), model=model)
    return llm


def llm_from_env(environ: Mapping[str, str] | None = None) -> LLMClient:
    """Build the LLM client ``FRAGMENTS_LLM`` names (see the module docstring), else the embedded default.

    Call it once, in the app's lifespan, and close the client on shutdown.

    :param environ: where to read ``FRAGMENTS_LLM``; ``os.environ`` by default. The SDKs always read
        their own key variables from ``os.environ``.
    :raises ConfigurationError: if the value is malformed, the provider unknown, its SDK not installed
        (the message names the extra to install), or the SDK refuses its configuration (a missing key).

    Example::

        @asynccontextmanager
        async def lifespan(app):
            app.state.llm = llm_from_env()   # FRAGMENTS_LLM=openai:gpt-4o-mini
            yield
            await app.state.llm.aclose()
    """
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
    if value in ("", "embedded"):
        return EmbeddedLLM()
    provider, sep, model = value.partition(":")
    if provider not in _PROVIDERS:
        known = ", ".join(repr(name) for name in ["embedded", *_PROVIDERS])
        raise ConfigurationError(f"{ENV_VAR}={value!r} names an unknown provider {provider!r} (known: {known})")
    if not sep or not model:
        raise ConfigurationError(f"{ENV_VAR}={value!r} has no model: write it as {provider}:MODEL")
    try:
        return _build(provider, model)
    except ConfigurationError:
        raise
    except Exception as exc:  # the SDKs raise their own types for a missing key (openai.OpenAIError...)
        raise ConfigurationError(f"{ENV_VAR}={value!r}: the {provider} client could not be built: {exc}") from exc
