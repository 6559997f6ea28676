"""Cold index of real vaults through the app's own Indexer, then a restart that must embed nothing.

Run: python tests/bench/index_vault.py [--vaults dendron-site,vaultofknowledge] [--precision auto]

Each vault is indexed from nothing in its own process (so peak RSS is that vault's), with the
gte-small-shaped model (gte-small's architecture and tokenizer, random weights: the same FLOPs) loaded
by the app's load_embedder. A second process then opens the saved index the way the app does at
start-up (store, ANN file, full reconcile) and must embed 0 chunks. No assertions on time: it prints
a table for README.md; a restart that embeds anything is reported as a failure (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.bench.bench_env import header, load, peak_rss_mb, table

VAULTS = REPO_ROOT.parent / "shared" / "vaults"


def run_child(vault: str, home: Path, precision: str, phase: str) -> dict:
    """Index (phase "cold") or re-open and reconcile (phase "restart") in a fresh process."""
    from gte_notes.core.live.workspace import Workspace
    from gte_notes.core.model.embedder import load_embedder
    from tests.bench.gte_small_shaped import gte_small_shaped_path

    started = time.perf_counter()
    embedder = load_embedder(str(gte_small_shaped_path()), precision=precision)
    model_s = time.perf_counter() - started
    ws = Workspace(VAULTS / vault / "notes", home=home)
    with ws.lock:
        store = ws.open_store()
        started = time.perf_counter()
        ann = ws.open_ann(store, embedder)
        ann_s = time.perf_counter() - started
        started = time.perf_counter()
        stats = ws.indexer(store, ann, embedder).reconcile()
        ann.save(store)
        seconds = time.perf_counter() - started
        tokens = store.conn.execute("SELECT COALESCE(SUM(n_tokens), 0) FROM chunks").fetchone()[0]
        chunks = store.chunk_count()
        store.close()
    return {
        "phase": phase,
        "vault": vault,
        "precision": embedder.precision,
        "model_s": model_s,
        "ann_s": ann_s,
        "ann_event": ann.last_event,
        "ann_kind": ann.kind,
        "seconds": seconds,
        "scanned": stats.scanned,
        "indexed": stats.added + stats.updated,
        "unchanged": stats.unchanged,
        "skipped": stats.skipped,
        "failed": stats.failed,
        "embedded": stats.embedded_chunks,
        "reused": stats.reused_chunks,
        "chunks": chunks,
        "tokens": tokens,
        "peak_rss_mb": peak_rss_mb(),
        "load": load(),
    }


def spawn(vault: str, home: Path, precision: str, phase: str) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            phase,
            "--vaults",
            vault,
            "--home",
            str(home),
            "--precision",
            precision,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vaults", default="dendron-site,vaultofknowledge")
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--child", choices=["cold", "restart"], help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.vaults, Path(args.home), args.precision, args.child)))
        return 0

    print(header("index_vault"))
    print(
        "model: gte-small-shaped (12 layers, 384 wide, real tokenizer, random weights), "
        f"precision {args.precision}\n"
    )
    cold_rows, again_rows = [], []
    failed = False
    for vault in args.vaults.split(","):
        home = Path(tempfile.mkdtemp(prefix="gte-notes-bench-"))
        try:
            cold = spawn(vault, home, args.precision, "cold")
            again = spawn(vault, home, args.precision, "restart")
        finally:
            shutil.rmtree(home, ignore_errors=True)
        s = cold["seconds"]
        cold_rows.append(
            [
                vault,
                cold["precision"],
                cold["scanned"],
                cold["indexed"],
                cold["chunks"],
                f"{cold['tokens']:,}",
                f"{s:.0f}",
                f"{cold['indexed'] / s:.1f}",
                f"{cold['embedded'] / s:.1f}",
                f"{cold['tokens'] / s:,.0f}",
                f"{cold['peak_rss_mb']:.0f}",
                cold["load"],
            ]
        )
        failed |= again["embedded"] != 0
        again_rows.append(
            [
                vault,
                f"{again['model_s']:.1f}",
                f"{again['ann_s']:.2f}",
                again["ann_event"],
                again["ann_kind"],
                f"{again['seconds']:.2f}",
                again["unchanged"],
                again["embedded"],
                f"{again['peak_rss_mb']:.0f}",
                again["load"],
            ]
        )
    print("Cold index (empty index, every note read, chunked, embedded, written; ANN saved):\n")
    print(
        table(
            [
                "vault",
                "precision",
                "files",
                "notes indexed",
                "chunks",
                "tokens",
                "wall s",
                "notes/s",
                "chunks/s",
                "tokens/s",
                "peak RSS MB",
                "load 1/5/15m",
            ],
            cold_rows,
        )
    )
    print(
        "\nRestart with nothing changed (new process: load model, open store and ANN file, full reconcile):\n"
    )
    print(
        table(
            [
                "vault",
                "model load s",
                "ANN load s",
                "ANN",
                "shape",
                "reconcile s",
                "unchanged",
                "embedded",
                "peak RSS MB",
                "load 1/5/15m",
            ],
            again_rows,
        )
    )
    if failed:
        print("\nFAIL: a no-change restart embedded chunks; it must embed 0.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
