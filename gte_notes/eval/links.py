"""Related notes against a vault's own links: how many of the notes a note links to are in its top 10.

A note's links are a human's judgement of what relates to it, so link recall@10 measures related notes
without labelling anything. Compared systems:
- whole-note exact: each note (title + body, truncated by the model) is one vector, neighbours by
  brute-force cosine: what a simple "embed each file" tool does;
- app related: `Related.related`, through the app's index.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from gte_notes.core.files.notes import read_note
from gte_notes.core.markdown.markdown_meta import parse_meta
from gte_notes.eval.harness import Indexed, cached_vectors, index_folder
from gte_notes.eval.meaning import vault_workdir
from gte_notes.eval.metrics import percentile


def vault_dirs(vault: Path) -> tuple[Path, Path]:
    """(notes folder, edges.tsv) of a shared vault; `vault` may be the vault or its notes folder."""
    vault = vault.resolve()
    if (vault / "edges.tsv").exists():
        return vault / "notes", vault / "edges.tsv"
    return vault, vault.parent / "edges.tsv"


def load_edges(path: Path) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and parts[0] != parts[1]:
                edges.setdefault(parts[0], set()).add(parts[1])
    return edges


def whole_note_neighbours(ix: Indexed, paths: list[str], k: int) -> dict[str, list[str]]:
    """The baseline: one vector per whole note, brute-force cosine."""
    texts = []
    for p in paths:
        read = read_note(ix.ws.folder / p, ix.ws.max_bytes)
        text = read.text or ""
        meta = parse_meta(text, Path(p).stem)
        texts.append(f"{meta.title}\n\n{text[meta.body_start :]}".strip())
    vecs = cached_vectors(f"notes-{ix.ws.folder.name}", texts, ix.embedder)
    sims = vecs @ vecs.T
    np.fill_diagonal(sims, -np.inf)
    out = {}
    for i, p in enumerate(paths):
        top = np.argsort(-sims[i], kind="stable")[:k]
        out[p] = [paths[j] for j in top]
    return out


def _recall(found: dict[str, list[str]], edges: dict[str, set[str]], k: int) -> dict[str, float]:
    per_note = [len(edges[s] & set(found.get(s, [])[:k])) / len(edges[s]) for s in edges]
    hits = sum(len(edges[s] & set(found.get(s, [])[:k])) for s in edges)
    total = sum(len(t) for t in edges.values())
    return {
        f"recall@{k}": 100 * float(np.mean(per_note)) if per_note else 0.0,
        f"micro_recall@{k}": 100 * hits / total if total else 0.0,
    }


def evaluate_links(
    vault: Path, embedder: object, workdir: Path | None = None, k: int = 10, quiet: bool = False
) -> dict[str, object]:
    notes_dir, edges_file = vault_dirs(vault)
    workdir = workdir or vault_workdir(notes_dir)
    ix = index_folder(notes_dir, workdir / "home", embedder, quiet=quiet)
    try:
        indexed = sorted(p for p, n in ix.store.notes().items() if n.status == "indexed")
        known = set(indexed)
        # Only links between indexed notes can be found by anything; both systems see the same set.
        edges = {s: t & known - {s} for s, t in load_edges(edges_file).items() if s in known}
        edges = {s: t for s, t in edges.items() if t}
        baseline = whole_note_neighbours(ix, indexed, k)
        related = ix.related()
        app: dict[str, list[str]] = {}
        times = []
        for source in edges:
            t = time.perf_counter()
            app[source] = [h.path for h in related.related(source, k)]
            times.append(time.perf_counter() - t)
        rows = [
            {"system": "whole-note exact", **_recall(baseline, edges, k)},
            {"system": "app related", **_recall(app, edges, k)},
        ]
        return {
            "vault": notes_dir.parent.name,
            "notes": len(indexed),
            "sources": len(edges),
            "links": sum(len(t) for t in edges.values()),
            "chunks": ix.store.chunk_count(),
            "rows": rows,
            "latency": {
                "related_p50_ms": percentile(times, 50) * 1000,
                "related_p95_ms": percentile(times, 95) * 1000,
            },
        }
    finally:
        ix.close()
