"""The tags of the notes in the result list, for tag chips: read after the results are shown, on the
bridge's read worker, so a keystroke's results never wait for them.

The engine offers no tag lookup, so each note's text is read once and its tags parsed the way the
indexer parses them; the answers are kept until the note is re-indexed. (With a tags field on Hit, or
an Engine.note_tags(paths) read of the store, this file would shrink to the chips' part.)
"""

from __future__ import annotations

import contextlib
from pathlib import PurePosixPath
from typing import Any

from PySide6.QtCore import QObject, Signal

from gte_notes.core.markdown.markdown_meta import parse_meta

MAX_CACHED = 4000


class ResultTags(QObject):
    done = Signal(int, object)  # search generation, {path: (tag, ...)}
    _result = Signal(int, object)

    def __init__(self, bridge: Any) -> None:
        super().__init__(bridge)
        self.bridge = bridge
        self._tags: dict[str, tuple[str, ...]] = {}
        self._result.connect(self._deliver)
        bridge.indexed.connect(self._forget)

    def ask(self, gen: int, paths: list[str]) -> None:
        known = {p: self._tags[p] for p in paths if p in self._tags}
        if len(known) == len(paths):
            self.done.emit(gen, known)
            return
        self.bridge._read_pool.submit(self._job, gen, list(paths), known)

    def _job(self, gen: int, paths: list[str], known: dict[str, tuple[str, ...]]) -> None:
        engine = self.bridge.engine
        if engine is None or gen != self.bridge.search_generation:
            return  # a newer search is on its way; its own request follows
        found = dict(known)
        for path in paths:
            if path not in found:
                try:
                    text = engine.note_text(path)
                except Exception:  # noqa: BLE001 - no chips for a note that cannot be read now
                    text = ""
                found[path] = parse_meta(text, PurePosixPath(path).stem).tags if text else ()
        with contextlib.suppress(RuntimeError):  # the app closed while this ran
            self._result.emit(gen, found)

    def _deliver(self, gen: int, found: dict[str, tuple[str, ...]]) -> None:
        if len(self._tags) > MAX_CACHED:
            self._tags.clear()
        self._tags.update(found)
        if gen == self.bridge.search_generation:
            self.done.emit(gen, found)

    def _forget(self, paths: list[str]) -> None:
        for path in paths:
            self._tags.pop(path, None)
