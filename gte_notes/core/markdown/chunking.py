"""Cut a note into heading-aware passages that fit the embedding model.

A passage is what a search result shows and what one vector stands for, so it should be one coherent
piece: a section, or a run of paragraphs of one section, never half a code block when the whole one fits.

How a note is cut:
1. Frontmatter is skipped. The body is split into sections at ATX headings outside fenced code; a
   heading line is the first line of its section.
2. Each section is split into blocks: paragraphs (blank-line separated; a table is a paragraph) and
   fenced code blocks, which are kept whole even across blank lines.
3. Blocks are packed greedily into chunks of at most `target_tokens`. A chunk never ends on a heading:
   a heading that does not fit with its first block moves to the next chunk with it.
4. A tiny chunk (under a quarter of the target) at a section boundary keeps filling with the next
   section when that section is a sibling or descendant of it; otherwise a "# Title" line or a
   two-line section would become a passage too thin to embed well. Nothing smarter than that.
5. A block too large for one chunk is cut (token_spans.py) at the last paragraph break, line break,
   sentence end,
   clause end or space in the second half of the allowed window, else between tokens.
6. A passage with no readable text of its own - a video embed, an embedded note, a heading alone - joins
   the passage before it (else the one after) when the two fit the model. Embedded alone, its vector
   stood for markup: a YouTube iframe's `allow="clipboard-write; picture-in-picture"` made five such
   passages the best hits for "paste a picture from the clipboard", each shown with an empty snippet.
7. What is embedded is the passage without HTML tags and comments (their text is kept): attributes and
   URLs inside tags are not what a note says.
8. Before all that, base64 blobs (a pasted image's data: URI, a PEM block) are folded to "…" (blobs.py):
   cut into passages, a 5 MB image was thousands of them. A passage's text is then the note's text
   with its blobs folded; its start, end and line stay positions in the note's file.

The default target is 256 tokens, half the model's 512: shorter passages give sharper vectors and
let the result list show the part of a note that matched, and the heading context, which also counts,
still fits comfortably. The note is tokenized once; all sizing works on token offsets with bisect, so
a 1 MB single-line note is cut in about the time one tokenization takes. A chunk whose size
(context + text + [CLS]/[SEP]) could be off (see `_finish`) is measured for real, and one over the
model's limit is cut again, so `n_tokens <= tokenizer.max_tokens` holds for every chunk.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Protocol

from gte_notes.core.markdown.blobs import fold_blobs
from gte_notes.core.markdown.blocks import BLANK, HEADING, Line, split_lines
from gte_notes.core.markdown.markdown_meta import NoteMeta
from gte_notes.core.markdown.token_spans import TokenSpans, split_span

DEFAULT_TARGET_TOKENS = 256
MIN_PASSAGE_TOKENS = 32  # a smaller passage says too little to embed well
SPECIAL_TOKENS = 2  # [CLS] and [SEP], added by the model around every passage
_CONTEXT_SEP = "\n\n"
_PATH_SEP = " > "
_NEWLINE = re.compile(r"\r\n?|\n")
# HTML as preview_text.py drops it (a tag may span lines), for the embedded text.
_HTML = re.compile(r"<!--.*?(?:-->|\Z)|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>", re.DOTALL)
# What says nothing of its own: heading lines (the context line names them anyway; a "heading" of a whole
# paragraph on one line, as some SciFact abstracts have, is read as text), embedded notes and
# images (![[...]], ![alt](src)), template markup ({{fm.desc}}). Links and bare URLs do say something: a
# "# Reverse Engineering" section holding one GitHub link was the passage a query about reversing found
# (vaultofknowledge), and joined to its neighbour it ranked lower.
_NOT_PROSE = re.compile(
    r"^[ \t]*#{1,6}(?:[ \t][^\n]{0,80})?$|!\[\[[^\]\n]*\]\]|!\[[^\]\n]*\]\([^)\n]*\)|\{\{[^{}\n]*\}\}",
    re.MULTILINE,
)
_BLANKS = re.compile(r"(?:[ \t]*\r?\n){3,}")  # lines a dropped tag left empty
_WORD = re.compile(r"[^\W\d_]{2,}|[^\x00-\u2e7f]")  # a word of 2+ letters, or one CJK-like character
MIN_READABLE_WORDS = 1  # none outside headings and markup: a passage that says nothing of its own


class Tokenizer(Protocol):
    max_tokens: int  # the model's limit, special tokens included

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Char (start, end) of every token of `text`, without special tokens."""
        ...


