"""Resolve a raw link target (from `NoteMeta.links`) to the relpath of a note in the folder.

The rules follow what Obsidian and Dendron do, which is what users' links assume:
- a path relative to the linking note's folder (Markdown links: `[x](../notes/a.md)`);
- a path from the notes folder's root (`[[Projects/Alpha]]`, `/Projects/Alpha.md`);
- a file name or trailing path anywhere in the folder, case-insensitive, with or without extension
  (`[[alpha]]`, `[[careers.mission]]` - Dendron's dotted names are whole stems).
When several files fit, an exact-case match wins, then the one in the linking note's folder, then the
shallowest, then the shortest path. A piped "left|right" target tries the side the folder's convention
names first (wikilinks.parse_wikilink: the left, Obsidian's, except in a folder named the Dendron way,
mostly dotted hierarchical names, where Dendron writes `[[label|target]]`), then the other. A link may
resolve to the linking note itself; callers that build a graph drop such self-links.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from gte_notes.core.files.note_filter import DEFAULT_EXTENSIONS
from gte_notes.core.markdown.wikilinks import parse_wikilink


class LinkIndex:
    """Lookup tables over the folder's note relpaths, built once for resolving many links."""

    def __init__(self, relpaths: Iterable[str], extensions: tuple[str, ...] = DEFAULT_EXTENSIONS) -> None:
        self.extensions = tuple(e.lower() for e in extensions)
        self._by_path: dict[str, list[str]] = {}  # path without extension, lower case
        self._by_stem: dict[str, list[str]] = {}  # base name without extension, lower case
        for rel in relpaths:
            noext = self._strip_ext(rel).lower()
            self._by_path.setdefault(noext, []).append(rel)
            self._by_stem.setdefault(noext.rsplit("/", 1)[-1], []).append(rel)
        # Dendron names notes by dotted hierarchy (careers.mission.md) and writes [[alias|target]];
        # Obsidian writes [[target|alias]]. The folder's naming says which tool wrote its links.
        stems = [stem for stem, rels in self._by_stem.items() for _ in rels]
        self.dendron_style = bool(stems) and sum("." in s for s in stems) / len(stems) > 0.5

    def _strip_ext(self, name: str) -> str:
        lower = name.lower()
        for ext in self.extensions:
            if lower.endswith(ext):
                return name[: -len(ext)]
        return name

    def resolve(self, target: str, from_relpath: str = "") -> str | None:
        """The relpath the link points to, or None when no note fits."""
        sides = [target]
        if "|" in target:  # a piped wikilink: the folder's convention says which side is the note
            link = parse_wikilink(target, self.dendron_style)
            sides = [link.target, link.other]
        for side in sides:
            found = self._resolve_one(side, from_relpath)
            if found is not None:
                return found
        return None

    def _resolve_one(self, target: str, from_relpath: str) -> str | None:
        t = target.strip().replace("\\", "/")
        rooted = t.startswith("/")
        t = t.lstrip("/")
        if not t:
            return None
        # Dendron's dotted stems collide with extensions (`dendron.topic.markdown` is a note, not
        # `dendron.topic` + ".markdown"), so the link as written is tried before the extension is cut.
        keys = dict.fromkeys([t, self._strip_ext(t)])
        for key in keys:
            found = self._lookup(key, had_ext=len(keys) > 1, rooted=rooted, from_relpath=from_relpath)
            if found is not None:
                return found
        return None

    def _lookup(self, key: str, had_ext: bool, rooted: bool, from_relpath: str) -> str | None:
        here = posixpath.dirname(from_relpath)
        norm = posixpath.normpath(key)
        candidates: list[str] = []
        if not rooted and ("/" in key or had_ext or key.startswith(".")):
            relative = posixpath.normpath(posixpath.join(here, key))
            if not relative.startswith("../"):
                candidates = self._by_path.get(relative.lower(), [])
        if not candidates and (rooted or "/" in norm):
            candidates = self._by_path.get(norm.lower(), [])
        if not candidates and not rooted:
            tail = norm.lower()
            candidates = [
                rel
                for rel in self._by_stem.get(tail.rsplit("/", 1)[-1], [])
                if "/" not in tail or self._strip_ext(rel).lower().endswith("/" + tail)
            ]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        exact_case = [c for c in candidates if self._strip_ext(c).endswith(key)]
        return min(
            exact_case or candidates,
            key=lambda c: (posixpath.dirname(c) != here, c.count("/"), len(c), c),
        )
