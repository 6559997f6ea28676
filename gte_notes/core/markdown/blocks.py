"""The one Markdown block scanner: a note's lines as frontmatter, fenced code, headings, blank and other
text, and where its code is (fenced blocks and inline code spans).

Metadata (markdown_meta), chunking and the preview (preview_text) all read a note through this module, so
a `# comment` in a fenced bash block is neither a title, a section break nor a rendered heading, and a
`[[link]]` or `#tag` in code is not read as one, the same way everywhere.

Fences follow CommonMark: a run of 3+ backticks (info string without backticks) or 3+ tildes, indented
at most 3 columns (tabs to the next multiple of 4) from its container, closed by a run of the same
character at least as long, with nothing but spaces after it and again at most 3 columns in; an unclosed
fence runs to the end of its container. The one container tracked is the list item, since notes put
code inside list items: `- step` then `    ```` is a fence of that item, and a later line indented less
than the item's text ends the item and its code. Block quotes and indented code blocks are not tracked.
Lines end at \\r\\n, \\n or a lone \\r (not at the other characters `str.splitlines` knows, which editors
do not show as line breaks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BLANK, TEXT, HEADING, FENCE = "blank", "text", "heading", "fence"

_NEWLINE = re.compile(r"\r\n?|\n")
_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE_OPEN = re.compile(r"(?:(`{3,})[^`]*|(~{3,}).*)$")
# A list item's marker and the spaces after it (1-4; more, and the text is indented code in the item).
_LIST_MARKER = re.compile(r"(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
_BACKTICKS = re.compile(r"`+")
_FM_OPEN = re.compile(r"---[ \t]*(?:\r\n?|\n)")
_FM_CLOSE = re.compile(r"(?:---|\.\.\.)[ \t]*$")


@dataclass(frozen=True, slots=True)
class Line:
    start: int  # offset of the first char
    end: int  # offset just past the last char, before the line ending
    next: int  # offset of the next line (after the line ending)
    kind: str  # BLANK | TEXT | HEADING | FENCE (a fence delimiter or a line inside fenced code)
    level: int = 0  # heading level 1-6
    title: str = ""  # heading text
    item: bool = False  # a TEXT line that starts a list item (and so a paragraph of its own)


def _indent(text: str, pos: int, end: int) -> tuple[int, int]:
    """(columns of leading whitespace, offset of the first other char), a tab reaching the next 4th column."""
    col = 0
    while pos < end:
        ch = text[pos]
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
        pos += 1
    return col, pos


def _line_ends(text: str, start: int) -> list[tuple[int, int]]:
    ends = [(m.start(), m.end()) for m in _NEWLINE.finditer(text, start)]
    if start < len(text) and (not ends or ends[-1][1] < len(text)):
        ends.append((len(text), len(text)))
    return ends


def frontmatter_bounds(text: str) -> tuple[int, int, int] | None:
    """(start, end, body start) of a frontmatter block's inside when the note opens with a `---` line
    and a later `---` or `...` line closes it (any line ending, a lone \\r too); None otherwise."""
    opened = _FM_OPEN.match(text)
    if not opened:
        return None
    line_start = opened.end()
    for end, nxt in _line_ends(text, line_start):
        if _FM_CLOSE.match(text, line_start, end):
            return opened.end(), line_start, nxt
        line_start = nxt
    return None


def split_lines(text: str, start: int = 0) -> list[Line]:
    """Classify every line of `text[start:]` (start is where the body begins, after any frontmatter)."""
    lines: list[Line] = []
    items: list[int] = []  # content columns of the open list items, innermost last
    fence_char, fence_len, fence_base = "", 0, 0
    pos = start
    for end, nxt in _line_ends(text, start):
        col, first = _indent(text, pos, end)
        blank = first == end
        if fence_char and not blank and col < fence_base:
            fence_char = ""  # the list item holding the fence ended, and its code with it
        if fence_char:
            rel = col - fence_base
            run = text[first:end].rstrip(" \t")
            if rel <= 3 and len(run) >= fence_len and run == fence_char * len(run):
                fence_char = ""
            lines.append(Line(pos, end, nxt, FENCE))
            pos = nxt
            continue
        if blank:
            lines.append(Line(pos, end, nxt, BLANK))
            pos = nxt
            continue
        while items and col < items[-1]:
            items.pop()
        base = items[-1] if items else 0
        at, at_col, item = first, col, False
        lead = text[first]
        if (
            (lead in "-+*" or lead.isdigit())
            and col - base <= 3
            and (marker := _LIST_MARKER.match(text, first, end))
        ):
            # A list item: its text starts after the marker and 1-4 spaces (with more, or none, one
            # column after the marker: the rest is indented code or the item is empty). Code may open there.
            mark_end = first + len(marker.group(0).rstrip(" \t"))
            spaces, content = _indent(text, mark_end, end)
            mark_col = col + (mark_end - first)
            item_col = mark_col + (spaces if 1 <= spaces <= 4 and content < end else 1)
            items.append(item_col)
            at, at_col, base, item = content, mark_col + spaces, item_col, True
        if (
            text.startswith(("`", "~"), at, end)
            and at_col - base <= 3
            and (m := _FENCE_OPEN.match(text, at, end))
        ):
            run = m.group(1) or m.group(2)
            fence_char, fence_len, fence_base = run[0], len(run), base
            lines.append(Line(pos, end, nxt, FENCE))
        elif col <= 3 and (m := _HEADING.match(text, first, end)):
            lines.append(Line(pos, end, nxt, HEADING, len(m.group(1)), (m.group(2) or "").strip()))
        else:
            lines.append(Line(pos, end, nxt, TEXT, item=item))
        pos = nxt
    return lines


def code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Inline code spans in `text[start:end]` (one paragraph), as (start, end) offsets including the
    backticks: a span closes at the next backtick run of the same length (CommonMark). Pairing runs in
    one pass stays linear even for a huge line full of stray backticks, where a lazy regex would not."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text, start, end)]
    next_same: list[int | None] = [None] * len(runs)
    last_by_len: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        next_same[i] = last_by_len.get(length)
        last_by_len[length] = i
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(runs):
        j = next_same[i]
        if j is None:
            i += 1
            continue
        spans.append((runs[i][0], runs[j][1]))
        i = j + 1
    return spans


def code_ranges(text: str, lines: list[Line]) -> list[tuple[int, int]]:
    """Every piece of code among `lines`, in order: each fenced block (delimiters and line endings
    included) and each inline code span of a paragraph (a run of text lines; a span does not cross a
    blank line, a heading, a fence or the start of a list item)."""
    out: list[tuple[int, int]] = []
    para_start = -1
    para_end = -1
    for ln in lines:
        if ln.kind == TEXT and not (ln.item and para_start >= 0):
            if para_start < 0:
                para_start = ln.start
            para_end = ln.end
            continue
        if para_start >= 0:
            if "`" in text[para_start:para_end]:
                out += code_spans(text, para_start, para_end)
            para_start = -1
            if ln.kind == TEXT:  # a list item starts a paragraph of its own
                para_start, para_end = ln.start, ln.end
                continue
        if ln.kind == HEADING and "`" in text[ln.start : ln.end]:
            out += code_spans(text, ln.start, ln.end)
        elif ln.kind == FENCE:
            if out and out[-1][1] == ln.start:
                out[-1] = (out[-1][0], ln.next)
            else:
                out.append((ln.start, ln.next))
    if para_start >= 0 and "`" in text[para_start:para_end]:
        out += code_spans(text, para_start, para_end)
    return out
