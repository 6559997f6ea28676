"""The engine's status: what the index holds (index/status.py) and what the engine is doing, as one typed
value. Counts come from the database and from what the indexer already knows (its progress): no folder
walk per status. The files themselves are listed only when asked (Engine.status_files)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from gte_notes.core.index.progress import Progress
from gte_notes.core.index.status import IndexFacts
from gte_notes.core.live.engine_state import EngineState, ModelChangeState, Phase


@dataclass(frozen=True)
class IndexStatus(IndexFacts):
    state: EngineState = EngineState(Phase.STOPPED)
    ready: bool = False  # searches use the model (before that: keyword results)
    paused: bool = False
    indexing: bool = False
    queue: int = 0  # paths (or 1 for a full scan) waiting to be looked at
    batches: int = 0  # reconciles run
    problem: str = ""  # a known error the user is being shown
    folder_missing: bool = False
    model_note: str = ""
    watching: str = "off"  # "inotify", "polling" or "off"
    ann_event: str = ""
    progress: Progress | None = None  # while a batch runs
    model_change: ModelChangeState | None = None  # while every note is embedded for another model
    following: str = ""  # another process writes this index: what it is doing

    @property
    def eta_s(self) -> float | None:
        return self.progress.eta_s if self.progress is not None else None

    @classmethod
    def of(cls, facts: IndexFacts, **engine: object) -> IndexStatus:
        """`facts` with what the engine adds."""
        return cls(**{f.name: getattr(facts, f.name) for f in fields(IndexFacts)}, **engine)
