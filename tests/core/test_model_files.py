"""Finding the model offline: the Hugging Face cache for real, local folders, the bundled hook, errors."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from gte_notes.core.errors import KnownError, ModelMissingError
from gte_notes.core.files import bundle
from gte_notes.core.files.config import Settings
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
        blob = (
            repo / "blobs" / hashlib.sha256(str(rel).encode() + str(src.stat().st_size).encode()).hexdigest()
        )
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
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", bundle.BUNDLED_MODEL_ENV):
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
    monkeypatch.setenv(bundle.BUNDLED_MODEL_ENV, str(minilm_path))
    assert resolve_model_path(DEFAULT_MODEL) == minilm_path
    with pytest.raises(ModelMissingError):
        resolve_model_path("someone/other-model")


MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def frozen_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pretend PyInstaller app folder: sys.frozen set and the executable inside; returns its models/."""
    app = tmp_path / "app"
    (app / "models").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "gte-notes"))
    return app / "models"


def bundle_model(models: Path, name: str, model_dir: Path) -> Path:
    """What packaging/build.sh lays out: the model in models/<org>--<name>/ with bundled-model.json."""
    folder = models / name.replace("/", "--")
    shutil.copytree(model_dir, folder)
    (folder / bundle.MANIFEST).write_text(json.dumps({"model": name}))
    return folder


def test_frozen_app_uses_the_model_bundled_under_its_name(
    clean_env: Path, minilm_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = bundle_model(frozen_app(tmp_path, monkeypatch), DEFAULT_MODEL, minilm_path)
    assert resolve_model_path(DEFAULT_MODEL) == bundled
    assert Settings().model_name() == DEFAULT_MODEL
    with pytest.raises(ModelMissingError):
        resolve_model_path(MINILM)


def test_a_bundled_stand_in_keeps_its_own_name(
    clean_env: Path, minilm_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI's installer bundles MiniLM: the app must call it MiniLM, and never serve it as gte-small."""
    bundled = bundle_model(frozen_app(tmp_path, monkeypatch), MINILM, minilm_path)
    assert resolve_model_path(MINILM) == bundled
    with pytest.raises(ModelMissingError, match="thenlper/gte-small"):
        resolve_model_path(DEFAULT_MODEL)
    # With no model chosen, the app uses the one it ships with, by that model's name.
    assert Settings().model_name() == MINILM
    assert Settings.load(tmp_path / "no-settings.json").model == MINILM
    # The manifest is not part of the model: same fingerprint (and so the same index) as the original.
    assert model_fingerprint(bundled) == model_fingerprint(minilm_path)


def test_a_folder_named_for_gte_small_without_a_manifest_is_not_a_bundled_model(
    clean_env: Path, minilm_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old layout: MiniLM copied into models/thenlper--gte-small. Its folder name proves nothing."""
    models = frozen_app(tmp_path, monkeypatch)
    shutil.copytree(minilm_path, models / "thenlper--gte-small")
    with pytest.raises(ModelMissingError):
        resolve_model_path(DEFAULT_MODEL)
    assert Settings().model_name() == DEFAULT_MODEL


@pytest.mark.model
def test_model_info_json_names_the_bundled_model(
    clean_env: Path, minilm_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from gte_notes.cli import main

    bundled = bundle_model(frozen_app(tmp_path, monkeypatch), MINILM, minilm_path)
    monkeypatch.setenv("GTE_NOTES_CONFIG", str(tmp_path / "config"))  # no settings: the app's default
    monkeypatch.delenv("GTE_NOTES_MODEL", raising=False)
    code = main(["--precision", "fp32", "--data-dir", str(tmp_path / "data"), "model", "info", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    current = json.loads(out)["current"]
    assert current["model"] == MINILM and current["path"] == str(bundled)
    assert current["model_id"].startswith("all-MiniLM-L6-v2:") and current["known"] is None


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
