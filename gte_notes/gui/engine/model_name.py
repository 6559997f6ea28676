"""A model's name as a person knows it, for the GUI thread. The full rule (which reads the model folder's
card) is core's model_catalog.model_display_name, run on a worker (the bridge's status job); these two read
nothing: a stand-in until that name arrives, and the details line under it.
"""

from __future__ import annotations

from gte_notes.core import ModelChoice, dims_of


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
