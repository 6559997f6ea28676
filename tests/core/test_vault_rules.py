"""The notes folder's own ignore rules: .gitignore files and Obsidian's excluded files, and the setting
that turns them off. Indexing uses the fake embedder: which files are notes does not depend on the model."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gte_notes.cli_output import print_status, status_json
from gte_notes.core.files.config import Settings
from gte_notes.core.files.note_filter import NoteFilter
from gte_notes.core.files.vault_rules import VaultRules, obsidian_filters
from gte_notes.core.index.status import FileStatus, IndexFacts, index_files, read_facts
from gte_notes.core.live.workspace import Workspace
from tests.core.live_helpers import live_factory, wait_until
from tests.fakes import FakeEmbedder


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    write(
        root, ".obsidian/app.json", json.dumps({"userIgnoreFilters": ["Archive/", "/\\.excalidraw\\.md$/"]})
    )
    write(root, ".gitignore", "drafts/\n# comment\n*.private.md\n")
    write(root, "Notes/kept.md", "# Kept\nA note about tea.\n")
    write(root, "Archive/old.md", "# Old\nAn archived note.\n")
    write(root, "Archive/deep/older.md", "# Older\nDeeper.\n")
    write(root, "drafts/wip.md", "# Work in progress\nNot ready.\n")
    write(root, "Notes/diary.private.md", "# Diary\nSecret.\n")
    write(root, "Notes/sketch.excalidraw.md", "# Drawing\n{}\n")
    write(root, "Projects/.gitignore", "scratch.md\n")
    write(root, "Projects/scratch.md", "# Scratch\nThrowaway.\n")
    write(root, "Projects/plan.md", "# Plan\nThe plan.\n")
    return root


def index(root: Path, home: Path, flt: NoteFilter) -> dict:
    """The status as `gte-notes status --json` prints it."""
    return status_json(*index_status(root, home, flt))


def index_status(root: Path, home: Path, flt: NoteFilter) -> tuple[IndexFacts, list[FileStatus]]:
    ws = Workspace(root, home=home, flt=flt)
    embedder = FakeEmbedder()
    with ws.lock:
        store = ws.open_store()
        ann = ws.open_ann(store, embedder)
        ws.indexer(store, ann, embedder).reconcile()
        ann.save(store)
        status = read_facts(str(ws.folder), str(ws.dir), store), index_files(store)
        store.close()
    return status


def test_gitignore_and_obsidian_excluded_files_are_not_indexed_and_status_says_why(
    vault: Path, tmp_path: Path
) -> None:
    facts, files = index_status(vault, tmp_path / "home", Settings().note_filter())
    status = status_json(facts, files)
    by_path = {f["path"]: f for f in status["files"]}
    indexed = sorted(p for p, f in by_path.items() if f["status"] == "indexed")
    assert indexed == ["Notes/kept.md", "Projects/plan.md"]
    # Each exclusion names its rule; a folder left out is one row, whatever it holds.
    assert by_path["Archive/"]["status"] == "excluded"
    assert by_path["Archive/"]["reason"] == "excluded by Obsidian excluded files: Archive/"
    assert by_path["drafts/"]["reason"] == "excluded by .gitignore: drafts/"
    assert by_path["Notes/diary.private.md"]["reason"] == "excluded by .gitignore: *.private.md"
    assert (
        by_path["Notes/sketch.excalidraw.md"]["reason"]
        == "excluded by Obsidian excluded files: /\\.excalidraw\\.md$/"
    )
    assert by_path["Projects/scratch.md"]["reason"] == "excluded by Projects/.gitignore: scratch.md"  # nested
    assert status["counts"]["excluded"] == 5
    out = io.StringIO()
    print_status(facts, files, as_json=False, everything=False, out=out)  # `gte-notes status`
    assert "excluded    drafts/  — excluded by .gitignore: drafts/" in out.getvalue()


def test_the_setting_turns_the_folders_rules_off(vault: Path, tmp_path: Path) -> None:
    settings = Settings(vault_rules=False)
    status = index(vault, tmp_path / "home", settings.note_filter())
    indexed = {f["path"] for f in status["files"] if f["status"] == "indexed"}
    assert {"Archive/old.md", "drafts/wip.md", "Projects/scratch.md"} <= indexed
    assert not any(f["status"] == "excluded" for f in status["files"])


def test_the_settings_file_keeps_the_choice(tmp_path: Path) -> None:
    Settings(vault_rules=False).save(tmp_path / "s.json")
    assert Settings.load(tmp_path / "s.json").note_filter().vault_rules is False
    assert Settings().note_filter().vault_rules is True


def test_app_globs_come_first_and_name_themselves(vault: Path, tmp_path: Path) -> None:
    flt = NoteFilter(exclude=("drafts",)).for_folder(vault)
    assert flt.why_excluded("drafts/wip.md") == "exclude glob: drafts"  # the app's own rule wins the naming
    assert (
        NoteFilter(include=("Notes/**",)).for_folder(vault).why_excluded("Projects/plan.md")
        == "not matched by the include globs"
    )  # shown as is; a rule is "excluded by <rule>"


def test_an_edited_gitignore_counts_from_the_next_reconcile(vault: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    flt = Settings().note_filter()
    index(vault, home, flt)
    write(vault, ".gitignore", "*.private.md\n")  # drafts/ no longer ignored
    write(vault, ".obsidian/app.json", json.dumps({"userIgnoreFilters": ["Notes/"]}))
    status = index(vault, home, flt)
    by_path = {f["path"]: f for f in status["files"]}
    assert by_path["drafts/wip.md"]["status"] == "indexed"
    assert by_path["Archive/old.md"]["status"] == "indexed"
    assert "Notes/kept.md" not in by_path or by_path["Notes/kept.md"]["status"] != "indexed"
    assert by_path["Notes/"]["reason"] == "excluded by Obsidian excluded files: Notes/"


def test_one_vault_rules_object_rereads_changed_files(vault: Path) -> None:
    rules = VaultRules(vault)
    assert rules.why_excluded("drafts/wip.md")
    write(vault, ".gitignore", "other/\n")
    assert rules.why_excluded("drafts/wip.md")  # still the rules read at the last refresh
    rules.refresh()
    assert rules.why_excluded("drafts/wip.md") == ""


def test_obsidian_entries_are_prefixes_or_regexes() -> None:
    filters = obsidian_filters(["Templates", "/^Daily/\\d{4}/", "/[unclosed/", "", 3])
    assert [f.raw for f in filters] == ["Templates", "/^Daily/\\d{4}/"]  # a bad regex is left out, not fatal
    plain, regex = filters
    assert plain.matches("Templates/daily.md") and plain.matches("Templates.md")
    assert not plain.matches("Notes/Templates/x.md")  # Obsidian matches from the vault's root
    assert regex.matches("Daily/2024-01-01.md") and not regex.matches("Notes/Daily/2024.md")


def test_a_damaged_app_json_excludes_nothing(tmp_path: Path) -> None:
    write(tmp_path, ".obsidian/app.json", "{not json")
    write(tmp_path, "a.md", "# A\n")
    assert VaultRules(tmp_path).why_excluded("a.md") == ""


make_live = pytest.fixture(live_factory)


def test_while_watching_an_edited_gitignore_takes_effect_without_a_restart(
    vault: Path, tmp_path: Path, make_live
) -> None:
    live = make_live(folder=vault, quiet=0.05).start()
    assert "drafts/wip.md" not in live.paths()
    (vault / ".gitignore").write_text("*.private.md\n", encoding="utf-8")  # drafts/ is notes again
    wait_until(lambda: live.paths().get("drafts/wip.md") == "indexed", 30, "drafts/ to be indexed")
    write(vault, ".obsidian/app.json", json.dumps({"userIgnoreFilters": ["Projects/"]}))
    wait_until(lambda: "Projects/plan.md" not in live.paths(), 30, "Projects/ to leave the index")
    assert live.paths()["Archive/old.md"] == "indexed"  # Archive/ is no longer excluded
