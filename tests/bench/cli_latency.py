"""How long `gte-notes search` and `gte-notes related` take from the shell, on an indexed folder.

Each run is a whole process, timed from start to exit, the way a user waits for it: Python start-up,
imports, the index and the query side of the model (the saved query encoder when there is one), the
search, the output. One untimed run of each command comes first; it is reported apart ("first"),
because the first search after an install loads the whole model and saves its query encoder. Beside the
wall times: the median CPU time (user + system) of the timed runs.

    /work/main/.venv/bin/python tests/bench/cli_latency.py FOLDER --data-dir DIR [--model M]
        [--runs 5] [--query "publish a site"] [--note PATH] [--index] [--repo CHECKOUT] [--json]

--index indexes FOLDER first if it is not indexed in DIR (not timed). --repo runs another checkout's
code (`python -m gte_notes` from there), so two versions are measured by one script. Target (issue 22):
search <= 1.5 s wall, median of 5, on dendron-site.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.bench_env import cpu_model, load


def lscpu_model() -> str:
    """The CPU's model name as lscpu gives it (bench_env's /proc/cpuinfo reading where lscpu is missing)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return cpu_model()
    for line in out.splitlines():
        if line.strip().startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return cpu_model()


def run_once(argv: list[str], repo: Path) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, exit code, stderr) of one whole process. The CPU time (user + system)
    changes less with the machine's load than the wall time does: a busy machine shows in the gap."""
    env = dict(os.environ, PYTHONPATH=str(repo))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=900)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.returncode, done.stderr


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--model", help="model name or folder [default: as gte-notes chooses]")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--query", default="publish a site")
    p.add_argument("--note", help="the note for `related` [default: the first indexed note by path]")
    p.add_argument("--index", action="store_true", help="index the folder first if it is not indexed")
    p.add_argument("--repo", type=Path, default=REPO, help="the checkout whose gte_notes runs")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()

    base = [sys.executable, "-m", "gte_notes", "--data-dir", args.data_dir]
    if args.model:
        base += ["--model", args.model]
    status = subprocess.run(
        [*base, "status", args.folder, "--json", "--all"],
        cwd=args.repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if status.returncode != 0 and args.index:
        print(f"indexing {args.folder} once (not timed)…", file=sys.stderr)
        subprocess.run([*base, "index", args.folder], cwd=args.repo, check=True)
        status = subprocess.run(
            [*base, "status", args.folder, "--json", "--all"],
            cwd=args.repo,
            capture_output=True,
            text=True,
            check=False,
        )
    if status.returncode != 0:
        print(
            f"{args.folder} is not indexed in {args.data_dir} (use --index): {status.stderr.strip()}",
            file=sys.stderr,
        )
        return 1
    indexed = sorted(f["path"] for f in json.loads(status.stdout)["files"] if f["status"] == "indexed")
    note = args.note or indexed[0]
    commands = {
        "search": [*base, "search", args.folder, args.query, "--limit", "10"],
        "related": [*base, "related", args.folder, note, "--limit", "10"],
    }

    rows = []
    for name, argv in commands.items():
        first, _, code, err = run_once(argv, args.repo)
        if code != 0:
            print(f"{name} failed ({code}): {err.strip()}", file=sys.stderr)
            return 1
        runs = [run_once(argv, args.repo) for _ in range(args.runs)]
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        rows.append(
            {
                "command": name,
                "first_s": round(first, 3),
                "median_s": round(statistics.median(walls), 3),
                "min_s": round(min(walls), 3),
                "cpu_median_s": round(statistics.median(cpus), 3),
                "runs": args.runs,
                "stderr": err.strip(),
            }
        )

    result = {
        "cpu": lscpu_model(),
        "cores": os.cpu_count(),
        "load_average": load(),
        "folder": args.folder,
        "notes_indexed": len(indexed),
        "repo": str(args.repo),
        "query": args.query,
        "note": note,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"CLI latency (whole process, wall)  CPU: {result['cpu']}; {result['cores']} cores; "
        f"load average {result['load_average']}"
    )
    print(f"{args.folder}: {len(indexed)} notes indexed; code from {args.repo}")
    print(f"{'command':<9} {'first s':>8} {'median s':>9} {'min s':>7} {'CPU s':>6}  runs")
    for r in rows:
        print(
            f"{r['command']:<9} {r['first_s']:>8.2f} {r['median_s']:>9.2f} {r['min_s']:>7.2f} "
            f"{r['cpu_median_s']:>6.2f}  {r['runs']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
