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


def config_dir() -> Path:
    chosen = os.environ.get("GTE_NOTES_CONFIG")
    return Path(chosen).expanduser() if chosen else Path(platformdirs.user_config_dir(APP_NAME))


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
