"""Which files in the notes folder are notes: extensions, include/exclude globs, ignored names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from gte_notes.core.files.ignore import is_ignored_dir, is_ignored_relpath

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a gitignore-style glob for POSIX relpaths.

    `*` and `?` stay within one folder, `**` crosses folders (`archive/**`, `**/*.draft.md`). A pattern
    without a slash matches at any depth, and a pattern that matches a folder also matches everything
    under it, so `archive` and `archive/**` both exclude a whole folder, the way users expect from
    .gitignore. Matching is case-sensitive, like the POSIX paths it runs on.
    """
    pat = pattern.strip().replace("\\", "/")
    while pat.startswith("./"):
        pat = pat[2:]
    pat = pat.strip("/")
    if "/" not in pat:
        pat = "**/" + pat
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and (close := pat.find("]", i + 2)) != -1:
            body = pat[i + 1 : close]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?", re.DOTALL)


@dataclass(frozen=True)
class NoteFilter:
    """The user's choice of notes inside the folder. Empty `include` means every note file."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extensions: tuple[str, ...] = field(default=DEFAULT_EXTENSIONS)

    def __post_init__(self) -> None:
        # Settings arrive as lists from JSON/TOML; tuples keep the filter hashable and comparable.
        object.__setattr__(self, "include", tuple(self.include))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        object.__setattr__(self, "extensions", tuple(e.lower() for e in self.extensions))

    @cached_property
    def _include_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(glob_to_regex(p) for p in self.include if p.strip())

    @cached_property
    def _exclude_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(glob_to_regex(p) for p in self.exclude if p.strip())

    def has_note_extension(self, name: str) -> bool:
        # Case-insensitive: Note.MD written on Windows or macOS is still a note.
        return name.lower().endswith(self.extensions)

    def matches(self, relpath: str) -> bool:
        """True when the POSIX relpath names a note the user wants indexed."""
        if not relpath or is_ignored_relpath(relpath) or not self.has_note_extension(relpath):
            return False
        if self._include_res and not any(r.fullmatch(relpath) for r in self._include_res):
            return False
        return not any(r.fullmatch(relpath) for r in self._exclude_res)

    def prunes_dir(self, reldir: str) -> bool:
        """True when nothing under this folder can match, so a scan need not enter it."""
        name = reldir.rsplit("/", 1)[-1]
        return is_ignored_dir(name) or any(r.fullmatch(reldir) for r in self._exclude_res)
