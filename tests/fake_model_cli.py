"""The gte-notes CLI in a real process, with the fake embedder: for tests that kill -9 a process.

Crash tests need a whole process (`index`, `watch`) that is busy long enough for a kill to land
mid-run, but not the model's weights. With GTE_NOTES_TEST_FAKE_EMBEDDER=1 this script swaps
`load_embedder` for tests/fakes.FakeEmbedder before running the CLI, and
GTE_NOTES_TEST_ENCODE_DELAY=seconds makes every embedding batch take that long. Only this test script
reads these variables; the product never does.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# The repository root, so `tests` imports whatever the working directory is; hence the late imports.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes import FakeEmbedder


class SlowFakeEmbedder(FakeEmbedder):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def encode(self, texts, token_counts=None, cancel=None):
        deadline = time.monotonic() + self.delay
        # In small steps, so a cancel (Ctrl+C, SIGTERM) is as prompt as with the real model's batches.
        while time.monotonic() < deadline and not (cancel is not None and cancel()):
            time.sleep(0.01)
        return super().encode(texts, token_counts, cancel)


if os.environ.get("GTE_NOTES_TEST_FAKE_EMBEDDER") == "1":
    import gte_notes.core.model.embedder as embedder_module

    _delay = float(os.environ.get("GTE_NOTES_TEST_ENCODE_DELAY", "0") or 0)
    embedder_module.load_embedder = lambda *args, **kwargs: SlowFakeEmbedder(_delay)  # type: ignore[assignment]

from gte_notes.cli import main

raise SystemExit(main())
