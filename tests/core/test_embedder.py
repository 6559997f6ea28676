"""The Embedder with the real stand-in model: vectors, order, cancel, tokens, precision and its check.

All real-model tests share model loads per session or module; a test that needs a fresh load (for a
patched precision rule) loads with the small calibration set only, which takes about a second.
"""

from __future__ import annotations

import csv
import re
import threading
from pathlib import Path

import numpy as np
import pytest

from gte_notes.core.errors import Cancelled, KnownError, ModelMissingError
from gte_notes.core.model import precision_check
from gte_notes.core.model.embedder import Embedder, load_embedder, plan_batches
from gte_notes.core.model.precision_check import PrecisionCheck

pytestmark = pytest.mark.model

MIXED = [
    "Tomatoes need sun and water every morning.",
    "Oil the chain.",
    "The quarterly report shows revenue grew eight percent while costs stayed flat, "
    "mostly because the new warehouse opened on schedule and shipping times dropped. " * 6,
    "",
    "## Compost\n\nCompost feeds the soil with worms and kitchen scraps.",
    "x",
    "def add(a, b):\n    return a + b",
]


@pytest.fixture(scope="module")
def sts_sentences(shared_dir: Path) -> list[str]:
    """200 sentences from STS-B test: short, varied, the kind of text the precision check must hold on."""
    with open(shared_dir / "eval" / "stsb" / "sts-test.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))[:100]
    return [r[5] for r in rows] + [r[6] for r in rows]


@pytest.fixture(scope="module")
def by_precision(minilm_path: Path, minilm_embedder: Embedder) -> dict[str, Embedder]:
    return {
        "fp32": minilm_embedder,
        "bf16": load_embedder(str(minilm_path), precision="bf16"),
        "int8": load_embedder(str(minilm_path), precision="int8"),
    }


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1)))


def note_cosine(note: str) -> float:
    found = re.search(r"cosine to fp32 ([0-9.]+)", note)
    assert found, note
    return float(found.group(1))


# -- vectors ----------------------------------------------------------------------------------------


