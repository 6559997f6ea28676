"""User settings, kept as JSON in the user's config directory.

Precedence for the model: --model on the command line, then $GTE_NOTES_MODEL, then this file, then the
app's default (the model it ships with, bundle.default_model).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from gte_notes.core.files.bundle import DEFAULT_MODEL, default_model
from gte_notes.core.files.note_filter import NoteFilter
from gte_notes.core.files.paths import config_dir
from gte_notes.core.files.private_files import private_file, tighten_folder

# DEFAULT_MODEL is defined beside the bundled models (the app's default depends on what it ships).
__all__ = ["DEFAULT_MODEL", "Settings", "settings_path"]


@dataclass
class Settings:
    folders: list[str] = field(default_factory=list)
    model: str = field(default_factory=default_model)
    precision: str = "auto"  # auto | fp32 | bf16 | int8
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    # Follow the notes folder's .gitignore files and Obsidian's "Excluded files" (vault_rules.py).
    vault_rules: bool = True
    max_file_mb: float = 10.0
    editor_command: str = ""  # e.g. "code -g {path}:{line}"; empty = the system's default application
    result_count: int = 20
    rescan_minutes: float = 10.0
    dims: int = 0  # vector size kept (dims.py); 0 = the model's own
    passage_tokens: int = 0  # passage size the chunker aims for (chunking.py); 0 = its default
    # Models whose own Python code the user agreed to run: name -> digest of that code (model_catalog.py).
    trusted_code: dict[str, str] = field(default_factory=dict)
    # The file load() read, so save() writes back there (a --data-dir keeps its own settings). Not a
    # setting: never written into the file.
    source: Path | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or settings_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        known = {f.name for f in fields(cls)} - {"source"}
        # Unknown keys (from a newer version) and wrongly typed values are dropped, not fatal.
        settings = cls(**{k: v for k, v in data.items() if k in known} if isinstance(data, dict) else {})
        defaults = cls()
        for f in fields(cls):
            if not isinstance(getattr(settings, f.name), type(getattr(defaults, f.name))):
                setattr(settings, f.name, getattr(defaults, f.name))
        settings.source = path
        return settings

    def save(self, path: Path | None = None) -> None:
        path = path or self.source or settings_path()
        tighten_folder(
            path.parent
        )  # also the window state beside it, and a folder an older version left open
        tmp = path.with_name(path.name + ".tmp")
        private_file(tmp)  # folder names and the editor command are nobody else's business
        tmp.write_text(
            json.dumps({k: v for k, v in asdict(self).items() if k != "source"}, indent=2), encoding="utf-8"
        )
        os.replace(tmp, path)

    def note_filter(self) -> NoteFilter:
        """Which files are notes, as these settings say (the CLI, watch and the app alike)."""
        return NoteFilter(
            include=tuple(self.include), exclude=tuple(self.exclude), vault_rules=self.vault_rules
        )

    def model_name(self, override: str | None = None) -> str:
        return override or os.environ.get("GTE_NOTES_MODEL") or self.model or default_model()


def settings_path(home: str | os.PathLike[str] | None = None) -> Path:
    """settings.json for the data folder `home` (--data-dir) or, without one, as paths.config_dir says."""
    return config_dir(home) / "settings.json"
