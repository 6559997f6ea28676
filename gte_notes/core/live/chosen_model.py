"""The model as the user chose it (`ModelChoice`, a value): its name, precision, vector size and passage
size. The index records the choice it was built with (next_model.py), so a change of choice can be
recognised, and resumed, before any model is loaded."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from gte_notes.core.files.config import Settings
from gte_notes.core.model.model_catalog import folder_label, is_folder_name


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
        """A name to show without reading anything (model_catalog.model_display_name is the full rule)."""
        return folder_label(self.name) if is_folder_name(self.name) else self.name

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
