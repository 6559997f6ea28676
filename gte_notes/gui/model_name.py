"""A model's name as a person knows it: "thenlper/gte-small", or for a model folder the title of its
model card ("all-MiniLM-L6-v2"), not the index's id ("model:ede824ff3bab:fp32:384").

Reads the folder's README.md, so it runs on a worker (the bridge's status job), never on the GUI thread.
"""

from __future__ import annotations

import re
from pathlib import Path

from gte_notes.core.live.chosen_model import ModelChoice, is_folder_name
from gte_notes.core.model.dims import dims_of

_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def model_display_name(model: str) -> str:
    if not is_folder_name(model):
        return model
    folder = Path(model).expanduser()
    try:
        with open(folder / "README.md", encoding="utf-8", errors="replace") as fh:
            head = fh.read(8192)
    except OSError:
        head = ""
    m = _H1.search(head)
    return m.group(1) if m else short_model_name(model)


def short_model_name(model: str) -> str:
    """Without reading anything (the GUI thread may call it): see ModelChoice.label."""
    return ModelChoice(model).label


def describe_model(name: str, model_id: str) -> str:
    """ "all-MiniLM-L6-v2 · fp32 · 384 dimensions" from the name and the index's model id."""
    parts = model_id.split(":")
    details = [name or (parts[0] if parts else "")]
    if len(parts) >= 4:
        details += [parts[2], f"{dims_of(model_id)} dimensions"]  # a cut size (":d256") is the one in use
    return " · ".join(d for d in details if d)
