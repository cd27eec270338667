"""``python -m benchmarks.frames [MODE] [--tokens-per-frame N]``: where a mode's bytes go, by frame kind.

Feeds the benchmark's answer (``answer.py``) to a text mode in-process, taking frames every
``N`` tokens (10 = one frame per 50 ms at 200 tokens/s), and prints the count and bytes of each
kind of frame (htmx 2 dialect; 8 bytes of HTTP chunk framing counted per frame) against the
final HTML. The byte profile of the ``bytes on the wire`` figure.
"""

from __future__ import annotations

import argparse
import collections

from benchmarks.answer import answer_tokens
from fastapi_fragments._dialects import HTMX2, encode
from fastapi_fragments._text import text_mode
from fastapi_fragments.markdown._streaming import render_markdown

CHUNK_FRAMING = 8  # "<hex size>\r\n" + "\r\n" around each chunk


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.frames", description=__doc__)
    parser.add_argument("mode", nargs="?", default="markdown", choices=["append", "markdown"])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--tokens-per-frame", type=int, default=20)
    args = parser.parse_args()
    tokens, text, dialect = answer_tokens(args.tokens), text_mode(args.mode), HTMX2()
    count: collections.Counter[str] = collections.Counter()
    size: collections.Counter[str] = collections.Counter()
    for index, token in enumerate(tokens, 1):
        text.feed(token)
        final = index == len(tokens)
        if final or index % args.tokens_per_frame == 0:
            html = str(text.markup(final=True)) if final else ""  # the final frame: a `{{ text }}` block, whole
            for frame in (encode(dialect, update, index) for update in text.updates(html, final=final)):
                kind = frame.split(b"\n", 1)[0].decode()
                count[kind] += 1
                size[kind] += len(frame) + CHUNK_FRAMING
    final_html = len(render_markdown("".join(tokens)).encode()) if args.mode == "markdown" else len(text.raw)
    total = sum(size.values())
    print(f"{args.mode}, a frame every {args.tokens_per_frame} tokens: {total:,} bytes, {total / final_html:.2f}x")
    print(f"the final HTML: {final_html:,} bytes")
    for kind, bytes_ in size.most_common():
        print(f"  {kind:<22} {count[kind]:>4} frames {bytes_:>7,} bytes ({bytes_ / final_html:.2f}x)")


if __name__ == "__main__":
    main()
