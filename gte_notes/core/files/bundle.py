"""The models an installed app ships with, each under the name it was bundled as.

The desktop build (packaging/build.sh) puts a model in `models/<org>--<name>/` next to the frozen
executable and writes `bundled-model.json` beside its weights: `{"model": "<hub id>"}`. That file, not the
folder's name, says which model the folder holds, so a bundle built with a stand-in model shows the
stand-in's name and is never taken for gte-small. A folder without it is not a bundled model.

`$GTE_NOTES_BUNDLED_MODEL` names one model folder to treat as bundled (tests, a hand-made install): its
`bundled-model.json` names it, and without one it stands for the default model, because whoever set the
variable said so.

The app's default model is the one it ships with: gte-small in a release; in a bundle that holds another
model (CI's smoke test bundles the stand-in MiniLM), that model, so the installed app works out of the box
and says truthfully what it runs.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "thenlper/gte-small"
BUNDLED_MODEL_ENV = "GTE_NOTES_BUNDLED_MODEL"
MANIFEST = "bundled-model.json"


@dataclass(frozen=True)
class BundledModel:
    name: str  # the hub id it was bundled as, e.g. "thenlper/gte-small"
    path: Path


def is_model_folder(path: Path) -> bool:
    """True if `path` looks loadable: a sentence-transformers folder or at least a transformers one."""
    return path.is_dir() and ((path / "modules.json").is_file() or (path / "config.json").is_file())


def manifest_name(folder: Path) -> str | None:
    """The model id `folder`'s bundled-model.json records, or None when it has none (or a broken one)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = data.get("model") if isinstance(data, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def models_dir() -> Path | None:
    """The `models/` folder next to the executable of a frozen (PyInstaller) app; None when not frozen."""
    if not getattr(sys, "frozen", False):
        return None
    return Path(sys.executable).resolve().parent / "models"


def bundled_models() -> list[BundledModel]:
    """Every model shipped with the app, by the name it was bundled as (see the module docstring)."""
    found: list[BundledModel] = []
    env = os.environ.get(BUNDLED_MODEL_ENV)
    if env:
        folder = Path(env).expanduser()
        if is_model_folder(folder):
            found.append(BundledModel(manifest_name(folder) or DEFAULT_MODEL, folder))
    models = models_dir()
    if models is not None and models.is_dir():
        for folder in sorted(p for p in models.iterdir() if p.is_dir()):
            name = manifest_name(folder)
            if name is not None and is_model_folder(folder):
                found.append(BundledModel(name, folder))
    return found


def bundled_model(name: str) -> BundledModel | None:
    """The bundled copy of the model called `name`, if the app ships one."""
    return next((b for b in bundled_models() if b.name == name), None)


def default_model() -> str:
    """gte-small, unless the app ships only other models: then the first of those."""
    names = [b.name for b in bundled_models()]
    return DEFAULT_MODEL if not names or DEFAULT_MODEL in names else names[0]
