"""LangChain adapter: :class:`LangChainChat` streams a chat model's ``astream()``.

Works with any LangChain chat model (``ChatOpenAI``, ``ChatAnthropic``, ``ChatOllama``...) and any
runnable that takes a list of messages, such as ``model.bind(temperature=0)``. Chunks whose content
is a list of blocks (Anthropic) are flattened to their text. LangChain is never imported here:
install ``langchain-core`` and your provider's package, e.g. ``pip install 'fastapi-fragments[langchain]'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi_fragments.adapters._base import Adapter
from fastapi_fragments.adapters._client import Document, Message
from fastapi_fragments.adapters._prompt import chat_messages

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.runnables import Runnable

__all__ = ("LangChainChat",)


class LangChainChat(Adapter):
    """Stream a LangChain chat model as text deltas.

    The model keeps its own clients: ``aclose()`` releases nothing.

    Example::

        llm = LangChainChat(ChatOpenAI(model="gpt-4o-mini"))
        async for delta in llm.stream("What is htmx?", system="Be brief."):
            print(delta, end="")
    """

    def __init__(self, chat_model: BaseChatModel | Runnable[Any, Any], /) -> None:
        self.chat_model = chat_model

    def __repr__(self) -> str:
        return f"LangChainChat({type(self.chat_model).__name__})"

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> Any:
        # astream() returns an async generator: nothing runs until iter_text iterates it.
        return self.chat_model.astream(chat_messages(prompt, history, system, documents))
