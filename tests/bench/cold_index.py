"""The whole first index as a user waits for it: `gte-notes index` from an empty data dir against plain
sentence-transformers `encode()` of the same notes, each timed as a whole process from launch to done.

    python tests/bench/cold_index.py [FOLDER] [--model gte-small-shaped|minilm|PATH] [--json]

The baseline is what a person would write with the library alone: load the model, read every note, cut
each into windows of at most the model's token limit, `model.encode(windows)` with its defaults (fp32,
batch 32). The app's run is the real CLI on an empty data dir, so it pays what a first start pays: its
imports, the model load, the precision check, chunking, the keyword index, the vectors, the ANN. Both
run one after the other on the same machine; the ratio is the claim. FOLDER (default: dendron-site) is
never written to.
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

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from tests.bench.bench_env import header, table
from tests.bench.gte_small_shaped import bench_model_path

DEFAULT_FOLDER = REPO_ROOT.parent / "shared" / "vaults" / "dendron-site" / "notes"
NOTE_SUFFIXES = {".md", ".markdown", ".txt"}


def baseline_child(folder: str, model_path: str) -> None:
    """The library alone: prints one JSON line with what it embedded."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu")
    tok = model.tokenizer
    limit = model.max_seq_length - 2  # room for [CLS] and [SEP]
    windows: list[str] = []
    tokens = 0
    for path in sorted(Path(folder).rglob("*")):
        if (
            path.suffix.lower() not in NOTE_SUFFIXES
            or not path.is_file()
            or any(part.startswith(".") for part in path.relative_to(folder).parts)
        ):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if not text.strip():
            continue
        offsets = tok(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        tokens += len(offsets)
        for start in range(0, len(offsets), limit):
            span = offsets[start : start + limit]
            windows.append(text[span[0][0] : span[-1][1]])
    model.encode(windows)
    print(json.dumps({"windows": len(windows), "tokens": tokens}))


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])}… failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stdout, done.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    ap.add_argument("--model", default="gte-small-shaped")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baseline-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.baseline_child:
        baseline_child(*args.baseline_child)
        return
    model = bench_model_path(args.model)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    base_s, out, _ = timed([sys.executable, __file__, "--baseline-child", args.folder, model], env)
    base = json.loads(out.strip().splitlines()[-1])
    with tempfile.TemporaryDirectory(prefix="gte-notes-cold-") as tmp:
        env_app = {**env, "GTE_NOTES_CONFIG": str(Path(tmp) / "config")}
        app_s, out, err = timed(
            [
                sys.executable,
                "-m",
                "gte_notes",
                "--data-dir",
                str(Path(tmp) / "data"),
                "--model",
                model,
                "index",
                args.folder,
            ],
            {**env_app, "PYTHONPATH": str(REPO_ROOT)},
        )
    summary = (out.strip().splitlines() or [""])[-1]
    precision = next((line.strip() for line in err.splitlines() if "precision" in line.lower()), "")
    result = {
        "folder": args.folder,
        "model": args.model,
        "baseline_s": round(base_s, 1),
        "app_s": round(app_s, 1),
        "ratio": round(base_s / app_s, 2),
        "baseline_windows": base["windows"],
        "tokens": base["tokens"],
        "app_summary": summary,
        "precision_note": precision,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(header("cold index, whole process: sentence-transformers encode() vs gte-notes index"))
    print(f"{args.folder}; model {args.model}; {base['tokens']:,} tokens, {base['windows']:,} windows")
    print(
        table(
            ["run", "launch → done s"],
            [
                ["sentence-transformers: load, read, encode() (fp32, batch 32)", f"{base_s:.1f}"],
                ["gte-notes index, empty data dir", f"{app_s:.1f}"],
                ["ratio", f"{base_s / app_s:.2f}x"],
            ],
        )
    )
    print(f"app: {summary}")
    if precision:
        print(f"app: {precision}")


if __name__ == "__main__":
    main()
