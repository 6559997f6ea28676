"""The notes folder's own ignore rules: its `.gitignore` files and Obsidian's "Excluded files".

People keep their notes as an Obsidian vault or in a git repository and have already said there which
files are not notes (templates, archives, drafts). These rules are read from the folder, never written,
and each exclusion names the rule that made it, so Index health can say why a file is not indexed.

The files are read again when they change (size or mtime), looked at once per `refresh()`: the indexer
refreshes at the start of every reconcile, and the watcher asks for a full reconcile when one of them
changes, so an edited .gitignore takes effect on the next reconcile.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

log = logging.getLogger(__name__)

OBSIDIAN_CONFIG = ".obsidian/app.json"


def is_rule_file(relpath: str) -> bool:
    """True for the files whose change changes which files are notes."""
    return relpath == OBSIDIAN_CONFIG or relpath.rsplit("/", 1)[-1] == ".gitignore"


@dataclass(frozen=True)
class _Gitignore:
    stamp: tuple[int, int]  # (size, mtime_ns) of the file read; (-1, -1) when there is none
    spec: GitIgnoreSpec | None
    lines: tuple[str, ...]  # the patterns, to name the one that matched


@dataclass(frozen=True)
class ObsidianFilter:
    """One entry of `userIgnoreFilters`. As in Obsidian: `/…/` is a regular expression searched in the
    vault-relative path; anything else excludes the paths that start with it (`Archive/`, `Templates`)."""

    raw: str
    regex: re.Pattern[str] | None

    def matches(self, relpath: str) -> bool:
        if self.regex is not None:
            return self.regex.search(relpath) is not None
        return relpath.startswith(self.raw)


def obsidian_filters(entries: object) -> list[ObsidianFilter]:
    """The usable entries of an app.json `userIgnoreFilters` list (bad regexes are left out)."""
    out: list[ObsidianFilter] = []
    for raw in entries if isinstance(entries, list) else []:
        if not isinstance(raw, str) or not raw.strip():
            continue
        if len(raw) > 2 and raw.startswith("/") and raw.endswith("/"):
            try:
                out.append(ObsidianFilter(raw, re.compile(raw[1:-1])))
            except re.error:
                log.warning("Obsidian excluded-files entry %r is not a valid regular expression", raw)
            continue
        out.append(ObsidianFilter(raw, None))
    return out


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


class VaultRules:
    """The ignore rules of one notes folder. Thread-safe: the scan and the watcher both ask."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._gitignores: dict[str, _Gitignore] = {}  # folder relpath ("" = root) -> its .gitignore
        self._checked: set[str] = set()  # folders whose .gitignore was looked at since refresh()
        self._obsidian_stamp: tuple[int, int] | None = None
        self._obsidian: list[ObsidianFilter] = []

    def refresh(self) -> None:
        """Look at the rule files again (each is re-read only if it changed)."""
        with self._lock:
            self._checked.clear()
            self._obsidian_stamp = None

    # ---- reading ------------------------------------------------------------------------------

    def _obsidian_filters(self) -> list[ObsidianFilter]:
        if self._obsidian_stamp is not None:
            return self._obsidian
        path = self.root / OBSIDIAN_CONFIG
        stamp = _stamp(path)
        filters: list[ObsidianFilter] = []
        if stamp != (-1, -1):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                log.warning("cannot read %s: %s", path, err)
                data = {}
            filters = obsidian_filters(data.get("userIgnoreFilters") if isinstance(data, dict) else None)
        self._obsidian_stamp, self._obsidian = stamp, filters
        return filters

    def _gitignore(self, folder: str) -> _Gitignore:
        old = self._gitignores.get(folder)
        if old is not None and folder in self._checked:
            return old
        path = self.root / folder / ".gitignore" if folder else self.root / ".gitignore"
        stamp = _stamp(path)
        self._checked.add(folder)
        if old is not None and old.stamp == stamp:
            return old
        lines: tuple[str, ...] = ()
        spec = None
        if stamp != (-1, -1):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as err:
                log.warning("cannot read %s: %s", path, err)
                text = ""
            lines = tuple(ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
            if lines:
                from pathspec import GitIgnoreSpec  # only for folders with a .gitignore

                spec = GitIgnoreSpec.from_lines(lines)
        found = _Gitignore(stamp, spec, lines)
        self._gitignores[folder] = found
        return found

    # ---- asking -------------------------------------------------------------------------------

    def why_excluded(self, relpath: str, is_dir: bool = False) -> str:
        """The rule that keeps this path out of the index, or "" when none does.

        `.gitignore` files apply to their folder and below, a deeper one overriding a shallower one (as
        git does, `!pattern` re-includes); then Obsidian's excluded files."""
        with self._lock:
            return self._git_rule(relpath, is_dir) or self._obsidian_rule(relpath, is_dir)

    def _git_rule(self, relpath: str, is_dir: bool) -> str:
        parts = relpath.split("/")
        # Deepest .gitignore first: the first that has an opinion on the path decides.
        for depth in range(len(parts) - 1, -1, -1):
            folder = "/".join(parts[:depth])
            ignore = self._gitignore(folder)
            if ignore.spec is None:
                continue
            sub = "/".join(parts[depth:]) + ("/" if is_dir else "")
            result = ignore.spec.check_file(sub)
            if result.include is None:
                continue
            if not result.include:
                return ""
            where = f"{folder}/.gitignore" if folder else ".gitignore"
            pattern = ignore.lines[result.index] if result.index is not None else "?"
            return f"{where}: {pattern.strip()}"
        return ""

    def _obsidian_rule(self, relpath: str, is_dir: bool) -> str:
        path = relpath + "/" if is_dir else relpath
        for f in self._obsidian_filters():
            if f.matches(path):
                return f"Obsidian excluded files: {f.raw}"
        return ""
