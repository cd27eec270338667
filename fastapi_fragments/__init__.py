"""fastapi-fragments: stream LLM answers into web pages as htmx-ready re-rendered Jinja2 blocks.

Example::

    from fastapi_fragments import FragmentStreamResponse

    @app.get("/answer")
    async def answer(q: str):
        return FragmentStreamResponse(llm.stream(q), "chat.html", "answer", templates=templates)
"""

from __future__ import annotations

from ._config import StreamConfig as StreamConfig
from ._detection import detect_dialect as detect_dialect
from ._dialects import HTMX2 as HTMX2
from ._dialects import HTMX4 as HTMX4
from ._dialects import Datastar as Datastar
from ._dialects import Dialect as Dialect
from ._exceptions import BlockNotFoundError as BlockNotFoundError
from ._exceptions import ConfigurationError as ConfigurationError
from ._exceptions import FragmentsError as FragmentsError
from ._exceptions import ProviderError as ProviderError
from ._exceptions import TemplateNotFoundError as TemplateNotFoundError
from ._exceptions import TokenSourceError as TokenSourceError
from ._fragment import Fragment as Fragment
from ._fragment import stream_to_fragments as stream_to_fragments
from ._fragment import stream_with_sources as stream_with_sources
from ._gc import freeze_after_startup as freeze_after_startup
from ._middleware import FragmentsMiddleware as FragmentsMiddleware
from ._options import StreamOptions as StreamOptions
from ._response import FragmentStreamResponse as FragmentStreamResponse
from ._tokens import iter_text as iter_text
from .adapters._client import Document as Document
from .adapters._client import LLMClient as LLMClient
from .adapters._client import Message as Message
from .adapters._env import llm_from_env as llm_from_env
from .registry._registry import StreamRegistry as StreamRegistry
from .stores import MemoryStore as MemoryStore
from .stores import Store as Store

__version__ = "0.1.0"

__all__ = [
    "BlockNotFoundError",
    "ConfigurationError",
    "Datastar",
    "Dialect",
    "Document",
    "Fragment",
    "FragmentStreamResponse",
    "FragmentsError",
    "FragmentsMiddleware",
    "HTMX2",
    "HTMX4",
    "LLMClient",
    "MemoryStore",
    "Message",
    "ProviderError",
    "Store",
    "StreamConfig",
    "StreamOptions",
    "StreamRegistry",
    "TemplateNotFoundError",
    "TokenSourceError",
    "__version__",
    "detect_dialect",
    "freeze_after_startup",
    "iter_text",
    "llm_from_env",
    "stream_to_fragments",
    "stream_with_sources",
]
