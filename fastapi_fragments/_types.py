"""Shared type aliases for the public API."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, TypeAlias

import jinja2
from starlette.templating import Jinja2Templates

__all__ = ("Context", "Templates", "TextHook", "Tokens")

#: Either a Starlette/FastAPI ``Jinja2Templates`` or a plain ``jinja2.Environment``.
Templates: TypeAlias = Jinja2Templates | jinja2.Environment

#: Template context: names to values.
Context: TypeAlias = Mapping[str, Any]

#: What may feed a stream: text deltas from an async or sync iterable, or an SDK stream (its chunks,
#: or an awaitable or context manager giving it; see ``iter_text``). A ``str`` type-checks as an
#: iterable but is refused when the response is built (``check_tokens``).
Tokens: TypeAlias = (
    AsyncIterable[Any] | Iterable[Any] | Awaitable[Any] | AbstractAsyncContextManager[Any] | AbstractContextManager[Any]
)

#: A hook called with text; it may be sync or async.
TextHook: TypeAlias = Callable[[str], Awaitable[None] | None]
