"""What ``iter_text`` does with items that are not ``str``: SDK chunks and events, duck-typed.

The SDKs are optional and mutually incompatible (litellm pins openai<3, pydantic-ai needs openai>=3.31),
so nothing here imports or ``isinstance``-checks an SDK class: items are recognised by their string
``type`` field or by their attribute shape, which is stable across openai 2.x and 3.x.

Items and the text taken from them:

* ``str``: itself.
* ``type == "response.output_text.delta"`` (OpenAI Responses) or ``"content.delta"`` (OpenAI chat
  helper): ``.delta``.
* ``type == "content_block_delta"`` (Anthropic raw events): ``.delta.text`` when ``.delta.type`` is
  ``"text_delta"``.
* ``type`` is ``"error"`` or ``"response.failed"`` (OpenAI Responses): raises :class:`ProviderError`.
* other known event types (``response.*``, ``chunk``, ``message_*``, ``ping``...): skipped.
* has ``.choices`` (OpenAI chat chunk, LiteLLM): ``.choices[0].delta.content``.
* has ``.done`` and ``.message`` (Ollama chat) or ``.response`` (Ollama generate): that text.
* has ``.content`` (LangChain message chunk): ``.content`` if a ``str``, else ``.text`` (content blocks).
* anything else: ``TypeError`` naming the type.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping

from .._exceptions import ProviderError

__all__ = ("extract_text", "interrupt_blocking_read", "reads_async", "text_iterable")

# Event types that carry no answer text. The OpenAI chat helper also emits a `chunk` event for every
# `content.delta`, so reading both would count each token twice; Anthropic's MessageStream does the same
# with `text` next to the raw `content_block_delta`.
_SKIPPED_TYPES = frozenset(
    {"chunk", "ping", "text", "citation", "thinking", "signature", "input_json", "content_block_start",
     "content_block_stop", "message_start", "message_delta", "message_stop"}
)  # fmt: skip
_SKIPPED_PREFIXES = ("response.", "content.", "refusal.", "tool_calls.", "logprobs.")
_TEXT_TYPES = frozenset({"response.output_text.delta", "content.delta", "content_block_delta"})
_ERROR_TYPES = frozenset({"error", "response.failed"})


def extract_text(item: object) -> str | None:
    """Return the text delta an SDK chunk or event carries, or ``None`` for an item without text.

    Raises :class:`ProviderError` for error events and ``TypeError`` for an item of no known shape.

    Example::

        extract_text("Hel")  # "Hel"
        extract_text(openai_chat_chunk)  # chunk.choices[0].delta.content
    """
    if isinstance(item, str):  # a str subclass (Markup) is text too: a plain str, escaped like any other
        return str(item) or None
    kind = getattr(item, "type", None)
    # LangChain chunks carry a `type` too ("AIMessageChunk"): only the SDK event types are decided by it.
    if isinstance(kind, str) and _is_event_type(kind):
        return _event_text(item, kind)
    return _shaped_item_text(item)


def text_iterable(obj: object) -> object | None:
    """Return the plain-text stream an SDK object offers, or ``None`` to iterate ``obj`` itself.

    Anthropic's ``MessageStream`` offers ``.text_stream``; pydantic-ai's ``StreamedRunResult`` offers
    ``.stream_text()``, called for deltas and without its default 0.1 s debounce, which would group tokens
    (the response does its own coalescing).

    Example::

        async with client.messages.stream(**request) as stream:
            text_iterable(stream)  # stream.text_stream
    """
    text_stream: object = getattr(obj, "text_stream", None)
    if text_stream is not None:
        return text_stream
    stream_text = getattr(obj, "stream_text", None)
    if callable(stream_text):
        iterable: object = stream_text(delta=True, debounce_by=None)
        return iterable
    return None


#: litellm's ``logging_obj.call_type`` of a stream opened by a sync call (``completion``, ``text_completion``).
_LITELLM_SYNC_CALLS = frozenset({"completion", "text_completion"})


def reads_async(obj: object) -> bool:
    """Whether ``obj`` is read with ``async for``: it has ``__aiter__``, and is not a stream that offers
    it but must be iterated with ``__iter__`` (in a worker thread).

    litellm's ``CustomStreamWrapper`` has both, whichever call opened it; the async side of one that
    ``litellm.completion(..., stream=True)`` opened reads a sync response with ``async for`` (on its
    ``anthropic/`` route: ``AttributeError: 'generator' object has no attribute '__aiter__'``). Its
    ``logging_obj.call_type`` says which call opened it.

    Example::

        reads_async(litellm.completion(model=m, messages=msgs, stream=True))         # False
        reads_async(await litellm.acompletion(model=m, messages=msgs, stream=True))  # True
    """
    if not hasattr(obj, "__aiter__"):
        return False
    call_type = getattr(getattr(obj, "logging_obj", None), "call_type", None)
    return not (hasattr(obj, "__iter__") and getattr(call_type, "value", call_type) in _LITELLM_SYNC_CALLS)


#: Where a wrapper keeps the SDK stream it reads: litellm's ``CustomStreamWrapper.completion_stream``.
_WRAPPED_STREAM = "completion_stream"
#: Where a stream keeps its httpx response: ``response`` (openai ``Stream``, anthropic ``MessageStream``) or
#: ``_response`` (the ``ModelResponseIterator`` litellm's ``anthropic/`` route reads; private, so a litellm
#: release may drop it: then a closed tab hangs up at the next chunk, and tests/parts/test_litellm_live.py fails).
_RESPONSE_ATTRIBUTES = ("response", "_response")


def interrupt_blocking_read(obj: object) -> bool:
    """Unblock a worker thread stuck reading ``obj``'s HTTP response, and hang up on the provider.

    Closing a socket does not wake a thread blocked in ``recv()`` on it, so a sync SDK stream stalled
    between tokens (a reasoning model thinking) would keep the upstream open until its next chunk.
    Shutting the socket down does wake it. ``obj`` is a sync SDK stream exposing its httpx (or httpx2)
    response (openai ``Stream``, anthropic ``MessageStream``), or a wrapper of one (litellm's
    ``CustomStreamWrapper``); the socket comes from the response's ``network_stream`` extension.
    Returns whether a socket was shut down.

    Example::

        interrupt_blocking_read(openai_stream)  # the thread in next(openai_stream) raises at once
        interrupt_blocking_read(litellm.completion(model=m, messages=msgs, stream=True))  # the same
    """
    sock = next(filter(None, map(_socket_of, _responses(obj))), None)
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed or never connected: nothing left to interrupt
        return False
    return True


def _responses(obj: object) -> Iterator[object]:
    """What may be ``obj``'s HTTP response: its own, then that of the SDK stream it wraps."""
    for holder in (obj, getattr(obj, _WRAPPED_STREAM, None)):
        for name in _RESPONSE_ATTRIBUTES:
            yield getattr(holder, name, None)


