"""What the engine is doing, as a value the faces read field by field (never text parsed back)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Phase(Enum):
    """The engine's phase. The values are the words the CLI's `watch` prints and logs show."""

    NO_FOLDER = "no folder"  # the GUI has no folder open: no engine runs
    STARTING = "starting"  # the index is being opened
    READING = "reading notes"  # the first start's keyword pass; the model loads meanwhile
    LOADING_MODEL = "loading model"
    SCANNING = "scanning"  # a full reconcile of the folder
    INDEXING = "indexing"  # changed notes only
    IDLE = "idle"
    PAUSED = "paused"
    FOLLOWING = "following"  # another process writes this index; this one reads what it commits
    CHANGING_MODEL = "re-embedding"  # every note embedded for another model; the current one still serves
    ERROR = "error"  # a problem the user can fix (folder missing, disk full): `problem` says it
    STOPPED = "stopped"


@dataclass(frozen=True)
class ModelChangeState:
    """A model change under way: the next model's name, notes done (None while it loads) of `total`."""

    name: str
    done: int | None = None
    total: int = 0


@dataclass(frozen=True)
class EngineState:
    phase: Phase
    problem: str = ""  # with Phase.ERROR: what went wrong and what to do
    change: ModelChangeState | None = None  # with Phase.CHANGING_MODEL

    @classmethod
    def error(cls, problem: str) -> EngineState:
        return cls(Phase.ERROR, problem=problem)

    @classmethod
    def changing_model(cls, name: str, done: int | None = None, total: int = 0) -> EngineState:
        return cls(Phase.CHANGING_MODEL, change=ModelChangeState(name, done, total))

    @property
    def working(self) -> bool:
        """Notes are being looked at or embedded (a progress bar means something)."""
        return self.phase in (Phase.SCANNING, Phase.INDEXING)

    def __str__(self) -> str:
        """One line for people (`gte-notes watch`, logs): "idle", "error: …",
        "re-embedding for NAME: n/N"."""
        if self.phase is Phase.ERROR:
            return f"error: {self.problem}"
        if self.change is not None:
            c = self.change
            where = "loading the model" if c.done is None else f"{c.done}/{c.total}"
            return f"re-embedding for {c.name}: {where}"
        return self.phase.value
