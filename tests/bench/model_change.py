"""A model change on a live engine: how long it takes, and what searching meanwhile costs.

    python tests/bench/model_change.py FOLDER [--notes 300] [--model minilm] [--precision fp32]
                                       [--to-dims 256] [--to-precision P] [--json]

Copies the first --notes notes of FOLDER (sorted by path; FOLDER is never written to) and indexes them
with the model as chosen; then, on the running engine, changes to the same model at --to-dims (vectors of
the model in use are cut, no model runs) or at --to-precision (another model id: every passage and title
is embedded again, the cost of any model change) while a thread
searches the meaning queries of eval/meaning (or note titles) back to back. Prints: the change's
duration and passages embedded, search latency p50/p95 before, during and after the change, how many
searches were answered by meaning (hybrid) during it (all of them should be), and RSS before, at
the peak and after (both models are loaded during the change).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from gte_notes.core.files.config import Settings
from gte_notes.core.live.chosen_model import ModelChoice
from gte_notes.core.live.engine import Engine
from tests.bench.bench_env import header, peak_rss_mb, rss_mb, table
from tests.bench.gte_small_shaped import bench_model_path


def copy_notes(folder: Path, n: int, to: Path) -> list[str]:
    notes = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix in (".md", ".txt") and ".git" not in p.parts
    )[:n]
    for p in notes:
        dest = to / p.relative_to(folder)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dest)
    return [p.stem.replace(".", " ").replace("-", " ") for p in notes]


def queries_for(folder: Path, titles: list[str]) -> list[str]:
    tsv = REPO.parent / "shared" / "eval" / "meaning" / f"{folder.name}.tsv"
    if tsv.is_file():
        return [line.split("\t")[0] for line in tsv.read_text().splitlines() if "\t" in line]
    return titles


def timed_searches(
    engine: Engine, queries: list[str], stop: threading.Event, out: list[tuple[float, str]]
) -> None:
    i = 0
    while not stop.is_set():
        q = queries[i % len(queries)]
        i += 1
        t = time.perf_counter()
        _hits, mode = engine.search_with_mode(q, 10)
        out.append(((time.perf_counter() - t) * 1000, mode))


def ms(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{statistics.median(ordered):.0f} / {ordered[int(0.95 * (len(ordered) - 1))]:.0f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--notes", type=int, default=300)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--precision", default="fp32")
    ap.add_argument("--to-dims", type=int, default=256)
    ap.add_argument(
        "--to-precision", default="", help="change the precision too (every vector is embedded again)"
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    folder = Path(args.folder).resolve()
    model = bench_model_path(args.model)
    work = Path(tempfile.mkdtemp(prefix="gte-notes-bench-change-"))
    try:
        titles = copy_notes(folder, args.notes, work / "notes")
        queries = queries_for(folder, titles)
        before_choice = ModelChoice(model, args.precision)
        after_choice = ModelChoice(model, args.to_precision or args.precision, dims=args.to_dims)
        engine = Engine(
            work / "notes", home=work / "home", settings=Settings(), choice=before_choice, watch=False
        )
        engine.start()
        assert engine.wait_idle(3600), "the first index did not finish"
        status = engine.status()
        rows: dict[str, list[tuple[float, str]]] = {"before": [], "during": [], "after": []}
        for q in queries:  # warm: the first search of each query fills the caches
            engine.search(q, 10)
        stop = threading.Event()
        stop.clear()
        worker = threading.Thread(target=timed_searches, args=(engine, queries, stop, rows["before"]))
        worker.start()
        time.sleep(10)
        stop.set()
        worker.join()
        rss_before = rss_mb()
        stop = threading.Event()
        worker = threading.Thread(target=timed_searches, args=(engine, queries, stop, rows["during"]))
        started = time.perf_counter()
        engine.change_model(after_choice)
        worker.start()
        while engine.serving_choice != after_choice:
            time.sleep(0.05)
        change_s = time.perf_counter() - started
        stop.set()
        worker.join()
        peak = peak_rss_mb()
        assert engine.wait_idle(600)
        settle_s = time.perf_counter() - started
        for q in queries:
            engine.search(q, 10)
        stop = threading.Event()
        worker = threading.Thread(target=timed_searches, args=(engine, queries, stop, rows["after"]))
        worker.start()
        time.sleep(10)
        stop.set()
        worker.join()
        after = engine.status()
        engine.stop()
        result = {
            "notes": status.counts.get("indexed", 0),
            "chunks": status.chunks,
            "vectors_before": status.vectors,
            "vectors_after": after.vectors,
            "dims_after": after.dims,
            "change_s": round(change_s, 1),
            "until_idle_s": round(settle_s, 1),
            "searches_during": len(rows["during"]),
            "hybrid_during": sum(1 for _, mode in rows["during"] if mode == "hybrid"),
            "p50_p95_ms": {k: ms([t for t, _ in v]) for k, v in rows.items()},
            "rss_before_mb": round(rss_before),
            "rss_peak_mb": round(peak),
            "rss_after_mb": round(rss_mb()),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
        return 0
    print(header("model change on a live engine"))
    print(
        f"{result['notes']} notes ({result['chunks']} passages, {result['vectors_before']} vectors) "
        f"of {folder.name}; "
        f"{Path(model).name} {args.precision} -> {args.to_precision or args.precision} at --dims "
        f"{args.to_dims or 'all'}; searches: "
        f"{len(queries)} queries back to back on one thread\n"
    )
    print(
        table(
            [
                "change (s)",
                "until idle (s)",
                "searches during",
                "answered by meaning",
                "search p50 / p95 ms: before",
                "during",
                "after",
                "RSS MB before / peak / after",
            ],
            [
                [
                    result["change_s"],
                    result["until_idle_s"],
                    result["searches_during"],
                    result["hybrid_during"],
                    result["p50_p95_ms"]["before"],
                    result["p50_p95_ms"]["during"],
                    result["p50_p95_ms"]["after"],
                    f"{result['rss_before_mb']} / {result['rss_peak_mb']} / {result['rss_after_mb']}",
                ]
            ],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
