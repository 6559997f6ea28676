"""Where gte-notes keeps its own files: never inside the notes folder."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import platformdirs

from gte_notes.core.errors import FolderError

APP_NAME = "gte-notes"


def data_home(override: str | os.PathLike[str] | None = None) -> Path:
    """The root of all indexes: --data-dir, else $GTE_NOTES_HOME, else the user's data directory."""
    chosen = override or os.environ.get("GTE_NOTES_HOME")
    return Path(chosen).expanduser().resolve() if chosen else Path(platformdirs.user_data_dir(APP_NAME))


def config_dir(home: str | os.PathLike[str] | None = None) -> Path:
    """Settings and window state (search history, recent notes): $GTE_NOTES_CONFIG, else DATA/config when a
    data folder is chosen (--data-dir or $GTE_NOTES_HOME), else the user's config directory.

    A chosen data folder carries its own settings and history, so a second data folder (a test, a demo,
    another vault kept apart) neither reads nor changes the everyday ones."""
    chosen = os.environ.get("GTE_NOTES_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    if home or os.environ.get("GTE_NOTES_HOME"):
        return data_home(home) / "config"
    return Path(platformdirs.user_config_dir(APP_NAME))


def index_dir(folder: Path, home: Path) -> Path:
    """One directory per notes folder, named so a person can tell which folder it belongs to.

    The hash of the resolved path keeps two folders with the same name apart.
    """
    folder = folder.resolve()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name)[:40].strip("-") or "notes"
    digest = hashlib.sha1(os.fsencode(folder)).hexdigest()[:12]
    target = home / "indexes" / f"{slug}-{digest}"
    if target.resolve().is_relative_to(folder):
        raise FolderError(
            f"The index directory {target} would be inside the notes folder {folder}; "
            "gte-notes never writes there. Choose another --data-dir."
        )
    return target
