"""What the adapters share: the ``stream()`` entry point, the deferred request call, closing the client.

An adapter's ``stream()`` must do no I/O until it is iterated (``LLMClient`` contract), but a sync
SDK's ``create(..., stream=True)`` sends the request as soon as it is called, and would block the event
loop. :class:`DeferredCall` makes the call only when awaited (``iter_text`` awaits it when iteration
starts), in a worker thread for sync clients.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from types import ModuleType
from typing import Any, Generic, TypeVar

import anyio.to_thread

from fastapi_fragments._exceptions import ConfigurationError
from fastapi_fragments._tokens import iter_text
from fastapi_fragments.adapters._client import Document, Message, check_documents

__all__ = ("Adapter", "ClientAdapter", "DeferredCall", "import_sdk")


def import_sdk(module: str, extra: str) -> ModuleType:
    """Import an optional SDK, or raise :class:`ConfigurationError` naming the extra that installs it.

    Example::

        litellm = import_sdk("litellm", "litellm")
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"the {module!r} package is not installed; install it with: pip install 'fastapi-fragments[{extra}]'"
        ) from exc


class DeferredCall:
    """An SDK request ``function(**arguments)`` made when this object is awaited, not when it is built.

    An async SDK method is awaited; a sync one runs in a worker thread, so its blocking request never
    stalls the event loop.

    Example::

        opened = DeferredCall(client.chat.completions.create, model="m", messages=messages, stream=True)
        stream = await opened
    """

    def __init__(self, function: Callable[..., Any], /, **arguments: Any) -> None:
        self._call = functools.partial(function, **arguments)
        # SDK decorators (openai's `required_args`) hide the coroutine function; functools.wraps lets unwrap see it.
        self._blocking = not inspect.iscoroutinefunction(inspect.unwrap(function))

    def __await__(self) -> Generator[Any, None, Any]:
        return self._run().__await__()

    async def _run(self) -> Any:
        if not self._blocking:
            return await self._call()
        # Not abandoned on cancel: anyio lets the request finish and hands back the stream, so iter_text
        # owns it (and closes it) before the cancellation lands at its next await.
        return await anyio.to_thread.run_sync(self._call)


class Adapter:
    """Base of the adapters: ``stream()`` normalises what :meth:`_source` opens through ``iter_text``."""

    def stream(
        self,
        prompt: str,
        /,
        *,
        history: Sequence[Message] = (),
        system: str | None = None,
        documents: Sequence[Document] = (),
    ) -> AsyncIterator[str]:
        """Stream the answer to ``prompt`` as text deltas; closing the iterator closes the HTTP response.

        ``history`` is the conversation so far, ``system`` the system prompt, ``documents`` the retrieved
        context (sent as numbered documents in the system message). No request is made until iteration.

        :raises TypeError: at this call, when ``documents`` holds anything but :class:`~fastapi_fragments.Document`.
        """
        return iter_text(self._source(prompt, history, system, check_documents(documents)))

    def _source(
        self, prompt: str, history: Sequence[Message], system: str | None, documents: Sequence[Document]
    ) -> Any:
        """What ``iter_text`` should open: an SDK stream, context manager or :class:`DeferredCall`."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Nothing to release: the SDK manages its own connections."""


ClientT = TypeVar("ClientT")


class ClientAdapter(Adapter, Generic[ClientT]):
    """Base of the adapters that hold an SDK client (of type ``ClientT``), a model name and request options."""

    def __init__(self, client: ClientT, /, *, model: str, **request_options: Any) -> None:
        # Any, not ClientT: the SDKs' typed signatures reject the plain dicts the adapters build.
        self._client: Any = client
        self.model = model
        self.request_options = request_options

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self._client).__name__}, model={self.model!r})"

    async def aclose(self) -> None:
        """Close the SDK client's connection pool (``close()``, awaited for async clients)."""
        result = self._client.close()
        if inspect.isawaitable(result):
            await result
