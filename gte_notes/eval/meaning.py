"""Search by meaning: queries in which a person describes a note in other words than its own.

A TSV line is `query<TAB>path|path...` (paths relative to the notes folder; any of them counts as
found). Every query goes through the app's indexer and `Searcher.search` in each mode, so the numbers
are what a user gets. Reported: hit@1, hit@10 and MRR@10, in percent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gte_notes.eval.harness import Indexed, cache_root, index_folder

MODES = ("hybrid", "dense", "keyword")


def load_queries(path: Path) -> list[tuple[str, set[str]]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            query, _, targets = line.partition("\t")
            wanted = {t.strip() for t in targets.split("|") if t.strip()}
            if query.strip() and wanted:
                out.append((query.strip(), wanted))
    return out


def notes_folder(vault: Path) -> Path:
    """A shared vault's notes/ folder, or the folder itself when it holds the notes."""
    vault = vault.resolve()
    return vault / "notes" if (vault / "notes").is_dir() else vault


def vault_workdir(notes_dir: Path) -> Path:
    """Where a vault's evaluation index is cached; shared with the related-notes evaluation."""
    name = notes_dir.parent.name if notes_dir.name == "notes" else notes_dir.name
    return cache_root() / f"links-{name}"


def index_vault(vault: Path, embedder: object, workdir: Path | None = None, quiet: bool = False) -> Indexed:
    """A vault (or notes folder) indexed by the app's indexer into its cached evaluation index."""
    notes_dir = notes_folder(vault)
    return index_folder(notes_dir, (workdir or vault_workdir(notes_dir)) / "home", embedder, quiet=quiet)


def rank_of(found: list[str], wanted: set[str]) -> int | None:
    """1-based rank of the first wanted path in `found`, or None."""
    return next((i for i, p in enumerate(found, start=1) if p in wanted), None)


def scores(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    return {
        "hit@1": 100 * sum(1 for r in ranks if r == 1) / n,
        "hit@10": 100 * sum(1 for r in ranks if r is not None and r <= 10) / n,
        "mrr@10": 100 * float(np.sum([1 / r for r in ranks if r is not None and r <= 10])) / n,
    }


def run_queries(
    ix: Indexed, queries: list[tuple[str, set[str]]], modes: tuple[str, ...] = MODES, k: int = 10
) -> dict[str, list[int | None]]:
    """For each mode, the rank of each query's first correct note (None when not in the top k)."""
    searcher = ix.searcher()
    return {
        mode: [rank_of([h.path for h in searcher.search(q, k, mode=mode)], wanted) for q, wanted in queries]
        for mode in modes
    }


def evaluate_meaning(
    vault: Path, queries_file: Path, embedder: object, workdir: Path | None = None, quiet: bool = False
) -> dict[str, object]:
    queries = load_queries(queries_file)
    ix = index_vault(vault, embedder, workdir, quiet)
    notes_dir = ix.ws.folder
    try:
        known = set(ix.store.notes())
        missing = sorted({p for _, w in queries for p in w} - known)
        if missing:
            raise SystemExit(
                f"{queries_file}: {len(missing)} target paths are not in {notes_dir}, e.g. {missing[0]!r}"
            )
        ranks = run_queries(ix, queries)
        return {
            "name": queries_file.stem,
            "vault": str(notes_dir),
            "queries": len(queries),
            "notes": sum(1 for n in ix.store.notes().values() if n.status == "indexed"),
            "rows": [{"system": mode, **scores(ranks[mode])} for mode in MODES],
        }
    finally:
        ix.close()
