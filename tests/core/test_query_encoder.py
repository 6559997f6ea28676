"""The saved query encoder: a restart searches by meaning without loading sentence-transformers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gte_notes.core.model.embedder import Embedder, load_embedder
from gte_notes.core.model.onnx_model import OnnxModel
from gte_notes.core.model.query_encoder import ENCODER_DIR, QueryNeedsModel, QuickEmbedder
from gte_notes.core.model.serving import open_embedder

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[2]
QUERIES = ["tomatoes", "how do I publish my notes as a website", "SQLite write-ahead logging and readers"]
NOTE = "# Growing tomatoes\n\nStake the tomato plants early; water them in the morning."


@pytest.fixture(scope="module")
def saved(minilm_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Embedder]:
    data = tmp_path_factory.mktemp("data")
    first = open_embedder(str(minilm_path), "fp32", data)
    # A first start loads the model, saves the encoder and queries through it from then on.
    assert isinstance(first, QuickEmbedder) and isinstance(first._full, Embedder)
    # fp32 is saved as an ONNX model (onnx_query_encoder.py): a restart needs no torch.
    assert list((data / ENCODER_DIR).glob("*.onnx")) and list((data / ENCODER_DIR).glob("*.json"))
    return data, load_embedder(str(minilm_path), "fp32")  # the reference: the model, loaded apart


def test_a_restart_embeds_queries_like_the_model_without_loading_it(minilm_path: Path, saved) -> None:
    data, full = saved
    quick = open_embedder(str(minilm_path), "fp32", data)
    assert isinstance(quick, QuickEmbedder) and quick._full is None  # the model is not loaded
    assert (quick.model_id, quick.dim, quick.max_tokens) == (full.model_id, full.dim, full.max_tokens)
    for query in QUERIES:
        assert np.allclose(quick.encode_query(query), full.encode_query(query), atol=1e-5)
    assert quick.count_tokens(NOTE) == full.count_tokens(NOTE)
    assert quick.token_offsets(NOTE) == full.token_offsets(NOTE)


def test_notes_are_embedded_by_the_full_model_loaded_on_first_use(minilm_path: Path, saved) -> None:
    data, full = saved
    quick = open_embedder(str(minilm_path), "fp32", data)
    assert np.allclose(quick.encode([NOTE, "Another note."]), full.encode([NOTE, "Another note."]), atol=1e-5)
    assert quick.full().model_id == full.model_id


def test_the_fast_start_imports_neither_torch_nor_transformers(minilm_path: Path, saved) -> None:
    data, _full = saved
    code = (
        f"import sys, json; sys.path.insert(0, {str(REPO)!r})\n"
        "from gte_notes.core.model.serving import open_embedder\n"
        f"e = open_embedder({str(minilm_path)!r}, 'fp32', {str(data)!r})\n"
        "e.encode_query('tomatoes')\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers', 'scipy', 'sklearn', 'sympy')\n"
        "print(json.dumps([type(e).__name__, [m for m in heavy if m in sys.modules]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["QuickEmbedder", []]


def test_a_damaged_saved_encoder_falls_back_to_the_model(minilm_path: Path, saved, tmp_path: Path) -> None:
    data, full = saved
    copy = tmp_path / "data"
    (copy / ENCODER_DIR).mkdir(parents=True)
    for file in (data / ENCODER_DIR).iterdir():
        (copy / ENCODER_DIR / file.name).write_bytes(
            file.read_bytes()[:1000] if file.suffix == ".onnx" else file.read_bytes()
        )
    again = open_embedder(str(minilm_path), "fp32", copy)
    assert isinstance(again._full, Embedder) and again.model_id == full.model_id  # it had to load the model
    assert open_embedder(str(minilm_path), "fp32", copy)._full is None  # saved anew


def _encoder_files(data: Path) -> dict[str, bytes]:
    return {file.name: file.read_bytes() for file in sorted((data / ENCODER_DIR).iterdir())}


def _copy_encoders(data: Path, to: Path) -> Path:
    (to / ENCODER_DIR).mkdir(parents=True)
    for name, content in _encoder_files(data).items():
        (to / ENCODER_DIR / name).write_bytes(content)
    return to


def test_a_saved_encoder_with_a_damaged_tokenizer_falls_back_to_the_model(
    minilm_path: Path, saved, tmp_path: Path
) -> None:
    data, full = saved
    copy = _copy_encoders(data, tmp_path / "data")
    (info,) = (copy / ENCODER_DIR).glob("*.json")
    info.write_text(json.dumps({**json.loads(info.read_text()), "tokenizer": "{not a tokenizer"}))
    again = open_embedder(str(minilm_path), "fp32", copy)
    assert isinstance(again._full, Embedder) and again.model_id == full.model_id  # it had to load the model
    assert open_embedder(str(minilm_path), "fp32", copy)._full is None  # saved anew


@pytest.mark.parametrize("where", ["opening the ONNX encoder", "reading its tokenizer"])
def test_a_bug_while_reading_the_saved_encoder_is_logged_as_a_bug_and_the_model_answers(
    minilm_path: Path, saved, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, caplog
) -> None:
    # A bug (TypeError) in gte-notes' fast start, not a damaged file: before, it was taken for a damaged
    # file and deleted with a one-line warning. Now it is logged as a bug with its traceback, and the
    # search still works (on the full model).
    from gte_notes.core.model import query_encoder as query_encoder_module

    data, _full = saved
    copy = _copy_encoders(data, tmp_path / "data")
    before = _encoder_files(copy)

    def bug(*_args: object, **_kwargs: object) -> None:
        raise TypeError("a bug in gte-notes")

    if where == "opening the ONNX encoder":
        monkeypatch.setattr(OnnxModel, "query_vector", bug)
    else:
        monkeypatch.setattr(query_encoder_module, "tokenizer_from_json", bug)
    with caplog.at_level("ERROR"):
        again = open_embedder(str(minilm_path), "fp32", copy)
    assert isinstance(getattr(again, "_full", again), Embedder)  # the model answers
    bugs = [r for r in caplog.records if r.levelname == "ERROR" and "bug while reading" in r.getMessage()]
    assert bugs and bugs[0].exc_info and bugs[0].exc_info[0] is TypeError
    assert set(_encoder_files(copy)) == set(before)  # not removed as if it were damaged


def test_another_precision_is_another_encoder(minilm_path: Path, saved) -> None:
    data, full = saved
    other = open_embedder(str(minilm_path), "int8", data)
    assert isinstance(other._full, Embedder) and other.precision == "int8"
    assert other.model_id != full.model_id and "queries in fp32" in other.precision_note
    # Notes in torch int8, queries in fp32 through ONNX (fp32_queries.py): the saved encoder is that
    # ONNX model, so a restart needs no torch, and its vectors are the fp32 model's.
    again = open_embedder(str(minilm_path), "int8", data)
    assert again._full is None and isinstance(again._graph, OnnxModel) and again.model_id == other.model_id
    for query in QUERIES:
        assert np.allclose(again.encode_query(query), full.encode_query(query), atol=1e-4)
        assert np.allclose(other._full.encode_query(query), full.encode_query(query), atol=1e-4)
    # The notes themselves are still embedded in int8.
    assert not np.allclose(other._full.encode([NOTE]), full.encode([NOTE]), atol=1e-3)
    # A later full load takes the check's answer from the cache and says how queries run once.
    later = load_embedder(str(minilm_path), "int8", data)
    assert "checked on an earlier start" in later.precision_note
    assert later.precision_note.count("queries in fp32") == 1


def test_the_int8_restart_imports_no_torch(minilm_path: Path, saved) -> None:
    data, _full = saved
    open_embedder(str(minilm_path), "int8", data)  # a first start in int8 saves its encoder
    code = (
        f"import sys, json; sys.path.insert(0, {str(REPO)!r})\n"
        "from gte_notes.core.model.serving import open_embedder\n"
        f"e = open_embedder({str(minilm_path)!r}, 'int8', {str(data)!r})\n"
        "e.encode_query('tomatoes')\n"
        "print(json.dumps([e.precision, 'torch' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["int8", False]


def test_without_onnx_runtime_int8_queries_run_in_int8_through_torchscript(
    minilm_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gte_notes.core.model import fp32_queries, onnx_query_encoder

    monkeypatch.setattr(fp32_queries, "runtime_version", lambda: None)
    monkeypatch.setattr(onnx_query_encoder, "runtime_version", lambda: None)
    first = open_embedder(str(minilm_path), "int8", tmp_path)
    assert first._full._fp32_queries is None and list((tmp_path / ENCODER_DIR).glob("*.pt"))
    again = open_embedder(str(minilm_path), "int8", tmp_path)
    assert again._full is None and not isinstance(again._graph, OnnxModel)
    assert np.allclose(again.encode_query(QUERIES[1]), first._full.encode_query(QUERIES[1]), atol=1e-4)


def test_a_bug_while_reading_a_torchscript_encoder_is_logged_and_the_file_kept(
    minilm_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    import torch

    from gte_notes.core.model import fp32_queries, onnx_query_encoder

    monkeypatch.setattr(fp32_queries, "runtime_version", lambda: None)
    monkeypatch.setattr(onnx_query_encoder, "runtime_version", lambda: None)
    open_embedder(str(minilm_path), "fp32", tmp_path)  # without ONNX Runtime: a TorchScript encoder
    before = _encoder_files(tmp_path)
    assert [Path(name).suffix for name in before] == [".pt"]

    def bug(*_args: object, **_kwargs: object) -> None:
        raise TypeError("a bug in gte-notes")

    monkeypatch.setattr(torch.jit, "load", bug)
    with caplog.at_level("ERROR"):
        again = open_embedder(str(minilm_path), "fp32", tmp_path)
    assert isinstance(getattr(again, "_full", again), Embedder)
    bugs = [r for r in caplog.records if r.levelname == "ERROR" and "bug while reading" in r.getMessage()]
    assert bugs and bugs[0].exc_info and bugs[0].exc_info[0] is TypeError
    assert set(_encoder_files(tmp_path)) == set(before)


def test_an_onnx_precision_saves_its_own_model_as_the_encoder(minilm_path: Path, tmp_path: Path) -> None:
    first = open_embedder(str(minilm_path), "onnx-fp32", tmp_path)
    assert isinstance(first._full._inner, OnnxModel)
    again = open_embedder(str(minilm_path), "onnx-fp32", tmp_path)
    assert (
        again._full is None and again.model_id == first.model_id and again.model_id.endswith(":onnx-fp32:384")
    )
    for query in QUERIES:
        assert np.allclose(again.encode_query(query), first._full.encode_query(query), atol=1e-4)
    # The file the model's queries already ran through serves queries of every length the model takes.
    long_query = " ".join(["how do gardens grow tomatoes in the shade of tall trees"] * 40)
    assert again._checked_tokens == first._full.max_tokens  # 256 for MiniLM
    assert np.allclose(again.encode_query(long_query), first._full.encode_query(long_query), atol=1e-4)
    assert again._full is None


def test_a_query_longer_than_the_checked_length_waits_for_the_model(minilm_path: Path, saved) -> None:
    data, full = saved
    quick = open_embedder(str(minilm_path), "fp32", data)
    quick._checked_tokens = 4  # as if the trace had been checked only for short queries
    with pytest.raises(QueryNeedsModel):
        quick.encode_query("a query with rather more words than four")
    quick.full()
    assert np.allclose(
        quick.encode_query("a query with rather more words than four"),
        full.encode_query("a query with rather more words than four"),
        atol=1e-5,
    )


def test_an_engine_restarted_on_an_unchanged_folder_never_loads_the_model(
    minilm_path: Path, saved, tmp_path: Path
) -> None:
    from gte_notes.core.live.engine import Engine
    from tests.core.live_helpers import wait_until, write

    data, _full = saved
    notes = tmp_path / "notes"
    write(
        notes, "garden/tomatoes.md", "# Tomatoes\n\nStake the plants early and water them in the morning.\n"
    )
    write(notes, "tech/db.md", "# Databases\n\nSQLite keeps the whole index in one file.\n")

    def start() -> Engine:
        engine = Engine(
            notes,
            home=tmp_path / "home",
            watch=False,
            embedder_factory=lambda: open_embedder(str(minilm_path), "fp32", data),
        )
        engine.start()
        assert engine.wait_idle(120)
        return engine

    start().stop()
    engine = start()
    try:
        quick = engine.writer.embedder
        assert isinstance(quick, QuickEmbedder) and quick._full is None  # nothing changed: nothing embedded
        hits, mode = engine.search_with_mode("growing vegetables in the garden", 2)
        assert mode == "hybrid" and hits[0].path == "garden/tomatoes.md"
        write(notes, "tech/db.md", "# Databases\n\nPostgres replicates to a standby server.\n")
        engine.reindex(["tech/db.md"])
        wait_until(lambda: "standby" in engine.search("standby replication", 1)[0].passage, 120, "the edit")
        assert quick._full is not None  # the edit needed the model, loaded on the indexing thread
    finally:
        engine.stop()
