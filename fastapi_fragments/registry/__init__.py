"""Durable streams: answers generated in the background, followed (and resumed) from any worker.

``StreamRegistry`` (``_registry``) starts a generation, which publishes snapshots to a store
(``_generation``), and serves its followers (``_following``); ``_lease``, ``_outages`` and
``_owners`` keep a stream alive on a lagging loop, through a store outage, and private to its
owner. The stores themselves are public: ``fastapi_fragments.stores``.
"""

from ._registry import StreamRegistry as StreamRegistry

__all__ = ["StreamRegistry"]
