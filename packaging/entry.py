"""Entry point of the frozen (PyInstaller) app: the same `main` as the pip-installed `gte-notes` script."""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    from gte_notes.core.offline import stay_offline

    stay_offline()  # first, in the app and in every child it starts: see gte_notes/core/offline.py
    # A frozen executable re-runs itself for any multiprocessing child (torch, tokenizers and joblib can
    # start one); without this the child would parse the child's arguments as a gte-notes command line.
    multiprocessing.freeze_support()
    from gte_notes.cli import main

    sys.exit(main())
