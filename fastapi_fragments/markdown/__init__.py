"""Streaming markdown: sanitized HTML for an answer still being written.

``_modes`` has the two markdown text modes; ``_streaming`` splits the text into finished blocks
(rendered once) and the unfinished tail; ``_holdback`` and ``_inline`` decide what of the tail
waits until it is decided (a line that may become a heading or a table, an unclosed ``**``);
``_growth`` turns a tail that only grew at its end into the new words alone. Nothing is imported
here: markdown-it-py and nh3 are the optional ``markdown`` extra, imported when a markdown mode
is first used.
"""
