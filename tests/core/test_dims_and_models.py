"""Elastic dimensions end to end, the model catalogue, and the CLI's model commands.

Real parts: the stand-in model (MiniLM, 384 dimensions) through the CLI, the real store and ANN.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from gte_notes.cli import main
from gte_notes.core.errors import KnownError
from gte_notes.core.model.dims import check_dims, dims_of, quality_warning, truncate, with_dims
from gte_notes.core.model.model_catalog import canonical_name, catalogue_json, known

NOTES = {
    "tea.md": "# Tea\nGreen tea is steeped briefly in water below boiling, black tea in boiling water.\n",
    "bikes.md": "# Bicycles\nA chain needs oil every few hundred kilometres, more often in the rain.\n",
    "bread.md": "# Bread\nSourdough rises slowly with a starter and bakes in a very hot oven.\n",
}


def test_truncate_keeps_the_first_components_at_unit_length() -> None:
    rng = np.random.default_rng(0)
    full = rng.standard_normal((5, 384)).astype(np.float32)
    cut = truncate(full, 128)
    assert cut.shape == (5, 128) and cut.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(cut, axis=1), 1.0, atol=1e-6)
    expected = full[:, :128] / np.linalg.norm(full[:, :128], axis=1, keepdims=True)
    np.testing.assert_allclose(cut, expected, atol=1e-6)


def test_dims_bounds_are_clear_errors() -> None:
    assert check_dims(0, 384, "m") == 384 and check_dims(256, 384, "m") == 256
    for bad in (50, 1000, -1):
        with pytest.raises(KnownError, match="choose from 128 to 384"):
            check_dims(bad, 384, "m")
    assert dims_of("all-MiniLM:abc:fp32:384") == 384 and dims_of("all-MiniLM:abc:fp32:384:d256") == 256


def test_quality_warning_only_for_models_not_trained_for_it() -> None:
    assert "quality drops" in quality_warning("thenlper/gte-small", 256, 384)
    assert quality_warning("thenlper/gte-small", 384, 384) == ""
    assert quality_warning("Alibaba-NLP/gte-multilingual-base", 256, 768) == ""


def test_catalogue_facts() -> None:
    small, multi = known("gte-small"), known("gte-multilingual-base")
    assert small and multi and canonical_name("gte-multilingual-base") == "Alibaba-NLP/gte-multilingual-base"
    assert (small.pooling, small.max_tokens, small.dim, small.needs_remote_code) == ("mean", 512, 384, False)
    assert (multi.pooling, multi.max_tokens, multi.min_dim, multi.dim) == ("cls", 8192, 128, 768)
    assert multi.needs_remote_code and multi.elastic
    assert {f["key"] for f in catalogue_json()} == {"gte-small", "gte-multilingual-base"}


@pytest.mark.model
def test_cut_vectors_are_the_models_own_truncated(minilm_embedder) -> None:
    cut = with_dims(minilm_embedder, 256)
    assert (
        with_dims(minilm_embedder, 384) is minilm_embedder
        and with_dims(minilm_embedder, 0) is minilm_embedder
    )
    assert cut.dim == 256 and cut.model_id == minilm_embedder.model_id + ":d256"
    texts = ["green tea", "a bicycle chain needs oil"]
    np.testing.assert_allclose(cut.encode(texts), truncate(minilm_embedder.encode(texts), 256), atol=1e-6)
    np.testing.assert_allclose(
        cut.encode_query("tea"), truncate(minilm_embedder.encode_query("tea"), 256), atol=1e-6
    )
    assert cut.max_tokens == minilm_embedder.max_tokens  # everything else is the model's


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.model
def test_dims_end_to_end_through_the_cli(tmp_path: Path, capsys, minilm_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text)
    base = ["--model", str(minilm_path), "--precision", "fp32", "--data-dir", str(tmp_path / "d")]

    code, _, err = _run(capsys, *base, "--dims", "256", "index", str(notes))
    assert code == 0, err
    assert "quality drops" in err  # MiniLM was not trained for cut vectors
    code, out, _ = _run(capsys, *base, "status", str(notes), "--json")
    status = json.loads(out)
    assert status["dims"] == 256 and status["model"].endswith(":d256") and status["vectors"] >= 6
    db = Path(status["index_dir"]) / "index.db"
    # search without --dims answers from the index's own size
    code, out, err = _run(capsys, *base, "search", str(notes), "steeping leaves in hot water", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["path"] == "tea.md"

    for bad in ("50", "1000"):  # refused, and the index is as it was
        code, _, err = _run(capsys, *base, "--dims", bad, "index", str(notes))
        assert code == 1 and "choose from 128 to 384" in err and "Traceback" not in err
        code, out, _ = _run(capsys, *base, "status", str(notes), "--json")
        assert json.loads(out)["dims"] == 256 and json.loads(out)["vectors"] == status["vectors"]

    code, _, err = _run(capsys, *base, "--dims", "0", "index", str(notes))
    assert code == 0, err
    code, out, _ = _run(capsys, *base, "status", str(notes), "--json")
    assert json.loads(out)["dims"] == 384
    with sqlite3.connect(db) as conn:  # each size keys its own vectors: they never mix
        sizes = {(m, len(v)) for m, v in conn.execute("SELECT model_id, vector FROM vectors")}
    assert {n for m, n in sizes if m.endswith(":d256")} <= {256 * 4}
    assert {n for m, n in sizes if not m.endswith(":d256")} == {384 * 4}


def test_unknown_model_is_a_clear_error(tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    code, _, err = _run(
        capsys, "--model", "nobody/no-such-model", "--data-dir", str(tmp_path / "d"), "index", str(notes)
    )
    assert (
        code == 2 and "not on this computer" in err and "gte-notes model download nobody/no-such-model" in err
    )


@pytest.mark.model
def test_model_info_json_lists_the_known_models(tmp_path: Path, capsys, minilm_path: Path) -> None:
    code, out, err = _run(
        capsys,
        "--model",
        str(minilm_path),
        "--precision",
        "fp32",
        "--data-dir",
        str(tmp_path / "d"),
        "model",
        "info",
        "--json",
    )
    assert code == 0, err
    info = json.loads(out)
    assert info["current"]["dim"] == 384 and info["current"]["max_tokens"] == 256
    by_key = {m["key"]: m for m in info["known"]}
    assert by_key["gte-multilingual-base"]["download_size"].startswith("approx.")
    assert by_key["gte-small"]["license"] == "MIT" and by_key["gte-multilingual-base"]["max_tokens"] == 8192
    code, out, _ = _run(
        capsys,
        "--model",
        str(minilm_path),
        "--precision",
        "fp32",
        "--data-dir",
        str(tmp_path / "d"),
        "model",
        "info",
    )
    assert code == 0 and json.loads(out)["model_id"] == info["current"]["model_id"]  # the old output


def test_download_offline_says_what_to_do(tmp_path: Path, capsys) -> None:
    """No network here (HF_HUB_OFFLINE in tests): the real download path fails with a message."""
    code, _, err = _run(
        capsys, "--data-dir", str(tmp_path / "d"), "model", "download", "gte-multilingual-base"
    )
    assert code == 1
    assert 'Could not download model "Alibaba-NLP/gte-multilingual-base"' in err
    assert "approx. 610 MB" in err and "Traceback" not in err
    code, _, err = _run(capsys, "--data-dir", str(tmp_path / "d"), "model", "download", str(tmp_path))
    assert code == 1 and "needs no download" in err


@pytest.mark.model
def test_the_apps_engine_loads_the_chosen_size(tmp_path: Path, minilm_path: Path) -> None:
    """The app's own path (saved query encoder, then the full model for notes) with the dims setting."""
    from gte_notes.core.files.config import Settings
    from gte_notes.core.live.engine import Engine

    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text)
    settings = Settings(model=str(minilm_path), precision="fp32", dims=128)
    engine = Engine(notes, home=tmp_path / "home", settings=settings, watch=False)
    engine.start()
    try:
        assert engine.wait_idle(300)
        assert engine.status().dims == 128
        assert engine.search("oiling a chain", 1)[0].path == "bikes.md"
    finally:
        engine.stop()
    settings.dims = 64  # a size the model cannot give: a clear error, the index as it was
    errors: list[str] = []
    from gte_notes.core.live.engine import EngineListener

    bad = Engine(
        notes,
        home=tmp_path / "home",
        settings=settings,
        watch=False,
        listener=EngineListener(on_error=lambda message, *_: errors.append(message)),
    )
    bad.start()
    try:
        bad.wait_idle(300)
        assert errors and "choose from 128 to 384" in errors[0]
        assert bad.status().dims == 128
    finally:
        bad.stop()


def test_which_vectors_can_be_cut_to_another_size() -> None:
    from gte_notes.core.model.dims import cut_of

    assert cut_of("m:abc:fp32:384:d256", "m:abc:fp32:384") == 256
    assert cut_of("m:abc:fp32:768:d256", "m:abc:fp32:768:d512") == 256
    assert cut_of("m:abc:fp32:768:d512", "m:abc:fp32:768:d256") == 0  # cannot grow
    assert cut_of("m:abc:fp32:384:d256", "m:abc:int8:384") == 0  # another precision: other vectors
    assert cut_of("m:abc:fp32:384", "m:abc:fp32:384:d256") == 0
