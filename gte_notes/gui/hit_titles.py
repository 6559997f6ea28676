"""The rows a result list shows: "Release 0.08" rather than a bare "0.08"; five notes titled "Publish"
told apart by where they sit ("Publish · airtable"), instead of only by their paths; and copies of one
note (same title, same matching passage, as tutorial copies are) folded into one row that names them."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from gte_notes.core.markdown.note_display import clean_passage, distinguishers, readable_title
from gte_notes.core.search.results import Hit
from gte_notes.gui.snippet import clean

_SPACE = re.compile(r"\s+")


@dataclasses.dataclass
class ShownHit(Hit):
    """A hit as a row shows it, with the near-identical notes folded into it (best first)."""

    copies: tuple[str, ...] = ()


def display_hits(hits: list[Any]) -> list[Any]:
    """Copies of `hits` fit to show side by side (runs on a worker; the engine may keep its hits)."""
    hits = fold_copies(hits)
    titles = [readable_title(h.title, h.path) for h in hits]
    extra = distinguishers((h.path, t) for h, t in zip(hits, titles, strict=True))
    out = []
    for hit, title in zip(hits, titles, strict=True):
        if hit.path in extra:
            title = f"{title} · {extra[hit.path]}"
        if getattr(hit, "alias", ""):  # found by an alias: "Japanese tea ceremony (Chanoyu)"
            title = f"{title} ({hit.alias})"
        # A heading can hold links and markup too ("Pods > Implement ([[docs|dendron.topic…]])").
        heading = clean(clean_passage(hit.heading)).text if hit.heading else hit.heading
        if title != hit.title or heading != hit.heading:
            hit = dataclasses.replace(hit, title=title, heading=heading)
        out.append(hit)
    return out


def fold_copies(hits: list[Any]) -> list[Any]:
    """One row for notes with the same title whose matching passages are the same text."""
    first: dict[tuple[str, str], int] = {}
    rows: list[Any] = []
    copies: list[list[str]] = []
    for hit in hits:
        key = (hit.title.casefold(), _SPACE.sub(" ", hit.passage).strip()[:2000])
        if key[1] and key in first:
            copies[first[key]].append(hit.path)
            continue
        first[key] = len(rows)
        rows.append(hit)
        copies.append(list(getattr(hit, "copies", ())))
    return [_with_copies(h, c) if c else h for h, c in zip(rows, copies, strict=True)]


def _with_copies(hit: Any, paths: list[str]) -> ShownHit:
    fields = {f.name: getattr(hit, f.name) for f in dataclasses.fields(Hit)}
    return ShownHit(**fields, copies=tuple(paths))
