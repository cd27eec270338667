"""A best-effort preview of JSON that is still arriving: a tool call's arguments mid-stream.

Standard library only: ``jiter``'s partial mode would do, but only the OpenAI and Anthropic SDKs bring
it, and the core must not depend on it.
"""

from __future__ import annotations

import json
import re

__all__ = ("parse_partial_json",)

_CLOSERS = {"{": "}", "[": "]"}
# The first half of a surrogate pair, escaped: alone it would preview as a lone surrogate.
_HIGH_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}$")
_STRING_STOP = re.compile(r'["\\]')


def parse_partial_json(text: str) -> object | None:
    """Parse complete JSON, or the most of a JSON prefix that can be made whole; ``None`` if nothing can.

    Open strings that are values are closed (so a growing ``"query"`` shows as it grows), open objects
    and arrays are closed, and a trailing key, comma or half-written number or literal is dropped.

    Example::

        parse_partial_json('{"query": "htm')  # {"query": "htm"}
        parse_partial_json('{"a": 1, "b')  # {"a": 1}
    """
    # Not text itself first: whole JSON leaves the scan outside any string and bracket, so its first
    # candidate is the text, and a failed json.loads (most previews) costs as much as the scan.
    for candidate in _candidates(text):
        try:
            value: object = json.loads(candidate)
        except ValueError:
            continue
        return value
    return None


def _candidates(text: str) -> list[str]:
    """Completions of ``text`` to try, best first."""
    stack: list[str] = []
    # Per open object: whether the next string is a key.
    expect_key: list[bool] = []
    in_string = escaped = string_is_key = False
    escape_at, unicode_left = 0, 0  # where the escape being read starts; hex digits of a \uXXXX still due
    cut, cut_stack = 0, ""  # the longest prefix known to end after a whole value, and its closers
    index, end = -1, len(text)
    while index + 1 < end:
        index += 1
        char = text[index]
        if in_string:
            if unicode_left:
                unicode_left -= 1
            elif escaped:
                escaped = False
                unicode_left = 4 if char == "u" else 0
            elif char == "\\":
                escaped, escape_at = True, index
            elif char == '"':
                in_string = False
                if not string_is_key:
                    cut, cut_stack = index + 1, _closers(stack)
            else:  # a string's plain characters change nothing: on to its next quote or backslash at once
                stop = _STRING_STOP.search(text, index)
                index = (stop.start() if stop is not None else end) - 1
            continue
        if char == '"':
            in_string = True
            string_is_key = bool(stack) and stack[-1] == "{" and expect_key[-1]
        elif char in "{[":
            stack.append(char)
            if char == "{":
                expect_key.append(True)
            cut, cut_stack = index + 1, _closers(stack)
        elif char in "}]":
            if not stack:
                break
            if stack.pop() == "{":
                expect_key.pop()
            cut, cut_stack = index + 1, _closers(stack)
        elif char == ",":
            cut, cut_stack = index, _closers(stack)
            if stack and stack[-1] == "{":
                expect_key[-1] = True
        elif char == ":" and stack and stack[-1] == "{":
            expect_key[-1] = False
    candidates = []
    if in_string and not string_is_key:
        # A string cut inside an escape (a lone backslash, half a \uXXXX) loses the escape.
        whole = _HIGH_SURROGATE.sub("", text[:escape_at] if escaped or unicode_left else text)
        candidates.append(whole + '"' + _closers(stack))
    candidates.append(text.rstrip() + _closers(stack))  # ends with a whole number or literal
    candidates.append(text[:cut] + cut_stack)
    return candidates


def _closers(stack: list[str]) -> str:
    return "".join(_CLOSERS[opener] for opener in reversed(stack))