def test_vectors_match_sentence_transformers(minilm_embedder: Embedder, minilm_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(minilm_path), device="cpu").encode(MIXED, normalize_embeddings=True)
    vecs = minilm_embedder.encode(MIXED)
    assert vecs.dtype == np.float32 and vecs.shape == (len(MIXED), 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert min_cosine(vecs, reference) > 0.9999


def test_length_sorting_keeps_input_order(minilm_embedder: Embedder) -> None:
    texts = [f"note {i}: " + "word " * (i * 37 % 200) for i in range(12)]
    together = minilm_embedder.encode(texts)
    one_by_one = np.stack([minilm_embedder.encode_query(t) for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-4)
    with_counts = minilm_embedder.encode(texts, token_counts=[minilm_embedder.count_tokens(t) for t in texts])
    assert np.allclose(together, with_counts, atol=1e-5)


def test_empty_input_and_over_long_text(minilm_embedder: Embedder) -> None:
    assert minilm_embedder.encode([]).shape == (0, 384)
    long_text = "alpha beta gamma delta " * 400
    offsets = minilm_embedder.token_offsets(long_text)
    kept = long_text[: offsets[minilm_embedder.max_tokens - 3][1]]  # what fits with [CLS] and [SEP]
    vec_long, vec_kept = minilm_embedder.encode([long_text, kept])
    assert float(vec_long @ vec_kept) > 0.9999


def test_cancel_stops_between_batches(minilm_embedder: Embedder) -> None:
    texts = ["a fairly ordinary sentence about gardening " * 12] * 30  # several batches
    with pytest.raises(Cancelled):
        minilm_embedder.encode(texts, cancel=lambda: True)
    polls = []

    def cancel_on_second_poll() -> bool:
        polls.append(1)
        return len(polls) >= 2

    with pytest.raises(Cancelled):
        minilm_embedder.encode(texts, cancel=cancel_on_second_poll)
    assert len(polls) == 2


def test_query_does_not_wait_for_indexing(minilm_embedder: Embedder) -> None:
    """A query answers while a long indexing encode is still running on another thread."""
    stop = threading.Event()
    started = threading.Event()
    outcome: list[BaseException | np.ndarray] = []

    def polled() -> bool:
        started.set()
        return stop.is_set()

    def index() -> None:
        try:
            # Minutes of work if never cancelled, so finishing early would be noticed.
            outcome.append(
                minilm_embedder.encode(["long paragraph about many things " * 40] * 2000, cancel=polled)
            )
        except BaseException as err:  # noqa: BLE001 - handed to the main thread to assert on
            outcome.append(err)

    worker = threading.Thread(target=index)
    worker.start()
    try:
        assert started.wait(180)  # tokenizing the 2,000 texts comes first; generous for a busy machine
        query = minilm_embedder.encode_query("how do I fix a flat tyre?")
        assert worker.is_alive(), "the query waited for the whole indexing run"
    finally:
        stop.set()
        worker.join(60)
    assert query.shape == (384,) and abs(float(np.linalg.norm(query)) - 1) < 1e-5
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


def test_queries_embed_the_same_through_the_traced_graph(minilm_embedder: Embedder) -> None:
    """Short queries go through a TorchScript trace; long ones eagerly. Both equal a batch encode."""
    assert minilm_embedder.prepare_queries()  # the stand-in model traces
    queries = [
        "c",
        "how do I fix a flat tyre?",
        "daily journal",
        "café crème brûlée recipe",
        "why " * 80,
    ]  # the last is over the traced length
    batch = minilm_embedder.encode(queries)
    for q, ref in zip(queries, batch, strict=True):
        assert float(np.dot(minilm_embedder.encode_query(q), ref)) > 0.99999, q


def test_a_model_that_cannot_be_traced_still_answers_queries(
    minilm_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("this model cannot be traced")

    monkeypatch.setattr(torch.jit, "trace", refuse)
    emb = load_embedder(str(minilm_path), precision="fp32")
    assert not emb.prepare_queries()
    assert float(np.dot(emb.encode_query("flat tyre"), emb.encode(["flat tyre"])[0])) > 0.99999


def test_a_query_leaves_the_thread_count_of_its_thread_alone(minilm_embedder: Embedder) -> None:
    import torch

    before = torch.get_num_threads()
    minilm_embedder.encode_query("one short query")
    assert torch.get_num_threads() == before


# -- tokens -----------------------------------------------------------------------------------------


def test_token_offsets_point_into_the_text(minilm_embedder: Embedder) -> None:
    text = "Héllo wörld — naïve café, 日本 [[note.link]]"
    spans = minilm_embedder.token_offsets(text)
    pieces = [text[a:b] for a, b in spans]
    assert pieces[:4] == ["Héllo", "wörld", "—", "naïve"]
    assert all(0 <= a < b <= len(text) for a, b in spans)


def test_count_tokens_includes_special_tokens(minilm_embedder: Embedder) -> None:
    assert minilm_embedder.count_tokens("hello world") == 4  # [CLS] hello world [SEP]
    assert minilm_embedder.count_tokens("") == 2
    long_text = "word " * 1000
    assert minilm_embedder.count_tokens(long_text) == 1002  # not truncated to max_tokens


def test_token_offsets_of_a_one_megabyte_line(
    minilm_embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    unit = "lorem ipsum dolor sit amet "
    line = unit * 38_000  # ~1 MB, no newline
    spans = minilm_embedder.token_offsets(line)
    assert len(spans) == len(minilm_embedder.token_offsets(unit)) * 38_000
    assert spans[-1][1] == len(line.rstrip())
    assert not [r for r in caplog.records if "longer than" in r.getMessage()]


# -- precision --------------------------------------------------------------------------------------


def test_auto_precision_picks_the_fast_path_this_cpu_has(minilm_path: Path) -> None:
    auto = load_embedder(str(minilm_path), precision="auto")
    if precision_check.cpu_has_native_bf16():
        assert auto.precision == "bf16"
        assert note_cosine(auto.precision_note) >= precision_check.MIN_CALIBRATION_COSINE
    else:
        # Without native bf16, ONNX int8 and fp32 are tried (torch int8 only without ONNX Runtime);
        # only those that passed the check race fp32, and the fastest is kept.
        assert "no native bf16 on this CPU" in auto.precision_note
        assert "torch int8 not tried" in auto.precision_note
        assert auto.precision in ("onnx-int8", "onnx-fp32", "fp32")
        if auto.precision in ("fp32", "onnx-fp32"):
            assert "int8 failed the check" in auto.precision_note
    assert auto.precision_note.startswith(f"{auto.precision} (auto:")


def test_auto_keeps_the_fastest_path_that_passed(minilm_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raced: list[set[str]] = []

    def race(self: PrecisionCheck, variants: dict[str, object]) -> dict[str, float]:
        raced.append(set(variants))
        return {name: {"onnx-fp32": 0.5}.get(name, 1.0) for name in variants}

    monkeypatch.setattr(PrecisionCheck, "race", race)
    auto = load_embedder(str(minilm_path), precision="auto")
    assert auto.precision == "onnx-fp32" and auto.model_id.endswith(":onnx-fp32:384")
    # MiniLM fails int8 in both runtimes: neither may race, however fast. The ONNX fp32 export stands for
    # torch fp32, so without native bf16 nothing is left to race; where bf16 is native it races the export.
    assert "torch fp32 not raced" in auto.precision_note
    if precision_check.cpu_has_native_bf16():
        assert raced == [{"onnx-fp32", "bf16"}] and "bf16 0.50x" in auto.precision_note
    else:
        assert raced == []
    texts = MIXED[:3]
    reference = load_embedder(str(minilm_path), precision="fp32")
    assert np.allclose(auto.encode(texts), reference.encode(texts), atol=1e-4)
    assert np.allclose(auto.encode_query(texts[0]), reference.encode_query(texts[0]), atol=1e-4)


def test_auto_stays_on_fp32_when_nothing_else_is_faster(
    minilm_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without ONNX Runtime, torch fp32 races what passed (bf16 where native; torch int8 fails on MiniLM).
    from gte_notes.core.model import onnx_model

    monkeypatch.setattr(onnx_model, "runtime_version", lambda: None)
    monkeypatch.setattr(precision_check, "runtime_version", lambda: None)
    monkeypatch.setattr(precision_check, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(
        PrecisionCheck, "race", lambda self, variants: {n: 1.0 if n == "fp32" else 1.5 for n in variants}
    )
    auto = load_embedder(str(minilm_path), precision="auto")
    assert auto.precision == "fp32" and "bf16 0.67x" in auto.precision_note


def test_without_onnx_runtime_auto_says_so_and_forcing_it_is_a_clear_error(
    minilm_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gte_notes.core.model import onnx_model

    monkeypatch.setattr(onnx_model, "runtime_version", lambda: None)
    monkeypatch.setattr(precision_check, "runtime_version", lambda: None)
    auto = load_embedder(str(minilm_path), precision="auto")
    assert auto.precision in ("fp32", "int8", "bf16") and "ONNX Runtime not installed" in auto.precision_note
    assert "int8 failed the check" in auto.precision_note  # without ONNX Runtime, torch int8 is tried
    with pytest.raises(KnownError, match="needs ONNX Runtime, which is not installed"):
        load_embedder(str(minilm_path), precision="onnx-int8")


def test_onnx_precisions_embed_like_the_model(
    by_precision: dict[str, Embedder], minilm_path: Path, sts_sentences: list[str]
) -> None:
    reference = by_precision["fp32"].encode(sts_sentences)
    exported = load_embedder(str(minilm_path), precision="onnx-fp32")
    assert np.allclose(exported.encode(sts_sentences), reference, atol=1e-4)
    assert np.allclose(
        exported.encode_query(MIXED[2]), by_precision["fp32"].encode_query(MIXED[2]), atol=1e-4
    )
    int8 = load_embedder(str(minilm_path), precision="onnx-int8")
    vectors = int8.encode(sts_sentences)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    calibrated = note_cosine(int8.precision_note)  # the note tells the truth about the check
    assert ("below" in int8.precision_note) == (calibrated < 0.99)
    assert float(np.mean(np.sum(vectors * reference, axis=1))) > 0.9


def test_auto_prefers_native_bf16_when_it_passes(minilm_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision_check, "cpu_has_native_bf16", lambda: True)
    # As timed where bf16 is native (this CPU may only emulate it, and emulated bf16 is slow).
    monkeypatch.setattr(
        PrecisionCheck, "race", lambda self, variants: {n: 0.3 if n == "bf16" else 1.0 for n in variants}
    )
    auto = load_embedder(str(minilm_path), precision="auto")
    assert auto.precision == "bf16"
    # Queries then run in fp32 through ONNX Runtime when its export passes the check (fp32_queries.py).
    assert re.fullmatch(
        r"bf16 \(auto: .*bf16 3\.33x.*; cosine to fp32 0\.99\d\d on calibration set\)"
        r"(; queries in fp32 \(ONNX Runtime\))?",
        auto.precision_note,
    )


def test_failed_check_falls_back_and_says_so(minilm_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision_check, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(precision_check, "MIN_CALIBRATION_COSINE", 1.01)
    auto = load_embedder(str(minilm_path), precision="auto")
    assert auto.precision == "fp32"
    assert auto.model_id.endswith(":fp32:384")
    for name in ("bf16", "onnx-fp32", "onnx-int8"):
        assert f"{name} failed the check" in auto.precision_note
    assert "torch int8 not tried" in auto.precision_note


def test_forced_precisions_work_and_stay_close_to_fp32(
    by_precision: dict[str, Embedder], sts_sentences: list[str]
) -> None:
    reference = by_precision["fp32"].encode(sts_sentences)
    assert by_precision["fp32"].precision_note.startswith("fp32 (forced")
    bf16 = by_precision["bf16"].encode(sts_sentences)
    assert by_precision["bf16"].precision == "bf16"
    assert min_cosine(bf16, reference) >= 0.99
    int8 = by_precision["int8"].encode(sts_sentences)
    assert int8.dtype == np.float32 and np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-4)
    assert by_precision["int8"].precision == "int8"
    # Dynamic int8 drifts on this trained model; what matters is that the note tells the truth.
    calibrated = note_cosine(by_precision["int8"].precision_note)
    assert ("below" in by_precision["int8"].precision_note) == (calibrated < 0.99)
    assert float(np.mean(np.sum(int8 * reference, axis=1))) > 0.9
    if calibrated >= 0.995:
        assert min_cosine(int8, reference) >= 0.99


def test_model_id_separates_precisions(by_precision: dict[str, Embedder]) -> None:
    ids = {p: e.model_id for p, e in by_precision.items()}
    assert len(set(ids.values())) == 3
    for precision, model_id in ids.items():
        _name, fingerprint, prec, dim = model_id.split(":")
        assert (prec, dim) == (precision, "384") and len(fingerprint) == 12
    assert len({mid.split(":")[1] for mid in ids.values()}) == 1


# -- loading and planning ---------------------------------------------------------------------------


def test_broken_model_folder_is_a_known_error(minilm_path: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "modules.json"):
        (broken / name).write_bytes((minilm_path / name).read_bytes())
    (broken / "model.safetensors").write_bytes(b"not really weights")
    with pytest.raises(ModelMissingError, match="could not be loaded"):
        load_embedder(str(broken))
    with pytest.raises(KnownError, match="Unknown precision"):
        load_embedder(str(minilm_path), precision="fp16")


@pytest.mark.parametrize("budget", [64, 1024])
def test_batch_plan_covers_everything_within_budget(budget: int) -> None:
    lengths = [(i * 53) % 300 + 2 for i in range(200)]
    batches = plan_batches(lengths, budget, max_rows=128)
    assert sorted(i for b in batches for i in b) == list(range(200))
    for batch in batches:
        widest = max(lengths[i] for i in batch)
        assert len(batch) == 1 or len(batch) * widest <= budget
        assert len(batch) <= 128
