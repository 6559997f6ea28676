"""The precision check runs once per (model, torch version, CPU flags); later starts reuse its answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gte_notes.core.model import precision_cache
from gte_notes.core.model.embedder import load_embedder
from gte_notes.core.model.precision_check import PrecisionCheck

pytestmark = pytest.mark.model


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calibration passes (the precision check) of every load."""
    counted: list[int] = []
    real = PrecisionCheck.calibration_vectors

    def counting(self: PrecisionCheck, model: object) -> np.ndarray:
        counted.append(1)
        return real(self, model)

    monkeypatch.setattr(PrecisionCheck, "calibration_vectors", counting)
    return counted


def test_a_second_start_reuses_the_check_and_embeds_the_same(
    minilm_path: Path, tmp_path: Path, checks: list[int]
) -> None:
    first = load_embedder(str(minilm_path), "auto", tmp_path)
    assert checks and (tmp_path / precision_cache.CACHE_FILE).is_file()
    checks.clear()

    again = load_embedder(str(minilm_path), "auto", tmp_path)
    assert checks == []  # no calibration pass at all
    assert (again.precision, again.dim, again.model_id) == (first.precision, first.dim, first.model_id)
    # The same words, said once, plus where the answer came from.
    assert "; checked on an earlier start" in again.precision_note
    assert again.precision_note.replace("; checked on an earlier start", "") == first.precision_note
    texts = ["Tomatoes need sun and steady water.", "SQLite keeps the index in one file."]
    assert np.allclose(again.encode(texts), first.encode(texts), atol=1e-6)


def test_other_cpu_flags_or_a_forced_precision_check_again(
    minilm_path: Path, tmp_path: Path, checks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_embedder(str(minilm_path), "auto", tmp_path)
    checks.clear()
    monkeypatch.setattr(precision_cache, "cpu_flags", lambda: ["sse2"])  # the data dir moved machines
    load_embedder(str(minilm_path), "auto", tmp_path)
    assert checks
    checks.clear()
    forced = load_embedder(str(minilm_path), "int8", tmp_path)
    assert checks and forced.precision == "int8"


def test_a_damaged_cache_file_only_costs_the_check(
    minilm_path: Path, tmp_path: Path, checks: list[int]
) -> None:
    (tmp_path / precision_cache.CACHE_FILE).write_text('{"not": "what it should be"', encoding="utf-8")
    emb = load_embedder(str(minilm_path), "fp32", tmp_path)
    assert checks and emb.precision == "fp32"
    checks.clear()
    load_embedder(str(minilm_path), "fp32", tmp_path)
    assert checks == []


def test_without_a_data_dir_nothing_is_remembered(
    minilm_path: Path, tmp_path: Path, checks: list[int]
) -> None:
    load_embedder(str(minilm_path), "fp32")
    load_embedder(str(minilm_path), "fp32")
    assert len(checks) == 2
