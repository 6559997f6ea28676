"""Opening the model the user chose, as chosen: its name (a short name is spelled out), the code consent,
the vector size and the passage size. One place for the CLI, the engine and the app, so the three
cannot disagree on what an index's vectors are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gte_notes.core.errors import KnownError
from gte_notes.core.files.config import Settings
from gte_notes.core.markdown.chunking import DEFAULT_TARGET_TOKENS, MIN_PASSAGE_TOKENS
from gte_notes.core.model.dims import with_dims
from gte_notes.core.model.model_catalog import CodeConsent, canonical_name, code_digest


def consent_of(settings: Settings, now: bool = False) -> CodeConsent:
    return CodeConsent(granted=dict(settings.trusted_code), now=now)


def remember_consent(settings: Settings, name: str, path: Path) -> bool:
    """Record that the user agreed to run `name`'s code as it is now; True if that is new."""
    digest = code_digest(path)
    if settings.trusted_code.get(name) == digest:
        return False
    settings.trusted_code = {**settings.trusted_code, name: digest}
    return True


def check_passage_tokens(n: int) -> int:
    if n and n < MIN_PASSAGE_TOKENS:
        raise KnownError(
            f"--passage-tokens {n} is too small: passages need at least {MIN_PASSAGE_TOKENS} "
            f"tokens (0 for the default, {DEFAULT_TARGET_TOKENS}). Nothing was changed."
        )
    return n


def open_chosen(
    name: str,
    precision: str,
    data_dir: Path,
    *,
    dims: int = 0,
    passage_tokens: int = 0,
    consent: CodeConsent | None = None,
    quick: bool = True,
    save_encoder: bool = False,
) -> Any:
    """The embedder for `name` with the chosen vector size and passage size.

    quick=True: the app's fast start (a saved query encoder; notes embedded by the full model in a
    process of its own, note_process.py, so the app's memory comes back after indexing);
    quick=False: the full model at once, in this process (the CLI, the evaluations); with save_encoder
    its query encoder is saved too, if missing (the CLI's writers: the next `search` loads no model).
    """
    name = canonical_name(name)
    check_passage_tokens(passage_tokens)
    if quick:
        from gte_notes.core.model.serving import open_embedder

        embedder = open_embedder(name, precision, data_dir, consent, notes_apart=True)
    else:
        from gte_notes.core.model.embedder import Embedder, load_embedder

        embedder = load_embedder(name, precision, data_dir, consent)
        if save_encoder and isinstance(embedder, Embedder):  # not a stand-in the tests give
            from gte_notes.core.model.serving import remember_query_encoder

            remember_query_encoder(embedder, precision, data_dir)
    embedder = with_dims(embedder, dims)
    # The chunker reads it off the embedder it is given (chunking.passage_target), as it reads max_tokens.
    embedder.passage_tokens = passage_tokens or None
    return embedder


def open_for_settings(
    settings: Settings, data_dir: Path, *, model: str | None = None, precision: str | None = None
) -> Any:
    """The app's model (engine and GUI): as the settings choose it, with their remembered consents."""
    return open_chosen(
        settings.model_name(model),
        precision or settings.precision,
        data_dir,
        dims=settings.dims,
        passage_tokens=settings.passage_tokens,
        consent=consent_of(settings),
    )
