"""Near-identical notes share one result row (issue 24): dendron-site's "Taking Notes" copies were four rows
of a search. The real stand-in model decides on real notes (the threshold is about its vectors); the
fake embedder (tests/fakes.py) is enough where the rule's other branches are the point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gte_notes.cli_output import print_hits
from gte_notes.eval.harness import Indexed, index_folder, write_notes
from tests.fakes import FakeEmbedder

TAKING_NOTES = [  # the same tutorial kept in three places (one with an extra sentence)
    "tutorial.main.taking-notes.md",
    "tutorial.no-refactor.taking-notes.md",
    "dendron.tutorial.taking-notes.md",
]
DRAFT = "tutorial.original.taking-notes.md"  # an older draft, rewritten since: a note of its own
# Notes that share a title and a subject but say different things: never one row.
SAME_TITLE_RELATED = [
    "dendron.topic.publish.tree-view.config.md",  # "Config" of the published site's tree view...
    "dendron.topic.sidebar.tree-view.config.md",  # ...and of the sidebar's: the closest such pair
    "dendron.ref.commands.md",
    "dendron.topic.links.commands.md",
]


@pytest.fixture(scope="module")
def dendron(tmp_path_factory: pytest.TempPathFactory, dendron_vault: Path, minilm_embedder) -> Indexed:
    root = tmp_path_factory.mktemp("copies")
    notes = root / "notes"
    notes.mkdir()
    for name in [*TAKING_NOTES, DRAFT, *SAME_TITLE_RELATED]:
        shutil.copy(dendron_vault / name, notes / name)
    ix = index_folder(notes, root / "data", minilm_embedder, quiet=True)
    yield ix
    ix.close()


@pytest.mark.model
def test_the_taking_notes_copies_are_one_row_that_names_the_others(dendron: Indexed) -> None:
    hits = dendron.searcher().search("taking notes", 10)
    rows = [h for h in hits if h.path in TAKING_NOTES]
    assert len(rows) == 1
    assert sorted([rows[0].path, *rows[0].copies]) == sorted(TAKING_NOTES)
    assert DRAFT in [h.path for h in hits]  # the draft differs: its own row
    assert len({h.path for h in hits} | {c for h in hits for c in h.copies}) == len(hits) + 2


@pytest.mark.model
def test_notes_sharing_a_title_and_a_subject_stay_separate_rows(dendron: Indexed) -> None:
    for query in ("tree view configuration", "commands"):
        hits = dendron.searcher().search(query, 10)
        shown = [h.path for h in hits]
        for path in SAME_TITLE_RELATED:
            assert path in shown, (query, path, shown)
        assert not any(set(h.copies) & set(SAME_TITLE_RELATED) for h in hits)


@pytest.mark.model
def test_related_notes_fold_copies_the_same_way(dendron: Indexed) -> None:
    hits = dendron.related().related(DRAFT, 10)
    copies = [h for h in hits if h.path in TAKING_NOTES]
    assert len(copies) == 1 and sorted([copies[0].path, *copies[0].copies]) == sorted(TAKING_NOTES)
    assert "dendron.topic.sidebar.tree-view.config.md" in [h.path for h in hits]
    assert "dendron.topic.publish.tree-view.config.md" in [h.path for h in hits]


def _fake(tmp_path: Path, notes: dict[str, str]) -> Indexed:
    write_notes(tmp_path / "notes", notes.items())
    return index_folder(tmp_path / "notes", tmp_path / "data", FakeEmbedder(), quiet=True)


def test_identical_notes_are_copies_whatever_their_titles(tmp_path: Path) -> None:
    text = "Zeppelin hangars need tall doors and calm weather for docking.\n"
    ix = _fake(tmp_path, {"a.md": text, "b sync-conflict.md": text, "c.md": "Zeppelin docking in wind.\n"})
    try:
        hits = ix.searcher().search("zeppelin docking", 10)
        assert len(hits) == 2
        folded = next(h for h in hits if h.copies)
        assert sorted([folded.path, *folded.copies]) == ["a.md", "b sync-conflict.md"]
        assert hits.matching == 2  # "2 notes", not 3: the copy is not counted again
    finally:
        ix.close()


def test_the_same_title_alone_does_not_fold_notes(tmp_path: Path) -> None:
    ix = _fake(
        tmp_path,
        {
            "work/meeting.md": "# Meeting\n\nBudget review for the zeppelin hangar roof repairs.\n",
            "home/meeting.md": "# Meeting\n\nParents evening at school about the zeppelin museum trip.\n",
        },
    )
    try:
        hits = ix.searcher().search("zeppelin", 10)
        assert sorted(h.path for h in hits) == ["home/meeting.md", "work/meeting.md"]
        assert all(not h.copies for h in hits)
    finally:
        ix.close()


def test_the_command_line_shows_and_carries_the_copies(tmp_path: Path, capsys) -> None:
    text = "---\ntitle: Taking Notes\n---\n\nCapture zeppelin ideas quickly, then refine them later.\n"
    ix = _fake(tmp_path, {"one.md": text, "two.md": text, "three.md": text})
    try:
        hits = ix.searcher().search("zeppelin ideas", 10)
    finally:
        ix.close()
    print_hits(hits, as_json=False)
    assert "(+2 copies: " in capsys.readouterr().out
    print_hits(hits, as_json=True)
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 1 and sorted([data[0]["path"], *data[0]["copies"]]) == [
        "one.md",
        "three.md",
        "two.md",
    ]
