"""Benchmarks: real uvicorn servers pinned to one core, driven by a low-overhead SSE load client.

Run ``make bench`` (or ``python -m benchmarks [--quick]``); results and the command go in README.md.
"""
