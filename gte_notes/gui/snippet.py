"""The few lines of a passage a result row shows, with the query words still marked.

A passage is raw Markdown; a row has room for two or three lines of plain text. Markup is dropped
(links keep their text, emphasis and heading marks go, whitespace collapses), and the highlight spans,
which are offsets into the raw passage, are carried through the cleanup by mapping every kept
character back to where it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# One alternation, tried left to right at each position; group names say what to keep.
_MARKUP = re.compile(
    r"(?P<wiki>!?\[\[(?P<wtext>[^\[\]\n]+?)\]\])"
    r"|(?P<link>!?\[(?P<ltext>[^\]\n]*)\]\([^)\n]*\))"
    r"|(?P<html></?[A-Za-z][^>\n]*>)"
    r"|(?P<linestart>(?:^|(?<=\n))[ \t]*"
    r"(?:#{1,6}[ \t]+|>[ \t]?|[-+*][ \t]+(?:\[[ xX]\][ \t]+)?|\d+[.)][ \t]+))"
    r"|(?P<marks>\*{1,3}|`{1,3}|~~)"
    r"|(?P<space>\s+)"
)
LEAD = 60  # characters of context kept before the first marked word when there is no best sentence
_HEADING_LINE = re.compile(r"[ \t]*#{1,6}[ \t][^\n]*\n+")
# Marking every "a" and "the" in a passage hides the words that matter; phrases keep theirs.
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "for", "from", "has", "have", "how", "i",
    "if", "in", "into", "is", "it", "its", "my", "no", "not", "of", "on", "or", "our", "so", "than", "that",
    "the", "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were", "what",
    "when", "where", "which", "who", "why", "will", "with", "you", "your"
})


def worth_marking(word: str) -> bool:
    return " " in word.strip() or (len(word) > 1 and word.lower() not in STOPWORDS)


@dataclass(frozen=True)
class Snippet:
    text: str
    marks: tuple[tuple[int, int], ...]  # (start, length) in `text`


def _wiki_label(inner: str) -> tuple[int, int]:
    """Offsets of the human side of a [[wikilink]]'s inside (see bridge.markdown_for_preview)."""
    left, bar, right = inner.partition("|")
    if not bar:
        return 0, len(inner)
    dendron = " " not in right.strip() and "." in right and (" " in left or "." not in left)
    return (0, len(left)) if dendron else (len(left) + 1, len(inner))


def clean(passage: str) -> tuple[str, list[int]]:
    """Plain text of `passage` and, for each of its characters, the index it came from."""
    out: list[str] = []
    origin: list[int] = []

    def keep(start: int, end: int) -> None:
        out.extend(passage[start:end])
        origin.extend(range(start, end))

    pos = 0
    for m in _MARKUP.finditer(passage):
        keep(pos, m.start())
        pos = m.end()
        kind = m.lastgroup
        if m.group("wiki"):
            inner_start = m.start("wtext")
            a, b = _wiki_label(m.group("wtext"))
            keep(inner_start + a, inner_start + b)
        elif m.group("link"):
            keep(m.start("ltext"), m.end("ltext"))
        elif kind == "space" and out and out[-1] != " ":
            out.append(" ")
            origin.append(m.start())
    keep(pos, len(passage))
    while out and out[-1] == " ":
        out.pop()
        origin.pop()
    start = 0
    while start < len(out) and out[start] == " ":
        start += 1
    return "".join(out[start:]), origin[start:]


def make_snippet(passage: str, highlights: Sequence[Sequence[int]], sentence: Sequence[int] | None = None,
                 max_chars: int = 360) -> Snippet:
    """Up to `max_chars` of the cleaned passage, starting at the best sentence or a little before the
    first marked word, with the marks moved onto the cleaned text."""
    skip = 0
    heading = _HEADING_LINE.match(passage)
    if heading and heading.end() < len(passage):
        # The row already names the heading above the text; start with the text itself.
        skip = heading.end()
        passage = passage[skip:]
    text, origin = clean(passage)
    marked = [False] * len(text)
    spans = [(int(s) - skip, int(e) - skip) for s, e in highlights
             if int(e) > int(s) and worth_marking(passage[max(int(s) - skip, 0):max(int(e) - skip, 0)])]
    if sentence and skip:
        sentence = (max(sentence[0] - skip, 0), sentence[1] - skip)
    if spans:
        for i, src in enumerate(origin):
            marked[i] = any(s <= src < e for s, e in spans)
    begin = 0
    if sentence and len(sentence) == 2 and sentence[1] > sentence[0]:
        begin = next((i for i, src in enumerate(origin) if src >= sentence[0]), 0)
    elif True in marked:
        first = marked.index(True)
        if first > LEAD:
            begin = first - LEAD
            space = text.find(" ", begin, first)
            begin = space + 1 if space >= 0 else begin
    end = min(len(text), begin + max_chars)
    if len(text) - begin < max_chars and begin > 0:
        # Near the end: show more of what comes before instead of leaving the row half empty.
        begin = max(0, len(text) - max_chars)
        space = text.find(" ", begin)
        begin = space + 1 if 0 < begin and space >= 0 else begin
    prefix = "… " if begin > 0 else ""
    body = text[begin:end]
    marks = []
    run_start = None
    for i in range(begin, end + 1):
        on = i < end and marked[i]
        if on and run_start is None:
            run_start = i
        elif not on and run_start is not None:
            marks.append((run_start - begin + len(prefix), i - run_start))
            run_start = None
    return Snippet(prefix + body, tuple(marks))
