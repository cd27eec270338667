"""The user's hooks (``on_complete``, ``on_error``, ``on_disconnect``): which one an ending calls, safely."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import anyio

from ._types import TextHook
from ._updates import Outcome

__all__ = ("HOOK_TIMEOUT", "NO_HOOKS", "ErrorHook", "Hooks", "call_hook")

logger = logging.getLogger("fastapi_fragments")

#: How long a hook may run, even after the client has gone (seconds).
HOOK_TIMEOUT = 10.0

#: A hook called with the exception that ended a stream; sync or async.
ErrorHook: TypeAlias = Callable[[BaseException], Awaitable[None] | None]


async def call_hook(hook: Callable[[Any], Awaitable[None] | None] | None, argument: Any) -> None:
    """Run ``hook(argument)`` to the end even if the caller is being cancelled; log, never raise.

    A hook saves a chat message or records a failure: it must not be cut off by the client
    leaving, and its errors belong in the server log, not in the page.
    """
    if hook is None:
        return
    with anyio.move_on_after(HOOK_TIMEOUT, shield=True):
        try:
            result = hook(argument)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("the %s hook failed", getattr(hook, "__name__", "stream"))


@dataclass(frozen=True, slots=True)
class Hooks:
    """The hooks of one stream; :meth:`call` runs the one its outcome asks for."""

    on_complete: TextHook | None = None
    on_error: ErrorHook | None = None
    on_disconnect: TextHook | None = None

    async def call(self, outcome: Outcome, text: str, error: BaseException | None) -> None:
        """``on_complete(text)`` for a completed stream, ``on_error(error)`` for a failed one,
        ``on_disconnect(text)`` for one cut short (client left, Stop, deadline, shutdown...)."""
        if outcome is Outcome.COMPLETED:
            await call_hook(self.on_complete, text)
        elif outcome is Outcome.FAILED:
            if error is not None:
                await call_hook(self.on_error, error)
        else:
            await call_hook(self.on_disconnect, text)


#: A stream without hooks (the usual case): shared, since a Hooks per open stream is one more object
#: for every full garbage collection to walk.
NO_HOOKS = Hooks()
