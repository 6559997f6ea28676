"""Which files are notes: ignored editor/sync temporaries and folders, extensions, include/exclude globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.core.files.ignore import is_ignored_dir, is_ignored_name, is_ignored_relpath
from gte_notes.core.files.notes import NoteFilter, scan_folder


@pytest.mark.parametrize(
    "name",
    [
        "4913",
        "note.md~",
        ".note.md.swp",
        "x.swx",
        "#note.md#",
        "a.md___jb_tmp___",
        "a.md___jb_old___",
        "x.tmp",
        ".~lock.a.md#",
        ".DS_Store",
        ".#note.md",
        ".hidden.md",
    ],
)
def test_ignored_names(name: str) -> None:
    assert is_ignored_name(name)


@pytest.mark.parametrize(
    "name", ["note.md", "4913.md", "#tag.md", "draft~1.md", "note.sync-conflict-20240101.md"]
)
def test_ordinary_names_are_not_ignored(name: str) -> None:
    # Sync-conflict copies are the user's text too (fault case 24).
    assert not is_ignored_name(name)


def test_ignored_folders_and_relpaths() -> None:
    assert is_ignored_dir(".git") and is_ignored_dir(".obsidian") and is_ignored_dir("node_modules")
    assert not is_ignored_dir("archive")
    assert is_ignored_relpath(".git/objects/x.md")
    assert is_ignored_relpath("projects/.trash/x.md")
    assert is_ignored_relpath("projects/note.md~")
    assert not is_ignored_relpath("projects/note.md")


# ---- filter ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exclude", "relpath", "excluded"),
    [
        ("archive/**", "archive/old.md", True),
        ("archive/**", "archive/deep/old.md", True),
        ("archive/**", "notes/archive/old.md", False),
        ("archive", "archive/old.md", True),  # a folder pattern covers its contents
        ("archive", "notes/archive/old.md", True),  # no slash: any depth, as in .gitignore
        ("**/*.draft.md", "a/b/idea.draft.md", True),
        ("**/*.draft.md", "idea.draft.md", True),
        ("*.draft.md", "a/idea.draft.md", True),
        ("templates/*", "templates/daily.md", True),
        ("templates/*", "templates/sub/daily.md", True),
        ("templates/*", "notes/templates/daily.md", False),
        ("/journal/**", "journal/2024.md", True),
        ("journal/202?.md", "journal/2024.md", True),
        ("journal/[!2]*.md", "journal/2024.md", False),
    ],
)
def test_exclude_globs(exclude: str, relpath: str, excluded: bool) -> None:
    assert NoteFilter(exclude=(exclude,)).matches(relpath) is not excluded


def test_include_limits_notes_and_exclude_wins() -> None:
    flt = NoteFilter(include=("projects/**", "inbox.md"), exclude=("projects/old/**",))
    assert flt.matches("projects/a.md") and flt.matches("inbox.md")
    assert not flt.matches("journal/a.md")
    assert not flt.matches("projects/old/a.md")


def test_extensions_are_case_insensitive_and_configurable() -> None:
    assert NoteFilter().matches("Note.MD") and NoteFilter().matches("a.Markdown")
    assert not NoteFilter().matches("a.org")
    assert NoteFilter(extensions=(".org",)).matches("a.ORG")


def test_excluded_folders_are_not_entered(tmp_path: Path) -> None:
    (tmp_path / "archive" / "deep").mkdir(parents=True)
    (tmp_path / "archive" / "deep" / "old.md").write_text("x")
    (tmp_path / "keep.md").write_text("x")
    flt = NoteFilter(exclude=("archive",))
    assert flt.prunes_dir("archive") and flt.prunes_dir(".git") and not flt.prunes_dir("keep")
    assert [rel for rel, _ in scan_folder(tmp_path, flt)] == ["keep.md"]