@dataclass(frozen=True)
class Chunk:
    seq: int
    # What the user is shown: note_text[start:end] with its blobs folded (blobs.py), so exactly
    # note_text[start:end] in a note without a pasted image or other base64 block.
    text: str
    embed_text: str  # context prefix + text: what gets embedded
    start: int  # where the passage is in the note's file (a blob inside it counts whole)
    end: int
    line: int  # 1-based line of `start` in the note's file
    heading: str  # heading path where the chunk starts, " > " joined
    n_tokens: int  # tokens of embed_text including the 2 special tokens; <= max_tokens
    # True when even a one-token span measured over the limit and its end had to be dropped (_truncate):
    # the indexer says so on the note, because that text cannot be found by meaning.
    truncated: bool = False


@dataclass
class _Unit:
    start: int
    end: int
    section: int
    is_heading: bool


@dataclass
class _Section:
    path: tuple[str, ...]
    units: list[_Unit] = field(default_factory=list)


def chunk_note(
    text: str, meta: NoteMeta, tokenizer: Tokenizer, target_tokens: int | None = None
) -> list[Chunk]:
    """Cut a note into passages; [] when it has no body text (empty, or frontmatter only)."""
    folded = fold_blobs(text, meta.body_start)
    chunks = _chunk(folded.text, meta, tokenizer, target_tokens)
    if not folded.changed:
        return chunks
    # Cut with its blobs folded; a passage's start, end and line are where it is in the note's file.
    breaks = [m.end() for m in _NEWLINE.finditer(text)]
    out = []
    for c in chunks:
        start = folded.to_note(c.start)
        out.append(replace(c, start=start, end=folded.to_note(c.end), line=bisect_right(breaks, start) + 1))
    return out


def _chunk(text: str, meta: NoteMeta, tokenizer: Tokenizer, target_tokens: int | None) -> list[Chunk]:
    if not text[meta.body_start :].strip():
        return []
    max_tokens = tokenizer.max_tokens
    target = passage_target(tokenizer, target_tokens)
    lines = split_lines(text, meta.body_start)
    tokens = TokenSpans(tokenizer.token_offsets(text[meta.body_start :]), meta.body_start)
    context = _Context(meta, tokenizer, target)
    sections = _sections(lines)
    packer = _Packer(text, tokens, context, sections, target)
    spans = _join_thin(text, packer.pack(), tokens, context, tokenizer)
    return _finish(text, spans, sections, context, tokenizer, max_tokens, tokens)


def passage_target(tokenizer: Tokenizer, target_tokens: int | None = None) -> int:
    """Tokens a passage aims for: the size asked for (else the tokenizer's `passage_tokens`, else the
    default), never over the model's limit. A long-context model (8192 tokens) still gets passage-sized
    passages by default: its limit only caps the size, it does not set it."""
    wanted = target_tokens or getattr(tokenizer, "passage_tokens", None) or DEFAULT_TARGET_TOKENS
    return max(min(int(wanted), tokenizer.max_tokens), SPECIAL_TOKENS + 1)


def truncation_warning(chunks: list[Chunk], title_tokens: int, max_tokens: int) -> str:
    """What of a note the model could not read whole, in words ("" when everything fit)."""
    parts = []
    cut = sum(1 for c in chunks if c.truncated)
    if cut:
        parts.append(f"{cut} passage{'s' if cut > 1 else ''} cut to the model's {max_tokens}-token limit")
    if title_tokens > max_tokens:
        parts.append(
            f"its path is longer than the model's {max_tokens}-token limit and was cut for related notes"
        )
    return "; ".join(parts)


