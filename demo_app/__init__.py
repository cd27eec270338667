"""The fastapi-fragments demo: a keyless chat + RAG page on htmx 2 (``/``) and htmx 4 (``/htmx4``).

Run it with ``python -m demo_app`` (or ``make demo``); build it in tests with ``create_app``.
"""
