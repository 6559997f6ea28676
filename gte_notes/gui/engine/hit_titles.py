"""The rows a result list shows: "Release 0.08" rather than a bare "0.08"; five notes titled "Publish"
told apart by where they sit ("Publish · airtable"), instead of only by their paths. (Copies of one note
come folded into one row by the search itself: core/search/copies.py.)"""

from __future__ import annotations

import dataclasses
from typing import Any

from gte_notes.core import clean_passage, distinguishers, readable_title
from gte_notes.gui.engine.snippet import clean


def display_hits(hits: list[Any]) -> list[Any]:
    """Copies of `hits` fit to show side by side (runs on a worker; the engine may keep its hits)."""
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
