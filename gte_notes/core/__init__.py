"""The Qt-free domain core, and the public API the faces (gui/, the CLI) use. Nothing under this package
may import PySide6 or gte_notes.gui.

Layers, each importing only those below it: live > search > index > model | markdown > files, with
errors under all of them (ARCHITECTURE.md "How the code is laid out"; checked by `lint-imports`).

The faces import only the names below, as `from gte_notes.core import Engine, Hit, Settings`: the
sub-packages may be reorganised without touching a face, and `lint-imports` fails a face that reaches
past this list. The names load lazily (PEP 562): `import gte_notes.core` imports no sub-package, and a
name imports only its own module on first use, so the command line's fast path and the GUI's first
window import numpy, SQLite or the model stack only when they use a name that needs them. The same
imports under TYPE_CHECKING let type checkers and import-linter see them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gte_notes.core.errors import FolderError, KnownError, ModelMissingError, QueryNeedsModel
    from gte_notes.core.files.config import DEFAULT_MODEL, Settings, settings_path
    from gte_notes.core.files.forced_crash import crash_asked, crash_if_asked
    from gte_notes.core.files.logs import current_logs, start_logging
    from gte_notes.core.files.note_filter import NoteFilter
    from gte_notes.core.files.notes import scan_folder
    from gte_notes.core.files.path_text import display, is_exact, raw_b64
    from gte_notes.core.files.paths import config_dir, data_home
    from gte_notes.core.files.private_files import narrow, private_file, tighten_folder
    from gte_notes.core.index.ann import AnnIndex
    from gte_notes.core.index.progress import Progress, ReconcileStats
    from gte_notes.core.index.status import (
        FilePage,
        FileStatus,
        IndexFacts,
        index_files,
        index_model_id,
        read_facts,
    )
    from gte_notes.core.index.store import Store, read_error
    from gte_notes.core.live.chosen_model import ModelChoice, choice_key, is_folder_name
    from gte_notes.core.live.engine import Engine, EngineListener
    from gte_notes.core.live.engine_state import EngineState, ModelChangeState, Phase
    from gte_notes.core.live.engine_status import IndexStatus
    from gte_notes.core.live.open_chosen import (
        check_passage_tokens,
        consent_of,
        open_chosen,
        open_for_settings,
        remember_consent,
    )
    from gte_notes.core.live.workspace import Workspace
    from gte_notes.core.markdown.chunking import DEFAULT_TARGET_TOKENS, MIN_PASSAGE_TOKENS
    from gte_notes.core.markdown.language import language_of
    from gte_notes.core.markdown.link_text import NoteLinks, note_links
    from gte_notes.core.markdown.links import LinkIndex
    from gte_notes.core.markdown.note_display import (
        clean_passage,
        distinguishers,
        readable_span,
        readable_title,
    )
    from gte_notes.core.markdown.preview_text import markdown_for_preview
    from gte_notes.core.markdown.stopwords import STOPWORDS
    from gte_notes.core.markdown.text_terms import fold
    from gte_notes.core.markdown.wikilinks import WIKILINK, parse_wikilink
    from gte_notes.core.model import model_files
    from gte_notes.core.model.calibration import saved_scale
    from gte_notes.core.model.dims import MIN_DIMS, dims_of, quality_warning, with_dims
    from gte_notes.core.model.model_catalog import (
        KNOWN_MODELS,
        REFUSAL_MARK,
        canonical_name,
        catalogue_json,
        known,
        model_display_name,
        needs_remote_code,
    )
    from gte_notes.core.model.model_files import CODE_FILE_PATTERNS, download_model, resolve_model_path
    from gte_notes.core.model.query_encoder import encoder_file
    from gte_notes.core.model.serving import open_embedder
    from gte_notes.core.offline import stay_offline
    from gte_notes.core.search.highlight import is_japanese
    from gte_notes.core.search.related import Related
    from gte_notes.core.search.results import NO_WORDS, Hit, Hits, QueryWords

# Where each public name lives: sub-module of gte_notes.core -> the names it gives the faces.
_MODULES: dict[str, str] = {
    "errors": "FolderError KnownError ModelMissingError QueryNeedsModel",
    "offline": "stay_offline",
    "files.config": "DEFAULT_MODEL Settings settings_path",
    "files.forced_crash": "crash_asked crash_if_asked",
    "files.logs": "current_logs start_logging",
    "files.note_filter": "NoteFilter",
    "files.notes": "scan_folder",
    "files.path_text": "display is_exact raw_b64",
    "files.paths": "config_dir data_home",
    "files.private_files": "narrow private_file tighten_folder",
    "markdown.chunking": "DEFAULT_TARGET_TOKENS MIN_PASSAGE_TOKENS",
    "markdown.language": "language_of",
    "markdown.link_text": "NoteLinks note_links",
    "markdown.links": "LinkIndex",
    "markdown.note_display": "clean_passage distinguishers readable_span readable_title",
    "markdown.preview_text": "markdown_for_preview",
    "markdown.stopwords": "STOPWORDS",
    "markdown.text_terms": "fold",
    "markdown.wikilinks": "WIKILINK parse_wikilink",
    "model": "model_files",
    "model.calibration": "saved_scale",
    "model.dims": "MIN_DIMS dims_of quality_warning with_dims",
    "model.model_catalog": (
        "KNOWN_MODELS REFUSAL_MARK canonical_name catalogue_json known model_display_name needs_remote_code"
    ),
    "model.model_files": "CODE_FILE_PATTERNS download_model resolve_model_path",
    "model.query_encoder": "encoder_file",
    "model.serving": "open_embedder",
    "index.ann": "AnnIndex",
    "index.progress": "Progress ReconcileStats",
    "index.status": "FilePage FileStatus IndexFacts index_files index_model_id read_facts",
    "index.store": "Store read_error",
    "search.highlight": "is_japanese",
    "search.related": "Related",
    "search.results": "Hit Hits NO_WORDS QueryWords",
    "live.chosen_model": "ModelChoice choice_key is_folder_name",
    "live.engine": "Engine EngineListener",
    "live.engine_state": "EngineState ModelChangeState Phase",
    "live.engine_status": "IndexStatus",
    "live.open_chosen": "check_passage_tokens consent_of open_chosen open_for_settings remember_consent",
    "live.workspace": "Workspace",
}
_HOME: dict[str, str] = {name: module for module, names in _MODULES.items() for name in names.split()}

# The same names, written out for readers and linters (a test checks the three lists agree).
__all__ = [
    "AnnIndex",
    "CODE_FILE_PATTERNS",
    "DEFAULT_MODEL",
    "DEFAULT_TARGET_TOKENS",
    "Engine",
    "EngineListener",
    "EngineState",
    "FilePage",
    "FileStatus",
    "FolderError",
    "Hit",
    "Hits",
    "IndexFacts",
    "IndexStatus",
    "KNOWN_MODELS",
    "KnownError",
    "LinkIndex",
    "MIN_DIMS",
    "MIN_PASSAGE_TOKENS",
    "ModelChangeState",
    "ModelChoice",
    "ModelMissingError",
    "NO_WORDS",
    "NoteFilter",
    "NoteLinks",
    "Phase",
    "Progress",
    "QueryNeedsModel",
    "QueryWords",
    "REFUSAL_MARK",
    "ReconcileStats",
    "Related",
    "STOPWORDS",
    "Settings",
    "Store",
    "WIKILINK",
    "Workspace",
    "canonical_name",
    "catalogue_json",
    "check_passage_tokens",
    "choice_key",
    "clean_passage",
    "config_dir",
    "consent_of",
    "crash_asked",
    "crash_if_asked",
    "current_logs",
    "data_home",
    "dims_of",
    "display",
    "distinguishers",
    "download_model",
    "encoder_file",
    "fold",
    "index_files",
    "index_model_id",
    "is_exact",
    "is_folder_name",
    "is_japanese",
    "known",
    "language_of",
    "markdown_for_preview",
    "model_display_name",
    "model_files",
    "narrow",
    "needs_remote_code",
    "note_links",
    "open_chosen",
    "open_embedder",
    "open_for_settings",
    "parse_wikilink",
    "private_file",
    "quality_warning",
    "raw_b64",
    "read_error",
    "read_facts",
    "readable_span",
    "readable_title",
    "remember_consent",
    "resolve_model_path",
    "saved_scale",
    "scan_folder",
    "settings_path",
    "start_logging",
    "stay_offline",
    "tighten_folder",
    "with_dims",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Not cached here: each lookup reads the defining module, so a late `from gte_notes.core import X` sees
    # what that module holds now, as a direct import would (tests replace functions there).
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
