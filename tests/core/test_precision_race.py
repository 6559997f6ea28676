"""The precision race's decisions, with fake model paths whose passes cost a set number of ticks on a
fake clock (no model, no timing): which paths are raced, which are dropped early, which one is kept."""

from __future__ import annotations

import numpy as np
import pytest

from gte_notes.core.model import precision_check
from gte_notes.core.model.precision_check import RACE_ROUNDS, RACE_WARMUPS, PrecisionCheck


class FakePaths:
    """Each path is its name; a pass of it advances the clock by its cost and returns the reference
    vectors, moved off them by `error` (a path that fails the fp32 check)."""

    def __init__(self, cost: dict[str, float], error: dict[str, float] | None = None) -> None:
        self.cost, self.error = cost, error or {}
        self.now = 0.0
        self.passes: dict[str, int] = dict.fromkeys(cost, 0)

    def clock(self) -> float:
        return self.now

    def forward(self, path: str, rows: list[list[int]]) -> np.ndarray:
        self.now += self.cost[path]
        self.passes[path] += 1
        vectors = np.zeros((len(rows), 4), dtype=np.float32)
        vectors[:, 0] = 1.0
        tilt = self.error.get(path, 0.0)
        vectors[:, 1] = tilt
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def check(self) -> PrecisionCheck:
        return PrecisionCheck(
            "fp32", lambda name: name, lambda texts: [[1, 2, 3]] * len(texts), self.forward, self.clock
        )


@pytest.fixture
def onnx_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CPU without native bf16, with ONNX Runtime installed."""
    monkeypatch.setattr(precision_check, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setattr(precision_check, "runtime_version", lambda: "1.0")


def choose(paths: FakePaths) -> tuple[str, str]:
    check = paths.check()
    precision, note, _model = check.choose("auto", check.calibration_vectors("fp32"))
    return precision, note


def test_onnx_fp32_stands_for_torch_fp32_so_torch_fp32_is_never_timed(onnx_cpu: None) -> None:
    paths = FakePaths({"fp32": 1.0, "onnx-fp32": 0.9, "onnx-int8": 0.5})
    precision, note = choose(paths)
    assert precision == "onnx-int8"
    assert paths.passes["fp32"] == 1  # the calibration sentences only: the reference vectors
    assert "torch fp32 not raced" in note and "speed vs onnx-fp32 here" in note


def test_a_path_left_far_behind_after_two_rounds_stops_racing(onnx_cpu: None) -> None:
    paths = FakePaths({"fp32": 1.0, "onnx-fp32": 1.0, "onnx-int8": 0.5})
    precision, note = choose(paths)
    assert precision == "onnx-int8" and "onnx-int8 2.00x" in note
    calibration = 1
    assert paths.passes["onnx-fp32"] == calibration + RACE_WARMUPS + 2
    assert paths.passes["onnx-int8"] == calibration + RACE_WARMUPS + 2  # alone: nothing left to race


def test_close_paths_race_every_round(onnx_cpu: None) -> None:
    paths = FakePaths({"fp32": 1.0, "onnx-fp32": 0.55, "onnx-int8": 0.5})
    precision, _note = choose(paths)
    assert precision == "onnx-int8"
    assert paths.passes["onnx-fp32"] == paths.passes["onnx-int8"] == 1 + RACE_WARMUPS + RACE_ROUNDS


def test_a_path_that_fails_the_check_is_not_raced_however_fast(onnx_cpu: None) -> None:
    paths = FakePaths({"fp32": 1.0, "onnx-fp32": 0.9, "onnx-int8": 0.1}, error={"onnx-int8": 0.5})
    precision, note = choose(paths)
    assert precision == "onnx-fp32"
    assert paths.passes["onnx-int8"] == 1 and "onnx-int8 failed the check" in note
    assert paths.passes["onnx-fp32"] == 1  # the only path left: no race at all


def test_without_onnx_runtime_torch_fp32_is_the_reference_and_can_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(precision_check, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(precision_check, "runtime_version", lambda: None)
    monkeypatch.setattr(precision_check, "int8_supported", lambda: False)
    paths = FakePaths({"fp32": 1.0, "bf16": 1.05})
    precision, note = choose(paths)
    assert precision == "fp32" and "speed vs fp32 here: fp32 1.00x, bf16 0.95x" in note
