"""The one wikilink rule: what a `[[...]]` is, and which of its sides is the note and which the label.

`[[target]]`, `[[target|label]]` (Obsidian), `[[label|target]]` (Dendron), `[[target#heading]]`,
`[[target^block]]`, `![[embed]]` and `[[label|dendron://vault/target]]`. The inside is one line with no
brackets. Link extraction (markdown_meta), the preview (preview_text) and the GUI's snippets use this
pattern; code is masked by the caller, so a wikilink inside a code fence or `code span` is not a link.
"""

from __future__ import annotations

import re

from gte_notes.core.markdown.note_display import clean_link_target

# Group 1: "!" for an embed, group 2: the inside.
WIKILINK = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")
DENDRON_SCHEME = re.compile(r"dendron://[^/]*/")


def _clean(part: str) -> str:
    part = DENDRON_SCHEME.sub("", part.strip())
    for sep in ("#", "^"):
        part = part.split(sep, 1)[0]
    return part.strip().rstrip("\\").strip()


def link_target(inner: str) -> str:
    """The raw target to resolve, heading and block refs dropped.

    A piped link whose target side is ambiguous stays "left|right": Obsidian writes [[target|alias]],
    Dendron [[alias|target]], and only the set of existing notes can tell which side is the note
    (`links.LinkIndex.resolve` decides).
    """
    if "|" not in inner:
        return _clean(inner)
    left, right = inner.split("|", 1)[0], inner.rsplit("|", 1)[1]
    if DENDRON_SCHEME.match(right.strip()):  # dendron://vault/note: unambiguously the target
        return _clean(right)
    left, right = _clean(left), _clean(right)
    if not left or not right or left == right:
        return left or right
    return f"{left}|{right}"


def _target_on_right(left: str, right: str) -> bool:
    """For a reader, who cannot wait for the folder to say which side of a piped link is the note: a
    right side that looks like a dotted Dendron name is the target ([[label|dendron.name]])."""
    return bool(right) and " " not in right.strip() and "." in right and (" " in left or "." not in left)


def label_span(inner: str) -> tuple[int, int]:
    """Where in `inner` (a wikilink's inside, as written) the side a reader sees is: the label of a
    piped link (the left side when the right is the target or empty), else all of it."""
    left, bar, right = inner.partition("|")
    if not bar:
        return 0, len(inner)
    if _target_on_right(left, right) or not right.strip():
        return 0, len(left)
    return len(left) + 1, len(inner)


def label_and_target(inner: str) -> tuple[str, str]:
    """(what to show, what to follow) for a reader: the label as `label_span` finds it."""
    inner = inner.strip()
    left, _, right = inner.partition("|")
    start, end = label_span(inner)
    label = clean_link_target(inner[start:end]).split("#", 1)[0].strip() or inner
    target = clean_link_target((right if _target_on_right(left, right) else left) if right else inner)
    return label, target
