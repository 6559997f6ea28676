"""The desktop app's memory through a first index of a folder and after it, notes embedded in a
process of their own (the app's way, note_process.py) or in the app's process (before), side by side.

    python tests/bench/indexing_memory.py FOLDER [--model gte-small-shaped|minilm|PATH] [--precision auto]
                                          [--idle-exit 20] [--modes apart,in-process] [--json]

Each mode launches a fresh app (real main window, bridge, engine; offscreen Qt) on FOLDER with an empty
data dir, so it is a first start: the precision check, the query encoder's export and the whole cold
index. The resident memory of the app and of the process it embeds in is sampled every 0.2 s. Printed:
the peaks while indexing, both at the end of the index, then the app after `--idle-exit` seconds
without work (the model's process stops then; the app's default is note_process.IDLE_EXIT_S) and a
search. FOLDER is not written to.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.bench_env import children_rss_mb, header, rss_mb, table
from tests.bench.gte_small_shaped import bench_model_path

QUERY = "publish a site"


# ---- the child: the app -----------------------------------------------------------------------------


def child(folder: str, model: str, precision: str, data_dir: str, mode: str, idle_exit: float) -> None:
    from PySide6.QtCore import QTimer

    from gte_notes.core.model import note_process, serving
    from gte_notes.gui.window.app import finish_process
    from tests.bench.bench_window import open_app

    note_process.IDLE_EXIT_S = idle_exit
    if mode == "in-process":  # as before note_process.py: the app loads the full model itself
        opened = serving.open_embedder
        serving.open_embedder = lambda *a, notes_apart=False, **k: opened(*a, **k)
    samples: list[tuple[float, float, float]] = []  # (time, app MB, model process MB)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            samples.append((time.monotonic(), rss_mb(), children_rss_mb()))

    threading.Thread(target=sample, daemon=True).start()
    app, bridge, window = open_app(folder, model, precision, data_dir)
    out: dict[str, object] = {"mode": mode}
    started = time.monotonic()

    def peaks(since: float) -> dict[str, float]:
        rows = [s for s in samples if s[0] >= since]
        return {
            "app": max(r[1] for r in rows),
            "model": max(r[2] for r in rows),
            "total": max(r[1] + r[2] for r in rows),
        }

    def watch_index() -> None:
        engine = bridge.engine
        if engine is None or not engine.ready or not engine.wait_idle(0) or engine.writer.batches == 0:
            QTimer.singleShot(200, watch_index)
            return
        out["index_s"] = round(time.monotonic() - started, 1)
        out["peak"] = peaks(started)
        out["at_end"] = {"app": rss_mb(), "model": children_rss_mb()}
        out["model_note"] = engine.model_note
        QTimer.singleShot(int((idle_exit + 3) * 1000), after_idle)

    def after_idle() -> None:
        bridge.search_done.connect(searched)
        window.search.setText(QUERY + " again")

    def searched(_gen: int, _query: str, hits: list, ready: bool) -> None:
        if "idle" in out or not ready:
            return
        out["idle"] = {"app": rss_mb(), "model": children_rss_mb(), "hits": len(hits)}
        stop.set()
        print(json.dumps(out), flush=True)
        window.close()
        app.quit()

    window.show()
    window.start(folder, QUERY)
    QTimer.singleShot(500, watch_index)
    QTimer.singleShot(3_600_000, app.quit)  # never hang a benchmark
    finish_process(app.exec())


# ---- the parent -------------------------------------------------------------------------------------


def run(folder: Path, model: str, precision: str, mode: str, idle_exit: float) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="gte-notes-memory-"))
    try:
        env = dict(os.environ, GTE_NOTES_CONFIG=str(data_dir / "config"))
        out = subprocess.run(
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
                "--modes",
                mode,
                "--idle-exit",
                str(idle_exit),
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--model", default="gte-small-shaped")
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--idle-exit", type=float, default=20.0)
    ap.add_argument("--modes", default="apart,in-process")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.folder, args.model, args.precision, args.data_dir, args.modes, args.idle_exit)
        return 0
    model = bench_model_path(args.model)
    folder = Path(args.folder).resolve()
    results = [run(folder, model, args.precision, mode, args.idle_exit) for mode in args.modes.split(",")]
    if args.json:
        print(json.dumps(results))
        return 0
    print(header("indexing_memory"))
    print(
        f"folder: {folder}; model: {Path(model).name} ({results[0].get('model_note', '')}); a first start "
        f"with an empty data dir; model process stops after {args.idle_exit:g} s idle\n"
    )
    idle = f"idle {args.idle_exit:g} s later, after a search: app / model process MB"
    rows = []
    for r in results:
        peak, end, later = r["peak"], r["at_end"], r["idle"]
        rows.append(
            [
                r["mode"],
                r["index_s"],
                f"{peak['app']:,.0f} / {peak['model']:,.0f} / {peak['total']:,.0f}",
                f"{end['app']:,.0f} / {end['model']:,.0f}",
                f"{later['app']:,.0f} / {later['model']:,.0f}",
            ]
        )
    print(
        table(
            [
                "notes embedded",
                "first index s",
                "peak app / model process / both MB",
                "end of index: app / model process MB",
                idle,
            ],
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
