"""The text of a link to a note, as the user would type it in this folder: a wikilink in the folder's own
style, or a plain Markdown link. Copied from a result or related row, so linking a found note is one step.

- Obsidian (and Foam, Logseq): `[[name]]`, the file's name without extension when no other note has that
  name, else its path from the folder without extension (what Obsidian writes for an ambiguous name).
- Dendron (notes named by dotted hierarchy, links written `[[label|note.name]]`): `[[Title|note.name]]`.
- Markdown: `[Title](path/to/note.md)`, relative to the note it goes into when that is known, with
  spaces and the characters that would end the link percent-encoded.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from gte_notes.core.markdown.links import LinkIndex

# Characters that cannot stand bare in a Markdown link destination (CommonMark) or would be read as an
# escape; everything else, non-ASCII letters included, stays readable.
_ENCODE = {c: f"%{ord(c):02X}" for c in " %()<>[]\\\t"}


@dataclass(frozen=True)
class NoteLinks:
    wikilink: str
    markdown: str


def _noext(index: LinkIndex, rel: str) -> str:
    return index._strip_ext(rel)  # the index knows the note extensions


def wikilink(index: LinkIndex, rel: str, title: str) -> str:
    """`[[…]]` to the note at `rel`, resolving back to it in this folder."""
    path = _noext(index, rel)
    name = path.rsplit("/", 1)[-1]
    if index.dendron_style:
        label = title.replace("|", "-").replace("]]", "] ]").strip()
        return f"[[{label}|{name}]]" if label and label != name else f"[[{name}]]"
    # The shortest form that finds this very note and no other, as Obsidian itself writes links.
    unique = len(index._by_stem.get(name.lower(), [])) == 1  # notes of that name
    target = name if unique and index.resolve(name) == rel else path
    return f"[[{target}]]"


def markdown_link(rel: str, title: str, from_rel: str = "") -> str:
    """`[title](path)` to the note at `rel`, relative to the folder of the note `from_rel` (if given)."""
    start = posixpath.dirname(from_rel) if from_rel else ""
    path = posixpath.relpath(rel, start or ".") if start else rel
    dest = "".join(_ENCODE.get(c, c) for c in path)
    label = title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]") or posixpath.basename(rel)
    return f"[{label}]({dest})"


def note_links(index: LinkIndex, rel: str, title: str, from_rel: str = "") -> NoteLinks:
    return NoteLinks(wikilink(index, rel, title), markdown_link(rel, title, from_rel))
