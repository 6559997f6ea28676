"""Finding the model offline: the Hugging Face cache for real, local folders, the bundled hook, errors."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from gte_notes.core.errors import KnownError, ModelMissingError
from gte_notes.core.model import model_files
from gte_notes.core.model.model_files import DEFAULT_MODEL, model_fingerprint, resolve_model_path

REV = "0123456789abcdef0123456789abcdef01234567"


def lay_out_hub_cache(hf_home: Path, repo_id: str, model_dir: Path) -> Path:
    """Put `model_dir` into `hf_home` the way huggingface_hub itself stores a download.

    Files live once in blobs/ under their hash, the snapshot holds relative symlinks to them, and
    refs/main names the snapshot's revision.
    """
    repo = hf_home / "hub" / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / REV
    for src in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        rel = src.relative_to(model_dir)
        blob = repo / "blobs" / hashlib.sha256(str(rel).encode() + str(src.stat().st_size).encode()).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, blob)
        link = snapshot / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(REV)
    return snapshot


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty HF_HOME, offline, with no other way to find a model; returns the HF_HOME folder."""
    hf_home = tmp_path / "hf-home"
    hf_home.mkdir()
    monkeypatch.setenv("HF_HOME", str(hf_home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", model_files.BUNDLED_MODEL_ENV):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delattr(sys, "frozen", raising=False)
    return hf_home


@pytest.mark.model
def test_default_model_is_found_in_the_hf_cache_and_embeds(
    clean_env: Path, minilm_path: Path, minilm_embedder
) -> None:
    from gte_notes.core.model.embedder import load_embedder

    snapshot = lay_out_hub_cache(clean_env, DEFAULT_MODEL, minilm_path)

    assert resolve_model_path(DEFAULT_MODEL) == snapshot
    embedder = load_embedder(DEFAULT_MODEL, precision="fp32")
    assert embedder.path == snapshot
    vecs = embedder.encode(["Tomatoes need sun.", "Oil the bike chain."])
    assert vecs.shape == (2, 384)
    assert np.allclose(vecs, minilm_embedder.encode(["Tomatoes need sun.", "Oil the bike chain."]), atol=1e-5)
    # Same files in another place: the vectors stay valid, only the display name differs.
    assert embedder.model_id.startswith("gte-small:")
    assert embedder.model_id.split(":")[1:] == minilm_embedder.model_id.split(":")[1:]


def test_hf_cache_location_is_read_when_called(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert model_files.hub_cache_dir() == clean_env / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(clean_env / "elsewhere"))
    assert model_files.hub_cache_dir() == clean_env / "elsewhere"


def test_missing_model_says_how_to_get_it(clean_env: Path) -> None:
    with pytest.raises(ModelMissingError) as info:
        resolve_model_path(DEFAULT_MODEL)
    assert info.value.exit_code == 2
    message = str(info.value)
    assert '"thenlper/gte-small" is not on this computer' in message
    assert "gte-notes model download" in message
    assert "--model PATH" in message


def test_snapshot_named_by_ref_but_absent_counts_as_missing(clean_env: Path) -> None:
    repo = clean_env / "hub" / "models--thenlper--gte-small"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(REV)  # an interrupted download can leave exactly this
    with pytest.raises(ModelMissingError):
        resolve_model_path(DEFAULT_MODEL)


def test_other_repo_ids_get_their_own_download_hint(clean_env: Path) -> None:
    with pytest.raises(ModelMissingError, match=r"gte-notes model download BAAI/bge-small-en-v1\.5"):
        resolve_model_path("BAAI/bge-small-en-v1.5")


def test_local_folder_is_used_as_is(clean_env: Path, minilm_path: Path) -> None:
    assert resolve_model_path(str(minilm_path)) == minilm_path


def test_missing_or_wrong_folders_are_known_errors(clean_env: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelMissingError, match="does not exist"):
        resolve_model_path(str(tmp_path / "no-such-model"))
    (tmp_path / "not-a-model").mkdir()
    with pytest.raises(ModelMissingError, match="not a model folder"):
        resolve_model_path(str(tmp_path / "not-a-model"))


def test_bundled_model_env_wins_for_the_default_name_only(
    clean_env: Path, minilm_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(model_files.BUNDLED_MODEL_ENV, str(minilm_path))
    assert resolve_model_path(DEFAULT_MODEL) == minilm_path
    with pytest.raises(ModelMissingError):
        resolve_model_path("someone/other-model")


def test_frozen_app_uses_models_folder_next_to_executable(
    clean_env: Path, minilm_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    bundled = app / "models" / "thenlper--gte-small"
    bundled.parent.mkdir(parents=True)
    bundled.symlink_to(minilm_path, target_is_directory=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "gte-notes"))
    assert resolve_model_path(DEFAULT_MODEL) == bundled


def copy_model(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=False)
    return dest


def test_fingerprint_follows_content_not_location(minilm_path: Path, tmp_path: Path) -> None:
    moved = copy_model(minilm_path, tmp_path / "moved")
    assert model_fingerprint(moved) == model_fingerprint(minilm_path)

    other_config = copy_model(minilm_path, tmp_path / "other-config")
    config = other_config / "config.json"
    config.write_text(config.read_text().replace('"num_hidden_layers": 6', '"num_hidden_layers": 5'))
    assert model_fingerprint(other_config) != model_fingerprint(minilm_path)

    other_weights = copy_model(minilm_path, tmp_path / "other-weights")
    with open(other_weights / "model.safetensors", "ab") as fh:
        fh.write(b"\0" * 8)
    assert model_fingerprint(other_weights) != model_fingerprint(minilm_path)


def test_download_without_network_is_a_known_error(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    # Both guards: offline mode refuses before any socket is opened, and the endpoint is a closed port.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(KnownError) as info:
        model_files.download_model(DEFAULT_MODEL, progress=lambda done, total: None)
    assert not isinstance(info.value, ModelMissingError)
    assert 'Could not download model "thenlper/gte-small"' in str(info.value)
    assert "--model PATH" in str(info.value)
