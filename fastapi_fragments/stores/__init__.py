"""Where running answers live: the :class:`Store` contract and its implementations.

:class:`MemoryStore` is the embedded default. ``fastapi_fragments.stores.redis.RedisStore``
(the ``redis`` extra) shares streams between workers and hosts; import it from its module so
redis-py is loaded only when used.

Example::

    from fastapi_fragments.stores import MemoryStore

    store = MemoryStore()
"""

from __future__ import annotations

from ._protocol import Frame as Frame
from ._protocol import Liveness as Liveness
from ._protocol import Status as Status
from ._protocol import Store as Store
from ._protocol import StreamRecord as StreamRecord
from .memory import MemoryStore as MemoryStore

__all__ = ("Frame", "Liveness", "MemoryStore", "Status", "Store", "StreamRecord", "open_store")


def open_store(store: Store | str | None) -> Store:
    """``store`` itself, a ``RedisStore`` for a Redis URL (the ``redis`` extra), or a new ``MemoryStore`` for None.

    Example::

        open_store(None)  # MemoryStore()
    """
    if store is None:
        return MemoryStore()
    if isinstance(store, str):
        from .redis import RedisStore  # imported only when asked for: redis-py is an optional extra

        return RedisStore(store)
    return store
