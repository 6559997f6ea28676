"""Base64 blobs in a note - a pasted image's `data:` URI, a PEM or MIME block - folded out of its text.

A blob is not text: cut into 256-token passages, a 5 MB pasted image made thousands of them, every
one embedded, keyword-indexed and shown as a search result (indexing one such note ran for over ten
minutes). `fold_blobs` replaces each payload by one "…" and keeps what the user wrote around it
(`![cat](data:image/png;base64,…)`); `Folded` maps positions in the folded text back to the note.

What counts as a blob:
- the payload of a `data:[<mime>][;params];base64,<payload>` URI, whatever its length;
- a run of at least MIN_BLOB_CHARS characters of the base64 alphabet (base64url's `-_` too) with no
  whitespace, holding upper case, lower case and digits, and few `-_/` (see `_is_blob`);
- lines holding nothing but such characters, one after another (a base64 block wrapped at 64 or 76
  columns, a PEM body), when every line but the last is at least MIN_WRAPPED_LINE long and the lines
  together make a blob by the rule above. The block folds to one "…": line numbers are taken from
  the note itself (`Folded.to_note`), so they stay right whatever a fold removed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# Long enough that no word, hash or URL path is hit: a git SHA is 40 characters, a sha256 in hex 64, a
# base64 sha512 88, and the longest run of these characters in the 3,700 notes of the two shared
# vaults is 284 (a line of dashes, which holds no digit or letter anyway). A pasted image is thousands.
MIN_BLOB_CHARS = 256
MIN_WRAPPED_LINE = 40  # base64 tools wrap at 64 or 76 columns; a line of prose this long has spaces
MARK = "…"
_B64 = "A-Za-z0-9+/=_-"
_RUN = re.compile(rf"(?<![{_B64}])[{_B64}]{{{MIN_BLOB_CHARS},}}(?![{_B64}])")
_DATA_URI = re.compile(
    r"(?i:data:(?:[\w.+-]+/[\w.+-]+)?(?:;[\w.+-]+(?:=[^;,\s\"'()<>]*)?)*;base64,)"
    rf"([{_B64}]+(?:%[0-9A-Fa-f]{{2}}[{_B64}]*)*)"  # an = may come percent-encoded
)
_WHOLE_LINE = re.compile(rf"^[ \t]*([{_B64}]+)[ \t]*\r?$", re.MULTILINE)
_SEPARATORS = re.compile(r"[-_/]")
_BETWEEN = re.compile(r"[ \t\r\n]*")


def _is_blob(run: str) -> bool:
    """A long run of the base64 alphabet that is not a word, a hex hash, a line of dashes or a URL path.

    Encoded bytes mix upper case, lower case and digits; hex has no upper case, a rule line neither.
    A URL slug or path ("why-dont-hindu-temples-allow-...") has a separator every few characters,
    base64 one `-_/` in about 30."""
    return (
        len(run) >= MIN_BLOB_CHARS
        and re.search("[A-Z]", run) is not None
        and re.search("[a-z]", run) is not None
        and re.search("[0-9]", run) is not None
        and len(_SEPARATORS.findall(run)) * 8 < len(run)
    )


def _bare_blob(m: re.Match[str]) -> tuple[int, int] | None:
    # "=" pads the end of base64, nowhere else: "token=<blob>" keeps its "token=".
    run = m.group()
    head = run.rstrip("=").rfind("=") + 1
    return (m.start() + head, m.end()) if _is_blob(run[head:]) else None


@dataclass(frozen=True)
class Folded:
    """A note's text with its blobs folded, and the way back to positions in the note."""

    text: str
    # One entry per fold, in order: where its MARK sits in `text`, and the (start, end) it replaced.
    marks: tuple[int, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.marks)

    def to_note(self, pos: int) -> int:
        """Position `pos` of the folded text in the note. A MARK stands for its whole blob: a passage
        starting at one starts where the blob starts, one ending just after it ends where it ends."""
        i = bisect_right(self.marks, pos) - 1
        if i < 0:
            return pos
        mark, (start, stop) = self.marks[i], self.spans[i]
        return start if pos == mark else stop + pos - mark - len(MARK)


def blob_spans(text: str, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of every blob in text[start:], in order, not overlapping; blobs that only
    whitespace separates (a data URI whose payload goes on over wrapped lines) are one."""
    found = [m.span(1) for m in _DATA_URI.finditer(text, start)]
    found += [span for m in _RUN.finditer(text, start) if (span := _bare_blob(m))]
    found += _wrapped_blocks(text, start)
    found.sort()
    out: list[tuple[int, int]] = []
    for a, b in found:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif out and _BETWEEN.fullmatch(text, out[-1][1], a):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def fold_blobs(text: str, start: int = 0) -> Folded:
    """`text` with every blob after `start` replaced by MARK (frontmatter before `start` is kept as is)."""
    spans = blob_spans(text, start)
    if not spans:
        return Folded(text)
    pieces: list[str] = []
    marks: list[int] = []
    pos = length = 0
    for a, b in spans:
        pieces.append(text[pos:a])
        length += a - pos
        marks.append(length)
        pieces.append(MARK)
        length += len(MARK)
        pos = b
    pieces.append(text[pos:])
    return Folded("".join(pieces), tuple(marks), tuple(spans))


def _wrapped_blocks(text: str, start: int) -> list[tuple[int, int]]:
    """Runs of lines each wholly of the base64 alphabet that together are a blob (see the module doc)."""
    out: list[tuple[int, int]] = []
    block: list[re.Match[str]] = []

    def close() -> None:
        # Every line but the last is long; a short line ends the block (it may be the padded tail).
        while block and any(len(m.group(1)) < MIN_WRAPPED_LINE for m in block[:-1]):
            block.pop(0)
        if len(block) > 1 and _is_blob("".join(m.group(1) for m in block)):
            out.append((block[0].start(1), block[-1].end(1)))
        block.clear()

    for m in _WHOLE_LINE.finditer(text, start):
        if block and not _next_line(text, block[-1].end(), m.start()):
            close()
        if block and len(block[-1].group(1)) < MIN_WRAPPED_LINE:
            close()
        block.append(m)
    close()
    return out


def _next_line(text: str, end: int, start: int) -> bool:
    return text[end:start] in ("\n", "\r\n", "\r")
