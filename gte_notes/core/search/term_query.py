"""Query words -> FTS5 strings over the index's terms (text_terms.py).

Every term is sent as a quoted string, so nothing the user typed reaches FTS5's query language. A
word stands for one string per position: "cafés" is one, "東京都" two (its character pairs), and a
word whose stems differ between the languages in the index is an OR of them ("Häuser" under German
and English: ("haus" OR "hauser")), so a query finds notes in any of those languages.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence

from gte_notes.core.markdown.text_terms import Group, phrase_groups, query_groups

# A phrase (or title) whose words have several stems each would need every combination of them;
# beyond this many, the first language's stems alone are used.
MAX_COMBINATIONS = 16


def quote(text: str) -> str:
    """`text` as an FTS5 string: FTS5 tokenizes it itself, so any characters are safe inside."""
    return '"' + text.replace('"', '""') + '"'


def group_string(group: Group, prefix: bool = False) -> str:
    """One query position as FTS5: a string, or an OR of its alternatives; `prefix` for a word being
    typed. A lone character of a script without spaces always matches as a prefix of a pair."""
    star = "*" if group.char or (prefix and not group.run) else ""
    alts = [quote(t) + star for t in group.alternatives]
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def word_strings(word: str, languages: Collection[str], prefix: bool = False) -> list[str]:
    """The FTS5 strings of one query word, one per position (only the last one a prefix)."""
    groups = query_groups(word, languages)
    return [group_string(g, prefix and n == len(groups) - 1) for n, g in enumerate(groups)]


def _sequences(words: Sequence[str], languages: Collection[str]) -> list[str]:
    groups = phrase_groups(words, languages)
    count = 1
    for g in groups:
        count *= len(g)
    if count > MAX_COMBINATIONS:
        groups = [g[:1] for g in groups]
    return [" ".join(c) for c in itertools.product(*groups)] if groups else []


def phrase_string(words: Sequence[str], languages: Collection[str]) -> str:
    """A quoted phrase as FTS5: its terms in a row (an OR when stems differ by language); "" if none."""
    seqs = _sequences(words, languages)
    if len(seqs) <= 1:
        return quote(seqs[0]) if seqs else ""
    return "(" + " OR ".join(quote(s) for s in seqs) + ")"


def title_string(words: Sequence[str], languages: Collection[str]) -> str:
    """Rows whose title column starts with these words: candidates for an exact title match."""
    return " OR ".join("title : ^ " + quote(s) for s in _sequences(words, languages))
