"""What the app says about a model before it is used: the known models' facts, and the question a
person must answer before a model's own code runs ("remote code is code")."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from gte_notes.core import REFUSAL_MARK, Settings, canonical_name, known


def facts_text(name: str) -> str:
    """One line of facts for a known model, or what the app will find out itself for any other."""
    facts = known(canonical_name(name.strip()))
    if facts is None:
        return (
            "A model the app does not know: its size, limits and pooling are read from its folder "
            "when it loads; if it ships its own code, you are asked first."
        )
    size = (
        f"{facts.dim} dimensions"
        if not facts.elastic
        else f"{facts.min_dim}–{facts.dim} dimensions (elastic)"
    )
    code = "runs its own code (known, allowed)" if facts.needs_remote_code else "no code of its own"
    return (
        f"<b>{html.escape(facts.key)}</b>: {html.escape(facts.languages)}, {facts.pooling} "
        f"pooling, up to {facts.max_tokens} tokens, {size}, {html.escape(facts.license)} license, "
        f"download approx. {facts.download_mb} MB, {code}. {html.escape(facts.notes)}"
    )


def is_code_refusal(message: str) -> bool:
    return REFUSAL_MARK in message


def ask_to_run_code(parent: QWidget | None, name: str, path: Path) -> bool:
    """Ask before a model's own Python runs; True only for an explicit yes (the default is no)."""
    files = ", ".join(p.name for p in sorted(path.glob("*.py"))) or "code from another repository"
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Run this model's code?",
        f"“{name}” ships its own Python code ({files}). It would run on this computer with "
        "your permissions, like any program you install: remote code is code.\n\n"
        "Run it only if you trust where this model came from. Your answer is remembered for "
        "this model until its code changes.",
        parent=parent,
    )
    run = box.addButton("Run its code", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is run


def allow_code(parent: QWidget | None, settings: Settings, name: str) -> bool:
    """Ask, and remember a yes in `settings` (the caller saves them). False: nothing changed."""
    from gte_notes.core import remember_consent, resolve_model_path

    name = canonical_name(name)
    path = resolve_model_path(name)
    if not ask_to_run_code(parent, name, path):
        return False
    remember_consent(settings, name, path)
    return True
