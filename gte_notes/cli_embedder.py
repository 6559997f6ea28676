"""The embedder the command-line commands use, from the parsed arguments and settings.

Shared by `cli` and `watch_cli`, so neither imports the other for it.
"""

from __future__ import annotations

import argparse

from gte_notes.core.files.config import Settings
from gte_notes.core.index.store import Store


def embedder_for(args: argparse.Namespace, settings: Settings, store: Store | None = None):
    # Imported when called: `--help`, `status` and the GUI launcher do not load torch.
    from gte_notes.cli_models import open_for_cli
    from gte_notes.core.index.status import index_model_id

    # A reader opens the model the way its index was built (the vector size it recorded).
    return open_for_cli(args, settings, index_model_id(store) if store is not None else "")
