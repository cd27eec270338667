"""Turn (prompt, history, system, documents) into the message lists the SDKs take.

Retrieved documents go into the system message, numbered so the model can cite them as ``[n]``;
they are never pasted into the user's turn, so the conversation history stays what the user said.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi_fragments.adapters._client import Document, Message

__all__ = ("chat_messages", "conversation", "instructions")

_DOCUMENTS_HEADER = "Answer using the documents below when they are relevant, and cite them by number, like [1]."


def instructions(system: str | None, documents: Sequence[Document], history: Sequence[Message] = ()) -> str | None:
    """The system text: ``system``, any system turns of ``history``, then the numbered documents.

    Example::

        instructions("Be brief.", [Document(title="Refunds", text="5 days.")])
        # 'Be brief.\\n\\nAnswer using the documents below ...\\n\\n[1] Refunds\\n5 days.'
    """
    parts = [system] if system else []
    parts += [message["content"] for message in history if message["role"] == "system"]
    if documents:
        parts.append(_DOCUMENTS_HEADER)
        parts += [_document(number, document) for number, document in enumerate(documents, start=1)]
    return "\n\n".join(parts) or None


def conversation(prompt: str, history: Sequence[Message]) -> list[dict[str, str]]:
    """The user and assistant turns of ``history`` followed by ``prompt`` as the last user turn.

    Example::

        conversation("And now?", [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}])
    """
    turns = [{"role": m["role"], "content": m["content"]} for m in history if m["role"] != "system"]
    return [*turns, {"role": "user", "content": prompt}]


def chat_messages(
    prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
) -> list[dict[str, str]]:
    """OpenAI-style messages: one system message (when there is system text), the turns, the prompt.

    Example::

        chat_messages("Hi", (), "Be brief.", ())
        # [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    """
    text = instructions(system, documents, history)
    head = [{"role": "system", "content": text}] if text else []
    return head + conversation(prompt, history)


def _document(number: int, document: Document) -> str:
    title = f"{document.title} ({document.url})" if document.url else document.title
    return f"[{number}] {title}\n{document.text}"
