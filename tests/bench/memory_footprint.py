"""Resident memory of a restart with a 100,000-chunk index, idle after a search, step by step.

Run: python tests/bench/memory_footprint.py [--chunks 100000] [--precision onnx-int8]
         [--model gte-small-shaped]

A first start (its own process) loads the full model and saves the query encoder, as the app's
first start does (serving.open_embedder). An HNSW graph of `--chunks` unit vectors is built with
the app's own Graph (the app's M, both cores) and saved, as the app's ann.bin. Then a fresh process does
what a restart does, printing RSS after each step: Qt and the app's GUI modules, the saved query
encoder, the first query, the graph read from disk, another search; then idle. The graph's memory is
hnswlib's fixed per-element layout (vector + M0 links + label, plus upper levels), the same whatever
ef_construction built it, so `--ef-construction` only trades build time. No assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.bench.bench_env import CACHE, header, load, peak_rss_mb, rss_mb, table

QUERIES = ("publish a site", "how do I write a note template")


def build_graph(chunks: int, ef_construction: int) -> Path:
    """A saved hnswlib graph of `chunks` random unit vectors in 384 dimensions (cached)."""
    import numpy as np

    from gte_notes.core.index import ann_backends

    target = CACHE / f"memory-graph-{chunks}-m{ann_backends.M}.bin"
    if target.is_file():
        return target
    ann_backends.EF_CONSTRUCTION = ef_construction
    graph = ann_backends.Graph.empty(384, chunks)
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for start in range(0, chunks, 10_000):
        vecs = rng.standard_normal((min(10_000, chunks - start), 384), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        graph.add(np.arange(start, start + len(vecs)), vecs, threads=os.cpu_count() or 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    graph.write(target)
    (target.with_suffix(".live")).write_text(graph.live_bits())
    print(
        f"built the {chunks:,}-vector graph in {time.perf_counter() - started:.0f} s "
        f"(ef_construction {ef_construction})",
        file=sys.stderr,
    )
    return target


def first_start(model: str, precision: str, data_dir: Path) -> str:
    from gte_notes.core.model.serving import open_embedder

    embedder = open_embedder(model, precision, data_dir)
    return f"{embedder.precision}; {embedder.precision_note}"


def restart(model: str, precision: str, data_dir: Path, graph_file: Path) -> dict:
    steps: list[tuple[str, float]] = [("Python", rss_mb())]
    from PySide6 import QtWidgets  # noqa: F401

    import gte_notes.gui.window.main_window  # noqa: F401 - the app's GUI modules, as the window imports them

    steps.append(("+ Qt and the app's GUI modules", rss_mb()))
    from gte_notes.core.model.serving import open_embedder

    embedder = open_embedder(model, precision, data_dir)
    steps.append((f"+ the saved query encoder ({type(embedder._graph).__name__})", rss_mb()))
    embedder.encode_query(QUERIES[0])
    steps.append(("+ the first query", rss_mb()))
    from gte_notes.core.index.ann_backends import Graph

    graph = Graph.read(graph_file, 384, graph_file.with_suffix(".live").read_text())
    steps.append((f"+ the {graph.count:,}-chunk HNSW index", rss_mb()))
    graph.query(embedder.encode_query(QUERIES[1]), 10)
    time.sleep(1.0)
    steps.append(("idle after another search", rss_mb()))
    return {
        "steps": steps,
        "peak_rss_mb": peak_rss_mb(),
        "torch_imported": "torch" in sys.modules,
        "precision": embedder.precision,
        "load": load(),
        "load_times": embedder.load_times,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--precision", default="onnx-int8")
    parser.add_argument("--model", default="gte-small-shaped", help="gte-small-shaped, minilm or a folder")
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--child", choices=["first", "restart"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--graph", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from tests.bench.gte_small_shaped import bench_model_path

    model = bench_model_path(args.model)
    if args.child == "first":
        print(json.dumps(first_start(model, args.precision, Path(args.data_dir))))
        return 0
    if args.child == "restart":
        print(json.dumps(restart(model, args.precision, Path(args.data_dir), Path(args.graph))))
        return 0

    print(header("memory_footprint"))
    graph = build_graph(args.chunks, args.ef_construction)
    with tempfile.TemporaryDirectory(prefix="gte-notes-mem-") as data_dir:
        base = [
            sys.executable,
            __file__,
            "--model",
            args.model,
            "--precision",
            args.precision,
            "--data-dir",
            data_dir,
            "--graph",
            str(graph),
        ]
        first = subprocess.run([*base, "--child", "first"], check=True, capture_output=True, text=True)
        print(
            f"model {args.model}, precision asked {args.precision}: "
            f"{json.loads(first.stdout.strip().splitlines()[-1])}\n"
        )
        out = subprocess.run([*base, "--child", "restart"], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(table(["step (a restart)", "RSS MB"], [[name, f"{mb:.0f}"] for name, mb in result["steps"]]))
    print(
        f"\npeak RSS {result['peak_rss_mb']:.0f} MB; torch imported: {result['torch_imported']}; "
        f"load average at end {result['load']}"
    )
    print("encoder load: " + ", ".join(f"{k} {v:.2f} s" for k, v in result["load_times"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
