"""Split Markdown into classified lines: ATX headings, fenced code, blank lines, other text.

Shared by metadata parsing and chunking so both agree on what is a heading and what is code: a
`# comment` inside a fenced bash block is neither a title nor a section break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# \r\n, \n and a lone \r all end a line; str.splitlines would also split on \x0b, \x1c, U+2028 ...,
# which editors do not show as line breaks.
_NEWLINE = re.compile(r"\r\n?|\n")
_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
# Any indentation, not CommonMark's 0-3: fences inside list items are indented and users expect them
# to count as code.
_FENCE_OPEN = re.compile(r"[ \t]*(?:(`{3,})[^`]*|(~{3,}).*)$")
_BLANK = re.compile(r"[ \t\f\v]*$")

BLANK, TEXT, HEADING, FENCE = "blank", "text", "heading", "fence"


@dataclass(frozen=True, slots=True)
class Line:
    start: int  # offset of the first char
    end: int  # offset just past the last char, before the line ending
    next: int  # offset of the next line (after the line ending)
    kind: str  # BLANK | TEXT | HEADING | FENCE (a fence delimiter or a line inside fenced code)
    level: int = 0  # heading level 1-6
    title: str = ""  # heading text


def split_lines(text: str, start: int = 0) -> list[Line]:
    """Classify every line of `text[start:]`; an unclosed fence runs to the end, as in CommonMark."""
    lines: list[Line] = []
    fence_char, fence_len = "", 0
    pos, n = start, len(text)
    ends = [(m.start(), m.end()) for m in _NEWLINE.finditer(text, start)]
    if pos < n and (not ends or ends[-1][1] < n):
        ends.append((n, n))
    for end, nxt in ends:
        if fence_char:
            stripped = text[pos:end].strip()
            if len(stripped) >= fence_len and stripped == fence_char * len(stripped):
                fence_char = ""
            lines.append(Line(pos, end, nxt, FENCE))
        elif m := _FENCE_OPEN.match(text, pos, end):
            run = m.group(1) or m.group(2)
            fence_char, fence_len = run[0], len(run)
            lines.append(Line(pos, end, nxt, FENCE))
        elif m := _HEADING.match(text, pos, end):
            lines.append(Line(pos, end, nxt, HEADING, len(m.group(1)), (m.group(2) or "").strip()))
        elif _BLANK.match(text, pos, end):
            lines.append(Line(pos, end, nxt, BLANK))
        else:
            lines.append(Line(pos, end, nxt, TEXT))
        pos = nxt
    return lines
