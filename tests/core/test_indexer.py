"""Indexer, store and search logic with the fast fake embedder (the model is not the point here)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from gte_notes.core.errors import AlreadyRunningError, FolderError
from gte_notes.core.live.workspace import Workspace
from tests.fakes import FakeEmbedder


def write(folder: Path, rel: str, text: str) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class Index:
    """A workspace opened as the writer, the way `gte-notes index` opens it."""

    def __init__(self, folder: Path, home: Path, embedder: FakeEmbedder) -> None:
        self.ws = Workspace(folder, home=home)
        self.embedder = embedder
        self.store = self.ws.open_store()
        self.ann = self.ws.open_ann(self.store, embedder)
        self.indexer = self.ws.indexer(self.store, self.ann, embedder)

    def reconcile(self, paths=None):
        stats = self.indexer.reconcile(paths)
        self.ann.save(self.store)
        return stats

    def search(self, query: str, limit: int = 5):
        return Workspace.searcher(self.store, self.ann, self.embedder).search(query, limit)

    def related(self, path: str, limit: int = 5):
        return Workspace.related(self.store, self.ann, self.embedder).related(path, limit)

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    write(
        folder,
        "garden.md",
        "---\ntitle: Garden\ntags: [plants]\n---\n# Tomatoes\n\nTomatoes need sun and "
        "water every morning.\n\n# Compost\n\nCompost feeds the soil with worms.\n",
    )
    write(
        folder,
        "bikes/repair.md",
        "# Bike repair\n\nFix a flat tyre with a patch kit and a pump.\n\n"
        "Oil the chain every month. See [[garden]].\n",
    )
    write(
        folder,
        "recipes.txt",
        "Tomato soup: roast tomatoes grown with sun and water, add garlic and basil, blend.\n",
    )
    write(folder, "empty.md", "")
    (folder / "picture.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    return folder


@pytest.fixture
def index(notes: Path, tmp_path: Path, fake_embedder: FakeEmbedder):
    idx = Index(notes, tmp_path / "data", fake_embedder)
    yield idx
    idx.close()


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_index_records_every_file_and_never_writes_to_the_notes_folder(index: Index, notes: Path) -> None:
    before = snapshot(notes)
    stats = index.reconcile()
    assert snapshot(notes) == before
    assert not any(p.name.endswith((".db", ".bin", ".json", ".lock")) for p in notes.rglob("*"))
    rows = index.store.notes()
    assert {p: r.status for p, r in rows.items()} == {
        "garden.md": "indexed",
        "bikes/repair.md": "indexed",
        "recipes.txt": "indexed",
        "empty.md": "empty",
        "picture.md": "binary",
    }
    assert rows["garden.md"].title == "Garden"
    assert stats.added == 3 and stats.embedded_chunks == index.store.chunk_count() > 0
    assert index.ann.count == index.store.chunk_count()


def test_second_index_embeds_nothing(index: Index) -> None:
    index.reconcile()
    again = index.reconcile()
    assert again.embedded_chunks == 0 and again.added == again.updated == 0


def test_rename_and_folder_rename_reuse_vectors(index: Index, notes: Path) -> None:
    index.reconcile()
    (notes / "garden.md").rename(notes / "my garden.md")
    (notes / "bikes").rename(notes / "cycling")
    stats = index.reconcile()
    assert stats.embedded_chunks == 0
    assert stats.removed == 2 and stats.added == 2
    assert set(index.store.notes()) >= {"my garden.md", "cycling/repair.md"}
    assert "garden.md" not in index.store.notes()
    assert index.search("flat tyre patch")[0].path == "cycling/repair.md"


def test_editing_one_paragraph_embeds_only_that_chunk(index: Index, notes: Path, fake_embedder) -> None:
    index.reconcile()
    path = notes / "garden.md"
    path.write_text(path.read_text().replace("worms", "worms and leaves"))
    before = fake_embedder.encoded_texts
    stats = index.reconcile()
    assert stats.updated == 1
    assert stats.embedded_chunks == 1 == fake_embedder.encoded_texts - before
    assert any("worms and leaves" in h.passage for h in index.search("compost leaves worms"))


def test_touch_without_change_does_not_reembed(index: Index, notes: Path) -> None:
    index.reconcile()
    os.utime(notes / "recipes.txt", ns=(1, 2))
    stats = index.reconcile()
    assert stats.embedded_chunks == 0 and stats.updated == 0


def test_search_returns_one_row_per_note_with_its_best_passage(index: Index) -> None:
    index.reconcile()
    hits = index.search("tomatoes sun water", limit=10)
    assert hits[0].path == "garden.md"
    assert "Tomatoes need sun" in hits[0].passage and hits[0].line == 5  # the "# Tomatoes" line
    assert len({h.path for h in hits}) == len(hits)
    assert hits[0].highlights and hits[0].passage[slice(*hits[0].highlights[0])].lower() == "tomatoes"


def test_related_never_lists_the_note_itself(index: Index) -> None:
    index.reconcile()
    related = index.related("garden.md")
    assert related and all(h.path != "garden.md" for h in related)
    assert related[0].path == "recipes.txt"  # shares "tomatoes"
    assert related[0].source_passage


def test_deleted_note_leaves_the_index(index: Index, notes: Path) -> None:
    index.reconcile()
    (notes / "recipes.txt").unlink()
    index.reconcile()
    assert "recipes.txt" not in index.store.notes()
    assert all(h.path != "recipes.txt" for h in index.search("tomato soup garlic basil"))
    assert index.ann.count == index.store.chunk_count()


def test_paths_reconcile_handles_files_and_folders(index: Index, notes: Path) -> None:
    index.reconcile()
    write(notes, "new/idea.md", "# Idea\n\nA solar powered kettle.\n")
    (notes / "bikes" / "repair.md").unlink()
    stats = index.reconcile(["new", "bikes/repair.md"])
    assert stats.added == 1 and stats.removed == 1
    assert index.search("solar kettle")[0].path == "new/idea.md"


def test_empty_or_missing_folder_never_mass_deletes(index: Index, notes: Path, tmp_path: Path) -> None:
    index.reconcile()
    count = len(index.store.notes())
    moved = tmp_path / "elsewhere"
    notes.rename(moved)
    notes.mkdir()  # an unmounted drive often leaves an empty mount point behind
    with pytest.raises(FolderError, match="empty or unreachable"):
        index.reconcile()
    notes.rmdir()
    with pytest.raises(FolderError):
        index.reconcile()
    assert len(index.store.notes()) == count


def test_model_change_reembeds_everything_and_keeps_old_vectors(notes: Path, tmp_path: Path) -> None:
    first = Index(notes, tmp_path / "data", FakeEmbedder(model_id="fake-a:0:fp32:384"))
    stats = first.reconcile()
    n, titles = stats.embedded_chunks, stats.embedded_titles
    first.close()
    second = Index(notes, tmp_path / "data", FakeEmbedder(model_id="fake-b:0:fp32:384"))
    assert second.ann.count == 0  # the old model's ANN is never used for the new one
    assert second.reconcile().embedded_chunks == n
    # A way back without re-embedding: every chunk and title vector of the old model is kept.
    assert second.store.vectors.count("fake-a:0:fp32:384") == n + titles
    second.close()
    back = Index(notes, tmp_path / "data", FakeEmbedder(model_id="fake-a:0:fp32:384"))
    again = back.reconcile()
    assert again.embedded_chunks == 0 and again.embedded_titles == 0
    back.close()


def _exact(index: Index, query: str) -> dict[str, float]:
    """Brute force over every chunk vector in SQLite: each note's best cosine similarity."""
    ids, vecs = index.store.vectors.of_chunks(index.embedder.model_id, index.embedder.dim)
    sims = vecs @ index.embedder.encode_query(query)
    rows = index.store.chunks_by_id([int(i) for i in ids])
    notes = index.store.notes_by_id(r["note_id"] for r in rows.values())
    best: dict[str, float] = {}
    for cid, sim in zip(ids.tolist(), sims.tolist(), strict=True):
        path = notes[rows[cid]["note_id"]].path
        best[path] = max(best.get(path, -2.0), sim)
    return best


