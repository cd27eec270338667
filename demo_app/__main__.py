"""``python -m demo_app``: serve the demo on http://127.0.0.1:8000 (``HOST`` and ``PORT`` override it)."""

from __future__ import annotations

import os

import uvicorn


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    shown = f"[{host}]" if ":" in host else host
    model = os.environ.get("FRAGMENTS_LLM") or "embedded (local, no key; set FRAGMENTS_LLM=provider:model to change)"
    print(f"fastapi-fragments demo: open http://{shown}:{port}/ (htmx 2) or http://{shown}:{port}/htmx4", flush=True)
    print(f"model: {model}", flush=True)
    uvicorn.run("demo_app.app:app", host=host, port=port, log_level="info")


if __name__ == "__main__":
    main()
