"""What searches and related-notes return: one row per note, with the passage that matched."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
        return data


class Hits(list[Hit]):
    """A search's rows, and what the list as a whole should say above them."""

    corrected: str | None = None  # the query as searched, when a misspelled word was corrected
    close: bool = True  # False when even the best row is not a close match (fusion.close_match_score)
    # How many notes match (close matches; every keyword match in keyword mode), rows shown or not:
    # "20 best of 65" above a list cut at 20. None when the search did not count.
    matching: int | None = None

    def notices(self) -> list[str]:
        """The lines above the rows, in the app and on the command line alike."""
        lines = [f"Showing results for “{self.corrected}”"] if self.corrected else []
        if self and not self.close:
            lines.append("No close match — nearest notes:")
        return lines
