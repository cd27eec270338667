"""LLM clients that implement :class:`fastapi_fragments.LLMClient`, one module per provider.

Import the one you need by path (``from fastapi_fragments.adapters.embedded import EmbeddedLLM``);
each SDK adapter imports its SDK only when its module is imported, so this package imports nothing.
"""
