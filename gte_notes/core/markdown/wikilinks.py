"""The one wikilink rule: what a `[[...]]` is, and which of its sides is the note and which the label.

`[[target]]`, `[[target|label]]` (Obsidian), `[[label|target]]` (Dendron), `[[target#heading]]`,
`[[target^block]]`, `![[embed]]`, `[[label|dendron://vault/target]]`, and `[[target\\|label]]` (the bar
escaped, as Obsidian writes links inside a table row). The inside is one line with no brackets. Link
extraction (markdown_meta), link resolution (links), the preview (preview_text) and the GUI's snippets
all read a link through `parse_wikilink`; code is masked by the caller (blocks.code_ranges), so a
wikilink inside a code fence or `code span` is not a link.

Which side of `[[a|b]]` is the note: the left (Obsidian's `[[target|label]]`) unless the right is a
`dendron://` link, or the folder names its notes the Dendron way (`links.LinkIndex.dendron_style`:
Dendron writes `[[label|target]]`). A reader that does not know the folder (a snippet, the preview's
label) takes the right side when it looks like a dotted Dendron name and the left does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Group 1: "!" for an embed, group 2: the inside.
WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
DENDRON_SCHEME = re.compile(r"dendron://[^/|\]\s]*/")
_ANCHOR = re.compile(r"[#^]")


@dataclass(frozen=True)
class WikiLink:
    target: str  # the note as written, without `dendron://vault/`, `#heading` or `^block`
    label: str  # what a reader sees
    label_span: tuple[int, int]  # where the label is in the inside as written
    heading: str = ""  # `#heading` (Dendron's `#summary,1:#*` ref anchors too), without the "#"
    block: str = ""  # `^block-id`, without the "^"
    other: str = ""  # the other side of a piped link, as a note name: tried when `target` finds no note


@dataclass(frozen=True)
class _Side:
    start: int  # the side's span in the inside, spaces, a `dendron://vault/` prefix and an escape excluded
    end: int
    note: str  # the note part: before any `#` or `^`
    anchor: str  # "#heading" or "^block", as written


def _side(inner: str, start: int, end: int) -> _Side:
    while start < end and inner[start].isspace():
        start += 1
    end = start + len(inner[start:end].rstrip())
    if end > start and inner[end - 1] == "\\":  # `\|` in a table row: the backslash escapes the bar
        end = start + len(inner[start : end - 1].rstrip())
    if scheme := DENDRON_SCHEME.match(inner, start, end):
        start = scheme.end()
    text = inner[start:end]
    cut = _ANCHOR.search(text)
    note = (text[: cut.start()] if cut else text).strip()
    return _Side(start, end, note, text[cut.start() :] if cut else "")


def _split(inner: str) -> tuple[_Side, _Side | None]:
    bar = inner.find("|")
    if bar < 0:
        return _side(inner, 0, len(inner)), None
    return _side(inner, 0, bar), _side(inner, bar + 1, len(inner))


def _looks_dendron(left: str, right: str) -> bool:
    return bool(right) and " " not in right and "." in right and (" " in left or "." not in left)


def _target_is_right(inner: str, left: _Side, right: _Side, dendron: bool | None) -> bool:
    if not right.note or not left.note:
        return not left.note
    if DENDRON_SCHEME.match(inner[inner.find("|") + 1 :].lstrip()):
        return True  # dendron://vault/note is a target wherever it stands
    if dendron is not None:
        return dendron
    return _looks_dendron(left.note, right.note)


def parse_wikilink(inner: str, dendron: bool | None = None) -> WikiLink:
    """A wikilink's inside (what is between `[[` and `]]`) as target and label.

    `dendron` is the folder's convention when known (True: `[[label|target]]`, False: `[[target|label]]`);
    None guesses from the two sides."""
    left, right = _split(inner)
    if right is None:
        target, label = left, left
    elif _target_is_right(inner, left, right, dendron):
        target, label = right, left
    else:
        target, label = left, right
    anchor = target.anchor
    heading = anchor[1:] if anchor.startswith("#") else ""
    block = anchor[1:] if anchor.startswith("^") else ""
    if heading.startswith("^"):  # [[note#^block]]: Obsidian's block reference
        heading, block = "", heading[1:]
    if label is target or not label.note:  # no label of its own: the note's name, else the heading
        a, b = (target.start, target.end - len(anchor)) if target.note else (target.start + 1, target.end)
    else:
        a, b = label.start, label.end
    if not inner[a:b].strip():  # nothing readable there ("[[#]]"): the inside as written
        a, b = 0, len(inner)
    while a < b and inner[a].isspace():
        a += 1
    while b > a and inner[b - 1].isspace():
        b -= 1
    other = label.note if right is not None and label is not target else ""
    other = other if other != target.note else ""
    return WikiLink(target.note, inner[a:b], (a, b), heading.strip(), block.strip(), other)


def link_target(inner: str) -> str:
    """The raw target a note's links keep, heading and block refs dropped.

    A piped link whose sides could each be the note stays "left|right": which one is depends on the
    folder's convention, which can change without this note changing, so `links.LinkIndex.resolve`
    decides (by `parse_wikilink` with the folder's `dendron_style`).
    """
    left, right = _split(inner)
    if right is None or not right.note or not left.note or left.note == right.note:
        return left.note or (right.note if right else "")
    if DENDRON_SCHEME.match(inner[inner.find("|") + 1 :].lstrip()):
        return right.note
    return f"{left.note}|{right.note}"
