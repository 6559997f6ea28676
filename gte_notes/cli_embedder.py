"""The embedder the command-line commands use, from the parsed arguments and settings.

Shared by `cli` and `watch_cli`, so neither imports the other for it.
"""

from __future__ import annotations

import argparse

from gte_notes.core.files.config import Settings
from gte_notes.core.files.paths import data_home


def embedder_for(args: argparse.Namespace, settings: Settings):
    # Imported when called: `--help`, `status` and the GUI launcher do not load torch. Tests replace
    # `load_embedder` on the module (tests/fake_model_cli.py), which this lookup picks up.
    from gte_notes.core.model.embedder import load_embedder

    return load_embedder(settings.model_name(args.model), args.precision or settings.precision,
                         data_home(args.data_dir))
