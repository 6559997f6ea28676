"""Tiny real sentence-transformers model folders for tests: random weights, the real gte-small
tokenizer (shipped in tests/data), a chosen pooling, and optionally code of their own
(config.json auto_map)."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

# gte-small's tokenizer files (MIT), part of the project so the tests need nothing beside a clone.
TOKENIZER_DIR = Path(__file__).resolve().parents[1] / "data" / "gte-small-tokenizer"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def tiny_model(
    folder: Path, *, pooling: str = "mean", hidden: int = 32, max_tokens: int = 128, seed: int = 0
) -> Path:
    """A 1-layer BERT of width `hidden` saved as a sentence-transformers folder (pooling, Normalize)."""
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=hidden,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=max_tokens,
    )
    hf_dir = folder.parent / f"{folder.name}-hf"
    BertModel(config, add_pooling_layer=False).save_pretrained(str(hf_dir))
    for name in TOKENIZER_FILES:
        shutil.copy2(TOKENIZER_DIR / name, hf_dir / name)
    transformer = models.Transformer(str(hf_dir), max_seq_length=max_tokens)
    # Renamed in newer sentence-transformers, which warn on the old name: ask for the new one first.
    width = (
        getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
    )()
    pool = models.Pooling(width, pooling_mode=pooling)
    SentenceTransformer(modules=[transformer, pool, models.Normalize()], device="cpu").save(str(folder))
    shutil.rmtree(hf_dir)
    return folder


def with_own_code(folder: Path, marker: Path) -> Path:
    """Make `folder` a model with code of its own: a config and a model class that transformers imports
    from the folder itself. Importing the code appends a line to `marker`, so a test sees whether it ran."""
    (folder / "configuration_tiny.py").write_text(
        textwrap.dedent("""\
        from transformers import BertConfig


        class TinyConfig(BertConfig):
            model_type = "tiny-notes"
        """)
    )
    (folder / "modeling_tiny.py").write_text(
        textwrap.dedent(f"""\
        from transformers import BertModel

        from .configuration_tiny import TinyConfig

        with open({str(marker)!r}, "a") as fh:  # proof that this code ran
            fh.write("imported\\n")


        class TinyModel(BertModel):
            config_class = TinyConfig
        """)
    )
    config = json.loads((folder / "config.json").read_text())
    config.update(
        {
            "model_type": "tiny-notes",
            "architectures": ["TinyModel"],
            "auto_map": {
                "AutoConfig": "configuration_tiny.TinyConfig",
                "AutoModel": "modeling_tiny.TinyModel",
            },
        }
    )
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    return folder
