"""How a note is named and quoted to a reader: template markup removed, bare numeric titles given
their context, and titles that repeat told apart by the hierarchy they sit in.

Qt-free, so the CLI could use it too; the GUI calls it on its workers. Nothing here changes what is
indexed: it is only about what a reader sees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any

# Dendron / Handlebars template markup: {{fm.desc}}, {{ VARIABLE }}, {{/if}}, {{! comment }}.
_TEMPLATE = re.compile(r"\{\{\s*([^{}\n]*?)\s*\}\}")
# A Dendron cross-vault link target: dendron://vault.name/note.name
_VAULT_PREFIX = re.compile(r"dendron://[^/\s|\]]+/")
# A note-reference anchor: #summary,1:#* or #^block-id,1 — the reader wants the note's name only.
_REF_ANCHOR = re.compile(r"#[^\]\s|]*[,:*^][^\]\s|]*")


def fill_templates(text: str, frontmatter: Mapping[str, Any] | None = None) -> str:
    """`{{fm.key}}` becomes the note's own frontmatter value (as Dendron shows it); any other template
    markup is dropped, since a reader cannot do anything with it."""
    fm = frontmatter or {}

    def sub(m: re.Match[str]) -> str:
        inner = m.group(1)
        if inner.startswith("fm."):
            value = fm.get(inner[3:])
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return str(value)
        return ""

    return _TEMPLATE.sub(sub, text) if "{{" in text else text


def readable_span(label: str) -> tuple[int, int]:
    """The part of a link label a reader needs: without a `dendron://vault/` prefix or a ref anchor."""
    start = 0
    m = _VAULT_PREFIX.match(label)
    if m:
        start = m.end()
    anchor = _REF_ANCHOR.search(label, start)
    end = anchor.start() if anchor and anchor.start() > start else len(label)
    return start, end


def clean_passage(text: str) -> str:
    """A passage as a result row quotes it: template markup and vault prefixes gone."""
    if "{{" in text:
        text = fill_templates(text)
    if "dendron://" in text:
        text = _VAULT_PREFIX.sub("", text)
    if "#" in text and "[[" in text:
        text = re.sub(r"(\[\[[^\[\]\n]*?)" + _REF_ANCHOR.pattern + r"(?=\]\])", r"\1", text)
    return text


def parents(path: str) -> list[str]:
    """The hierarchy a note sits in: its folders, then the dotted parts of a Dendron-style name."""
    p = PurePosixPath(path)
    parts = list(p.parent.parts)
    parts += p.stem.split(".")[:-1]
    return [x for x in parts if x]


def readable_title(title: str, path: str) -> str:
    """A title with no letters ("0.08", "2021-03-25") says little alone: put its parent before it."""
    title = fill_templates(title).strip()
    if not title:
        return PurePosixPath(path).stem
    if any(ch.isalpha() for ch in title):
        return title
    up = parents(path)
    return f"{up[-1].replace('-', ' ').replace('_', ' ').capitalize()} {title}" if up else title


def distinguishers(notes: Iterable[tuple[str, str]]) -> dict[str, str]:
    """For (path, title) pairs whose titles repeat: path → the fewest trailing parents that tell it
    apart from the others with the same title ("pod › airtable"). Unique titles get nothing."""
    groups: dict[str, list[str]] = {}
    for path, title in notes:
        groups.setdefault(title.casefold(), []).append(path)
    out: dict[str, str] = {}
    for paths in groups.values():
        if len(set(paths)) < 2:
            continue
        chains = {p: parents(p) for p in paths}
        longest = max((len(c) for c in chains.values()), default=0)
        for k in range(1, longest + 1):
            tails = {p: tuple(c[-k:]) for p, c in chains.items()}
            if len(set(tails.values())) == len(tails) or k == longest:
                break
        for p, tail in tails.items():
            if tail:
                out[p] = " › ".join(tail)
    return out
