"""A note's metadata: YAML frontmatter, title, tags and raw link targets.

Links are returned raw (as written, minus headings and block refs) and resolved to files later by
`links.LinkIndex.resolve`, because resolution depends on which notes exist, which changes without this
note changing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from gte_notes.core.markdown.blocks import HEADING, Line, code_ranges, frontmatter_bounds, split_lines
from gte_notes.core.markdown.wikilinks import WIKILINK, link_target

_MDLINK = re.compile(
    r"(!?)\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]"
    r"\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
)
_TAG = re.compile(r"(?:^|(?<=\s))#([\w][\w/\-]*)", re.MULTILINE)
_NOT_NEWLINE = re.compile(r"[^\r\n]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_TAG_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class NoteMeta:
    title: str  # frontmatter title, else a leading (or only) `# H1`, else the file stem as is
    # True when the title was written by the user (frontmatter or H1). Only such titles go into the
    # embedded context, so renaming a note's file never changes its vectors.
    title_is_explicit: bool
    tags: tuple[str, ...]  # frontmatter tags + inline #tags, without '#', first-seen order
    # Raw link targets, headings stripped; a piped wikilink may be "left|right" (wikilinks.link_target).
    links: tuple[str, ...]
    body_start: int  # offset where the body starts, after any frontmatter block
    # Other names of the note from frontmatter `aliases:` / `alias:` (Obsidian, Foam), without the title
    # itself. Dendron's `title:` is already the note's title above.
    aliases: tuple[str, ...] = ()


def parse_meta(text: str, stem: str) -> NoteMeta:
    """Parse frontmatter, title, tags and links from a note's decoded text."""
    front, body_start = split_frontmatter(text)
    lines = split_lines(text, body_start)
    masked = _mask_code(text, body_start, lines)

    title, explicit = _scalar(front.get("title")), True
    if not title:
        title = _h1_title(lines)
    if not title:
        title, explicit = stem, False

    tags = [t.lstrip("#") for t in _list_of_str(front.get("tags", front.get("tag")))]
    tags += [m.group(1) for m in _TAG.finditer(masked) if not m.group(1).isdigit()]
    tags = [t for t in tags if t]
    return NoteMeta(title, explicit, _dedup(tags), _dedup(_links(masked)), body_start, _aliases(front, title))


def _aliases(front: dict[str, Any], title: str) -> tuple[str, ...]:
    """`aliases: [a, b]`, `aliases: a` or `alias: a`; each once, the title left out (case-insensitive)."""
    seen = {title.casefold()}
    out: list[str] = []
    for key in ("aliases", "alias"):
        value = front.get(key)
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            name = " ".join(_scalar(item).split())  # one line: YAML block scalars keep their newlines
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                out.append(name)
    return tuple(out)


def split_frontmatter(text: str) -> tuple[dict[str, Any], int]:
    """Return (frontmatter mapping, body start offset).

    A block that opens with `---` on the first line and closes with `---`/`...` is frontmatter. If it
    is not valid YAML it is still skipped (it was meant as metadata, and embedding it would dilute
    every passage) but yields no keys. If it is valid YAML but not a mapping, it was a horizontal rule
    followed by ordinary text, and stays body.
    """
    bounds = frontmatter_bounds(text)
    if bounds is None:
        return {}, 0
    start, end, body_start = bounds
    block = text[start:end]
    try:
        data = _load_yaml(block)
    except ValueError:
        return {}, body_start
    if data is None:
        return {}, body_start
    if not isinstance(data, dict):
        return {}, 0
    return {str(k).lower(): v for k, v in data.items()}, body_start


def _load_yaml(block: str) -> Any:
    import yaml  # only notes with front matter need it: not imported before the app's first search

    try:
        return yaml.load(block, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise ValueError(str(err)) from None


def _scalar(value: Any) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def _list_of_str(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t for t in _TAG_SPLIT.split(value) if t]
    if isinstance(value, (list, tuple)):
        return [s for v in value if (s := _scalar(v))]
    return []


def _h1_title(lines: list[Line]) -> str:
    # A leading H1 is the note's title by convention. A later H1 counts only when it is the only one;
    # in notes that use several H1s as sections, none of them names the whole note.
    h1s = [ln for ln in lines if ln.kind == HEADING and ln.level == 1 and ln.title]
    if not h1s:
        return ""
    first_content = next((ln for ln in lines if ln.kind != "blank"), None)
    if first_content is h1s[0] or len(h1s) == 1:
        return h1s[0].title
    return ""


def _mask_code(text: str, start: int, lines: list[Line]) -> str:
    """The body with fenced and inline code blanked (same offsets, line endings kept), so no #tag or link
    is read from code."""
    parts: list[str] = [" " * start]
    pos = start
    for a, b in code_ranges(text, lines):
        parts += [text[pos:a], _NOT_NEWLINE.sub(" ", text[a:b])]
        pos = b
    parts.append(text[pos:])
    return "".join(parts)


def _links(masked: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for m in WIKILINK.finditer(masked):
        target = link_target(m.group(2))
        if target:
            found.append((m.start(), target))
    for m in _MDLINK.finditer(masked):
        if m.group(1) == "!":  # an image, not a link to a note
            continue
        target = _mdlink_target(m.group(2))
        if target:
            found.append((m.start(), target))
    found.sort()
    return [t for _, t in found]


def _mdlink_target(raw: str) -> str:
    target = raw.strip()
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1].strip()
    # External URLs, mailto:, in-page anchors, protocol-relative links and wikilinks used as an
    # href are not links to a file.
    if not target or target.startswith(("#", "//", "[[")) or _SCHEME.match(target):
        return ""
    target = target.split("#", 1)[0].split("?", 1)[0]
    return unquote(target).strip()


def _dedup(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
