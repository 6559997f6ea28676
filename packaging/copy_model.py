"""Copy a sentence-transformers model folder into the bundle under the model's own name.

    copy_model.py MODEL_DIR MODELS_DIR [MODEL_ID]

The copy goes to MODELS_DIR/<org>--<name>/ with `bundled-model.json` ({"model": MODEL_ID}) beside the
weights: that file is how the installed app knows which model it ships (gte_notes/core/files/bundle.py),
so a bundle never shows one model under another's name. MODEL_ID may be left out only for a folder in a
Hugging Face cache (.../models--org--name/snapshots/REV), whose path says it. For a model the app knows
by name (model_catalog: gte-small...) the folder's own config must agree with the catalogue's facts.

A folder from the hub may also hold ONNX, OpenVINO and pickled copies of the weights, a README and git
files; only what loading reads is copied, since the rest would double the package for nothing.
Used by packaging/build.sh.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gte_notes.core.files.bundle import MANIFEST  # after the sys.path line: the repo, not an installed copy
from gte_notes.core.model.model_catalog import known

LOADED_SUFFIXES = (".json", ".txt", ".model")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def model_id_from_cache_path(src: Path) -> str | None:
    """`thenlper/gte-small` for `.../models--thenlper--gte-small/snapshots/REV`; None elsewhere."""
    parts = src.absolute().parts
    for i, part in enumerate(parts[:-2]):
        if part.startswith("models--") and parts[i + 1] == "snapshots":
            org, _, name = part[len("models--") :].partition("--")
            return f"{org}/{name}" if org and name else None
    return None


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check_facts(src: Path, model_id: str) -> None:
    """Refuse to bundle a folder as a catalogued model when its config says it is another one."""
    facts = known(model_id)
    if facts is None:
        return
    config, st = _json(src / "config.json"), _json(src / "sentence_bert_config.json")
    pooling = _json(src / "1_Pooling" / "config.json")
    found = {
        "dim": config.get("hidden_size", facts.dim),
        "max_tokens": st.get("max_seq_length", facts.max_tokens),
        "pooling": "cls" if pooling.get("pooling_mode_cls_token") else "mean" if pooling else facts.pooling,
    }
    wrong = [f"{k} {v} (not {getattr(facts, k)})" for k, v in found.items() if v != getattr(facts, k)]
    if wrong:
        raise SystemExit(
            f"copy_model: {src} is not {model_id}: its config has "
            + ", ".join(wrong)
            + ". Pass the id of the model the folder holds."
        )


def copy_model(src: Path, models: Path, model_id: str) -> tuple[Path, int]:
    """Copy configs, tokenizer files and one copy of the weights; return (the copy, bytes copied)."""
    if not _HUB_ID.match(model_id):
        raise SystemExit(f'copy_model: "{model_id}" is not a model id like org/name')
    check_facts(src, model_id)
    dst = models / model_id.replace("/", "--")
    has_safetensors = any(src.glob("model.safetensors")) or any(src.glob("*/model.safetensors"))
    if dst.exists():
        shutil.rmtree(dst)
    total = 0
    for f in sorted(src.rglob("*")):
        rel = f.relative_to(src)
        # Module subfolders (1_Pooling/, 2_Normalize/) are one level deep; deeper means another format.
        skip = len(rel.parts) > 2 or rel.parts[0].startswith(".") or rel.parts[0] in ("onnx", "openvino")
        if skip or not f.is_file() or rel.name == MANIFEST:
            continue
        weights = f.name == "model.safetensors" or (not has_safetensors and f.name == "pytorch_model.bin")
        if weights or f.suffix in LOADED_SUFFIXES:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dst / rel)
            total += f.stat().st_size
    if not (dst / "config.json").is_file() and not (dst / "modules.json").is_file():
        raise SystemExit(f"copy_model: {src} has no config.json or modules.json")
    (dst / MANIFEST).write_text(json.dumps({"model": model_id}) + "\n", encoding="utf-8")
    return dst, total


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        raise SystemExit("usage: copy_model.py MODEL_DIR MODELS_DIR [MODEL_ID]")
    source = Path(sys.argv[1])
    name = sys.argv[3] if len(sys.argv) == 4 else model_id_from_cache_path(source)
    if not name:
        raise SystemExit(
            f"copy_model: say which model {source} holds (--model-id ORG/NAME): its path does "
            "not name it (only a Hugging Face cache snapshot's does)"
        )
    copied, size = copy_model(source, Path(sys.argv[2]), name)
    print(f"bundled model: {name}, {size / 1e6:.0f} MB from {source} in {copied}")
