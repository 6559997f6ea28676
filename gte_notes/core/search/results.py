"""What searches and related-notes return: one row per note, with the passage that matched."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gte_notes.core.search.query import Query


@dataclass
class Hit:
    path: str
    title: str
    score: float
    passage: str
    line: int
    start: int  # character offsets of the passage in the note
    end: int
    heading: str = ""
    chunk_id: int = 0
    # Character spans inside `passage` worth marking: the query's words and phrases...
    highlights: list[tuple[int, int]] = field(default_factory=list)
    # ...and the sentence that matched best (None when no query word is in the passage).
    sentence: tuple[int, int] | None = None
    # For related notes: the passage of the open note that this note relates to.
    source_passage: str = ""
    source_line: int = 0
    # The alias (front matter) the query named exactly, shown as "Title (alias)"; "" otherwise.
    alias: str = ""
    # For related notes: whether the open note already links to this one (the panel's "↔ linked").
    linked: bool | None = None
    # Other notes that are copies of this one (copies.py), best first: shown as "+N copies" on its row.
    copies: tuple[str, ...] = ()
    # The note's tags (front matter and #tags), from the index: the faces need not read the note for them.
    tags: tuple[str, ...] = ()

    @classmethod
    def of(cls, note: Any, row: Mapping[str, Any], chunk_id: int, score: float, **more: Any) -> Hit:
        """The row of `note` (the store's note: path, title, tags) showing its passage `row` (the store's
        chunk row), the fields search and related notes share; `more` adds what only one of them has."""
        return cls(
            path=note.path,
            title=note.title,
            score=float(score),
            passage=row["text"],
            line=row["line"],
            start=row["start"],
            end=row["end"],
            heading=row["heading"],
            chunk_id=int(chunk_id),
            tags=note.tags,
            **more,
        )

    @property
    def shown_title(self) -> str:
        return f"{self.title} ({self.alias})" if self.alias else self.title

    @property
    def folder(self) -> str:
        return self.path.rpartition("/")[0]

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["score"] = round(float(self.score), 4)
        data["folder"] = self.folder
        data["highlights"] = [list(span) for span in self.highlights]
        data["sentence"] = list(self.sentence) if self.sentence else None
        if not self.source_passage:
            data.pop("source_passage")
            data.pop("source_line")
        if not self.alias:
            data.pop("alias")
        if self.linked is None:
            data.pop("linked")
        data["copies"] = list(self.copies)
        data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True)
class QueryWords:
    """The words and phrases a search looked for, as it parsed them (after any spelling correction): what
    the faces mark in a note, so they never parse the query again."""

    terms: tuple[str, ...] = ()  # distinct lower-cased words, phrases' words included
    phrases: tuple[tuple[str, ...], ...] = ()
    open_end: bool = False  # the last word may still be being typed

    @classmethod
    def of(cls, q: Query) -> QueryWords:
        return cls(q.terms, q.phrases, q.open_end)

    def __bool__(self) -> bool:
        return bool(self.terms or self.phrases)

    @property
    def typed_last(self) -> str:
        """The word still being typed (marked as a prefix where a note lacks it whole), or ""."""
        return self.terms[-1] if self.open_end and self.terms else ""

    def spans(
        self, text: str, prefix: str = "", lang: str = "en", japanese: bool | None = None
    ) -> list[tuple[int, int]]:
        """Where these words and phrases are in `text`, as the result rows mark them (highlight.py);
        `prefix` also marks words starting with it, `lang` is the text's language (its stemmer),
        `japanese` whether its Han runs are words marked whole (None: judged from `text`)."""
        from gte_notes.core.search.highlight import highlight  # its stemmers load only when marking

        if not text:
            return []
        return highlight(text, self.terms, self.phrases, prefix=prefix, lang=lang, japanese=japanese)[0]


NO_WORDS = QueryWords()  # nothing to mark: a related note, recent notes, no search yet


class Hits(list[Hit]):
    """A search's rows, and what the list as a whole should say above them."""

    corrected: str | None = None  # the query as searched, when a misspelled word was corrected
    close: bool = True  # False when even the best row is not a close match (fusion.close_match_score)
    # How many notes match (close matches; every keyword match in keyword mode), rows shown or not:
    # "20 best of 65" above a list cut at 20. None when the search did not count.
    matching: int | None = None
    words: QueryWords = NO_WORDS  # what the search looked for, for marking a note's preview
    mode: str = ""  # "hybrid", "dense" or "keyword": what found the rows ("" when no search ran)

    def with_rows(self, rows: list[Hit]) -> Hits:
        """Other rows (display copies, another order) under what this search said of its list."""
        out = Hits(rows)
        out.corrected, out.close, out.matching = self.corrected, self.close, self.matching
        out.words, out.mode = self.words, self.mode
        return out

    def notices(self) -> list[str]:
        """The lines above the rows, in the app and on the command line alike."""
        lines = [f"Showing results for “{self.corrected}”"] if self.corrected else []
        if self and not self.close:
            lines.append("No close match — nearest notes:")
        return lines
