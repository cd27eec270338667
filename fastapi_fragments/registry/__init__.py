"""Durable streams: answers generated in the background, followed (and resumed) from any worker.

htmx 2's EventSource can only GET, and any dropped connection makes the browser reconnect; a
plain streaming GET would then run the LLM again. Here a POST starts the generation in a task
owned by the registry (not by any request) and returns a scaffold pointing at
``GET <stream>/<id>``; that GET only *follows* the stream, from its latest frame on.

- Frames are full snapshots, so the store keeps only the latest one; a reconnect gets it (or
  nothing, if ``Last-Event-ID`` shows the client already has it) and then the live frames.
- Ids are 128-bit random and bound to an owner (the app's session id, or the registry's own
  ``fragments_owner`` cookie). Someone else's, unknown or expired id answers 200 with a polite
  fragment and ``done``: htmx-ext-sse retries any non-200 forever.
- The producer heartbeats the store: Stop (from any worker), abandonment (nobody followed for
  ``abandon_after`` seconds), the deadline and registry shutdown all cancel the generation,
  which closes the token source (the upstream LLM request) and publishes the partial answer
  as the final frame. A worker that dies stops heartbeating; its followers then get the last
  frame marked ``interrupted`` (see ``fastapi_fragments.stores``).
- A final frame that did not complete normally gets a notice appended by whoever sends it
  (``notices``), so even a dead producer's partial answer says why it ends there.

``StreamRegistry`` (``_registry``, its routes' paths in ``_paths``) starts a generation, which
publishes snapshots to a store (``_generation``), and serves its followers (``_following``);
``_lease``, ``_outages`` and ``_owners`` keep a stream alive on a lagging loop, through a store
outage, and private to its owner. The stores themselves are public: ``fastapi_fragments.stores``.
"""

from ._registry import StreamRegistry as StreamRegistry

__all__ = ["StreamRegistry"]