def _socket_of(response: object) -> socket.socket | None:
    """The socket under an httpx (or httpx2) response, from its ``network_stream`` extension."""
    extensions = getattr(response, "extensions", None)
    network_stream = extensions.get("network_stream") if isinstance(extensions, Mapping) else None
    get_extra_info = getattr(network_stream, "get_extra_info", None)
    sock = get_extra_info("socket") if callable(get_extra_info) else None
    return sock if isinstance(sock, socket.socket) else None


def _is_event_type(kind: str) -> bool:
    return kind in _TEXT_TYPES or kind in _ERROR_TYPES or kind in _SKIPPED_TYPES or kind.startswith(_SKIPPED_PREFIXES)


def _event_text(item: object, kind: str) -> str | None:
    if kind in ("response.output_text.delta", "content.delta"):
        return _str_or_none(getattr(item, "delta", None))
    if kind == "content_block_delta":
        delta = getattr(item, "delta", None)
        return _str_or_none(getattr(delta, "text", None)) if getattr(delta, "type", None) == "text_delta" else None
    if kind in _ERROR_TYPES:
        raise ProviderError(kind, _error_message(item))
    return None


def _shaped_item_text(item: object) -> str | None:
    choices = getattr(item, "choices", None)
    if choices is not None:
        return _str_or_none(getattr(getattr(choices[0], "delta", None), "content", None)) if choices else None
    if hasattr(item, "done"):
        message = getattr(item, "message", None)
        if message is not None:
            return _str_or_none(getattr(message, "content", None))
        if hasattr(item, "response"):
            return _str_or_none(item.response)
    content = getattr(item, "content", None)
    if isinstance(content, str):
        return content or None
    if content is not None:
        return _str_or_none(getattr(item, "text", None))
    raise TypeError(
        f"cannot take text from a {type(item).__module__}.{type(item).__qualname__} item: "
        "expected str or a chunk/event of a supported LLM SDK (see fastapi_fragments.adapters)"
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _error_message(item: object) -> str:
    # `error` events carry `.message`; `response.failed` carries it in `.response.error.message`.
    message = getattr(item, "message", None)
    if message is None:
        message = getattr(getattr(getattr(item, "response", None), "error", None), "message", None)
    return str(message) if message is not None else "no message"
