"""Which notes are on disk: the whole folder or the paths the watcher named, and the folders that
could not be listed (their notes are kept in the index, with a status row saying why)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from gte_notes.core.errors import FolderError
from gte_notes.core.files.ignore import is_ignored_relpath
from gte_notes.core.files.notes import NoteFilter, os_error_reason, scan_folder


def clean_relpath(rel: str) -> str:
    return rel.replace(os.sep, "/").strip("/")


class FolderScan:
    """One reconcile's look at the folder (make a new one per reconcile)."""

    def __init__(self, flt: NoteFilter) -> None:
        self.filter = flt
        self.unreadable: dict[str, str] = {}  # folder relpath -> why it could not be listed
        self.excluded: dict[str, str] = {}  # relpath ("folder/" for a folder) -> the rule that left it out

    def tree(self, root: Path, sub: str) -> dict[str, os.stat_result]:
        """The notes under the folder `sub` ("" for the whole notes folder), by relative path."""
        errors: list[str] = []
        try:
            return self._tree_into(root, sub, errors)
        finally:
            for rel in errors:
                full = f"{sub}/{rel}".strip("/") if sub else rel
                if full and _is_folder(root / full):
                    self.unreadable[full] = self._why_unreadable(root / full)

    @staticmethod
    def _why_unreadable(folder: Path) -> str:
        try:
            with os.scandir(folder):
                return "could not be listed"
        except OSError as err:
            if err.errno == errno.ENAMETOOLONG:
                return f"its path is longer than this system allows ({os.pathconf('/', 'PC_PATH_MAX')} bytes)"
            return os_error_reason(err)

    def _tree_into(self, root: Path, sub: str, errors: list[str]) -> dict[str, os.stat_result]:
        links: list[tuple[str, os.stat_result]] = []  # listed, with a status saying they are not followed
        if not sub:
            found = dict(scan_folder(root, self.filter, errors, links, excluded=self.excluded))
            if "" in errors:
                raise FolderError(f"The notes folder {root} cannot be read; the index is kept as it is.")
            return found | dict(links)
        # Globs are written against paths from the notes folder, so a subtree is scanned with the
        # extension rule only and filtered here on the full relative path.
        found: dict[str, os.stat_result] = {}
        for rel, st in [
            *scan_folder(root / sub, NoteFilter(extensions=self.filter.extensions), errors, links),
            *links,
        ]:
            full = f"{sub}/{rel}"
            if self.filter.matches(full):
                found[full] = st
        return found

    def path(self, root: Path, rel: str) -> dict[str, os.stat_result]:
        """The notes at `rel`: the file, or those under the folder."""
        if is_ignored_relpath(rel):
            return {}
        try:
            st = os.lstat(root / rel)
        except OSError:
            return {}
        if stat.S_ISDIR(st.st_mode):
            return self.tree(root, rel)
        if self.filter.matches(rel):
            return {rel: st}  # a symlink too: its status says it is not followed
        return {}


def _is_folder(path: Path) -> bool:
    """A folder, or a path too long to look at (listed in its parent, so it is there, and it can only
    be a folder: scandir, not stat, failed on it)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError as err:
        return err.errno == errno.ENAMETOOLONG
