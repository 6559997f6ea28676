"""Start-up and quit of the desktop app on an indexed folder, as a user sees them.

    python tests/bench/startup.py FOLDER [--model gte-small-shaped|minilm|PATH] [--precision int8]
        [--rounds 3] [--json]
    python tests/bench/startup.py --first-start FOLDER [--model minilm] [--json]    (first_start.py)

Each round launches a fresh process running the real main window, bridge, engine and model
(offscreen Qt) with a query already typed, and times from the launch (before the interpreter starts):
the window shown, the first keyword-only results, the first hybrid results (model loaded, list
re-ranked), the model load split by phase, RSS after the first hybrid search, and the quit: from
the window's close to the process being gone. The folder is indexed first if it is not (not timed).
FOLDER is not written to; its index lives in a cache folder (--data-dir).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench import first_start
from tests.bench.bench_env import CACHE, header, table
from tests.bench.gte_small_shaped import bench_model_path

QUERY = "publish a site"
KEYS = (
    "window_s",
    "index_open_s",
    "first_keyword_s",
    "first_hybrid_s",
    "rss_mb",
    "peak_rss_mb",
    "model_process_mb",
    "quit_s",
)


# ---- the child: one launch of the app ---------------------------------------------------------------


def child(folder: str, model: str, precision: str, data_dir: str, query: str, t0: float) -> None:
    """Runs in the launched process; prints one JSON line of times since `t0` (the parent's clock)."""
    from PySide6.QtCore import QTimer

    from gte_notes.gui.window.app import finish_process
    from tests.bench.bench_env import children_rss_mb, peak_rss_mb, rss_mb
    from tests.bench.bench_window import open_app

    out: dict[str, object] = {}

    def mark(key: str) -> None:
        out.setdefault(key, round(time.time() - t0, 3))

    app, bridge, window = open_app(folder, model, precision, data_dir)

    def on_results(_gen: int, _query: str, hits: list, ready: bool) -> None:
        if hits and not ready:
            mark("first_keyword_s")
        if hits and ready and "first_hybrid_s" not in out:
            mark("first_hybrid_s")
            out["rss_mb"] = round(rss_mb())
            out["model_process_mb"] = round(children_rss_mb())  # a first start's model, embedding notes
            out["peak_rss_mb"] = round(peak_rss_mb())
            engine = bridge.engine
            out["load"] = dict(getattr(engine, "load_times", {})) if engine is not None else {}
            out["model_note"] = getattr(engine, "model_note", "")
            out["state_at_hybrid"] = str(window.engine_state)
            QTimer.singleShot(0, quit_now)

    def quit_now() -> None:
        out["quit_at"] = time.time()
        print(json.dumps(out), flush=True)
        window.close()
        app.quit()

    bridge.search_done.connect(on_results)
    bridge.started.connect(lambda _folder: mark("index_open_s"))  # the engine runs; searches can be answered
    window.show()
    QTimer.singleShot(0, lambda: mark("window_s"))  # the first pass of the event loop: painted
    window.start(folder, query)
    QTimer.singleShot(300_000, quit_now)  # never hang a benchmark
    finish_process(app.exec())


# ---- the parent -------------------------------------------------------------------------------------


def ensure_indexed(folder: Path, model: str, precision: str, data_dir: Path) -> None:
    """Index the folder once with the app's CLI (not timed): start-up is measured on an existing index."""
    env = dict(os.environ, GTE_NOTES_CONFIG=str(data_dir / "config"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "gte_notes",
            "--model",
            model,
            "--precision",
            precision,
            "--data-dir",
            str(data_dir),
            "index",
            str(folder),
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def launch(folder: Path, model: str, precision: str, data_dir: Path, query: str) -> dict:
    env = dict(os.environ, GTE_NOTES_CONFIG=str(data_dir / "config"))
    t0 = time.time()
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            str(folder),
            "--model",
            model,
            "--precision",
            precision,
            "--data-dir",
            str(data_dir),
            "--query",
            query,
            "--t0",
            repr(t0),
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout is not None else ""
    proc.wait()
    gone = time.time()
    if not line.strip():
        raise SystemExit(f"the app printed nothing (exit code {proc.returncode})")
    result = json.loads(line)
    result["quit_s"] = round(gone - float(result.pop("quit_at")), 3)
    result["exit_code"] = proc.returncode
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?")
    ap.add_argument(
        "--first-start",
        metavar="FOLDER",
        help="one first start on an empty data dir instead (first_start.py says what it measures)",
    )
    ap.add_argument("--model", default="gte-small-shaped")
    ap.add_argument(
        "--precision",
        default=None,
        choices=["auto", "fp32", "bf16", "int8", "onnx-fp32", "onnx-int8"],
        help="int8 by default (the precision auto picks on CPUs without native bf16); a first "
        "start runs auto, precision check included, unless told otherwise",
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--query", default=None)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--json", action="store_true", help="print the median round as one JSON object")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--first-start-child", help=argparse.SUPPRESS)
    ap.add_argument("--t0", type=float, default=0.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.first_start_child:
        first_start.run_child(args)
        return 0
    if args.child:
        child(args.folder, args.model, args.precision, args.data_dir, args.query, args.t0)
        return 0
    model = bench_model_path(args.model)
    if args.first_start:
        return first_start.run(args, model, __file__)
    if not args.folder:
        ap.error("FOLDER (or --first-start FOLDER) is needed")
    args.precision = args.precision or "int8"
    args.query = args.query or QUERY
    folder = Path(args.folder).resolve()
    data_dir = Path(args.data_dir or CACHE / "startup" / Path(model).name).resolve()
    ensure_indexed(folder, model, args.precision, data_dir)
    rounds = [launch(folder, model, args.precision, data_dir, args.query) for _ in range(args.rounds)]
    median = {
        k: statistics.median(float(r[k]) for r in rounds if k in r)
        for k in KEYS
        if any(k in r for r in rounds)
    }
    phases = list(dict.fromkeys(k for r in rounds for k in r.get("load", {})))
    load = {
        k: statistics.median(float(r["load"][k]) for r in rounds if k in r.get("load", {})) for k in phases
    }
    if args.json:
        print(json.dumps({**median, "load": load, "rounds": rounds}))
        return 0
    print(header("startup"))
    print(
        f"folder: {folder}; model: {Path(model).name} ({rounds[0].get('model_note', '')}); "
        f"query typed at launch: {args.query!r}; {args.rounds} fresh processes\n"
    )
    print(
        table(
            [
                "round",
                "window s",
                "index open s",
                "first keyword s",
                "first hybrid s",
                "RSS MB",
                "peak RSS MB",
                "model process MB",
                "quit s",
            ],
            [[n + 1, *(r.get(k, "—") for k in KEYS)] for n, r in enumerate(rounds)]
            + [["median", *(round(median[k], 3) if k in median else "—" for k in KEYS)]],
        )
    )
    print(
        "\nModel load by phase, s (in the engine's worker, which starts once the window is up; a first\n"
        "launch loads the full model and saves the query encoder, later ones load only that):"
    )
    print(
        table(
            ["phase", *(f"round {n + 1}" for n in range(len(rounds)))],
            [
                [k, *(f"{r['load'][k]:.2f}" if k in r.get("load", {}) else "—" for r in rounds)]
                for k in phases
            ],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