@pytest.mark.parametrize("damage", ["flip", "truncate", "zero", "delete", "delete-manifest"])
def test_damaged_ann_file_is_detected_before_loading_and_rebuilt(
    index: Index, notes: Path, tmp_path: Path, fake_embedder, damage: str
) -> None:
    for n in range(40):
        write(notes, f"bulk/{n}.md", f"# Note {n}\n\nword{n} shared text about topic {n % 7}.\n")
    index.reconcile()
    index.close()
    ann_file = index.ws.dir / "ann.bin"
    data = bytearray(ann_file.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
        ann_file.write_bytes(bytes(data))
    elif damage == "truncate":
        ann_file.write_bytes(bytes(data[: len(data) // 3]))
    elif damage == "zero":
        ann_file.write_bytes(bytes(len(data)))
    elif damage == "delete":
        ann_file.unlink()
    else:
        (index.ws.dir / "ann.json").unlink()
    again = Index(notes, tmp_path / "data", fake_embedder)
    assert again.ann.last_event.startswith("rebuilt")
    for query in ("topic 3 shared", "tomatoes", "flat tyre"):
        hits = Workspace.searcher(again.store, again.ann, again.embedder).search(query, 5, mode="dense")
        exact = _exact(again, query)
        # Equal cosines may come in either order, so compare the cosines of the notes found with brute
        # force's best five. (The score shown is the cosine on the model's scale: same order.)
        assert [round(exact[h.path], 4) for h in hits] == [
            round(s, 4) for s in sorted(exact.values())[::-1][:5]
        ]
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    again.close()


def test_stale_ann_file_catches_up_with_the_database(
    index: Index, notes: Path, tmp_path: Path, fake_embedder
) -> None:
    index.reconcile()  # saves the ANN
    write(notes, "later.md", "# Later\n\nQuantum knitting circles.\n")
    (notes / "recipes.txt").unlink()
    index.indexer.reconcile()  # committed to SQLite, ANN file not saved
    reader = Index(notes, tmp_path / "data", fake_embedder)
    assert reader.ann.last_event.startswith("loaded")
    assert reader.search("quantum knitting")[0].path == "later.md"
    assert all(h.path != "recipes.txt" for h in reader.search("tomato soup garlic"))
    reader.close()


def test_corrupted_database_is_moved_aside_and_rebuilt(
    index: Index, notes: Path, tmp_path: Path, fake_embedder
) -> None:
    index.reconcile()
    index.close()
    db = index.ws.db_path
    db.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    again = Index(notes, tmp_path / "data", fake_embedder)
    assert "moved aside" in again.store.notice
    assert list(db.parent.glob("index.db.corrupt-*"))
    again.reconcile()
    assert again.search("flat tyre")[0].path == "bikes/repair.md"
    assert again.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again.close()


def test_second_writer_is_refused(index: Index) -> None:
    with index.ws.lock:
        other = Workspace(index.ws.folder, home=index.ws.home)
        with pytest.raises(AlreadyRunningError, match="already indexing"):
            other.lock.acquire()


def test_index_lives_outside_the_notes_folder(notes: Path) -> None:
    with pytest.raises(FolderError, match="never writes there"):
        Workspace(notes, home=notes / ".index")


def test_one_note_written_in_one_transaction(index: Index, notes: Path, monkeypatch) -> None:
    """A failure while writing a batch leaves every note with its old chunks."""
    index.reconcile()
    old = {r["text"] for r in index.store.conn.execute("SELECT text FROM chunks")}
    (notes / "garden.md").write_text("# Totally new\n\nNothing like before.\n")

    def boom(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(index.store, "replace_chunks", boom)
    with pytest.raises(Exception, match="disk is full"):
        index.indexer.reconcile()
    monkeypatch.undo()
    assert {r["text"] for r in index.store.conn.execute("SELECT text FROM chunks")} == old
    assert index.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    index.reconcile()
    assert index.search("totally new nothing like before")[0].path == "garden.md"


def test_the_index_names_the_model_it_was_built_with(index: Index) -> None:
    """Status and the CLI read the model id the indexer records; an index written before it recorded one
    is named by its ANN manifest; a folder never indexed names none."""
    from gte_notes.core.index.status import index_model_id

    assert index_model_id(index.store) == ""
    index.reconcile()
    assert index_model_id(index.store) == index.embedder.model_id
    with index.store.transaction():
        index.store.conn.execute("DELETE FROM meta WHERE key = 'model_id'")
    assert index.store.get_meta("model_id") == ""
    assert index_model_id(index.store) == index.embedder.model_id  # from ann.json beside the database


def test_a_very_large_note_is_embedded_after_every_other_note(index: Index, notes: Path) -> None:
    """A 300 KB note named to come first is embedded last, in a batch of its own: the other notes are
    written (searchable by meaning) before its passages are embedded."""
    from gte_notes.core.index.indexer import LARGE_NOTE_BYTES

    words = [f"word{i} topic{i % 97} idea{i % 13}" for i in range(30_000)]
    write(notes, "aaa-huge.md", "# Huge\n\n" + " ".join(words) + "\n")
    assert (notes / "aaa-huge.md").stat().st_size > LARGE_NOTE_BYTES
    batches: list[list[str]] = []
    index.indexer.reconcile(committed=batches.append)
    assert batches[-1] == ["aaa-huge.md"]
    earlier = {p for batch in batches[:-1] for p in batch}
    assert {"garden.md", "bikes/repair.md", "recipes.txt"} <= earlier
    assert index.search("tomatoes sun water")[0].path in ("garden.md", "recipes.txt")
