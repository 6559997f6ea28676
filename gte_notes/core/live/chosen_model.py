"""The model as the user chose it (`ModelChoice`, a value): its name, precision, vector size and passage
size. The index records the choice it was built with (next_model.py), so a change of choice can be
recognised, and resumed, before any model is loaded."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from gte_notes.core.files.config import Settings

GENERIC_FOLDER_NAMES = {"model", "models", "snapshot", "snapshots", "main", "weights"}


def is_folder_name(model: str) -> bool:
    """A model given as a folder (a path), not as a hub name ("owner/name")."""
    return model.startswith(("/", "~", ".")) or "\\" in model or model.count("/") > 1


@dataclass(frozen=True)
class ModelChoice:
    """What the user chose, as they chose it ("auto" stays "auto"): two choices are the same model
    exactly when these are equal."""

    name: str
    precision: str = "auto"
    dims: int = 0
    passage_tokens: int = 0

    @classmethod
    def of_settings(
        cls, settings: Settings, model: str | None = None, precision: str | None = None
    ) -> ModelChoice:
        return cls(
            settings.model_name(model),
            precision or settings.precision,
            settings.dims,
            settings.passage_tokens,
        )

    @property
    def label(self) -> str:
        """The name to show: a hub name as it is; a folder by its own name, or its parent's when the
        folder is called something generic ("…/all-MiniLM-L6-v2/model" → "all-MiniLM-L6-v2")."""
        if not is_folder_name(self.name):
            return self.name
        folder = Path(self.name).expanduser()
        names = [p for p in (folder.name, folder.parent.name) if p and p.lower() not in GENERIC_FOLDER_NAMES]
        return names[0] if names else str(folder)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelChoice | None:
        """None for an index that recorded none (made before choices were recorded) or a damaged value."""
        try:
            data = json.loads(text)
            return cls(
                str(data["name"]), str(data["precision"]), int(data["dims"]), int(data["passage_tokens"])
            )
        except (ValueError, TypeError, KeyError):
            return None


def choice_key(settings: Settings, precision: str) -> str:
    """What a loaded embedder depends on besides the model's name: a reload is needed when it changes."""
    return f"{precision}|{settings.dims}|{settings.passage_tokens}|{sorted(settings.trusted_code.items())}"
