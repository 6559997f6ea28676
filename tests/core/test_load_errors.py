"""A model folder that cannot be read is a known error with a fix; a bug while loading is not reworded.

The model class is replaced by one that raises (no weights are read): what is tested is only how
load_embedder and the download report each kind of failure."""

from __future__ import annotations

from pathlib import Path

import pytest
import sentence_transformers

from gte_notes.core.errors import KnownError, ModelMissingError
from gte_notes.core.model import model_files
from gte_notes.core.model.embedder import load_embedder


def _model_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "modules.json").write_text("[]")
    return folder


def _raising(err: BaseException) -> type:
    class Raises:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise err

    return Raises


@pytest.mark.parametrize(
    "err",
    [
        OSError("model.safetensors: no such file"),
        ValueError("bad config"),
        RuntimeError("size mismatch for embeddings"),
    ],
)
def test_a_damaged_folder_says_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, err: BaseException
) -> None:
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", _raising(err))
    with pytest.raises(ModelMissingError, match="incomplete or damaged"):
        load_embedder(str(_model_folder(tmp_path)), "fp32")


def test_a_bug_while_loading_is_not_called_a_damaged_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sentence_transformers, "SentenceTransformer", _raising(TypeError("unexpected keyword"))
    )
    with pytest.raises(TypeError):
        load_embedder(str(_model_folder(tmp_path)), "fp32")


def test_download_failures_are_known_errors_and_bugs_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(model_files, "_remote_total_bytes", lambda *args: 0)

    def offline(*args: object, **kwargs: object) -> str:
        raise huggingface_hub.errors.OfflineModeIsEnabled("offline")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(KnownError, match="Could not download"):
        model_files.download_model("thenlper/gte-small")

    def bug(*args: object, **kwargs: object) -> str:
        raise AttributeError("no attribute")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", bug)
    with pytest.raises(AttributeError):
        model_files.download_model("thenlper/gte-small")


@pytest.mark.model
def test_a_model_without_its_tokenizer_files_is_refused(tmp_path: Path, capsys, minilm_path: Path) -> None:
    # A real copy of the stand-in model, less tokenizer.json and vocab.txt: transformers still builds a
    # tokenizer from the special tokens alone (5 tokens), which reads every word as [UNK].
    import shutil

    from gte_notes.cli import main

    model = tmp_path / "model"
    shutil.copytree(minilm_path, model)
    for name in ("tokenizer.json", "vocab.txt"):
        (model / name).unlink()
    with pytest.raises(ModelMissingError, match="no usable tokenizer") as err:
        load_embedder(str(model), "fp32")
    assert "5 tokens" in str(err.value) and "30,522" in str(err.value)

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\n\nabout lighthouses\n")
    code = main(["--model", str(model), "--data-dir", str(tmp_path / "d"), "index", str(notes)])
    out, stderr = capsys.readouterr()
    assert code == 2 and "no usable tokenizer" in stderr and "Traceback" not in stderr
    assert "Indexed" not in out  # nothing was indexed with a model that cannot read
