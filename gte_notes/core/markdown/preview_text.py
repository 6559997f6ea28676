"""The note as the preview's Markdown renderer (Qt's md4c) should see it; pure text, no Qt here.

The GUI makes it on a worker, never on the GUI thread.

Qt's renderer (md4c) hands raw HTML to its HTML importer, which does not recover from what notes
often hold: an `<a>` opened in one HTML block and closed in another swallowed the heading and list
item after it (dendron-site's todos note lost "Example of a daily journal note"). The preview loads
nothing remote anyway, so tags are dropped and their text kept. Frontmatter goes, Dendron templates
are filled from it, [[wikilinks]] become `note:` links the preview can follow, and base64 blobs (a
pasted image's data: URI) are folded to "…" (blobs.py), as in the passages.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from gte_notes.core.markdown.blobs import fold_blobs
from gte_notes.core.markdown.blocks import FENCE, code_ranges, split_lines
from gte_notes.core.markdown.markdown_meta import split_frontmatter
from gte_notes.core.markdown.note_display import fill_templates
from gte_notes.core.markdown.wikilinks import WIKILINK, link_target, parse_wikilink

log = logging.getLogger(__name__)

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def markdown_for_preview(text: str) -> str:
    """`text` (a whole note) without frontmatter, raw HTML or template markup; wikilinks as links."""
    if not text:
        return ""
    # A pasted image's 5 MB of base64 filled the preview's first 400,000 characters (the most it
    # shows), hiding everything after it; the renderer shows such an image blank anyway.
    text = fold_blobs(text).text
    try:
        frontmatter, body_start = split_frontmatter(text)
    except Exception:  # not bad YAML (split_frontmatter skips that itself): a bug in gte-notes
        # The preview runs in a thread pool that would drop the error and the preview with it: the
        # note is shown whole and the bug goes to the log with its traceback.
        log.exception("could not split the frontmatter off a note for its preview")
        frontmatter, body_start = {}, 0
    out: list[str] = []
    prose_start = body_start
    for ln in split_lines(text, body_start):
        if ln.kind == FENCE:  # fenced code is shown exactly as written
            out += [_prose(text[prose_start : ln.start], frontmatter), text[ln.start : ln.next]]
            prose_start = ln.next
    out.append(_prose(text[prose_start:], frontmatter))
    return "".join(out)


def _prose(text: str, frontmatter: dict) -> str:
    """Markdown outside code blocks; inline `code` is left exactly as written."""
    if not text:
        return ""
    text = _COMMENT.sub("", text)
    pieces = []
    pos = 0
    for a, b in code_ranges(text, split_lines(text)):
        pieces += [_clean(text[pos:a], frontmatter), text[a:b]]
        pos = b
    pieces.append(_clean(text[pos:], frontmatter))
    return "".join(pieces)


def _clean(text: str, frontmatter: dict) -> str:
    if "<" in text:
        text = _TAG.sub("", text)
    text = fill_templates(text, frontmatter)
    return WIKILINK.sub(_link, text)


def _link(m: re.Match[str]) -> str:
    # The label by the one rule; the target as the note's links keep it (no #heading, both sides of a
    # piped link), so following it resolves by the folder's convention, as the indexer's links do.
    inner = m.group(2)
    label, target = parse_wikilink(inner).label, link_target(inner)
    return f"[{label.replace(']', '')}](note:{quote(target, safe='')})"
