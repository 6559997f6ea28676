"""A first start of the desktop app, as a new user lives it: `startup.py --first-start FOLDER`.

An empty data dir (no index, no saved query encoder, no precision check), the real main window offscreen,
and a query typed once at launch, never edited. From the launch (before the interpreter starts) it
records when the first keyword results are listed (`first_keyword_s`), when the first results with
meaning are (`first_hybrid_s`), when the index is up to date (`index_done_s`), and, once a second, what
the user sees: rows listed, the engine's state, the count and the time left the status bar shows.
FOLDER is never written to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench.bench_env import CACHE

FIRST_QUERY = "daily journal"
SAMPLE_MS = 1000
GIVE_UP_S = 3600  # a loaded machine may take this long over a thousand notes


def child(folder: str, model: str, precision: str, data_dir: str, query: str, t0: float) -> None:
    """The launched app: prints one JSON line once the index is up to date (or after GIVE_UP_S)."""
    from PySide6.QtCore import QTimer

    from gte_notes.gui.window.app import finish_process
    from tests.bench.bench_window import open_app

    out: dict[str, Any] = {"moments": []}
    seen: set[str] = set()

    def since() -> float:
        return round(time.time() - t0, 2)

    def mark(key: str) -> None:
        out.setdefault(key, since())

    app, bridge, window = open_app(folder, model, precision, data_dir)

    def moment(event: str = "") -> None:
        p = window.progress
        session = window.health.session
        out["moments"].append(
            {
                "t": since(),
                "rows": window.results.hits.rowCount(),
                "state": str(window.engine_state),
                "ready": window.ready,
                "done": getattr(p, "done", None),
                "total": getattr(p, "total", None),
                "eta_s": round(session.eta_s, 1) if session.eta_s is not None else None,
                "status": window.health.activity.text(),
                **({"event": event} if event else {}),
            }
        )

    def on_results(_gen: int, _query: str, hits: list, ready: bool) -> None:
        if hits and not ready:
            mark("first_keyword_s")
        if hits and ready:
            mark("first_hybrid_s")

    def on_state(engine_state: object) -> None:
        state = str(engine_state)  # EngineState: "idle", "scanning", "error: …"
        seen.add(state)
        if state not in out.setdefault("states", [])[-1:]:
            out["states"].append(state)
            moment(f"state {state}")
        if state == "idle" and seen & {"scanning", "indexing"}:
            mark("index_done_s")
            QTimer.singleShot(1500, finish)  # the refresh after the last batch lands on screen

    def finish() -> None:
        moment("end")
        out["rows_at_end"] = window.results.hits.rowCount()
        engine = bridge.engine
        out["load"] = dict(getattr(engine, "load_times", {})) if engine is not None else {}
        out["model_note"] = getattr(engine, "model_note", "")
        out["quit_at"] = time.time()
        print(json.dumps(out), flush=True)
        window.close()
        app.quit()

    bridge.search_done.connect(on_results)
    bridge.state_changed.connect(on_state)
    bridge.started.connect(lambda _folder: mark("index_open_s"))
    ticker = QTimer()
    ticker.timeout.connect(moment)
    ticker.start(SAMPLE_MS)
    window.show()
    QTimer.singleShot(0, lambda: mark("window_s"))
    window.start(folder, query)
    QTimer.singleShot(GIVE_UP_S * 1000, finish)
    finish_process(app.exec())


def launch(folder: Path, model: str, precision: str, query: str, data_dir: Path | None, script: str) -> dict:
    """One first start in a fresh process on an emptied data dir; the child is
    `script --first-start-child`."""
    data_dir = (data_dir or CACHE / "first-start" / Path(model).name).resolve()
    shutil.rmtree(data_dir, ignore_errors=True)  # a first start: no index, no saved encoder or precision
    data_dir.mkdir(parents=True)
    env = dict(os.environ, GTE_NOTES_CONFIG=str(data_dir / "config"))
    t0 = time.time()
    proc = subprocess.Popen(
        [
            sys.executable,
            script,
            "--first-start-child",
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
    if not line.strip():
        raise SystemExit(f"the app printed nothing (exit code {proc.returncode})")
    result = json.loads(line)
    result["quit_s"] = round(time.time() - float(result.pop("quit_at")), 3)
    result["exit_code"] = proc.returncode
    result.update(folder=str(folder), model=model, precision=precision, query=query)
    return result


def rows_before_done(result: dict) -> list[tuple[float, int]]:
    """(time, rows) each time the list grew before the index was up to date."""
    done = result.get("index_done_s") or float("inf")
    out: list[tuple[float, int]] = []
    for m in result["moments"]:
        if m["t"] < done and (not out or m["rows"] > out[-1][1]):
            out.append((m["t"], m["rows"]))
    return out


def report(result: dict) -> str:
    keys = ("window_s", "index_open_s", "first_keyword_s", "first_hybrid_s", "index_done_s", "rows_at_end")
    lines = [
        (
            f"query typed once at launch: {result['query']!r}; model {Path(result['model']).name} "
            f"({result.get('model_note', '')}); empty data dir"
        ),
        "",
    ]
    lines += [f"{k:>16}: {result.get(k, '—')}" for k in keys]
    lines += [
        "",
        "rows listed as the index grew (time s, rows): "
        + ", ".join(f"{t:g}: {n}" for t, n in rows_before_done(result)),
    ]
    lines += ["", f"{'t s':>7} {'rows':>5} {'state':<14} {'done/total':>11} {'ETA s':>7}"]
    for m in result["moments"][:: max(1, len(result["moments"]) // 25)]:
        count = f"{m['done']}/{m['total']}" if m["total"] else ""
        lines.append(f"{m['t']:>7} {m['rows']:>5} {m['state'][:14]:<14} {count:>11} {m['eta_s'] or '':>7}")
    return "\n".join(lines)


def run(args: Any, model: str, script: str) -> int:
    folder = Path(args.first_start).resolve()
    precision = args.precision or "auto"  # what a user's first start runs: the precision check included
    result = launch(
        folder,
        model,
        precision,
        args.query or FIRST_QUERY,
        Path(args.data_dir) if args.data_dir else None,
        script,
    )
    if args.json:
        print(json.dumps(result))
        return 0
    from tests.bench.bench_env import header

    print(header("first start"))
    print(report(result))
    return 0


def run_child(args: Any) -> None:
    child(args.first_start_child, args.model, args.precision, args.data_dir, args.query, args.t0)
