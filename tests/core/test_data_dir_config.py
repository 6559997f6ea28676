"""A chosen data folder (--data-dir, $GTE_NOTES_HOME) keeps its own settings beside it (DATA/config), so a
second data folder neither reads nor changes the everyday settings; $GTE_NOTES_CONFIG still wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gte_notes import cli
from gte_notes.core.files.config import Settings, settings_path


@pytest.fixture
def no_chosen_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Neither $GTE_NOTES_CONFIG nor $GTE_NOTES_HOME; the user's own config folder is a temporary one."""
    monkeypatch.delenv("GTE_NOTES_CONFIG", raising=False)
    monkeypatch.delenv("GTE_NOTES_HOME", raising=False)
    monkeypatch.delenv("GTE_NOTES_MODEL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "gte-notes"


def test_two_data_dirs_keep_separate_settings(tmp_path: Path, no_chosen_config: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    first = Settings.load(settings_path(a))
    first.folders, first.result_count = ["/notes/work"], 7
    first.save()  # back where it was read from
    assert Settings.load(settings_path(a)).folders == ["/notes/work"]
    assert Settings.load(settings_path(a)).result_count == 7
    assert Settings.load(settings_path(b)).folders == []  # the other data folder did not see it
    assert Settings.load(settings_path()).folders == []  # nor the everyday settings
    assert not (no_chosen_config / "settings.json").exists()
    assert (a / "config" / "settings.json").is_file()
    assert "source" not in json.loads((a / "config" / "settings.json").read_text(encoding="utf-8"))


def test_gte_notes_home_also_isolates_and_gte_notes_config_still_wins(
    tmp_path: Path, no_chosen_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GTE_NOTES_HOME", str(tmp_path / "home"))
    assert settings_path() == (tmp_path / "home").resolve() / "config" / "settings.json"
    monkeypatch.setenv("GTE_NOTES_CONFIG", str(tmp_path / "cfg"))
    assert settings_path() == tmp_path / "cfg" / "settings.json"
    assert settings_path(tmp_path / "a") == tmp_path / "cfg" / "settings.json"


def test_the_command_line_reads_the_settings_of_its_data_dir(
    tmp_path: Path, no_chosen_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Each data folder names a different (absent) model: `model info` must report the one of its --data-dir.
    for name in ("a", "b"):
        Settings(model=f"nowhere/model-{name}").save(settings_path(tmp_path / name))
    for name in ("a", "b"):
        cli.main(["--data-dir", str(tmp_path / name), "model", "info", "--json"])
        out = json.loads(capsys.readouterr().out)
        assert out["current"]["model"] == f"nowhere/model-{name}"
