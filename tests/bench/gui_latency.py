"""GUI latency: per-keystroke time from key event to results on screen, and event-loop stalls while
1,000 notes are re-indexed.

    python tests/bench/gui_latency.py [--model gte-small-shaped|minilm|PATH] [--rounds 5]

Offscreen Qt, the real main window, engine and model (the gte-small-shaped one by default: same cost
as gte-small). The dendron-site vault is copied to a cache folder and indexed once; later runs reuse
that index. Each keystroke is timed from the key press to the moment its results are in the list and
painted, with the next key sent only after that. Stalls are measured with a 5 ms timer: any gap past
its interval is time the GUI thread could not answer the user. The re-index appends a line to 1,000
notes on disk, so the watcher, the indexer and the embedder all run, while a query is typed every
half second. Every timed query is one this process has not searched before (a repeated one is timed
apart, as the warm case). Targets (issue 4): keystroke p95 <= 50 ms and no stall over 100 ms, idle
and during the re-index alike: the verdict is met only if all four are.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import threading
import time
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer, qInstallMessageHandler
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gte_notes.core.files.config import Settings
from gte_notes.core.live.engine_state import Phase
from gte_notes.gui.engine.bridge import EngineBridge
from gte_notes.gui.window.app import tune_interpreter
from gte_notes.gui.window.main_window import MainWindow
from tests.bench.bench_env import header
from tests.bench.gte_small_shaped import bench_model_path

VAULT = REPO.parent / "shared" / "vaults" / "dendron-site" / "notes"
# Every round types a query this process has not searched before: typing one query again would time
# the caches it filled (SQLite pages, doc frequencies, the tokenizer), not what a user's next query costs.
# The last idle round repeats the first one and is reported apart, as the warm case.
IDLE_QUERIES = (
    "how to publish notes",
    "rename a hierarchy",
    "schema for journals",
    "sync vaults to git",
    "preview the markdown",
    "backlinks to a note",
    "template variables",
    "lookup by title",
    "export the graph now",
    "daily note workflow",
)
_FIRST = ("daily", "schema", "publish", "vault", "template", "refactor", "link", "tag", "search", "pod")
_SECOND = (
    "journal",
    "templates",
    "site",
    "sync",
    "hierarchy",
    "preview",
    "backlinks",
    "graph",
    "export",
    "config",
)
TYPED_DURING_REINDEX = tuple(f"{a} {b}" for a in _FIRST for b in _SECOND)  # 100 distinct queries


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def pump_until(app: QApplication, done, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.001)  # a benchmark driver, not a test: yield the GIL to the workers
    return True


def pump_for(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    pump_until(app, lambda: time.monotonic() > end, seconds + 1)


class StallMeter:
    """Gaps between the ticks of a 5 ms timer: how long the GUI thread was unable to react."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self.gaps = []
        self.clock.start()
        self._last = 0.0
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        self.gaps.append(max(0.0, now - self._last - 5.0))
        self._last = now


class StallSampler:
    """--diagnose: when the GUI thread has not ticked for 80 ms, note where every thread is. If this
    sampler itself woke late, nobody could run Python: a C call held the GIL, or the OS starved us."""

    def __init__(self, meter: StallMeter) -> None:
        self.meter = meter
        self.samples: list[str] = []
        self.late_wakeups: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        main = threading.main_thread().ident
        reported_tick = -1.0
        while not self._stop.is_set():
            asleep = time.perf_counter()
            time.sleep(0.02)
            late = (time.perf_counter() - asleep) * 1000 - 20
            if late > 50:
                self.late_wakeups.append(late)
            tick = self.meter._last
            gap = self.meter.clock.nsecsElapsed() / 1e6 - tick
            if gap > 80 and tick != reported_tick and self.meter.timer.isActive():
                reported_tick = tick
                frames = sys._current_frames()
                lines = [f"GUI thread quiet for {gap:.0f} ms (sampler {late:.0f} ms late)"]
                for ident, frame in frames.items():
                    name = (
                        "GUI"
                        if ident == main
                        else next((t.name for t in threading.enumerate() if t.ident == ident), str(ident))
                    )
                    if ident == threading.get_ident():
                        continue
                    stack = traceback.extract_stack(frame)[-4:]
                    lines.append(
                        f"  [{name}] "
                        + " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))
                    )
                self.samples.append("\n".join(lines))
                # Holding the GUI thread's frames would keep its locals (painters!) alive on this thread.
                frames = frame = stack = None  # type: ignore[assignment]


