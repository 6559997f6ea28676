"""Copy a sentence-transformers model folder into the bundle, keeping only what loading it reads.

A folder from the hub may also hold ONNX, OpenVINO and pickled copies of the weights, a README and git
files; shipping them would double the package for nothing. Used by packaging/build.sh.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

LOADED_SUFFIXES = (".json", ".txt", ".model")


def copy_model(src: Path, dst: Path) -> int:
    """Copy configs, tokenizer files and one copy of the weights from src to dst; return bytes copied."""
    has_safetensors = any(src.glob("model.safetensors")) or any(src.glob("*/model.safetensors"))
    if dst.exists():
        shutil.rmtree(dst)
    total = 0
    for f in sorted(src.rglob("*")):
        rel = f.relative_to(src)
        # Module subfolders (1_Pooling/, 2_Normalize/) are one level deep; deeper means another format.
        skip = len(rel.parts) > 2 or rel.parts[0].startswith(".") or rel.parts[0] in ("onnx", "openvino")
        if skip or not f.is_file():
            continue
        weights = f.name == "model.safetensors" or (not has_safetensors and f.name == "pytorch_model.bin")
        if weights or f.suffix in LOADED_SUFFIXES:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dst / rel)
            total += f.stat().st_size
    if not (dst / "config.json").is_file() and not (dst / "modules.json").is_file():
        raise SystemExit(f"copy_model: {src} has no config.json or modules.json")
    return total


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: copy_model.py MODEL_DIR DEST")
    size = copy_model(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"bundled model: {size / 1e6:.0f} MB from {sys.argv[1]}")
