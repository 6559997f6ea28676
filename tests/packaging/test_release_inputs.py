"""What a release is built from, checked in seconds (no build): the lock and the bundled model's name.

packaging/requirements.lock must pin every dependency in pyproject.toml at a version its range allows,
with hashes, and torch as the CPU build; packaging/copy_model.py must bundle a model under its own name
and refuse to bundle one model as another that the app knows. Real files: the repo's lock and the
stand-in model. CI runs this file before the (slow) installer build.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "packaging" / "requirements.lock"
COPY_MODEL = REPO / "packaging" / "copy_model.py"
LOCAL_TORCH = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, sha256 hashes) from the lock."""
    pins: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text(encoding="utf-8")):
        m = re.match(r"([A-Za-z0-9][\w.-]*)==(\S+)", block)
        if m:
            pins[canonicalize_name(m.group(1))] = (
                m.group(2),
                re.findall(r"--hash=sha256:([0-9a-f]{64})", block),
            )
    return pins


def project_requirements() -> list[Requirement]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(r) for r in data["project"]["dependencies"]]


def test_lock_pins_every_runtime_dependency_within_its_range_with_hashes() -> None:
    pins = locked()
    assert pins, "no pins in the lock"
    assert not [n for n, (_, hashes) in pins.items() if not hashes], "pins without hashes"
    outside = [
        f"{r} (lock: {pins.get(canonicalize_name(r.name), ('absent',))[0]})"
        for r in project_requirements()
        if canonicalize_name(r.name) not in pins
        or not r.specifier.contains(Version(pins[canonicalize_name(r.name)][0]), prereleases=True)
    ]
    assert not outside, "pyproject.toml and the lock disagree; run bash packaging/lock.sh: " + ", ".join(
        outside
    )
    assert "pyinstaller" in pins  # the build's own tool comes from the lock too
    assert not [n for n in pins if n.startswith("nvidia-")], "CUDA packages in the lock"


def test_lock_takes_the_cpu_torch_that_lies_on_the_machine() -> None:
    version, hashes = locked()["torch"]
    assert version == "2.13.0+cpu"
    if not LOCAL_TORCH.is_file():
        pytest.skip(f"{LOCAL_TORCH} is not on this machine")
    assert hashlib.sha256(LOCAL_TORCH.read_bytes()).hexdigest() in hashes


def run_copy_model(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(COPY_MODEL), *map(str, args)], capture_output=True, text=True, check=False
    )


def test_the_stand_in_is_bundled_under_its_own_name(minilm_path: Path, tmp_path: Path) -> None:
    result = run_copy_model(minilm_path, tmp_path / "models", "sentence-transformers/all-MiniLM-L6-v2")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "models" / "sentence-transformers--all-MiniLM-L6-v2"
    assert json.loads((folder / "bundled-model.json").read_text()) == {
        "model": "sentence-transformers/all-MiniLM-L6-v2"
    }
    assert (folder / "model.safetensors").is_file() and (folder / "1_Pooling" / "config.json").is_file()
    assert not (folder / "README.md").exists()
    assert [p.name for p in (tmp_path / "models").iterdir()] == [folder.name]


def test_the_stand_in_cannot_be_bundled_as_gte_small(minilm_path: Path, tmp_path: Path) -> None:
    result = run_copy_model(minilm_path, tmp_path / "models", "thenlper/gte-small")
    assert result.returncode != 0 and "is not thenlper/gte-small" in result.stderr
    assert "max_tokens 256 (not 512)" in result.stderr
    assert not (tmp_path / "models" / "thenlper--gte-small").exists()
    # Nor without a name: a plain folder does not say which model it holds.
    result = run_copy_model(minilm_path, tmp_path / "models")
    assert result.returncode != 0 and "say which model" in result.stderr


def test_a_hub_cache_snapshot_names_its_model(minilm_path: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "hub" / "models--sentence-transformers--all-MiniLM-L6-v2" / "snapshots" / "0123abc"
    shutil.copytree(minilm_path, snapshot)
    result = run_copy_model(snapshot, tmp_path / "models")
    assert result.returncode == 0, result.stderr
    manifest = tmp_path / "models" / "sentence-transformers--all-MiniLM-L6-v2" / "bundled-model.json"
    assert json.loads(manifest.read_text())["model"] == "sentence-transformers/all-MiniLM-L6-v2"
