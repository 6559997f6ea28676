"""The few lines of a passage a result row shows, with the query words still marked.

A passage is raw Markdown; a row has room for two or three lines of plain text. Markup is dropped
(links keep their text, emphasis and heading marks go, whitespace collapses), and the highlight spans,
which are offsets into the raw passage, are carried through the cleanup by mapping every kept
character back to where it came from.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from gte_notes.core import STOPWORDS, WIKILINK, fold, language_of, parse_wikilink, readable_span

# One alternation, tried left to right at each position; group names say what to keep. A wikilink is
# the one rule of wikilinks.py: its second group is the inside.
_MARKUP = re.compile(
    "(?P<wiki>" + WIKILINK.pattern + ")"
    r"|(?P<link>!?\[(?P<ltext>[^\]\n]*)\]\([^)\n]*\))"
    r"|(?P<html></?[A-Za-z][^>\n]*>|<!--.*?-->)"
    r"|(?P<template>\{\{[^{}\n]*\}\})"  # Dendron/Handlebars template markup: {{fm.desc}}
    r"|(?P<linestart>(?:^|(?<=[\n\r]))[ \t]*"  # a lone \r ends a line too (blocks.py)
    r"(?:#{1,6}[ \t]+|>[ \t]?|[-+*][ \t]+(?:\[[ xX]\][ \t]+)?|\d+[.)][ \t]+))"
    r"|(?P<marks>\*{1,3}|`{1,3}|~~)"
    # Single spaces stay inside the copied pieces; only runs and other whitespace become one space.
    r"|(?P<space>[ ]{2,}|[ ]*[\t\n\r\f\v]\s*)"
)
_WIKI_INSIDE = _MARKUP.groupindex["wiki"] + 2
LEAD = 60  # characters of context kept before the first marked word when there is no best sentence
_STRAY = re.compile(r"(?:[.,;:!?]+(?:\s+|$))*")
_HEADING_LINE = re.compile(r"[ \t]*#{1,6}[ \t][^\r\n]*(?:\r\n?|\n)+")


# Words too common to be worth a mark, beyond the function words every language list has (those lists
# also guess languages and trim keyword queries, so they stay short): "us" (which "use" stems to), "can".
_UNMARKED = {
    "en": frozenset(
        [
            "us",
            "can",
            "also",
            "will",
            "would",
            "could",
            "should",
            "may",
            "might",
            "must",
            "just",
            "so",
            "very",
            "more",
            "most",
            "other",
            "some",
            "any",
            "all",
            "each",
            "than",
            "then",
            "there",
            "these",
            "those",
            "such",
            "only",
            "same",
        ]
    )
}


def worth_marking(word: str, lang: str = "en") -> bool:
    """Marking every "a" and "the" (the function words of the passage's language, stopwords.py) hides
    the words that matter; phrases keep theirs. One character of Chinese or Japanese is a word."""
    folded = fold(word)
    return " " in word.strip() or (
        (len(word) > 1 or not word.isascii())
        and folded not in STOPWORDS.get(lang, frozenset())
        and folded not in _UNMARKED.get(lang, frozenset())
    )


@dataclass(frozen=True)
class Snippet:
    text: str
    marks: tuple[tuple[int, int], ...]  # (start, length) in `text`


@dataclass
class Cleaned:
    """Plain text, and where its pieces came from: piece i is text[out[i]:out[i] + size[i]], copied from
    the source at src[i] (a collapsed run of whitespace is a piece of size 1)."""

    text: str
    src: list[int]
    out: list[int]
    size: list[int]

    def to_text(self, offset: int) -> int:
        """The first index of `text` whose character comes from `offset` or later in the source."""
        i = bisect_right(self.src, offset) - 1
        if i < 0:
            return 0
        return self.out[i] + min(offset - self.src[i], self.size[i])


def clean(passage: str) -> Cleaned:
    """`passage` without Markdown marks and with whitespace collapsed, mapped back to its offsets.

    Works piece by piece (never character by character): it runs for every result row while typing.
    """
    pieces: list[str] = []
    src: list[int] = []
    out: list[int] = []
    size: list[int] = []
    length = 0

    def keep(start: int, end: int) -> None:
        nonlocal length
        if end > start:
            pieces.append(passage[start:end])
            src.append(start)
            out.append(length)
            size.append(end - start)
            length += end - start

    pos = len(passage) - len(passage.lstrip())
    for m in _MARKUP.finditer(passage, pos):
        keep(pos, m.start())
        pos = m.end()
        if m.group("wiki"):
            inner_start, inner = m.start(_WIKI_INSIDE), m.group(_WIKI_INSIDE)
            a, b = parse_wikilink(inner).label_span
            c, d = readable_span(inner[a:b])  # no dendron://vault/ or #summary,1:#*
            keep(inner_start + a + c, inner_start + a + d)
        elif m.group("link"):
            keep(m.start("ltext"), m.end("ltext"))
        elif m.lastgroup == "space" and pieces and not pieces[-1].endswith(" "):
            pieces.append(" ")
            src.append(m.start())
            out.append(length)
            size.append(1)
            length += 1
    keep(pos, len(passage))
    if pieces and pieces[-1] == " ":
        for lst in (pieces, src, out, size):
            lst.pop()
    return Cleaned("".join(pieces).rstrip(), src, out, size)


def make_snippet(
    passage: str,
    highlights: Sequence[Sequence[int]],
    sentence: Sequence[int] | None = None,
    max_chars: int = 360,
) -> Snippet:
    """Up to `max_chars` of the cleaned passage, starting at the best sentence or a little before the
    first marked word, with the marks moved onto the cleaned text.

    Runs on the GUI thread for every new result row, so only a window of whole lines around that
    start is cleaned, and marks are placed by bisecting the (increasing) origin offsets.
    """
    skip = 0
    heading = _HEADING_LINE.match(passage)
    if heading and heading.end() < len(passage) and clean(passage[heading.end() :]).text:
        # The row already names the heading above the text; start with the text itself (unless the
        # rest is only markup, such as a video embed: then the heading is all there is to read).
        skip = heading.end()
    spans = sorted(
        (int(a) - skip, int(b) - skip) for a, b in highlights if int(b) > int(a) and int(a) >= skip
    )
    passage = passage[skip:]
    lang = language_of(passage) if spans else "en"
    spans = [(a, b) for a, b in spans if worth_marking(passage[a:b], lang)]
    has_sentence = bool(sentence) and len(sentence) == 2 and sentence[1] > sentence[0]  # type: ignore[arg-type]
    anchor = max(int(sentence[0]) - skip, 0) if has_sentence else (spans[0][0] if spans else 0)  # type: ignore[index]

    # Whole lines from a little before the anchor to well past what can be shown (markup only shrinks).
    lo = passage.rfind("\n", 0, max(anchor - max_chars, 0)) + 1
    hi = passage.find("\n", min(anchor + 3 * max_chars, len(passage)))
    hi = len(passage) if hi < 0 else hi
    cleaned = clean(passage[lo:hi])
    text = cleaned.text

    def to_text(offset: int) -> int:
        return cleaned.to_text(offset - lo)

    begin = to_text(anchor) if anchor else 0
    if not has_sentence and spans and begin > LEAD:
        first = begin
        begin = first - LEAD
        space = text.find(" ", begin, first)
        begin = space + 1 if space >= 0 else begin
    elif not has_sentence:
        begin = 0 if not spans or begin <= LEAD else begin
    if len(text) - begin < max_chars and begin > 0:
        # Near the end: show more of what comes before instead of leaving the row half empty.
        begin = max(0, len(text) - max_chars)
        space = text.find(" ", begin)
        begin = space + 1 if begin > 0 and space >= 0 else begin
    # Punctuation left where markup went ("{{fm.desc}}." with an empty desc) does not start a row.
    cut = begin > 0 or lo > 0
    begin += len(_STRAY.match(text, begin).group(0))
    end = min(len(text), begin + max_chars)
    prefix = "… " if cut else ""
    marks: list[tuple[int, int]] = []
    for a, b in spans:
        i, j = max(to_text(a), begin), min(to_text(b), end)
        if j <= i:
            continue
        start = i - begin + len(prefix)
        if marks and marks[-1][0] + marks[-1][1] >= start:
            marks[-1] = (marks[-1][0], start + (j - i) - marks[-1][0])
        else:
            marks.append((start, j - i))
    if not text.strip():  # only markup: say what it is rather than show an empty row
        return Snippet(_what_is_embedded(passage)[:max_chars], ())
    return Snippet(prefix + text[begin:end], tuple(marks))


_SRC = re.compile(r"""\b(?:src|href)\s*=\s*["']?(?:https?:)?//([^/"'\s>]+)""", re.IGNORECASE)
_TAG_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")


def _what_is_embedded(passage: str) -> str:
    """A passage with no readable text, in words: "Embedded iframe (www.youtube.com)"."""
    tag, src = _TAG_NAME.search(passage), _SRC.search(passage)
    if tag:
        return f"Embedded {tag.group(1).lower()}" + (f" ({src.group(1)})" if src else "")
    return " ".join(passage.split()) or "(no text)"


class Utf16:
    """Qt counts text in UTF-16 units, Python in code points: an emoji is two of the first, one of the
    second. Converts between them (cheaply when, as usual, the text has no such characters)."""

    def __init__(self, text: str) -> None:
        self.plain = text.isascii() or all(ord(c) <= 0xFFFF for c in text)
        self.units: list[int] = []
        if not self.plain:
            pos = 0
            for c in text:
                self.units.append(pos)
                pos += 2 if ord(c) > 0xFFFF else 1
            self.units.append(pos)

    def to_qt(self, i: int) -> int:
        return i if self.plain else self.units[min(i, len(self.units) - 1)]

    def to_py(self, q: int) -> int:
        if self.plain:
            return q
        return min(bisect_left(self.units, q), len(self.units) - 1)  # units rise: the first >= q


CACHE_SIZE = 512


class SnippetCache:
    """The snippets of the hits one EngineBridge delivers, each made once: the bridge makes them on its
    worker thread before handing results over (and owns this cache), so painting a new result row
    costs the GUI thread a dict lookup. Thread-safe; past `size` the oldest go first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._made: dict[tuple, Snippet] = {}
        self._lock = threading.Lock()

    def get(self, hit: object) -> Snippet:
        """The snippet of a search or related hit."""
        sentence = getattr(hit, "sentence", None)
        best = tuple(sentence) if isinstance(sentence, tuple | list) and len(sentence) == 2 else None
        highlights = tuple(tuple(span) for span in getattr(hit, "highlights", ()))
        passage: str = getattr(hit, "passage", "")
        key = (passage, highlights, best)
        with self._lock:
            snip = self._made.get(key)
        if snip is None:
            snip = make_snippet(passage, highlights, best)
            with self._lock:
                if len(self._made) >= self.size:
                    self._made.pop(next(iter(self._made)))
                self._made[key] = snip
        return snip
