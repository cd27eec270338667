"""The synthetic answer every variant streams: ~4 characters per token, with some markdown structure."""

from __future__ import annotations

import functools
import re

SOURCES = [
    {"title": "Refund policy <2024>", "url": "https://example.com/refunds"},
    {"title": "Shipping & returns", "url": "https://example.com/shipping"},
    {"title": "Warranty terms", "url": "https://example.com/warranty"},
]

_PARAGRAPH = (
    "Refunds are issued to the original payment method within 14 days of the return being received. "
    "Items must be unused, in their original packaging, and returned with the receipt or order number. "
    "Shipping costs are **not** refunded unless the item arrived damaged or was sent in error."
)
_LIST = "- Pack the item securely.\n- Print the label from your account.\n- Drop it at any post office.\n"
_CODE = '```\nreturn_id = create_return(order, reason="damaged")\n```\n'


@functools.cache
def answer_tokens(n: int) -> tuple[str, ...]:
    """The first ``n`` tokens (words with their leading space, newlines on their own)."""
    sections = [_PARAGRAPH + "\n\n", _LIST + "\n", _PARAGRAPH + "\n\n", _CODE + "\n"]
    tokens: list[str] = []
    while len(tokens) < n:
        for section in sections:
            tokens.extend(re.findall(r"\n|[^\S\n]*[^\s]{1,4}", section))
    return tuple(tokens[:n])
