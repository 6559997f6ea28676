"""A model that ships its own Python code runs it only when it is on the known list or the user agreed.

The model here is real: a tiny BERT whose config and model class live in Python files in its folder
(config.json `auto_map`), written by the test; importing that code leaves a mark in a file, so the
tests see whether it ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gte_notes.core.model.model_catalog import CodeConsent, RemoteCodeRefused, check_remote_code, code_digest
from tests.core.model_builders import tiny_model, with_own_code
from tests.core.test_model_files import lay_out_hub_cache


@pytest.fixture(scope="module")
def code_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("code-model")
    marker = base / "code-ran.txt"
    return with_own_code(tiny_model(base / "tiny-code"), marker), marker


def test_refused_without_consent_nothing_loaded(code_model: tuple[Path, Path]) -> None:
    from gte_notes.core.model.embedder import load_embedder

    folder, marker = code_model
    with pytest.raises(RemoteCodeRefused) as err:
        load_embedder(str(folder), "fp32")
    text = str(err.value)
    assert "remote code is code" in text and "--trust-remote-code" in text and "modeling_tiny.py" in text
    assert not marker.exists()  # refused before transformers imported anything from the folder


def test_consent_is_bound_to_the_code(code_model: tuple[Path, Path], tmp_path: Path) -> None:
    folder, _ = code_model
    granted = CodeConsent(granted={str(folder): code_digest(folder)})
    assert check_remote_code(str(folder), folder, granted) is True
    copy = tmp_path / "changed"
    copy.mkdir()
    for f in folder.iterdir():
        if f.is_file():
            (copy / f.name).write_bytes(f.read_bytes())
    (copy / "modeling_tiny.py").write_text((copy / "modeling_tiny.py").read_text() + "\nEVIL = 1\n")
    with pytest.raises(RemoteCodeRefused):  # the same name with other code asks again
        check_remote_code(str(folder), copy, CodeConsent(granted={str(folder): code_digest(folder)}))
    assert check_remote_code("x", tmp_path, None) is False  # no code at all: nothing to agree to


def test_known_model_runs_its_code_without_asking(
    code_model: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gte-multilingual-base is on the list: found in the Hugging Face cache by name, it loads."""
    from gte_notes.core.model.embedder import load_embedder

    folder, marker = code_model
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    lay_out_hub_cache(tmp_path / "hf", "Alibaba-NLP/gte-multilingual-base", folder)
    embedder = load_embedder("Alibaba-NLP/gte-multilingual-base", "fp32")
    assert embedder.encode(["hello there"]).shape == (1, 32)
    assert marker.exists()


def _cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
        "GTE_NOTES_CONFIG": str(tmp_path / "cfg"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    return subprocess.run(
        [sys.executable, "-m", "gte_notes", "--data-dir", str(tmp_path / "data"), *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_cli_asks_then_remembers_consent(tmp_path: Path) -> None:
    """A fresh model with code: refused (exit 2, no traceback, code not run), loaded with
    --trust-remote-code, and the consent remembered for the next run."""
    marker = tmp_path / "code-ran.txt"
    folder = with_own_code(tiny_model(tmp_path / "model"), marker)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Tea\nGreen tea is steeped briefly in water below boiling.\n")

    refused = _cli(["--model", str(folder), "index", str(notes)], tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert "remote code is code" in refused.stderr and "Traceback" not in refused.stderr
    assert not marker.exists()

    agreed = _cli(["--model", str(folder), "--trust-remote-code", "index", str(notes)], tmp_path)
    assert agreed.returncode == 0, agreed.stderr
    assert marker.exists() and "remembered" in agreed.stderr
    saved = json.loads((tmp_path / "cfg" / "settings.json").read_text())
    assert saved["trusted_code"] == {str(folder): code_digest(folder)}

    again = _cli(["--model", str(folder), "search", str(notes), "tea", "--json"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)[0]["path"] == "a.md"
