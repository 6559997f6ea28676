"""What the user typed, taken apart: free words, "quoted phrases" that must occur, tag: and path: filters.

Parsing never fails: anything it does not recognise is ordinary text. While the user is still typing a
phrase (an unbalanced quote), its words count as ordinary words, so results do not suddenly narrow
to an unfinished phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gte_notes.core.markdown.text_terms import WORD

# A filter value may be quoted (path:"My Projects") or run up to the next space.
_TOKEN = re.compile(
    r'(?P<filter>\b(?P<key>tag|path):(?:"(?P<qval>[^"]*)"?|(?P<val>\S*)))'
    r'|"(?P<phrase>[^"]*)"'
    r"|(?P<other>[^\"\s]+|\")",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, as the keyword index splits them (text_terms.py; a run of a
    script without spaces stays one word here and becomes character pairs there)."""
    return [w.lower() for w in WORD.findall(text)]


def normalize_title(text: str) -> str:
    """Titles compare equal when their words do: case, punctuation and spacing do not matter."""
    return " ".join(words(text))


@dataclass(frozen=True)
class Query:
    raw: str
    text: str  # what the embedding model sees: the query without filters and quote marks
    terms: tuple[str, ...]  # distinct lower-cased words of the text, phrases included, in order
    phrases: tuple[tuple[str, ...], ...] = ()  # each must occur in the note (as FTS5 phrases)
    tags: tuple[str, ...] = ()  # the note must carry each tag (or a sub-tag of it)
    paths: tuple[str, ...] = ()  # the note's path must contain each of these (case-insensitive)
    # The last word may still be being typed: keyword search also matches it as a prefix.
    open_end: bool = False

    @property
    def has_filters(self) -> bool:
        return bool(self.phrases or self.tags or self.paths)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.has_filters


def parse_query(raw: str) -> Query:
    text_parts: list[str] = []
    phrases: list[tuple[str, ...]] = []
    tags: list[str] = []
    paths: list[str] = []
    last_is_word = False
    for m in _TOKEN.finditer(raw):
        last_is_word = False
        if m.group("filter"):
            value = (m.group("qval") if m.group("qval") is not None else m.group("val") or "").strip()
            if m.group("key").lower() == "tag":
                value = value.lstrip("#").lower()
                if value:
                    tags.append(value)
            elif value:
                paths.append(value.replace("\\", "/"))
        elif m.group("phrase") is not None:
            phrase = tuple(words(m.group("phrase")))
            if phrase:
                phrases.append(phrase)
            text_parts.append(m.group("phrase"))
        elif m.group("other") != '"':
            # A lone quote (a phrase not closed yet) is dropped and its words stay plain text.
            text_parts.append(m.group("other"))
            last_is_word = True
    text = " ".join(p.strip() for p in text_parts if p.strip())
    terms = tuple(dict.fromkeys(words(text)))
    open_end = last_is_word and bool(raw) and bool(WORD.fullmatch(raw[-1]))
    return Query(
        raw=raw,
        text=text,
        terms=terms,
        phrases=tuple(phrases),
        tags=tuple(tags),
        paths=tuple(paths),
        open_end=open_end,
    )