GUI_CPU: list[float] = []  # GUI-thread CPU ms per keystroke: what the GUI itself costs, whatever the load


def wait_for_results(window: MainWindow, query: str, timeout_s: float = 30) -> None:
    """Sleep in a Qt event loop (not a polling loop, so the GUI thread's CPU time stays meaningful)
    until `query`'s results are shown."""
    if window.shown_query == query:
        return
    loop = QEventLoop()

    def shown(q: str) -> None:
        if q == query:
            loop.quit()

    window.results_shown.connect(shown)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    window.results_shown.disconnect(shown)


def type_and_time(app: QApplication, window: MainWindow, text: str) -> list[float]:
    """Milliseconds from each key press to its query's results being painted."""
    window.search.clear()
    wait_for_results(window, "")
    times = []
    for n, ch in enumerate(text, 1):
        prefix = text[:n]
        start = time.perf_counter()
        cpu = time.thread_time()
        QTest.keyClick(window.search, ch)
        if not prefix.strip():
            continue
        wait_for_results(window, prefix)
        window.results.viewport().repaint()  # the paint the user waits for, done now so it is timed
        times.append((time.perf_counter() - start) * 1000)
        GUI_CPU.append((time.thread_time() - cpu) * 1000)
    return times


class SearchClock:
    """Wall and CPU time of each engine search on the search worker: the part the GUI waits for."""

    def __init__(self, engine: object) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        real = engine.search_with_mode  # type: ignore[attr-defined]  # what the bridge calls

        def timed(query: str, limit: int = 20) -> tuple[list, str]:
            t, c = time.perf_counter(), time.thread_time()
            try:
                return real(query, limit)
            finally:
                self.wall.append((time.perf_counter() - t) * 1000)
                self.cpu.append((time.thread_time() - c) * 1000)

        engine.search_with_mode = timed  # type: ignore[attr-defined]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="gte-small-shaped")
    ap.add_argument(
        "--rounds", type=int, default=5, help="new ~20-character queries typed while the index is idle"
    )
    ap.add_argument("--notes", type=int, default=1000, help="notes changed for the re-index")
    ap.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="sys.setswitchinterval in seconds (default: what the app sets)",
    )
    ap.add_argument("--diagnose", action="store_true", help="print where threads were during long stalls")
    ap.add_argument(
        "--cache",
        default=str(
            Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gte-notes-bench" / "gui-latency"
        ),
    )
    args = ap.parse_args()
    model = bench_model_path(args.model)
    cache = Path(args.cache) / Path(model).name
    folder = cache / "notes"
    if not folder.is_dir():
        shutil.copytree(VAULT, folder)
    os.environ["GTE_NOTES_CONFIG"] = str(cache / "config")

    app = QApplication(sys.argv[:1])
    # The offscreen platform warns on every window resize; the table is what this prints.
    qInstallMessageHandler(
        lambda _kind, _ctx, msg: None if "propagateSizeHints" in msg else print(msg, file=sys.stderr)
    )
    tune_interpreter()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    settings = Settings(folders=[str(folder)], model=model)
    bridge = EngineBridge(settings, home=cache / "data", model=model)
    state = QSettings(str(cache / "config" / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(bridge, settings, state=state, persist=False)
    window.resize(1360, 860)
    window.show()
    started = time.monotonic()
    window.start(str(folder))
    if not pump_until(app, lambda: window.engine_state.phase is Phase.IDLE and window.engine_ready, 7200):
        print("the index did not become ready", file=sys.stderr)
        return 1
    print(f"index ready in {time.monotonic() - started:.1f} s ({folder})", file=sys.stderr)

    # Warm-up with a query of its own: the first search loads lazy parts (the query graph's first run).
    type_and_time(app, window, "warm up the engine")
    clock = SearchClock(bridge.engine)
    GUI_CPU.clear()
    fresh = IDLE_QUERIES[: max(1, min(args.rounds, len(IDLE_QUERIES)))]
    idle_times = [t for query in fresh for t in type_and_time(app, window, query)]
    idle_cpu, idle_search, idle_search_cpu = list(GUI_CPU), list(clock.wall), list(clock.cpu)
    warm_times = type_and_time(app, window, fresh[0])  # typed again: every prefix answered before
    GUI_CPU.clear()
    clock.wall.clear()
    clock.cpu.clear()

    meter = StallMeter()
    meter.start()
    pump_for(app, 3.0)
    meter.stop()
    idle_gaps = meter.gaps

    # Re-index: change notes on disk as a sync or a git checkout would.
    notes = sorted(folder.glob("*.md"))[: args.notes]
    indexed: set[str] = set()
    bridge.indexed.connect(lambda paths: indexed.update(paths))
    meter.start()
    sampler = StallSampler(meter) if args.diagnose else None
    if sampler is not None:
        sampler.start()
    t0 = time.monotonic()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    for n, note in enumerate(notes):
        with note.open("a", encoding="utf-8") as f:
            f.write(f"\n\nEdited by the GUI latency benchmark at {stamp} ({n}).\n")
        if n % 50 == 0:
            app.processEvents()
    busy_times: list[float] = []
    wanted = {p.relative_to(folder).as_posix() for p in notes}
    k = 0
    while not (wanted <= indexed and window.engine_state.phase is Phase.IDLE):
        if time.monotonic() - t0 > 7200:
            print("the re-index did not finish", file=sys.stderr)
            break
        busy_times += type_and_time(app, window, TYPED_DURING_REINDEX[k % len(TYPED_DURING_REINDEX)])
        k += 1
        pump_for(app, 0.5)
    reindex_s = time.monotonic() - t0
    meter.stop()
    if sampler is not None:
        sampler.stop()
        print(
            f"\n{len(sampler.samples)} long stalls sampled; sampler woke >50 ms late "
            f"{len(sampler.late_wakeups)} times (max {max(sampler.late_wakeups, default=0):.0f} ms)"
        )
        for sample in sorted(sampler.samples, key=lambda x: -float(x.split()[4]))[:12]:
            print(sample)
    gaps = meter.gaps
    window.close()

    busy_cpu, busy_search, busy_search_cpu = list(GUI_CPU), list(clock.wall), list(clock.cpu)

    def row(name: str, values: list[float]) -> tuple[str, str, str, str, str]:
        if not values:
            return (name, "-", "-", "-", "0")
        return (
            name,
            f"{statistics.median(values):.1f}",
            f"{pct(values, 95):.1f}",
            f"{max(values):.1f}",
            str(len(values)),
        )

    rows = [
        row("keystroke → results shown, index idle, new queries", idle_times),
        row("  the same, a query typed again (warm caches)", warm_times),
        row("  of which GUI-thread CPU", idle_cpu),
        row("  engine.search wall (worker)", idle_search),
        row("  engine.search CPU (worker)", idle_search_cpu),
        row("keystroke → results shown, during re-index", busy_times),
        row("  of which GUI-thread CPU", busy_cpu),
        row("  engine.search wall (worker)", busy_search),
        row("  engine.search CPU (worker)", busy_search_cpu),
        row("event-loop stall, index idle", idle_gaps),
        row(f"event-loop stall, re-index of {len(notes)} notes", gaps),
    ]
    print("\n" + header("gui_latency"))
    print(
        f"GUI latency — model {Path(model).name}, {len(list(folder.rglob('*.md')))} notes, "
        f"{len(fresh)} new queries of ~20 characters typed idle, {k} new ones during the re-index, "
        f"re-index took {reindex_s:.1f} s ({len(indexed & wanted)} notes re-indexed), GIL switch interval "
        f"{sys.getswitchinterval() * 1000:g} ms"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'median ms':>9}  {'p95 ms':>7}  {'max ms':>7}  {'samples':>7}")
    for name, med, p95, worst, count in rows:
        print(f"{name:{width}}  {med:>9}  {p95:>7}  {worst:>7}  {count:>7}")
    # The verdict covers every condition the user meets: a target met only while idle is not met.
    checks = [
        ("keystroke p95 <= 50 ms, index idle", pct(idle_times, 95) if idle_times else float("inf"), 50),
        ("keystroke p95 <= 50 ms, during re-index", pct(busy_times, 95) if busy_times else float("inf"), 50),
        ("no stall over 100 ms, index idle", max(idle_gaps, default=0.0), 100),
        ("no stall over 100 ms, during re-index", max(gaps, default=0.0), 100),
    ]
    print("\ntargets:")
    for name, value, limit in checks:
        stalls = (
            sum(1 for g in (gaps if "re-index" in name else idle_gaps) if g > 100) if "stall" in name else 0
        )
        extra = f", {stalls} stalls over 100 ms" if stalls else ""
        print(f"  {name}: {'met' if value <= limit else 'MISSED'} ({value:.1f} ms{extra})")
    print(f"verdict: {'all met' if all(v <= lim for _n, v, lim in checks) else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
