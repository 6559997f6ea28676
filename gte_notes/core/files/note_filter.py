"""Which files in the notes folder are notes: extensions, ignored names, and the rules in order: the
app's include/exclude globs, then the folder's own rules (.gitignore, Obsidian's excluded files)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gte_notes.core.files.ignore import is_ignored_dir, is_ignored_relpath
from gte_notes.core.files.vault_rules import VaultRules

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")


def glob_spec(patterns: Iterable[str]) -> GitIgnoreSpec | None:
    """The user's include or exclude globs as one gitignore-style matcher for POSIX relpaths; None if empty.

    `*` and `?` stay within one folder, `**` crosses folders (`archive/**`, `**/*.draft.md`). A pattern
    without a slash matches at any depth, and a pattern that matches a folder also matches everything
    under it, so `archive` and `archive/**` both exclude a whole folder, the way users expect from
    .gitignore. Matching is case-sensitive, like the POSIX paths it runs on. Unlike .gitignore, a
    leading or trailing `/` and a leading `./` are dropped, `\\` is a folder separator, and a leading
    `!` or `#` is part of the name (each pattern stands alone: no negation, no comments).
    """
    lines = []
    for raw in patterns:
        pat = raw.strip().replace("\\", "/")
        while pat.startswith("./"):
            pat = pat[2:]
        pat = pat.strip("/")
        if pat:
            lines.append("\\" + pat if pat[0] in "!#" else pat)
    if not lines:
        return None
    from pathspec import GitIgnoreSpec  # only with globs to match: not on the way to the first search

    return GitIgnoreSpec.from_lines(lines)


@dataclass(frozen=True)
class NoteFilter:
    """The user's choice of notes inside the folder. Empty `include` means every note file."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extensions: tuple[str, ...] = field(default=DEFAULT_EXTENSIONS)
    # Whether the folder's own rules count (the setting "Follow the folder's .gitignore and Obsidian's
    # excluded files"), and those rules once `for_folder` has bound the filter to a folder.
    vault_rules: bool = True
    vault: VaultRules | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # Settings arrive as lists from JSON/TOML; tuples keep the filter hashable and comparable.
        object.__setattr__(self, "include", tuple(self.include))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        object.__setattr__(self, "extensions", tuple(e.lower() for e in self.extensions))

    @cached_property
    def _include_spec(self) -> GitIgnoreSpec | None:
        return glob_spec(self.include)

    @cached_property
    def _exclude_spec(self) -> GitIgnoreSpec | None:
        return glob_spec(self.exclude)

    def has_note_extension(self, name: str) -> bool:
        # Case-insensitive: Note.MD written on Windows or macOS is still a note.
        return name.lower().endswith(self.extensions)

    def matches(self, relpath: str) -> bool:
        """True when the POSIX relpath names a note the user wants indexed."""
        if not relpath or is_ignored_relpath(relpath) or not self.has_note_extension(relpath):
            return False
        return not self.why_excluded(relpath)

    def why_excluded(self, relpath: str, is_dir: bool = False) -> str:
        """The rule that keeps this file (or folder) out, "" when none does. In order: the include
        globs, the exclude globs, then the folder's own rules."""
        if not is_dir and self._include_spec is not None and not self._include_spec.match_file(relpath):
            return "not matched by the include globs"
        if self._exclude_spec is not None:
            found = self._exclude_spec.check_file(relpath)
            if found.include and found.index is not None:
                return f"exclude glob: {self._exclude_spec.patterns[found.index].pattern}"  # type: ignore[attr-defined]
        return self.vault.why_excluded(relpath, is_dir) if self.vault is not None else ""

    def prunes_dir(self, reldir: str) -> bool:
        """True when nothing under this folder can match, so a scan need not enter it."""
        name = reldir.rsplit("/", 1)[-1]
        return is_ignored_dir(name) or bool(self.why_excluded(reldir, is_dir=True))

    def for_folder(self, root: Path) -> NoteFilter:
        """This filter with the rules kept in `root` (itself when the vault rules are off)."""
        return replace(self, vault=VaultRules(root)) if self.vault_rules else replace(self, vault=None)

    def refresh(self) -> None:
        """Read the folder's own rules again where they changed (once per reconcile)."""
        if self.vault is not None:
            self.vault.refresh()
