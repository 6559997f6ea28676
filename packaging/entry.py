"""Entry point of the frozen (PyInstaller) app: the same `main` as the pip-installed `gte-notes` script."""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen executable re-runs itself for any multiprocessing child (torch, tokenizers and joblib can
    # start one); without this the child would parse the child's arguments as a gte-notes command line.
    multiprocessing.freeze_support()
    from gte_notes.cli import main

    sys.exit(main())