def readable_words(text: str) -> int:
    """Words a reader reads in `text`: not in headings, HTML, embedded notes or images, template markup."""
    if "<" in text:
        text = _HTML.sub(" ", text)
    return len(_WORD.findall(_NOT_PROSE.sub(" ", text)))


def embeddable(text: str) -> str:
    """`text` as the model should read it: without HTML tags and comments (their text stays)."""
    if "<" not in text:
        return text
    return _BLANKS.sub("\n\n", _HTML.sub("", text)).strip()


def _join_thin(
    text: str, spans: list[_Span], tokens: TokenSpans, context: _Context, tokenizer: Tokenizer
) -> list[_Span]:
    """Spans with (nearly) no readable text join a neighbour that has some, when both fit the model.

    A thin span costs the model only what is embedded of it (its markup is not), so an embed whose
    attributes alone take 200 tokens still joins a full passage."""
    if len(spans) < 2:
        return spans
    max_tokens = tokenizer.max_tokens
    room = max_tokens - SPECIAL_TOKENS - max(8, max_tokens // 32)
    thin = [readable_words(text[s.start : s.end]) < MIN_READABLE_WORDS for s in spans]

    def cost(span: _Span, is_thin: bool) -> int:
        body = text[span.start : span.end]
        if not is_thin or (readable := embeddable(body)) == body:
            return tokens.count(span.start, span.end)
        return len(tokenizer.token_offsets(readable))

    out: list[_Span] = []
    out_cost: list[int] = []
    pending: tuple[_Span, int] | None = None  # a thin span waiting for the next one, and its cost
    for span, is_thin in zip(spans, thin, strict=True):
        n = cost(span, is_thin)
        if pending is not None:
            first, first_cost = pending
            pending = None
            if first_cost + n + context.get(span.common)[1] <= room:
                span, n = _Span(first.start, span.end, first.first_section, span.common), first_cost + n
            else:
                out.append(first)
                out_cost.append(first_cost)
        if is_thin and out:
            last = out[-1]
            # The earlier span keeps its own context: the thin one adds nothing to it worth naming.
            if out_cost[-1] + n + context.get(last.common)[1] <= room:
                out[-1] = _Span(last.start, span.end, last.first_section, last.common)
                out_cost[-1] += n
                continue
        if is_thin and span.end != spans[-1].end:
            pending = (span, n)
            continue
        out.append(span)
        out_cost.append(n)
    if pending is not None:
        out.append(pending[0])
    return out


def _sections(lines: list[Line]) -> list[_Section]:
    sections = [_Section(())]
    stack: list[tuple[int, str]] = []
    block: _Unit | None = None
    block_kind = ""
    for ln in lines:
        if ln.kind == HEADING:
            while stack and stack[-1][0] >= ln.level:
                stack.pop()
            stack.append((ln.level, ln.title))
            sections.append(_Section(tuple(t for _, t in stack if t)))
            sections[-1].units.append(_Unit(ln.start, ln.end, len(sections) - 1, True))
            block = None
        elif ln.kind == BLANK:
            block = None
        elif block is None or block_kind != ln.kind:
            # Lines inside a fence, blank ones included, are all FENCE, so a code block is one unit.
            block, block_kind = _Unit(ln.start, ln.end, len(sections) - 1, False), ln.kind
            sections[-1].units.append(block)
        else:
            block.end = ln.end
    return sections


class _Context:
    """The embedded context line (explicit title > heading path), its token cost, cached per path."""

    def __init__(self, meta: NoteMeta, tokenizer: Tokenizer, target: int) -> None:
        self.title = meta.title.strip() if meta.title_is_explicit else ""
        self.tokenizer = tokenizer
        # Headings help a passage's vector but must not crowd out its text.
        self.max_context_tokens = (target - SPECIAL_TOKENS) // 4
        self._cache: dict[tuple[str, ...], tuple[str, int]] = {}

    def get(self, path: tuple[str, ...]) -> tuple[str, int]:
        """(context prefix including the separator, its token count)."""
        if path not in self._cache:
            parts = list(path)
            if self.title and (not parts or parts[0] != self.title):
                parts.insert(0, self.title)
            line = _PATH_SEP.join(p.strip() for p in parts if p.strip())
            prefix = line + _CONTEXT_SEP if line else ""
            offsets = self.tokenizer.token_offsets(prefix) if prefix else []
            if len(offsets) > self.max_context_tokens:
                keep = self.max_context_tokens
                prefix = line[: offsets[keep - 1][1]] + _CONTEXT_SEP if keep else ""
                offsets = self.tokenizer.token_offsets(prefix) if prefix else []
            self._cache[path] = (prefix, len(offsets))
        return self._cache[path]


@dataclass
class _Span:
    start: int
    end: int
    first_section: int
    common: tuple[str, ...]


class _Packer:
    def __init__(
        self, text: str, tokens: TokenSpans, context: _Context, sections: list[_Section], target: int
    ) -> None:
        self.text, self.tokens, self.context, self.sections = text, tokens, context, sections
        self.target = target
        self.spans: list[_Span] = []
        self.cur: list[_Unit] = []
        self.common: tuple[str, ...] = ()

    def budget(self, common: tuple[str, ...]) -> int:
        return max(1, self.target - SPECIAL_TOKENS - self.context.get(common)[1])

    def pack(self) -> list[_Span]:
        for section in self.sections:
            for unit in section.units:
                self.add(unit)
        self.flush(keep_trailing_headings=False)
        return self.spans

    def add(self, unit: _Unit) -> None:
        path = self.sections[unit.section].path
        if self.cur:
            common = self.common
            if unit.section != self.cur[-1].section:
                if self.may_merge(path):
                    common = _common_prefix(common, path)
                else:
                    self.flush(keep_trailing_headings=False)
            if self.cur:
                if self.tokens.count(self.cur[0].start, unit.end) <= self.budget(common):
                    self.cur.append(unit)
                    self.common = common
                    return
                self.flush(keep_trailing_headings=True)
        if self.cur:  # only headings carried over: they go with this unit, however large it is
            self.common = _common_prefix(self.common, path)
        else:
            self.common = path
        self.cur.append(unit)
        if self.tokens.count(self.cur[0].start, unit.end) > self.budget(self.common):
            self.split_current()

    def may_merge(self, path: tuple[str, ...]) -> bool:
        cur_tokens = self.tokens.count(self.cur[0].start, self.cur[-1].end)
        all_headings = all(u.is_heading for u in self.cur)
        tiny = all_headings or cur_tokens < self.target // 4
        # Same parent as the last section in the chunk (a sibling), or below it or below a sibling.
        last = self.sections[self.cur[-1].section].path
        return tiny and path[: max(len(last) - 1, 0)] == last[:-1]

    def flush(self, keep_trailing_headings: bool) -> None:
        carry: list[_Unit] = []
        if keep_trailing_headings:
            # A chunk must not end on a heading whose content is elsewhere: it moves on with that
            # content. Headings alone (nothing else fits after them) all move on.
            n = len(self.cur)
            while n and self.cur[n - 1].is_heading:
                n -= 1
            self.cur, carry = self.cur[:n], self.cur[n:]
        if self.cur:
            self.emit(self.cur[0].start, self.cur[-1].end, self.cur[0].section, self.common)
        self.cur = carry
        if carry:
            self.common = self.sections[carry[0].section].path

    def emit(self, start: int, end: int, section: int, common: tuple[str, ...]) -> None:
        end = start + len(self.text[start:end].rstrip())
        if end > start:
            self.spans.append(_Span(start, end, section, common))

    def split_current(self) -> None:
        first, last = self.cur[0], self.cur[-1]
        # Pieces after the first no longer show the carried headings, so they get the full path of
        # the block's own section as context; the budget allows for the longer of the two.
        own = self.sections[last.section].path
        budget = min(self.budget(self.common), self.budget(own))
        pieces = split_span(self.text, self.tokens, first.start, last.end, budget)
        for n, (a, b) in enumerate(pieces[:-1]):
            self.emit(a, b, first.section if n == 0 else last.section, self.common if n == 0 else own)
        # The tail stays open so the blocks after it can still join it.
        a, b = pieces[-1]
        self.cur = [_Unit(a, b, last.section, False)]
        self.common = own if len(pieces) > 1 else self.common


def _finish(
    text: str,
    spans: list[_Span],
    sections: list[_Section],
    context: _Context,
    tokenizer: Tokenizer,
    max_tokens: int,
    tokens: TokenSpans,
) -> list[Chunk]:
    breaks = [m.end() for m in _NEWLINE.finditer(text)]
    margin = max(8, max_tokens // 32)
    chunks: list[Chunk] = []
    todo = list(reversed(spans))
    while todo:
        span = todo.pop()
        prefix, prefix_tokens = context.get(span.common)
        body = text[span.start : span.end]
        readable = embeddable(body)
        # Markup alone (an embed no neighbour had room for): its context says more than its attributes.
        embed_text = prefix + readable if readable or prefix else body
        n_tokens = prefix_tokens + tokens.count(span.start, span.end) + SPECIAL_TOKENS
        # The sum of the parts is exact when the chunk's edges fall between words (WordPiece and the
        # like never let a token cross whitespace or punctuation), and that is where cuts are made
        # whenever possible. Measuring every chunk again would double the tokenizing cost, so only
        # chunks near the limit, with an edge inside a word, or from a note with blobs are measured.
        # Markup dropped from the embedded text: its size no longer adds up from the note's tokens either.
        if (
            tokens.inexact
            or n_tokens > max_tokens - margin
            or _inside_word(text, span.start, span.end)
            or readable != body
        ):
            n_tokens = len(tokenizer.token_offsets(embed_text)) + SPECIAL_TOKENS
        if n_tokens > max_tokens:
            # Tokenizers do not always add up across a seam; measured over, so cut this span again,
            # smaller by the overflow.
            budget = tokens.count(span.start, span.end) - (n_tokens - max_tokens) - 1
            pieces = split_span(text, tokens, span.start, span.end, budget)
            if len(pieces) > 1:
                todo.extend(reversed([_Span(a, b, span.first_section, span.common) for a, b in pieces]))
                continue
            whole = len(body)
            body, embed_text, n_tokens = _truncate(body, prefix, tokenizer, max_tokens)
            cut = len(body) < whole
        else:
            cut = False
        chunks.append(
            Chunk(
                seq=len(chunks),
                text=body,
                embed_text=embed_text,
                start=span.start,
                end=span.start + len(body),
                line=bisect_right(breaks, span.start) + 1,
                heading=_PATH_SEP.join(sections[span.first_section].path),
                n_tokens=n_tokens,
                truncated=cut,
            )
        )
    return chunks


def _inside_word(text: str, start: int, end: int) -> bool:
    def joined(i: int) -> bool:
        return 0 < i < len(text) and text[i - 1].isalnum() and text[i].isalnum()

    return joined(start) or joined(end)


def _truncate(body: str, prefix: str, tokenizer: Tokenizer, max_tokens: int) -> tuple[str, str, int]:
    """Last resort when a one-token span still measures over the limit: drop tokens from its end."""
    while True:
        offsets = tokenizer.token_offsets(prefix + body)
        n = len(offsets) + SPECIAL_TOKENS
        if n <= max_tokens or not body:
            return body, prefix + body, n
        keep = max(0, len(offsets) - (n - max_tokens))
        body = body[: max(0, offsets[keep][0] - len(prefix))] if keep < len(offsets) else body[:-1]
        body = body.rstrip()


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
