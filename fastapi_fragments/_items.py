"""``ItemStream``: a token source's items as they come (SDK chunks and events), for a multi-part stream.

``iter_text`` (``_tokens``) turns a source into its text deltas; a multi-part stream reads the
items whole instead, so its normaliser sees the reasoning, the tool calls and the usage too. The
source is refused, opened and closed as ``iter_text`` does it.
"""

from __future__ import annotations

from typing import Any

from ._tokens import TextStream, check_tokens

__all__ = ("ItemStream", "iter_items")


class ItemStream(TextStream):
    """A token source's items as they come (SDK chunks and events), closed on every exit path like ``iter_text``'s."""

    __slots__ = ()
    raw = True

    async def __anext__(self) -> Any:
        items = self._items
        if items is None:
            items = await self._start()
        try:
            return await items.__anext__()
        except BaseException as exc:  # the end, an error, or cancelled while waiting
            await self._failed(exc)
            raise


def iter_items(source: Any) -> ItemStream:
    """The items of ``source``, for a multi-part stream; refuses what ``iter_text`` refuses."""
    check_tokens(source)
    return ItemStream(source)
