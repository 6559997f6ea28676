"""Names that are never notes: editor and sync temporaries, hidden files, tool folders.

Shared by the folder scan and the watcher, so a vim probe file or a JetBrains safe-write temp is
neither indexed by a reconcile nor turned into a re-index by an event (fault cases 13-15).
"""

from __future__ import annotations

import fnmatch
import re

# Matched against a single path component (a file's base name). Hidden names (leading dot) are
# rejected before these run, which already covers .#note.md, .note.md.swp, .~lock.* and .DS_Store.
_IGNORED_FILE_GLOBS = (
    "4913",  # vim's "can I create a file here" probe
    "*~",  # vim / gedit / emacs backups: note.md~
    "*.swp",
    "*.swx",
    "#*#",  # emacs auto-save
    "*___jb_tmp___",  # JetBrains safe-write
    "*___jb_old___",
    "*.tmp",  # generic atomic-save temporaries, Syncthing's ~syncthing~x.tmp
    "~$*",  # MS Office / LibreOffice owner files
)
_IGNORED_FILE_RE = re.compile("|".join(fnmatch.translate(g) for g in _IGNORED_FILE_GLOBS), re.DOTALL)

# Tool folders that hold copies, caches or trash rather than the user's notes. Dot-folders (.git,
# .obsidian, .trash, .stversions, .dendron.cache ...) are covered by the hidden-name rule.
_IGNORED_DIRS = frozenset({"node_modules", "__pycache__"})


def is_ignored_name(name: str) -> bool:
    """True when a file name is an editor/sync temporary or a hidden file, never a note."""
    return name.startswith(".") or _IGNORED_FILE_RE.match(name) is not None


def is_ignored_dir(name: str) -> bool:
    """True when a folder name is hidden or a tool folder whose contents are never notes."""
    return name.startswith(".") or name in _IGNORED_DIRS


def is_ignored_relpath(relpath: str) -> bool:
    """True when any folder on a POSIX relpath is ignored, or its file name is.

    The watcher gets events for arbitrary paths (including files inside .git/), so it needs the
    whole-path answer the scan gets for free by pruning folders.
    """
    *dirs, name = relpath.split("/")
    return any(is_ignored_dir(d) for d in dirs) or is_ignored_name(name)
